"""Pages: the chat widget on the public pages (script in a static file), the chat page, and the staff
queue, question, gap report and knowledge pages (role-checked, reads audited)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from epiaid.chatbot.models import KnowledgeEntry, QueuedQuestion
from epiaid.core.models import AuditEvent

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/situation/", "/masks/", "/chatbot/"])
def test_the_widget_is_on_the_public_pages_without_inline_script(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    assert 'id="chatbot-widget"' in html and "chatbot/widget.js" in html
    assert html.count('id="chatbot-widget"') == 1
    assert 'role="log"' in html and 'for="chatbot-input"' in html  # a labelled input, a live region


def test_the_chat_page_is_in_korean_and_english(client: Client) -> None:
    ko = client.get("/chatbot/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    en = client.get("/chatbot/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "코로나19 상담 챗봇" in ko and "COVID-19 chatbot" in en
    assert 'data-lang="ko"' in ko and 'data-lang="en"' in en


def test_staff_pages_need_the_role(client_as: Any) -> None:
    assert client_as("public").get("/chatbot/staff/").status_code == 302
    assert client_as("clinician").get("/chatbot/staff/").status_code == 403
    assert client_as("health_staff").get("/chatbot/staff/").status_code == 200


def test_staff_answer_and_promote_from_the_question_page(kb: Any, say: Any, client_as: Any) -> None:
    say("Zorblat frimble 010-2222-3333 quxx?")
    staff = client_as("health_staff")
    listing = staff.get("/chatbot/staff/").content.decode()
    assert "010-2222-3333" not in listing and "Zorblat" in listing
    qid = QueuedQuestion.objects.get().id
    page = staff.get(f"/chatbot/staff/questions/{qid}/").content.decode()
    assert "010-2222-3333" in page
    assert AuditEvent.objects.filter(action="chatbot.question_view", object_id=str(qid)).exists()
    staff.post(f"/chatbot/staff/questions/{qid}/", {"action": "answer", "answer": "Call 1339 for that."})
    assert QueuedQuestion.objects.get().status == "answered"
    staff.post(
        f"/chatbot/staff/questions/{qid}/",
        {
            "action": "promote",
            "question": "Zorblat frimble?",
            "answer": "Call 1339 for that.",
            "source_name": "KDCA call centre",
            "lang": "en",
            "last_reviewed": "2020-03-20",
        },
    )
    assert KnowledgeEntry.objects.filter(question="Zorblat frimble?", origin="promoted").exists()
    assert staff.get("/chatbot/staff/gaps/").status_code == 200


def test_the_knowledge_page_imports_a_file_and_edits_an_entry(db: Any, client_as: Any) -> None:
    staff = client_as("health_staff")
    with (FIXTURES / "faq_small.csv").open("rb") as fh:
        page = staff.post("/chatbot/staff/knowledge/", {"file": fh}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "created 6" in page and "row 9" in page
    entry = KnowledgeEntry.objects.get(question="Can pets spread COVID-19?")
    form = {
        "question": entry.question,
        "answer": "No evidence so far.",
        "source_name": entry.source_name,
        "source_url": entry.source_url,
        "lang": "en",
        "last_reviewed": "2020-04-01",
        "variants": "Do dogs spread it?",
    }
    response = staff.post(f"/chatbot/staff/knowledge/{entry.id}/", form)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "No evidence so far." and entry.variants == ["Do dogs spread it?"] and not entry.active
