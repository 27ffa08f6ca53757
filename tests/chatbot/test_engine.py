"""Retrieval engine: the interface the chatbot app codes against, on a tiny knowledge base of our own."""

from __future__ import annotations

import pytest

from epiaid.chatbot.engine.retrieval import Entry, Hit, Result, Retriever, detect_lang

KB = [
    Entry("mask", "Should I wear a face mask in public?", "Wear a mask where you cannot keep 2 m apart."),
    Entry("symptoms", "What are the symptoms of COVID-19?", "Fever, dry cough, tiredness, loss of taste or smell."),
    Entry("incubation", "How long is the incubation period?", "Usually 5-6 days, up to 14 days."),
    Entry(
        "pets",
        "Can my dog or cat get the coronavirus?",
        "A few animals were infected; there is no sign pets spread it.",
    ),
    Entry("wash", "How should I wash my hands?", "With soap and water for at least 20 seconds."),
    Entry(
        "clinic",
        "선별진료소는 어디에 있나요?",
        "가까운 선별진료소는 보건소나 1339 콜센터에서 안내받을 수 있습니다.",
        variants=("코로나19 검사는 어디서 받나요?",),
        lang="ko",
    ),
    Entry("isolation", "자가격리 기간은 며칠인가요?", "자가격리는 마지막 접촉일로부터 14일입니다.", lang="ko"),
    Entry(
        "mask5", "마스크5부제가 무엇인가요?", "출생연도 끝자리에 따라 요일별로 공적마스크를 살 수 있습니다.", lang="ko"
    ),
]


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever.build(KB)


def test_exact_question_is_the_confident_top_hit(retriever: Retriever) -> None:
    result = retriever.search("What are the symptoms of COVID-19?")
    assert isinstance(result, Result) and isinstance(result.hits[0], Hit)
    assert result.hits[0].entry_id == "symptoms"
    assert not result.abstain
    assert result.lang == "en"


def test_paraphrase_finds_the_entry(retriever: Retriever) -> None:
    assert retriever.search("which symptoms does covid cause").hits[0].entry_id == "symptoms"
    assert retriever.search("do I need to wear masks outside").hits[0].entry_id == "mask"


def test_korean_question_and_variant(retriever: Retriever) -> None:
    result = retriever.search("코로나 검사 어디서 받을 수 있어요?")
    assert result.lang == "ko"
    assert result.hits[0].entry_id == "clinic"
    assert retriever.search("자가격리는 며칠 해야 하나요").hits[0].entry_id == "isolation"


def test_scores_are_probabilities_in_rank_order(retriever: Retriever) -> None:
    hits = retriever.search("how long is the incubation", k=5).hits
    assert len(hits) == 5
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_k_is_bounded_by_the_knowledge_base(retriever: Retriever) -> None:
    assert len(retriever.search("masks", k=100).hits) == len(KB)
    assert len(retriever.search("masks", k=0).hits) == 1


def test_unrelated_question_scores_below_a_related_one(retriever: Retriever) -> None:
    # (abstention itself is calibrated on knowledge bases of 150+ entries: see test_engine_real.py)
    off = retriever.search("What is the capital of Australia and its population?").hits[0].score
    on = retriever.search("how long is the incubation period of the virus").hits[0].score
    assert off < on


def test_similarity_orders_paraphrases_above_unrelated(retriever: Retriever) -> None:
    close = retriever.similarity("What are the symptoms of COVID-19?", "Which symptoms does covid-19 cause?")
    far = retriever.similarity("What are the symptoms of COVID-19?", "How should I wash my hands?")
    assert 0.0 <= far < close <= 1.0
    assert retriever.similarity("", "anything") == 0.0


def test_detect_lang() -> None:
    assert detect_lang("선별진료소는 어디에 있나요?") == "ko"
    assert detect_lang("Where is the nearest clinic?") == "en"
    assert detect_lang("코로나19 test 어디서 받나요") == "ko"
    assert detect_lang("") == "en"


def test_empty_knowledge_base_abstains() -> None:
    result = Retriever.build([]).search("anything")
    assert result.abstain and result.hits == []


def test_embedders_ship_in_installed_packages_and_leave_the_environment_alone() -> None:
    import os

    from epiaid.chatbot.engine.semantic import DEFAULT, get_embedders

    before = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    embedders = get_embedders(DEFAULT)
    assert [e.name for e in embedders] == ["multilingual-e5-small-q4", "use-multilingual-v3"]
    assert {k: os.environ.get(k) for k in before} == before
    for emb in embedders:
        v = emb.encode(["What are the symptoms?", "증상이 무엇인가요?", "How do I wash my hands?"])
        assert v.shape == (3, emb.dim)
        assert abs(float(v[0] @ v[0]) - 1.0) < 1e-3
        assert float(v[0] @ v[1]) > float(v[0] @ v[2])  # the Korean question is the closer one
    assert get_embedders("none") == []


def test_lexical_only_retrieval_still_works() -> None:
    retriever = Retriever(KB, embedder="none")
    assert retriever.embedder_name == "none"
    assert retriever.search("symptoms of covid-19").hits[0].entry_id == "symptoms"


def test_duplicate_questions_share_a_group_and_keep_their_confidence() -> None:
    kb = [*KB, Entry("symptoms-2", "What are the symptoms of COVID-19 ?", "Fever and cough.")]
    retriever = Retriever.build(kb)
    sig = retriever.signals("What are the symptoms of COVID-19?")
    ids = {e.id: i for i, e in enumerate(kb)}
    assert sig["_group"][ids["symptoms"]] == sig["_group"][ids["symptoms-2"]]
    assert sig["_group"][ids["symptoms"]] != sig["_group"][ids["mask"]]
    result = retriever.search("What are the symptoms of COVID-19?", k=2)
    assert {h.entry_id for h in result.hits} == {"symptoms", "symptoms-2"}
    assert not result.abstain


def test_concurrent_searches_agree_with_sequential_ones(retriever: Retriever) -> None:
    from concurrent.futures import ThreadPoolExecutor

    messages = ["자가격리는 며칠?", "코로나 검사 어디서", "symptoms of covid", "mask outside?", "마스크5부제"] * 8
    expected = [retriever.search(m).hits[0].entry_id for m in messages]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda m: retriever.search(m).hits[0].entry_id, messages))
    assert got == expected


def test_a_built_index_saves_and_loads(retriever: Retriever, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "index.pickle"
    retriever.save(path)
    loaded = Retriever.load(path)
    assert loaded.embedder_name == retriever.embedder_name
    for message in ("자가격리는 며칠?", "symptoms of covid", "What is the capital of Australia?"):
        a, b = retriever.search(message, k=3), loaded.search(message, k=3)
        assert a == b
