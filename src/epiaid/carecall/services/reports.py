"""Officers' e-mails (after each round, the daily digest, emergencies), exports, dashboard figures, charts.

E-mails go through an outbox (:class:`~epiaid.carecall.models.Report`): a row is written when there is
something to report, then a worker job sends it; while the SMTP server is down the row stays
``pending`` and the minute tick (a durable scheduled job) tries again, so no report is lost.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from epiaid.carecall import config
from epiaid.carecall.models import Alert, CheckIn, Person, Report
from epiaid.carecall.services.access import SYSTEM, require_staff
from epiaid.core.audit import AuditAction, record

log = logging.getLogger(__name__)
TARGET = "carecall.report"
SYMPTOMS = (
    "fever",
    "temperature",
    "cough",
    "sore_throat",
    "shortness_of_breath",
    "emergency_signs",
    "taste_smell",
    "other_symptoms",
)


# ------------------------------------------------------------------------------------------- outbox


def _queue(kind: str, officer: Any, key: str, subject: str, body: str) -> Report | None:
    """Write one outbox row (once per key) and ask a worker to send it now."""
    try:
        with transaction.atomic():
            report = Report.objects.create(kind=kind, officer=officer, key=key, subject=subject[:200], body=body)
    except IntegrityError:
        return None
    from epiaid.carecall import jobs

    transaction.on_commit(lambda: jobs.submit_send(report.key))
    return report


def send_pending(*, limit: int = 200) -> dict[str, int]:
    """Send every pending report; a failure leaves the row pending for the next try."""
    sent = failed = 0
    pending = list(Report.objects.filter(status=Report.Status.PENDING).select_related("officer")[:limit])
    if not pending:
        return {"sent": 0, "failed": 0}
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception as exc:  # SMTP down: every row waits for the next tick
        Report.objects.filter(pk__in=[r.pk for r in pending]).update(last_error=f"{type(exc).__name__}: {exc}"[:500])
        for r in pending:
            Report.objects.filter(pk=r.pk).update(attempts=r.attempts + 1)
        log.warning("care-call reports not sent (%s); will retry", exc)
        return {"sent": 0, "failed": len(pending)}
    try:
        for report in pending:
            to = report.officer.email
            try:
                if not to:
                    raise ValueError(f"officer {report.officer.get_username()} has no e-mail address")
                EmailMessage(report.subject, report.body, config.from_email(), [to], connection=connection).send()
            except Exception as exc:
                failed += 1
                Report.objects.filter(pk=report.pk).update(
                    attempts=report.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
                )
                continue
            sent += 1
            Report.objects.filter(pk=report.pk).update(
                status=Report.Status.SENT, sent_at=timezone.now(), attempts=report.attempts + 1, last_error=""
            )
            record(
                None,
                AuditAction.CARECALL_REPORT,
                TARGET,
                object_id=report.pk,
                actor=SYSTEM,
                detail={"kind": report.kind},
            )
    finally:
        with contextlib.suppress(Exception):  # a server that went away mid-send: the rows say what happened
            connection.close()
    return {"sent": sent, "failed": failed}


# ------------------------------------------------------------------------------------------ content


def _line(ci: CheckIn) -> str:
    p = ci.person
    r = ci.result or {}
    flags = ", ".join(r.get("flags", []))
    bits = [f"#{p.pk} {p.masked_name}", ci.get_status_display()]
    if r.get("answers", {}).get("temperature"):
        bits.append(f"{r['answers']['temperature']} ℃")
    if ci.emergency:
        bits.append("EMERGENCY / 응급")
    if flags:
        bits.append(f"flags: {flags}")
    return " · ".join(bits)


def round_checkins(officer: Any, day: date, slot: str) -> QuerySet[CheckIn]:
    """The last attempt of each of the officer's people in one round."""
    qs = CheckIn.objects.filter(person__officer=officer, round_date=day, slot=slot).select_related("person")
    latest: dict[int, CheckIn] = {}
    for ci in qs.order_by("person_id", "attempt"):
        latest[ci.person_id] = ci
    return qs.filter(pk__in=[c.pk for c in latest.values()]).order_by("person_id")


def round_report(officer: Any, day: date, slot: str) -> Report | None:
    """The officer's e-mail for one finished round (once)."""
    cis = list(round_checkins(officer, day, slot))
    if not cis:
        return None
    answered = sum(c.status == CheckIn.Status.ANSWERED for c in cis)
    flagged = [c for c in cis if c.flagged]
    unanswered = [c for c in cis if c.status in (CheckIn.Status.NO_ANSWER, CheckIn.Status.PARTIAL)]
    subject = f"[능동감시 care call] {day} {slot}: {len(cis)} people, {answered} answered, {len(flagged)} flagged"
    lines = [
        f"Round {day} {slot} — {len(cis)} people, {answered} answered ({100 * answered / len(cis):.0f} %),",
        f"{len(flagged)} flagged, {len(unanswered)} to call back.",
        "",
        "Flagged / 이상 증상:",
        *([_line(c) for c in flagged] or ["  —"]),
        "",
        "Call back / 재통화 필요:",
        *([_line(c) for c in unanswered] or ["  —"]),
        "",
        "Everyone / 전체:",
        *[_line(c) for c in cis],
        "",
        f"Dashboard: {config.public_url()}/carecall/",
    ]
    return _queue(Report.Kind.ROUND, officer, f"round:{officer.pk}:{day}:{slot}", subject, "\n".join(lines))


def digest(officer: Any, day: date) -> Report | None:
    cis = list(CheckIn.objects.filter(person__officer=officer, round_date=day).select_related("person"))
    people = {c.person_id for c in cis}
    if not people:
        return None
    answered_rounds = {(c.person_id, c.slot) for c in cis if c.status == CheckIn.Status.ANSWERED}
    all_rounds = {(c.person_id, c.slot) for c in cis}
    alerts = Alert.objects.filter(person__officer=officer, day=day).select_related("person")
    counts = Counter(a.kind for a in alerts)
    twice = [a for a in alerts if a.kind == Alert.Kind.FLAGGED_TWICE]
    open_callbacks = [a for a in alerts if a.kind == Alert.Kind.CALL_BACK and a.status == Alert.Status.OPEN]
    subject = (
        f"[능동감시 care call] daily digest {day}: {len(people)} people, "
        f"{len(answered_rounds)}/{len(all_rounds)} rounds answered"
    )
    lines = [
        f"Daily digest {day}",
        f"People called: {len(people)}; rounds answered {len(answered_rounds)} of {len(all_rounds)}.",
        f"Emergencies {counts.get(Alert.Kind.EMERGENCY, 0)}, advised to test {counts.get(Alert.Kind.ADVISE_TEST, 0)}, "
        f"call-backs {counts.get(Alert.Kind.CALL_BACK, 0)} ({len(open_callbacks)} still open).",
        "",
        "Flagged twice — today's list / 2회 이상 이상 증상:",
        *([f"#{a.person_id} {a.person.masked_name}" for a in twice] or ["  —"]),
        "",
        f"Dashboard: {config.public_url()}/carecall/",
    ]
    return _queue(Report.Kind.DIGEST, officer, f"digest:{officer.pk}:{day}", subject, "\n".join(lines))


def emergency_mail(alert: Alert) -> Report | None:
    person = alert.person
    if person.officer is None:
        return None
    subject = f"[긴급 EMERGENCY] care call: person #{person.pk} {person.masked_name} reported an emergency sign"
    body = "\n".join(
        [
            f"Person #{person.pk} ({person.masked_name}, {person.centre}) answered yes to an emergency sign "
            f"in the {alert.day} check-in (rule {alert.detail.get('rule')}).",
            "They were told to call 119 now. Call them back at once.",
            f"{config.public_url()}/carecall/people/{person.pk}/",
        ]
    )
    return _queue(Report.Kind.ALERT, person.officer, f"alert:{alert.pk}", subject, body)


# ------------------------------------------------------------------------------------------ exports


def export_rows(who: Any, since: date, until: date, *, request: HttpRequest | None = None) -> list[dict[str, Any]]:
    actor = require_staff(who, f"{TARGET}.export", request)
    rows = []
    qs = CheckIn.objects.filter(round_date__gte=since, round_date__lte=until).select_related(
        "person", "person__centre", "person__officer"
    )
    for ci in qs.order_by("round_date", "slot", "person_id", "attempt"):
        answers = (ci.result or {}).get("answers", {})
        row = {
            "person": ci.person_id,
            "name": ci.person.name,
            "centre": str(ci.person.centre or ""),
            "officer": ci.person.officer.get_username() if ci.person.officer else "",
            "date": ci.round_date.isoformat(),
            "round": ci.slot,
            "attempt": ci.attempt,
            "channel": ci.channel,
            "status": ci.status,
            **{s: answers.get(s, "") if answers.get(s) is not None else "" for s in SYMPTOMS},
            "flags": " ".join((ci.result or {}).get("flags", [])),
            "emergency": "yes" if ci.emergency else "",
            "message": answers.get("message", "") or "",
        }
        rows.append(row)
    record(
        request,
        AuditAction.CARECALL_EXPORT,
        TARGET,
        actor=actor,
        detail={"since": since.isoformat(), "until": until.isoformat(), "rows": len(rows)},
    )
    return rows


def export_csv(who: Any, since: date, until: date, *, request: HttpRequest | None = None) -> str:
    rows = export_rows(who, since, until, request=request)
    out = io.StringIO()
    fields = ["person", "name", "centre", "officer", "date", "round", "attempt", "channel", "status", *SYMPTOMS]
    writer = csv.DictWriter(out, fieldnames=[*fields, "flags", "emergency", "message"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def export_pdf(who: Any, since: date, until: date, *, request: HttpRequest | None = None) -> bytes:
    """A printable table of the check-ins (Hangul font where installed)."""
    rows = export_rows(who, since, until, request=request)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from matplotlib.backends.backend_pdf import PdfPages

    families = _hangul_fonts(font_manager)
    plt.rcParams["font.family"] = [*families, "DejaVu Sans"]
    columns = ["person", "name", "date", "round", "attempt", "status", "temperature", "flags", "emergency"]
    buf = io.BytesIO()
    per_page = 30
    with PdfPages(buf) as pdf:
        chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
        for n, chunk in enumerate(chunks, start=1):
            fig, ax = plt.subplots(figsize=(11.7, 8.3))
            ax.axis("off")
            ax.set_title(f"Care call check-ins {since} – {until} (page {n}/{len(chunks)})", fontsize=11)
            cells = [[str(r[c]) for c in columns] for r in chunk] or [["—"] * len(columns)]
            table = ax.table(cellText=cells, colLabels=columns, loc="upper center", cellLoc="left")
            table.auto_set_font_size(False)
            table.set_fontsize(7)
            table.scale(1, 1.2)
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def _hangul_fonts(font_manager: Any) -> list[str]:
    wanted = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "UnDotum")
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(wanted):
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name for key in ("Nanum", "NotoSansCJK", "UnDotum")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in wanted if f in installed]


# ---------------------------------------------------------------------------------------- dashboard


def dashboard(who: Any, day: date, *, request: HttpRequest | None = None) -> dict[str, Any]:
    """Today's rounds, answered %, flagged people, the call-back queue and the officer's list (audited)."""
    actor = require_staff(who, f"{TARGET}.dashboard", request)
    rounds = []
    for slot in config.rounds():
        cis = CheckIn.objects.filter(round_date=day, slot=slot)
        people = cis.values("person_id").distinct().count()
        answered = cis.filter(status=CheckIn.Status.ANSWERED).values("person_id").distinct().count()
        rounds.append(
            {
                "slot": slot,
                "people": people,
                "answered": answered,
                "answered_pct": round(100 * answered / people, 1) if people else None,
                "flagged": cis.filter(flagged=True).values("person_id").distinct().count(),
                "in_progress": cis.filter(status__in=[CheckIn.Status.QUEUED, CheckIn.Status.CALLING]).count(),
            }
        )
    open_alerts = Alert.objects.filter(status=Alert.Status.OPEN).select_related("person", "person__officer", "checkin")
    emergencies = list(open_alerts.filter(kind=Alert.Kind.EMERGENCY).order_by("-created_at")[:100])
    call_backs = list(open_alerts.filter(kind=Alert.Kind.CALL_BACK).order_by("day", "created_at")[:200])
    flagged = list(
        open_alerts.filter(kind__in=[Alert.Kind.ADVISE_TEST, Alert.Kind.FLAG], day=day).order_by("-created_at")[:200]
    )
    twice = list(open_alerts.filter(kind=Alert.Kind.FLAGGED_TWICE, day=day)[:200])
    active = Person.objects.filter(status=Person.Status.ACTIVE).count()
    awaiting = Person.objects.filter(status=Person.Status.AWAITING).count()
    record(request, AuditAction.CARECALL_DASHBOARD, TARGET, actor=actor, detail={"day": day.isoformat()})
    return {
        "day": day,
        "rounds": rounds,
        "emergencies": emergencies,
        "call_backs": call_backs,
        "flagged": flagged,
        "flagged_twice": twice,
        "active": active,
        "awaiting": awaiting,
    }


def history(who: Any, person: Person, *, days: int = 14, request: HttpRequest | None = None) -> list[dict[str, Any]]:
    """Each round of the person's monitoring (up to ``days`` days): the last attempt's answers."""
    actor = require_staff(who, f"{TARGET}.history", request)
    start = max(person.start, person.end - timedelta(days=days))
    latest: dict[tuple[date, str], CheckIn] = {}
    for ci in CheckIn.objects.filter(person=person, round_date__gte=start).order_by("round_date", "slot", "attempt"):
        latest[(ci.round_date, ci.slot)] = ci
    out = []
    for (day, slot), ci in sorted(latest.items()):
        answers = (ci.result or {}).get("answers", {})
        out.append(
            {
                "date": day,
                "slot": slot,
                "status": ci.status,
                "attempts": ci.attempt,
                "answers": answers,
                "flags": (ci.result or {}).get("flags", []),
                "emergency": ci.emergency,
            }
        )
    record(request, AuditAction.CARECALL_VIEW_PERSON, f"{TARGET}.history", object_id=person.pk, actor=actor)
    return out


def chart_svg(rows: list[dict[str, Any]], start: date, end: date, lang: str = "en") -> str:
    """A 14-day chart of one person's answers as inline SVG: temperature line and a symptom grid."""
    from html import escape

    labels = {
        "en": {
            "fever": "Fever",
            "cough": "Cough",
            "sore_throat": "Sore throat",
            "shortness_of_breath": "Breath",
            "taste_smell": "Taste/smell",
            "other_symptoms": "Other",
        },
        "ko": {
            "fever": "발열",
            "cough": "기침",
            "sore_throat": "인후통",
            "shortness_of_breath": "호흡곤란",
            "taste_smell": "미각·후각",
            "other_symptoms": "기타",
        },
    }[lang if lang == "ko" else "en"]
    days = max(1, (end - start).days + 1)
    col = 44
    left, top = 90, 20
    width = left + days * col + 10
    symptoms = list(labels)
    grid_top = top + 130
    height = grid_top + len(symptoms) * 18 + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="carecall-chart" '
        f'aria-label="14-day answers">',
        f'<rect x="{left}" y="{top}" width="{days * col}" height="110" fill="#fafafa" stroke="#ccc"/>',
    ]

    def y_of(t: float) -> float:
        return top + 110 - (min(max(t, 35.5), 40.5) - 35.5) / 5.0 * 110

    y375 = y_of(37.5)
    parts.append(
        f'<line x1="{left}" x2="{left + days * col}" y1="{y375:.1f}" y2="{y375:.1f}" '
        'stroke="#e67e22" stroke-dasharray="4 3"/>'
    )
    parts.append(f'<text x="{left - 6}" y="{y375 + 4:.1f}" text-anchor="end" font-size="10">37.5 ℃</text>')
    points = []
    for r in rows:
        offset = (r["date"] - start).days
        if not 0 <= offset < days:
            continue
        x = left + offset * col + (10 if r["slot"] < "12:00" else 32)
        t = r["answers"].get("temperature")
        if isinstance(t, (int, float)):
            points.append(f"{x:.0f},{y_of(float(t)):.1f}")
            parts.append(
                f'<circle cx="{x:.0f}" cy="{y_of(float(t)):.1f}" r="3" fill="#c0392b">'
                f"<title>{r['date']} {r['slot']}: {t} ℃</title></circle>"
            )
        for i, s in enumerate(symptoms):
            value = r["answers"].get(s)
            colour = {"yes": "#c0392b", "no": "#27ae60"}.get(value, "#ddd" if r["status"] != "answered" else "#bbb")
            parts.append(
                f'<rect x="{x - 8:.0f}" y="{grid_top + i * 18}" width="16" height="14" fill="{colour}">'
                f"<title>{r['date']} {r['slot']} {escape(labels[s])}: {escape(str(value))}</title></rect>"
            )
        if r["emergency"]:
            parts.append(
                f'<text x="{x:.0f}" y="{top + 12}" text-anchor="middle" font-size="12" fill="#c0392b">!</text>'
            )
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#c0392b"/>')
    for i, s in enumerate(symptoms):
        parts.append(
            f'<text x="{left - 6}" y="{grid_top + i * 18 + 11}" text-anchor="end" font-size="10">'
            f"{escape(labels[s])}</text>"
        )
    for d in range(days):
        day = start + timedelta(days=d)
        parts.append(
            f'<text x="{left + d * col + col / 2:.0f}" y="{height - 8}" text-anchor="middle" font-size="9">'
            f"{day:%m-%d}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def round_stats(day: date) -> dict[str, Any]:
    """Counts for the CLI and the API (no personal data)."""
    by = (
        CheckIn.objects.filter(round_date=day)
        .values("slot")
        .annotate(total=Count("id"), answered=Count("id", filter=Q(status=CheckIn.Status.ANSWERED)))
    )
    return {row["slot"]: {"attempts": row["total"], "answered": row["answered"]} for row in by}


def local_day(moment: datetime | None = None) -> date:
    return timezone.localtime(moment or timezone.now(), config_zone()).date()


def config_zone() -> Any:
    from epiaid.core.jobs.scheduler import schedule_tz

    return schedule_tz()
