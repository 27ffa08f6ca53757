"""Which live answer a message asks for, by rule (Korean and English), with its numbers.

Four intents answer from our own data: ``clinics`` (nearest screening clinics), ``visits`` (disclosed
case visits near a place in the last N days), ``mask_stock`` (outlets with masks in stock near a place)
and ``mask_day`` ("can I buy masks today?" by birth year). Anything else is ``None`` and goes to the
FAQ. Rules, not a model: they must be exact on the generated query set
(``data/live_queries_ko_en.csv``, measured by tests/chatbot/test_live_intents.py), and a general
question about masks ("마스크는 어떻게 써야 하나요?") must not turn into a stock look-up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

INTENTS = ("nearest_clinic", "cases_near", "masks_near", "mask_buy_day")


@dataclass(frozen=True)
class Intent:
    name: str
    days: int | None = None
    birth_year: int | None = None
    near_me: bool = False


_MASK = re.compile(r"마스크|\bmasks?\b|\bkf94\b|\bkf80\b", re.I)
_MASK_DAY = re.compile(
    r"5부제|오부제|요일|년생|출생|태어|생년|언제\s*(살|사|구매|구입)|오늘.*(살|사|구매|구입)|(살|사|구매|구입)[^\s]*\s*(수|있)|"
    r"\bborn\b|birth|\brota\b|\bwhich day\b|\bwhat day\b|\btoday\b|\ballowed\b|\bmy day\b|\bcan i (buy|purchase|get)\b",
    re.I,
)
_MASK_STOCK = re.compile(
    r"재고|판매처|파는\s*곳|파는곳|남은|남아|어디서\s*(사|살|팔|구)|어디에서\s*(사|살|구)|어디.*(팔|파나)|약국|우체국|농협|하나로|"
    r"\bstock\b|\bin stock\b|\bavailable\b|\boutlets?\b|\bpharmac(y|ies)\b|\bwhere\b.*\b(buy|get|sell|find)\b|"
    r"\bsells?\b|\bshops?\b|\bstores?\b|\bleft\b",
    re.I,
)
_CLINIC = re.compile(
    r"선별\s*진료소|선별진료|진료소|검사소|검사\s*(받|할|하는|가능|장소|기관)|보건소|드라이브\s*스루|"
    r"\bscreening\b|\bclinics?\b|\btesting (site|centre|center|station|location)s?\b|\btest (site|centre|center)s?\b|"
    r"\bwhere\b.*\b(get|be) tested\b|\bget tested\b|\bdrive[- ]thr(u|ough)\b|\bhealth cent(er|re)\b",
    re.I,
)
_VISITS = re.compile(
    r"동선|확진자.*(방문|다녀|갔|들른|다녀간|머문|장소|어디)|(방문|다녀간|들른|다녀갔).*(확진자|감염자|환자)|감염자.*(방문|다녀|장소)|"
    r"\b(confirmed )?(cases?|patients?|infected( people| persons?)?)\b.*"
    r"\b(visit(ed|s)?|went|been|stopp?ed|route|places?)\b|"
    r"\b(visits?|visited|routes?|places?)\b.*\b(cases?|patients?|infected)\b|\bcase (visits|routes?)\b|"
    r"\bwhere did (the )?(confirmed )?(cases?|patients?|infected( people)?) go\b|확진자\s*(이동\s*)?경로",
    re.I,
)
#: General mask questions that are not about buying or stock.
_MASK_HOWTO = re.compile(
    r"어떻게\s*(써|쓰|착용|버|폐기|세탁)|착용\s*(법|방법)|재사용|빨아|세탁|효과|써야|쓰나요|필요한가|필요하나|"
    r"\bhow (do|should|to) (i |you )?(wear|use|put|wash|dispose|reuse|clean)\b|\bwear\b|\breuse\b|\bwash\b|"
    r"\bprotect\b|\beffective\b|\bshould i\b.*\bwear\b|\bdo masks\b|\bcloth\b|\bsurgical\b",
    re.I,
)
_NEAR_ME = re.compile(
    r"내\s*주변|내\s*근처|가까운\s*곳|여기\s*(근처|주변)|현재\s*위치|"
    r"\bnear me\b|\bnearby\b|\bclosest to me\b|\baround me\b",
    re.I,
)
_DAYS = re.compile(
    r"(?:최근|지난|past|last)\s*(\d{1,3})\s*(?:일|days?)|(\d{1,3})\s*일\s*(?:간|동안|이내|안|사이)|(\d{1,3})\s*days?",
    re.I,
)
_WEEKS = re.compile(r"(?:최근|지난|past|last)?\s*(\d{1,2}|한|두|일|이)\s*(?:주|weeks?)", re.I)
_YEAR4 = re.compile(r"(?<!\d)(19\d{2}|20[0-2]\d)(?!\d)")
_YEAR2 = re.compile(r"(?<!\d)(\d{2})\s*년\s*생")
_KO_NUM = {"한": 1, "두": 2, "일": 1, "이": 2}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def birth_year_of(text: str, today: date | None = None) -> int | None:
    """A birth year written as 1985, 1985년생, 85년생 (two digits: the latest century not in the future)."""
    text = _norm(text)
    m = _YEAR4.search(text)
    if m:
        return int(m.group(1))
    m = _YEAR2.search(text)
    if m:
        yy = int(m.group(1))
        year = (today or date.today()).year
        return 2000 + yy if 2000 + yy <= year else 1900 + yy
    return None


def days_of(text: str) -> int | None:
    text = _norm(text)
    m = _DAYS.search(text)
    if m:
        return int(next(g for g in m.groups() if g))
    m = _WEEKS.search(text)
    if m and m.group(0).strip() and re.search(r"주|week", m.group(0), re.I):
        raw = m.group(1)
        n = _KO_NUM.get(raw) or (int(raw) if raw.isdigit() else 1)
        return 7 * n
    if re.search(r"오늘|today", text, re.I) and not _MASK.search(text):
        return 1
    if re.search(r"어제|yesterday", text, re.I):
        return 2
    return None


#: "What is …?" questions: about the thing, not a look-up (unless they also ask where).
_DEFINITION = re.compile(
    r"뭐예요|뭔가요|무엇인가요|뭐하는|뭐야\s*[?？]?$|이란\s|란\s*무엇|기간은|며칠이|"
    r"\bwhat (is|are) (a|an|the)? ?(screening|mask|five|5|rota|route|disclosure)|\bwhat does\b|\bmeaning of\b",
    re.I,
)
_LOCATIVE = re.compile(r"어디|근처|가까운|주변|알려|보여|\bwhere\b|\bnear(est|by)?\b|\bclosest\b|\baround\b", re.I)


def detect(text: str) -> Intent | None:
    text = _norm(text)
    if not text:
        return None
    if _DEFINITION.search(text) and not _LOCATIVE.search(text) and birth_year_of(text) is None:
        return None
    near_me = bool(_NEAR_ME.search(text))
    if _MASK.search(text):
        if _MASK_HOWTO.search(text) and not re.search(
            r"재고|판매처|\bstock\b|\bbuy\b|구매|구입|사[러려]|살\s*수", text, re.I
        ):
            return None
        year = birth_year_of(text)
        if year is not None or (_MASK_DAY.search(text) and not _MASK_STOCK.search(text)):
            return Intent("mask_buy_day", birth_year=year)
        if _MASK_STOCK.search(text) or near_me:
            return Intent("masks_near", near_me=near_me)
        if re.search(r"살\s*수|사도|구매|구입|\bbuy\b|\bpurchase\b", text, re.I):
            return Intent("mask_buy_day", birth_year=year)
        return None
    if _VISITS.search(text):
        return Intent("cases_near", days=days_of(text), near_me=near_me)
    if _CLINIC.search(text):
        return Intent("nearest_clinic", near_me=near_me)
    return None
