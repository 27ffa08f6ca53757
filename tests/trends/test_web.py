"""The trends page, exports and REST API: who may see them, that access is audited, what they show."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from epiaid.core.models import AuditEvent
from epiaid.core.roles import GROUP_ROLES, Role

ALLOWED = {Role.HEALTH_STAFF, Role.PROGRAMME_OFFICER, Role.ADMIN}
DENIED = [r for r in GROUP_ROLES if r not in ALLOWED]


def _series_id(data: dict[str, Any]) -> int:
    return int(data["series"]["코로나"].pk)


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_staff_roles_see_the_page_with_change_points_near_the_events(
    role: Role, client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    response = client_as(role).get(f"/trends/?series={_series_id(trends_data)}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2020-01-20" in html and "level_up" in html
    assert 'id="trends-data"' in html and "/trends/plotly.min.js" in html
    assert AuditEvent.objects.filter(target="trends.page").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("ko", ("구간 모형", "신뢰도", "수준 변화")), ("en", ("Segment model", "Confidence", "level change"))],
)
def test_each_change_point_on_the_page_shows_its_segment_model_and_confidence(
    language: str, words: tuple[str, ...], client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    client = client_as(Role.HEALTH_STAFF)
    response = client.get(f"/trends/?series={_series_id(trends_data)}", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert all(w in html for w in words), language
    rows = html.split('id="cp-table"')[1].split("</table>")[0].count('class="cp-model"')
    assert rows >= 1 and html.count('class="cp-confidence"') == rows
    assert 'data-model="level"' in html and " %</td>" in html


@pytest.mark.parametrize("role", DENIED)
def test_other_signed_in_roles_are_refused_the_page_and_the_refusal_is_audited(
    role: Role, client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    assert client_as(role).get("/trends/").status_code == 403
    assert AuditEvent.objects.filter(action="denied").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client_as: Callable[..., Client], db: Any) -> None:
    response = client_as(Role.PUBLIC).get("/trends/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


API_GETS = [
    "/api/trends/series",
    "/api/trends/series/{id}",
    "/api/trends/related?term=마스크",
    "/api/trends/related/compare?term=마스크&day=2020-02-13",
    "/api/trends/media",
    "/api/trends/lead-lag?a={id}&b={id2}",
]


def _url(template: str, data: dict[str, Any]) -> str:
    return template.format(id=_series_id(data), id2=int(data["series"]["마스크"].pk))


@pytest.mark.parametrize("role", [*sorted(ALLOWED), *DENIED, Role.PUBLIC])
def test_every_api_read_is_allowed_only_to_trends_staff(
    role: Role, client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    client = client_as(role)
    expected = 200 if role in ALLOWED else (401 if role is Role.PUBLIC else 403)
    for template in API_GETS:
        assert client.get(_url(template, trends_data)).status_code == expected, template
    if role in ALLOWED:
        assert AuditEvent.objects.filter(target__startswith="trends.", action="view").count() >= 5


@pytest.mark.parametrize("role", [Role.HEALTH_STAFF, Role.CLINICIAN, Role.PUBLIC])
def test_posting_values_returns_change_points_to_staff_only(
    role: Role, client_as: Callable[..., Client], db: Any
) -> None:
    values = [0.0] * 60 + [10.0] * 60
    values[5] = None  # type: ignore[call-overload]
    response = client_as(role).post(
        "/api/trends/changepoints", json.dumps({"values": values}), content_type="application/json"
    )
    expected = {Role.HEALTH_STAFF: 200, Role.CLINICIAN: 403, Role.PUBLIC: 401}[role]
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["cps"] == [60]


def test_series_detail_reports_change_points_bursts_timing_and_events(
    client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    body = client_as(Role.PROGRAMME_OFFICER).get(f"/api/trends/series/{_series_id(trends_data)}").json()
    dates = [c["date"] for c in body["changepoints"]]
    assert any(d in dates for d in ("2020-01-19", "2020-01-20", "2020-01-21"))
    assert any(d in dates for d in ("2020-02-17", "2020-02-18", "2020-02-19"))
    assert body["bursts"] and body["timing"]["peak_date"]
    assert [e["event"] for e in body["events"]] == ["첫 확진자", "집단감염"]


def test_uploading_a_series_merges_with_what_is_stored_and_reports_problems(
    client_as: Callable[..., Client], db: Any
) -> None:
    client = client_as(Role.HEALTH_STAFF)
    first = b"date,flu\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n"
    second = "date,flu\n2020-01-03,30\n2020-01-04,4\n2020-01-04,6\n2020-01-05,abc\n".encode("cp949")
    client.post("/api/trends/series", {"file": _file(first), "source": "s"})
    response = client.post("/api/trends/series", {"file": _file(second), "source": "s"})
    assert response.status_code == 200, response.content
    notes = " ".join(response.json()["notes"])
    assert "duplicate date" in notes and "row 4, flu: not a number" in notes
    sid = response.json()["series"][0]["id"]
    detail = client.get(f"/api/trends/series/{sid}").json()
    assert detail["values"] == [1.0, 2.0, 30.0, 5.0, None]


def test_an_unusable_upload_is_refused_with_the_reason(client_as: Callable[..., Client], db: Any) -> None:
    response = client_as(Role.HEALTH_STAFF).post("/api/trends/series", {"file": _file(b"  \n")})
    assert response.status_code == 422 and "empty" in response.json()["detail"]


def _file(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("series.csv", data, content_type="text/csv")


def test_media_view_shares_sum_to_one_and_top_articles_are_listed(
    client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    body = client_as(Role.HEALTH_STAFF).get("/api/trends/media").json()
    assert abs(sum(o["read_share"] for o in body["outlets"]) - 1) < 0.01
    assert body["total_reads"] == trends_data["views"]["views"]
    assert all(len(v) <= 5 and v[0]["views"] >= v[-1]["views"] for v in body["top_daily"].values())


def test_related_words_of_mask_come_from_the_stored_korean_headlines(
    client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    body = client_as(Role.HEALTH_STAFF).get("/api/trends/related?term=마스크").json()
    words = [r["word"] for r in body["related"]]
    assert body["documents"] > 100 and "약국" in words


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/trends/report.pdf", "application/pdf"),
        ("/trends/report.html", "text/html"),
    ],
)
def test_chart_reports_are_drawn_by_a_job_and_download_for_staff_only(
    path: str, kind: str, client_as: Callable[..., Client], trends_data: dict[str, Any], jobs_inline: None
) -> None:
    staff = client_as(Role.HEALTH_STAFF)
    asked = staff.post(path, {"since": ""})
    assert asked.status_code == 302 and asked["Location"].startswith("/jobs/")
    job_page = staff.get(asked["Location"]).content.decode()
    name = f"epiaid-trends-report.{path.rsplit('.', 1)[1]}"
    assert 'data-status="succeeded"' in job_page and name in job_page
    response = staff.get(f"{asked['Location']}files/{name}")
    assert response.status_code == 200 and response["Content-Type"].startswith(kind)
    assert "attachment" in response["Content-Disposition"]
    assert client_as(Role.REVIEWER).post(path).status_code == 403
    assert client_as(Role.PROGRAMME_OFFICER).get(f"{asked['Location']}files/{name}").status_code == 404  # not theirs
    assert staff.get(path).status_code == 405  # a GET never starts work
    if kind == "text/html":
        html = b"".join(response.streaming_content).decode()
        assert "cdn" not in html.lower().split("plotly.js")[0][:2000] and "<script" in html


def test_the_change_point_table_downloads_at_once_for_staff_only(
    client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    response = client_as(Role.HEALTH_STAFF).get("/trends/changepoints.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert client_as(Role.REVIEWER).get("/trends/changepoints.csv").status_code == 403


def test_plotly_is_served_by_the_app_itself(client: Client) -> None:
    response = client.get("/trends/plotly.min.js")
    assert response.status_code == 200 and len(response.content) > 1_000_000


def test_a_view_log_upload_is_aggregated_and_bad_rows_are_reported(client_as: Callable[..., Client], db: Any) -> None:
    articles = "article_id,outlet,section,title,published,url\na1,가나일보,사회,마스크 대란,2020-03-09T08:00+09:00,\n"
    views = (
        "outlet,article_id,ts\n가나일보,a1,2020-03-09T09:00+09:00\n가나일보,a1,2020-03-09T10:00+09:00\n"
        "가나일보,a1,not-a-time\n가나일보,zz,2020-03-09T11:00+09:00\n"
    )
    client = client_as(Role.PROGRAMME_OFFICER)
    response = client.post(
        "/api/trends/views",
        {"views": _named(views.encode("cp949"), "v.csv"), "articles": _named(articles.encode(), "a.csv")},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["views"] == 3 and body["articles_added"] == 1
    assert any("readable ts" in n for n in body["notes"]) and any(
        "not in the article table" in n for n in body["notes"]
    )
    media = client.get("/api/trends/media").json()
    assert media["total_reads"] == 2
    assert client_as(Role.INVESTIGATOR).post("/api/trends/views", {}).status_code == 403


def _named(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_news_volume_counts_articles_mentioning_the_term_per_day(
    client_as: Callable[..., Client], trends_data: dict[str, Any]
) -> None:
    body = client_as(Role.HEALTH_STAFF).get("/api/trends/news-volume?term=마스크").json()
    assert len(body["dates"]) == 6 and all(m <= a for m, a in zip(body["matching"], body["all"], strict=True))
    assert body["matching"][3] > body["matching"][0]  # the generated mask event on day 3
    assert [b["start_date"] for b in body["bursts"]] == [body["dates"][3]]  # a burst on the event day


def test_lead_lag_compares_a_daily_and_a_weekly_series_week_by_week(db: Any) -> None:
    import numpy as np
    import pandas as pd

    from epiaid.trends import services
    from epiaid.trends.engine.series import clean

    days = pd.date_range("2020-01-01", periods=210, freq="D")
    daily = pd.Series(np.exp(np.sin(np.arange(210) / 9.0)), index=days)
    weekly = daily.shift(14).resample("W").mean()
    a = services.save_series(clean(daily.to_frame("daily")), "t")[0]
    b = services.save_series(clean(weekly.to_frame("weekly")), "t")[0]
    result = services.lead_lag_between(a, b, max_lag=6)
    assert result["unit"] == "week" and result["lag"] == 2


def test_demo_loads_generated_data_on_a_fresh_clone(db: Any) -> None:
    from epiaid.trends.demo import load_demo
    from epiaid.trends.models import Article, ArticleReads, Event, TrendSeries

    lines: list[str] = []
    summary = load_demo(None, lines.append)
    assert TrendSeries.objects.count() == 2 and Event.objects.count() == 3
    assert Article.objects.count() > 500 and ArticleReads.objects.exists()
    assert "generated views" in summary


def test_an_article_table_upload_keeps_valid_rows_and_names_the_bad_ones(
    client_as: Callable[..., Client], db: Any
) -> None:
    text = "제목,본문,날짜,언론사,조회수\n마스크 대란,약국 앞 긴 줄,2020-03-09,가나일보,120\n,,2020-03-09,가나일보,\n"
    client = client_as(Role.HEALTH_STAFF)
    response = client.post("/api/trends/articles", {"file": _named(text.encode("cp949"), "a.csv")})
    assert response.status_code == 200, response.content
    assert response.json()["added"] == 1 and "empty article" in " ".join(response.json()["notes"])
    related = client.get("/api/trends/related?term=마스크").json()
    assert related["documents"] == 1
    assert client_as(Role.APPROVER).post("/api/trends/articles", {}).status_code == 403
