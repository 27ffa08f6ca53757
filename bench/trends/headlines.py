"""Synthetic Korean headlines with a news-like vocabulary: Zipf-distributed nouns, particles, numbers.

No public Korean headline corpus is available offline, so benchmarks compose headlines from a list of
epidemic-era news nouns with case particles, verb endings and fresh numbers (numbers make many
distinct words, so a per-word cache cannot simply memorise a few templates).
"""

from __future__ import annotations

import numpy as np

_NOUN_TEXT = """
정부 코로나19 확진자 신천지 대구 경북 서울 마스크 약국 병상 의료진
방역당국 질병관리본부 중앙방역대책본부 사회적거리두기 자가격리 해외유입
집단감염 선별진료소 검사 진단키트 치료제 백신 입국 중국 우한 일본 미국
이탈리아 유럽 세계보건기구 팬데믹 학교 개학 온라인 수업 학부모 학생
교사 기업 재택근무 자영업자 소상공인 매출 경제 주가 환율 수출
재난지원금 국회 여당 야당 총선 투표 선거 대통령 총리 장관 시장 도지사
교회 예배 종교 행사 공연 관객 프로야구 개막 여행 항공 호텔 관광 식당
카페 클럽 이태원 콜센터 요양병원 병원 환자 사망자 완치자 격리해제
무증상 잠복기 전파 감염경로 역학조사 동선 공개 개인정보 앱 위치 추적
마스크5부제 공적마스크 품귀 가격 생산 수급 대란 줄 시민 주민 봉사자
기부 후원 성금 의사 간호사 구급차 음압병실 생활치료센터 대응 지침 기준
단계 격상 완화 연장 강화 조치 명령 금지 제한 폐쇄 휴업 휴교 연기
취소 재개 회복 우려 공포 불안 혐오 가짜뉴스 루머 해명 발표 브리핑
기자회견 통계 그래프 전망 분석 연구 논문 전문가 교수
"""
NOUNS: tuple[str, ...] = tuple(_NOUN_TEXT.split())
#: particle pairs: (after a final consonant, after a vowel); Korean particles agree with the last syllable.
PARTICLES = (
    ("", ""),
    ("", ""),
    ("", ""),
    ("이", "가"),
    ("은", "는"),
    ("을", "를"),
    ("에", "에"),
    ("에서", "에서"),
    ("으로", "로"),
    ("도", "도"),
    ("만", "만"),
    ("의", "의"),
    ("과", "와"),
)


def _attach(noun: str, pair: tuple[str, str]) -> str:
    last = ord(noun[-1]) - 0xAC00
    batchim = 0 <= last < 11172 and last % 28 != 0
    if noun[-1].isdigit():
        batchim = noun[-1] in "0136789"
    return noun + (pair[0] if batchim else pair[1])


ENDINGS = (
    "",
    "",
    "확산",
    "급증",
    "비상",
    "우려",
    "논란",
    "검토",
    "발표",
    "추진",
    "…",
    "했다",
    "한다",
    "될까",
    "없어",
    "속출",
    "돌파",
    "최다",
    "첫",
)
UNITS = ("명", "건", "곳", "일", "%", "만명", "억원", "배")


def generate(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(NOUNS) + 1)
    p = 1.0 / ranks
    p /= p.sum()
    out = []
    for _ in range(n):
        words = []
        for _ in range(int(rng.integers(4, 9))):
            r = rng.random()
            if r < 0.12:
                words.append(f"{int(rng.integers(1, 5000))}{UNITS[int(rng.integers(len(UNITS)))]}")
            elif r < 0.22:
                words.append(ENDINGS[int(rng.integers(len(ENDINGS)))] or "속보")
            else:
                noun = NOUNS[int(rng.choice(len(NOUNS), p=p))]
                words.append(_attach(noun, PARTICLES[int(rng.integers(len(PARTICLES)))]))
        out.append(" ".join(words))
    return out
