"""Fill Korean translations into .po files from the table below, then compile with msgfmt.

Usage: python scripts/fill_translations.py src/epiaid/<app>/locale/ko/LC_MESSAGES/django.po ...
Multi-line msgids (blocktranslate) are matched on their joined text.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

KO = {
    "Audit log": "감사 기록",
    "action": "행위",
    "target": "대상",
    "Filter": "거르기",
    "When": "시각",
    "Who": "사용자",
    "Action": "행위",
    "What": "대상",
    "Path": "경로",
    "Language": "언어",
    "Change": "변경",
    "Sign out": "로그아웃",
    "Staff sign-in": "직원 로그인",
    "Outbreak response platform": "감염병 대응 플랫폼",
    "Public information and the response team's tools, in one place.": "국민을 위한 정보와 대응팀의 도구를 한곳에.",
    "Staff": "직원용",
    "API documentation": "API 문서",
    "OpenAPI reference of every JSON endpoint.": "모든 JSON API의 OpenAPI 명세.",
    "Account temporarily locked": "계정이 일시적으로 잠겼습니다",
    "Too many failed sign-in attempts. Try again later.": "로그인 실패가 너무 많습니다. 잠시 후 다시 시도하세요.",
    "Your username and password did not match, or the account is temporarily locked.": "아이디와 비밀번호가 맞지 않거나 계정이 일시적으로 잠겼습니다.",
    "Username": "아이디",
    "Password": "비밀번호",
    "Sign in": "로그인",
    "Situation map": "상황 지도",
    "Staff view: all visits, including undisclosed": "직원 화면: 비공개 동선을 포함한 전체 동선",
    "Case editor": "확진자 편집",
    "Layers": "표시 항목",
    "Visited places and routes": "방문 장소와 동선",
    "Clusters": "집단발생",
    "Screening clinics": "선별진료소",
    "From": "시작",
    "To": "끝",
    "Category": "분류",
    "All": "전체",
    "Search place or address": "장소·주소 검색",
    "e.g. 명동, Daegu": "예: 명동, 대구",
    "places shown": "곳 표시 중",
    "Nearest screening clinics": "가까운 선별진료소",
    "Click the map or use your location.": "지도를 누르거나 내 위치를 사용하세요.",
    "Use my location": "내 위치 사용",
    "Case": "확진자",
    "Confirmed cases": "확진자 목록",
    "Confirmed": "확진일",
    "Infected by": "감염원",
    "Public sees disclosed visits dated %(start)s–%(end)s (%(days)s days).": "국민에게는 %(start)s–%(end)s(%(days)s일) 사이의 공개 동선만 보입니다.",
    "Disclosed places only, visited between %(start)s and %(end)s (%(days)s-day window). No personal details are shown.": "%(start)s부터 %(end)s까지(%(days)s일) 방문한 공개 장소만 표시합니다. 개인 정보는 표시하지 않습니다.",
    "Date": "날짜",
    "Time": "시간",
    "Place": "장소",
    "Address": "주소",
    "Source": "출처",
    "Disclosed": "공개",
    "yes": "예",
    "no": "아니오",
    "Withdraw": "공개 철회",
    "Disclose": "공개",
    "Add a visit": "동선 추가",
    "Add": "추가",
    "case number": "확진자 번호",
    "Search": "검색",
    "New case": "새 확진자",
    "Map": "지도",
    "CSV template": "CSV 양식",
    "Region": "지역",
    "Infection": "감염 경로",
    "Status": "상태",
    "Case number": "확진자 번호",
    "Province": "시도",
    "City": "시군구",
    "Create": "만들기",
    "Edit": "수정",
    "Save": "저장",
}


def fill(path: Path) -> None:
    text = path.read_text()
    entries = re.split(r"\n\n", text)
    out = []
    for entry in entries:
        match = re.search(r'msgid ((?:".*"\n?)+)msgstr ""', entry)
        if match:
            msgid = "".join(re.findall(r'"(.*)"', match.group(1))).replace('\\"', '"')
            if msgid in KO:
                translated = KO[msgid].replace('"', '\\"')
                entry = entry[: match.end() - 2] + f'"{translated}"' + entry[match.end() :]
                entry = entry.replace("#, fuzzy\n", "")
        out.append(entry)
    path.write_text("\n\n".join(out))
    subprocess.run(["msgfmt", "--check-format", "-o", str(path.with_suffix(".mo")), str(path)], check=True)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        fill(Path(arg))
