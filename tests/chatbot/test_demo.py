"""``make run`` loads the chatbot's demo knowledge base through the ordinary importer."""

from __future__ import annotations

from typing import Any

import pytest

from epiaid.chatbot.demo import load_demo
from epiaid.chatbot.models import KnowledgeEntry

pytestmark = pytest.mark.django_db


@pytest.mark.slow  # embeds all 172 entries: about a minute on 2 busy cores
def test_without_shared_data_the_project_korean_faq_is_loaded() -> None:
    lines: list[str] = []
    summary = load_demo(None, lines.append)
    assert KnowledgeEntry.objects.filter(lang="ko", origin="project").count() >= 150
    assert "Korean" in summary and lines and "rejected 0" in lines[0] and "index ready" in lines[-1]


@pytest.mark.slow
def test_loading_twice_changes_nothing(shared_data: Any) -> None:
    load_demo(shared_data, lambda _: None)
    count = KnowledgeEntry.objects.count()
    lines: list[str] = []
    load_demo(shared_data, lines.append)
    assert KnowledgeEntry.objects.count() == count and all("created 0" in line for line in lines[:-1])
