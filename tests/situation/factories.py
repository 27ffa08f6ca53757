"""Small situation-map files made by the tests themselves (a fresh clone has no ../shared)."""

from __future__ import annotations

import json
from datetime import date

CLUSTERS_CSV = """case_id,province,city,group,infection_case,confirmed,latitude,longitude
1000001,Seoul,Guro-gu,TRUE,Guro-gu Call Center,98,37.508163,126.884387
1100001,Daegu,Nam-gu,TRUE,Shincheonji Church,4511,35.84008,128.5667
1100002,Daegu,-,FALSE,contact with patient,917,-,-
"""

CASES_CSV = """patient_id,global_num,sex,birth_year,age,country,province,city,disease,infection_case,infection_order,infected_by,contact_number,symptom_onset_date,confirmed_date,released_date,deceased_date,state
1000000001,2,male,1964,50s,Korea,Seoul,Gangseo-gu,,overseas inflow,1,,75,2020-01-22,2020-01-23,2020-02-05,,released
1000000002,5,male,1987,30s,Korea,Seoul,Jungnang-gu,,Guro-gu Call Center,1,,31,,2020-03-01,2020-03-02,,isolated
1000000003,6,female,1964,50s,Korea,Daegu,Nam-gu,,contact with patient,2,1000000002,17,,2020-03-03,,,isolated
"""

ROUTES_CSV = """patient_id,global_num,date,province,city,type,latitude,longitude
1000000001,2,2020-01-22,Gyeonggi-do,Gimpo-si,airport,37.6152464,126.7156325
1000000001,2,2020-01-24,Seoul,Jung-gu,hospital,37.5672412,127.0056589
1000000002,5,2020-02-28,Seoul,Guro-gu,restaurant,37.508163,126.884387
1000000002,5,2020-02-28,Seoul,Guro-gu,restaurant,37.508163,126.884387
1000000003,6,2020-03-01,Daegu,Nam-gu,church,35.84008,128.5667
9999999999,6,2020-03-01,Daegu,Nam-gu,church,35.84008,128.5667
1000000003,6,2020-03-02,Daegu,Nam-gu,cafe,128.5667,35.84008
"""

# The MOHW list's header has a cell broken over two lines, and the file is CP949 encoded.
CLINICS_CSV_CP949 = (
    '기준일시,"검체채취\n가능여부",sido,singungu,의료기관명 ,주소,lat,lon,telephone\n'
    "2020년 3월 17일 18시,O,서울,강남구,강남구보건소,서울특별시 강남구 선릉로 668 (삼성동),37.516437,127.042193,02-3423-5555\n"
    "2020년 3월 17일 18시,O,서울,중구,중구보건소,서울특별시 중구 다산로 39길 16,37.5636,127.0127,02-3396-5114\n"
    "2020년 3월 17일 18시,X,대구,남구,대구가톨릭대학교병원,대구광역시 남구 두류공원로17길 33,35.8401,128.5790,053-650-4114\n"
    "2020년 3월 17일 18시,O,경기,화성시,남양디에스병원,경기도 화성시 남양읍 시청로160번길 46-13,,,031-5180-7777\n"
).encode("cp949")


def coronamap_json() -> bytes:
    rows = [
        {
            "patient": "105번째",
            "profile": "(55.여.한국)",
            "month": 2,
            "day": 18,
            "place": "경산 세무서 방문",
            "address": "경북 경산시 동부동",
            "place_en": "a visit to the Gyeongsan tax office",
            "lat": 35.817049,
            "lng": 128.759688,
        },
        {
            "patient": "73번째 확진자",
            "profile": "-",
            "month": 2,
            "day": 20,
            "place": "포항의료원 <span style='color:red;'>격리</span>",
            "address": "경북 포항시 북구 용흥동",
            "place_en": "Pohang Medical Center",
            "lat": 36.034762,
            "lng": 129.355059,
        },
        {
            "patient": "74번째",
            "profile": "-",
            "month": 2,
            "day": 21,
            "place": "<script>alert(1)</script>",
            "address": "",
            "place_en": "",
            "lat": 36.0,
            "lng": 129.3,
        },
    ]
    return json.dumps(rows, ensure_ascii=False).encode()


def template_csv(rows: list[list[str]]) -> bytes:
    header = "case_number,confirmed_date,date,start_time,end_time,place_name,place_name_en,category,address,lat,lng,disclosed"
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode()


def template_row(
    case: str = "T-1",
    day: date = date(2020, 3, 1),
    place: str = "명동교자",
    lat: str = "37.5626",
    lng: str = "126.9856",
    disclosed: str = "yes",
    start: str = "12:00",
    end: str = "13:00",
) -> list[str]:
    return [
        case,
        "2020-03-02",
        day.isoformat(),
        start,
        end,
        place,
        "",
        "restaurant",
        "서울특별시 중구 명동10길 29",
        lat,
        lng,
        disclosed,
    ]
