"""The audit log's vocabulary: one enumeration of actions, system actors named as such."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from epiaid.core.actors import Actor
from epiaid.core.audit import AuditAction, record

SRC = Path(__file__).resolve().parents[2] / "src" / "epiaid"


def _literal_actions() -> dict[str, list[str]]:
    """Every string literal passed as the action of a ``record(...)``/``event(...)`` call, with places."""
    found: dict[str, list[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if (
                name in ("record", "event")
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.setdefault(node.args[1].value, []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_action_written_in_the_code_is_in_the_vocabulary() -> None:
    actions = _literal_actions()
    assert len(actions) > 10, "the scan found the record() calls"
    unknown = {a: places for a, places in actions.items() if a not in AuditAction.values}
    assert unknown == {}


@pytest.mark.django_db
def test_a_free_string_action_is_refused_and_nothing_is_written() -> None:
    from epiaid.core.models import AuditEvent

    with pytest.raises(ValueError, match=re.escape("unknown audit action 'xray.red'")):
        record(None, "xray.red", "xray.study")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_system_actors_are_recorded_by_name_and_users_as_themselves(make_user: Any) -> None:
    scheduler = record(None, "delete", "test.thing", actor=Actor.system("scheduler"))
    assert scheduler.actor_label == "system:scheduler" and scheduler.actor is None
    nobody = record(None, "view", "test.thing")
    assert nobody.actor_label == "anonymous"
    user = make_user("reviewer", username="검토자")
    event = record(None, "view", "test.thing", actor=user)
    assert event.actor_label == "검토자" and event.actor == user


def test_every_action_fits_the_audit_column() -> None:
    from epiaid.core.models import AuditEvent

    width = AuditEvent._meta.get_field("action").max_length
    assert width is not None
    assert [a for a in AuditAction.values if len(a) > width] == []


@pytest.mark.django_db
def test_the_actor_kind_is_recorded_beside_the_label(make_user: Any) -> None:
    assert record(None, "purge", "t", actor=Actor.system("retention")).actor_kind == "system"
    assert record(None, "view", "t").actor_kind == "anonymous"
    assert record(None, "view", "t", actor=make_user("reviewer")).actor_kind == "user"
    assert record(None, "update", "t", actor=Actor("seller", "seller:A123")).actor_kind == "seller"
