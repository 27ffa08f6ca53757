"""Korean tokenisation, keyword groups with renamed terms, new words, related words, counting."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from epiaid.trends.engine import cooccur
from epiaid.trends.engine.keywords import count_by_day, count_python
from epiaid.trends.engine.text import DEFAULT_GROUPS, KeywordGroup, TermChange, Tokeniser


@pytest.fixture(scope="module")
def tok() -> Tokeniser:
    return Tokeniser(user_words=[("K방역", "NNP")], num_workers=1)


def test_new_epidemic_terms_stay_one_token(tok: Tokeniser) -> None:
    tokens = tok.tokenise("코로나19 확진자 급증에 사회적거리두기 격상, K방역 주목")
    assert {"코로나19", "확진자", "사회적거리두기", "k방역"} <= set(tokens)


def test_particles_and_endings_are_dropped_and_english_is_lower_cased(tok: Tokeniser) -> None:
    assert tok.tokenise("마스크를 약국에서 샀다") == ["마스크", "약국"]
    assert tok.tokenise("WHO declares a pandemic") == ["who", "declares", "pandemic"]


def test_the_eojeol_cache_mostly_agrees_with_whole_sentence_analysis(tok: Tokeniser) -> None:
    heads = ["정부, 코로나19 위기경보 심각 격상", "공적 마스크 5부제 첫날 약국 앞 긴 줄", "대구 병상 부족 심각"]
    fast, ref = tok.tokenise_many(heads), tok.tokenise_sentences(heads)
    assert fast[0] == ref[0] and fast[2] == ref[2]
    # Known context loss: alone, 첫날 splits into 첫 + 날; the nouns otherwise agree.
    assert set(fast[1]) ^ set(ref[1]) <= {"날", "첫날"}


def test_empty_and_huge_documents_are_handled(tok: Tokeniser) -> None:
    out = tok.tokenise_many(["", "   ", "마스크 " * 20_000])
    assert out[0] == [] and out[1] == [] and 0 < len(out[2]) <= 5_000


def test_new_words_are_discovered_from_the_corpus(tok: Tokeniser) -> None:
    rng = np.random.default_rng(0)
    fillers = ["정부", "발표", "확산", "우려", "대응", "지역", "시민", "현장", "방역", "학교", "병원", "검사"]
    particles = ["이", "은", "을", "에", "도", "의", "과", "으로", "까지", "만", ""]
    texts = [
        f"{rng.choice(fillers)}가 깜깜이감염{rng.choice(particles)} {rng.choice(fillers)} 말했다" for _ in range(300)
    ]
    words = [w["word"] for w in tok.discover_words(texts, min_count=10)]
    assert words[0] == "깜깜이감염"
    assert "정부" not in words  # known nouns are not new


def test_a_renamed_term_counts_for_the_same_issue_and_its_takeover_is_visible() -> None:
    group = KeywordGroup("코로나19", ["코로나19"], [TermChange("우한 폐렴", "코로나19", date(2020, 2, 12))])
    texts = ["우한 폐렴 확산", "우한폐렴 공포", "코로나19 확진", "코로나19 대응"]
    days = [date(2020, 2, 1), date(2020, 2, 1), date(2020, 2, 20), date(2020, 2, 20)]
    counts = count_by_day(texts, days, [group])
    assert counts["코로나19"].tolist() == [2, 2]
    shares = group.term_shares(texts, days)
    assert shares["우한 폐렴"][date(2020, 2, 1)] == 2 and shares["코로나19"][date(2020, 2, 20)] == 2


@pytest.mark.parametrize("parallel_from", [10**9, 100])
def test_fast_keyword_counting_agrees_with_the_plain_python_reference(
    parallel_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from epiaid.trends.engine import keywords

    monkeypatch.setattr(keywords, "PARALLEL_MIN", parallel_from)  # also exercise the threaded scan
    rng = np.random.default_rng(1)
    vocab = ["마스크 품귀", "COVID-19 cases", "날씨 맑음", "신천지 교인", "사회적 거리두기", "백신 개발", "우한 폐렴"]
    texts = [" ".join(rng.choice(vocab, 2)) for _ in range(2000)]
    days = rng.integers(0, 10, 2000)
    fast = count_by_day(texts, days, DEFAULT_GROUPS)
    slow = count_python(texts, days.tolist(), DEFAULT_GROUPS)
    assert (fast.to_numpy() == slow.loc[fast.index].to_numpy()).all()


def test_related_words_rank_true_companions_above_chance() -> None:
    docs = [["마스크", "약국", "줄"]] * 30 + [["마스크", "가격"]] * 10 + [["날씨", "약국"]] * 5 + [["날씨", "줄"]] * 40
    related = cooccur.related_words(docs, "마스크")
    words = [r.word for r in related]
    assert words[0] == "약국" and "가격" in words
    assert all(r.pmi > 0 for r in related)


def test_before_after_comparison_shows_new_and_fading_words() -> None:
    before = [["코로나19", "우한"]] * 20 + [["날씨"]] * 20
    after = [["코로나19", "신천지"]] * 20 + [["코로나19", "우한"]] * 2 + [["날씨"]] * 20
    cmp = cooccur.compare_periods(before, after, "코로나19")
    assert cmp["new"][0]["word"] == "신천지"
    assert cmp["falling"][0]["word"] == "우한"


def test_cooccurrence_network_links_words_read_together() -> None:
    docs = [["마스크", "약국"]] * 5 + [["병상", "대구"]] * 5
    g = cooccur.cooccurrence_graph(docs, min_pair=3)
    assert g.has_edge("마스크", "약국") and not g.has_edge("마스크", "대구")
