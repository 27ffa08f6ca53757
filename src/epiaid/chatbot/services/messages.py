"""The bot's own sentences in Korean and English (replies are data for every channel, not pages)."""

from __future__ import annotations

from typing import Any

HOTLINE = "1339"

TEXT: dict[str, dict[str, str]] = {
    "abstain": {
        "en": "I'm not sure I can answer that correctly, so I have passed your question word for word to our staff; "
        "their answer will appear here. For urgent advice call the KDCA hotline 1339 (or your local public health "
        "centre, area code + 120).",
        "ko": "정확히 답하기 어려운 질문이라 질문을 그대로 상담원에게 전달했습니다. "
        "답변이 오면 이 대화창에 표시됩니다. "
        "급한 상담은 질병관리청 콜센터 1339(또는 지역번호+120)로 전화해 주세요.",
    },
    "empty": {
        "en": "Please type a question, for example: “Where is the nearest screening clinic to Yongsan-gu?”",
        "ko": "질문을 입력해 주세요. 예: “용산구 근처 선별진료소 어디예요?”",
    },
    "too_long": {
        "en": "That message is too long for me ({limit} characters at most). Please ask one short question.",
        "ko": "메시지가 너무 깁니다(최대 {limit}자). 짧게 한 가지씩 질문해 주세요.",
    },
    "binary": {
        "en": "I could not read that message as text. Please type your question.",
        "ko": "메시지를 글자로 읽을 수 없습니다. 질문을 글자로 입력해 주세요.",
    },
    "faq_footer": {
        "en": "Source: {source} · last reviewed {reviewed}",
        "ko": "출처: {source} · 최종 검토 {reviewed}",
    },
    "staff_answer": {
        "en": "Our staff answered your question “{question}”: {answer}",
        "ko": "문의하신 “{question}”에 대한 상담원 답변입니다: {answer}",
    },
    "ask_place": {
        "en": "Which area do you mean? Please tell me a district or place (for example “Yongsan-gu”, "
        "“Haeundae-gu” or a clinic's name).",
        "ko": "어느 지역을 말씀하시나요? 구·시·군이나 장소 이름을 알려 주세요(예: “용산구”, “해운대구”).",
    },
    "ask_place_unknown": {
        "en": "I don't know a place called “{place}” in our data. "
        "Which district is it in (for example “Jung-gu, Daegu”)?",
        "ko": "“{place}”(이)라는 곳을 자료에서 찾지 못했습니다. 어느 구·시·군인지 알려 주시겠어요? (예: “대구 중구”)",
    },
    "ask_place_ambiguous": {
        "en": "“{place}” matches several areas: {options}. Which one do you mean?",
        "ko": "“{place}”에 해당하는 지역이 여러 곳입니다: {options}. 어느 곳인가요?",
    },
    "ask_birth_year": {
        "en": "In which year were you born (for example 1985)? The mask rota goes by the last digit of the birth year.",
        "ko": "출생연도를 알려 주세요(예: 1985). 마스크 5부제는 출생연도 끝자리로 정해집니다.",
    },
    "clinics": {
        "en": "Screening clinics nearest to {place}:",
        "ko": "{place}에서 가까운 선별진료소입니다:",
    },
    "clinics_none": {
        "en": "I have no screening clinics with a location in our data. Call 1339 for the nearest one.",
        "ko": "위치가 등록된 선별진료소 자료가 없습니다. 1339로 문의해 주세요.",
    },
    "visits": {
        "en": "Places confirmed cases visited within {km} km of {place} in the last {days} days "
        "(as on the public map):",
        "ko": "최근 {days}일간 {place} 반경 {km}km 안에서 확진자가 방문한 곳입니다(공개 지도 기준):",
    },
    "visits_none": {
        "en": "No disclosed visits of confirmed cases within {km} km of {place} in the last {days} days "
        "on the public map.",
        "ko": "최근 {days}일간 {place} 반경 {km}km 안에 공개된 확진자 방문 장소가 없습니다.",
    },
    "masks": {
        "en": "Mask outlets with stock near {place} (within {km} km):",
        "ko": "{place} 근처(반경 {km}km) 마스크 재고가 있는 판매처입니다:",
    },
    "masks_none": {
        "en": "No outlet within {km} km of {place} reports masks in stock right now.",
        "ko": "지금 {place} 반경 {km}km 안에 재고가 있다고 알린 판매처가 없습니다.",
    },
    "masks_day_yes": {
        "en": "Yes: born in {year} (last digit {digit}), you may buy public masks today ({today}). "
        "Your weekday is {weekday}; Saturday and Sunday are for those who missed their weekday. "
        "Up to {cap} masks a week.",
        "ko": "네, {year}년생(끝자리 {digit})은 오늘({today}) 공적 마스크를 살 수 있습니다. "
        "해당 요일은 {weekday_ko}요일이며, 주중에 사지 못한 분은 주말에 살 수 있습니다. 1주 {cap}매까지입니다.",
    },
    "masks_day_no": {
        "en": "Not today ({today}): born in {year} (last digit {digit}), your day is {weekday}, "
        "or Saturday/Sunday if you did not buy on your weekday. Up to {cap} masks a week.",
        "ko": "오늘({today})은 아닙니다. {year}년생(끝자리 {digit})은 {weekday_ko}요일에 살 수 있고, "
        "그날 사지 못했다면 주말에 살 수 있습니다. 1주 {cap}매까지입니다.",
    },
    "masks_day_bad": {
        "en": "I could not use that birth year: {reason}. Please give a year such as 1985.",
        "ko": "출생연도를 확인해 주세요({reason}). 예: 1985",
    },
    "live_source": {
        "en": "Source: epiaid {what}, as of {when}",
        "ko": "출처: epiaid {what_ko}, {when} 기준",
    },
    "selfcheck_end": {
        "en": "The self-check has ended. Ask me anything else, or type “self-check” to start again.",
        "ko": "자가진단을 마쳤습니다. 다른 질문을 하시거나 “자가진단”을 입력하면 다시 시작합니다.",
    },
    "selfcheck_choose": {
        "en": "Please choose one of the options (you can type its number).",
        "ko": "아래 보기 중 하나를 골라 주세요(번호로 입력해도 됩니다).",
    },
    "selfcheck_unavailable": {
        "en": "The symptom self-check is not available on this server. If you feel unwell, call 1339.",
        "ko": "이 서버에서는 증상 자가진단을 사용할 수 없습니다. 몸이 불편하면 1339로 전화해 주세요.",
    },
}

QUICK_REPLIES: dict[str, list[str]] = {
    "en": ["Nearest screening clinic", "Can I buy masks today?", "Self-check symptoms", "Talk to staff"],
    "ko": ["가까운 선별진료소", "오늘 마스크 살 수 있나요?", "증상 자가진단", "상담원 연결"],
}


def say(key: str, lang: str, **values: Any) -> str:
    table = TEXT[key]
    template = table.get(lang) or table["en"]
    return template.format(**values) if values else template
