"""``epiaid chatbot import | ask | queue``: the knowledge base and the staff queue from the shell."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from epiaid.chatbot.cli import app
from epiaid.chatbot.models import KnowledgeEntry

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
runner = CliRunner()


def test_import_prints_the_report_and_refuses_a_malformed_file(db: Any, tmp_path: Any) -> None:
    result = runner.invoke(app, ["import", str(FIXTURES / "faq_small.csv")])
    assert result.exit_code == 0 and "created 6" in result.output and "row 9: question" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert KnowledgeEntry.objects.count() == 6


def test_ask_and_queue(kb: Any, make_user: Any) -> None:
    result = runner.invoke(app, ["ask", "Zorblat frimble 010-1111-2222?", "--session", "shell"])
    assert result.exit_code == 0
    assert json.loads(result.output[result.output.index("{") :])["kind"] == "abstain"
    make_user("health_staff", username="agent")
    listing = runner.invoke(app, ["queue", "--user", "agent"])
    assert listing.exit_code == 0 and "Zorblat" in listing.output and "1111-2222" not in listing.output
    refused = runner.invoke(app, ["queue", "--user", "nobody"])
    assert refused.exit_code == 2
