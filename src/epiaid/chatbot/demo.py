"""Demo data for ``make run``: the project's Korean FAQ always; with ../shared/data also the deepset and JHU
English FAQ corpora. Each file goes through the ordinary importer and prints its report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from epiaid.chatbot.models import KnowledgeEntry
from epiaid.chatbot.services import import_faq
from epiaid.core.actors import Actor

PROJECT_FAQ = Path(__file__).parent / "data" / "faq_ko.csv"
CORPORA = (
    Path("chat/deepset_covid_qa/faq_covidbert.csv"),
    Path("chat/deepset_covid_qa/faq_200327.tsv"),
    Path("chat/jhu_covid_qa/scraped.tsv"),
)
DEMO = Actor.system("demo")


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    files = [PROJECT_FAQ] if PROJECT_FAQ.is_file() else []
    if shared is not None:
        files += [shared / rel for rel in CORPORA if (shared / rel).is_file()]
    for path in files:
        log(f"    {import_faq(path, actor=DEMO).summary()}")
    active = KnowledgeEntry.objects.filter(active=True)
    ko, en = active.filter(lang="ko").count(), active.filter(lang="en").count()
    return f"{ko} Korean and {en} English FAQ entries from {len(files)} file(s)"
