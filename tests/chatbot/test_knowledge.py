"""The knowledge base: imports with a per-row report (nothing half imported), curation by staff, the
retriever rebuilt when entries change, and every answer shown with its source and review date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from epiaid.chatbot.models import KnowledgeEntry, Origin
from epiaid.chatbot.services import ImportFileError, import_faq, knowledge, save_entry
from epiaid.core.actors import Actor
from epiaid.core.errors import BadInput, Forbidden
from epiaid.core.models import AuditEvent

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
DEMO = Actor.system("demo")


def test_faq_covidbert_format_is_imported_with_a_report_per_row(kb: dict[str, Any]) -> None:
    report = kb["en"]
    assert (report.read, report.created, len(report.skipped)) == (9, 6, 1)  # the German row is not served
    assert [(r.row, r.field) for r in report.rejected] == [(9, "question"), (10, "answer")]
    assert "script" in report.rejected[1].reason
    entry = KnowledgeEntry.objects.get(question="How does the virus spread?")
    assert entry.source_name == "Center for Disease Control and Prevention (CDC)"
    assert entry.source_url == "https://www.cdc.gov/coronavirus/2019-ncov/faq.html"
    assert entry.last_reviewed == date(2020, 3, 17) and entry.lang == "en" and entry.origin == Origin.CSV


def test_the_project_korean_faq_keeps_its_variants_source_and_author(kb: dict[str, Any]) -> None:
    entry = KnowledgeEntry.objects.get(origin=Origin.PROJECT, origin_key="ko-t-002")
    assert entry.lang == "ko" and entry.topic == "자가격리"
    assert entry.variants == ["자가격리 수칙 알려주세요", "자가격리 중 외출해도 되나요"]
    assert entry.authored_by == "epiaid project" and entry.source_name.startswith("질병관리본부")


def test_reimporting_updates_in_place_and_never_duplicates(kb: dict[str, Any]) -> None:
    again = import_faq(FIXTURES / "faq_small.csv", actor=DEMO)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert KnowledgeEntry.objects.filter(origin=Origin.CSV).count() == 6


def test_a_file_malformed_as_a_whole_changes_nothing(db: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,body\nx,y\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown FAQ file"):
        import_faq(bad, actor=DEMO)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"question,answer\n\x00\x01\x02")
    with pytest.raises(ImportFileError, match="binary"):
        import_faq(binary, actor=DEMO)
    assert KnowledgeEntry.objects.count() == 0


def test_a_row_error_mid_file_does_not_stop_the_good_rows_and_a_crash_leaves_nothing(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("question,answer\nOne?,First.\nTwo?,Second.\n", encoding="utf-8")
    calls = {"n": 0}
    real_create = KnowledgeEntry.objects.create

    def failing_create(**kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_create(**kw)

    monkeypatch.setattr(KnowledgeEntry.objects, "create", failing_create)
    with pytest.raises(RuntimeError):
        import_faq(path, actor=DEMO)
    assert KnowledgeEntry.objects.count() == 0  # one transaction: the first row went too


def test_any_csv_in_the_faq_covidbert_format_needs_only_question_and_answer(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("question,answer\nAre schools closed?,Schools open online from 9 April.\n", encoding="utf-8")
    report = import_faq(path, actor=DEMO, today=date(2020, 4, 1))
    entry = KnowledgeEntry.objects.get()
    assert report.created == 1 and entry.origin == Origin.CSV
    assert entry.source_name == "mine.csv" and entry.last_reviewed == date(2020, 4, 1)
    assert report.warnings and "import date" in report.warnings[0].reason


def test_cp949_files_are_read(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "ko.csv"
    path.write_bytes("question,answer,lang\n마스크는 언제 쓰나요?,사람이 많은 곳에서 씁니다.,ko\n".encode("cp949"))
    report = import_faq(path, actor=DEMO)
    assert report.encoding == "cp949" and KnowledgeEntry.objects.get().lang == "ko"


def test_staff_curate_entries_others_are_refused_and_audited(kb: dict[str, Any], staff: Actor, make_user: Any) -> None:
    data = {
        "question": "Are public baths open?",
        "variants": ["Can I go to the sauna?"],
        "answer": "Public baths are advised to close during intensive social distancing.",
        "source_name": "MOHW press release",
        "source_url": "https://www.mohw.go.kr/",
        "lang": "en",
        "last_reviewed": "2020-03-22",
    }
    entry = save_entry(staff, data)
    assert entry.origin == Origin.STAFF and entry.variants == ["Can I go to the sauna?"]
    assert AuditEvent.objects.filter(action="chatbot.kb_create", object_id=str(entry.id), actor_label="agent").exists()
    with pytest.raises(BadInput, match="source_name"):
        save_entry(staff, {**data, "source_name": ""})
    with pytest.raises(BadInput, match="last_reviewed"):
        save_entry(staff, {**data, "last_reviewed": None})
    clinician = Actor.of(make_user("clinician", username="doc"))
    with pytest.raises(Forbidden):
        save_entry(clinician, data)
    assert AuditEvent.objects.filter(action="denied", actor_label="doc", target="chatbot.knowledge").exists()


def test_the_retriever_is_rebuilt_when_the_knowledge_base_changes(kb: dict[str, Any], staff: Actor) -> None:
    first, _ = knowledge.retriever()
    same, _ = knowledge.retriever()
    assert first is same
    entry = KnowledgeEntry.objects.get(question="Can pets spread COVID-19?")
    save_entry(staff, {**knowledge.entry_dict(entry), "active": False}, entry_id=entry.id)
    rebuilt, entries = knowledge.retriever()
    assert rebuilt is not first and entry.id not in entries


def test_every_faq_reply_carries_its_source_link_and_review_date(kb: dict[str, Any], say: Any) -> None:
    reply = say("How does the virus spread?")
    assert reply.kind == "faq"
    assert reply.source["source_url"] == "https://www.cdc.gov/coronavirus/2019-ncov/faq.html"
    assert reply.source["last_reviewed"] == "2020-03-17"
    assert "Center for Disease Control and Prevention (CDC)" in reply.text and "2020-03-17" in reply.text
    ko = say("자가격리 수칙 알려주세요", session="s2")
    assert ko.kind == "faq" and ko.lang == "ko" and "출처:" in ko.text and "2020-03-20" in ko.text


def test_the_real_corpora_import(shared_data: Path) -> None:
    folder = shared_data / "chat"
    reports = [
        import_faq(folder / "deepset_covid_qa" / "faq_covidbert.csv", actor=DEMO),
        import_faq(folder / "deepset_covid_qa" / "faq_200327.tsv", actor=DEMO),
        import_faq(folder / "jhu_covid_qa" / "scraped.tsv", actor=DEMO),
    ]
    covidbert, multi, jhu = reports
    assert covidbert.created + len(covidbert.rejected) == 213
    assert multi.read == 896 and len(multi.skipped) == 896 - 224
    assert jhu.read == 2027 and len(jhu.skipped) == 2027 - 1245
    assert jhu.created > 1000
    assert not KnowledgeEntry.objects.filter(source_name="").exists()


def test_a_restarted_server_loads_the_built_index_from_disk(kb: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    knowledge._CACHE.retriever = None
    first, _ = knowledge.retriever()
    stored = list((tmp_path / "chatbot").glob("retriever-*.pickle"))
    assert len(stored) == 1
    knowledge._CACHE.retriever = None  # as after a restart
    loaded, entries = knowledge.retriever()
    assert loaded is not first
    hit = loaded.search("How does the virus spread?", k=1).hits[0]
    assert entries[int(hit.entry_id)].question == "How does the virus spread?"
