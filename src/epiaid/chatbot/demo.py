"""Demo data for ``make run``: the project's Korean FAQ always; with ../shared/data also the deepset English
FAQ corpora (the JHU scrape, 1,238 more English entries, is one command away:
``epiaid chatbot import ../shared/data/chat/jhu_covid_qa/scraped.tsv``; it makes the first index build take
minutes on 2 cores). Each file goes through the ordinary importer and prints its report; then the retrieval
index is built once and stored in the data folder, so the server answers its first question at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from epiaid.chatbot.models import KnowledgeEntry
from epiaid.chatbot.services import import_faq, knowledge
from epiaid.core.actors import Actor

PROJECT_FAQ = Path(__file__).parent / "data" / "faq_ko.csv"
CORPORA = (
    Path("chat/deepset_covid_qa/faq_covidbert.csv"),
    Path("chat/deepset_covid_qa/faq_200327.tsv"),
)
DEMO = Actor.system("demo")


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    files = [PROJECT_FAQ] if PROJECT_FAQ.is_file() else []
    if shared is not None:
        files += [shared / rel for rel in CORPORA if (shared / rel).is_file()]
    for path in files:
        log(f"    {import_faq(path, actor=DEMO).summary()}")
    started = time.monotonic()
    knowledge.retriever()
    log(f"    retrieval index ready in {time.monotonic() - started:.0f} s (stored for restarts)")
    active = KnowledgeEntry.objects.filter(active=True)
    ko, en = active.filter(lang="ko").count(), active.filter(lang="en").count()
    return f"{ko} Korean and {en} English FAQ entries from {len(files)} file(s)"
