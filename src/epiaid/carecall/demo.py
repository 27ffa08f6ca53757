"""Demo roster: two health centres, an officer, a dozen people with five days of answered rounds
(scripted callers: some flagged, one emergency, one never answering), and two contacts awaiting details."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

NAMES = [
    "김민준",
    "이서연",
    "박지호",
    "최수아",
    "정도윤",
    "강하은",
    "조시우",
    "윤지유",
    "장예준",
    "임서윤",
    "한주원",
    "오채원",
]


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from django.db import transaction

    with transaction.atomic():  # all or nothing: a failed load is not "already loaded" next time
        return _load(log)


def _load(log: Callable[[str], None]) -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from epiaid.carecall import config
    from epiaid.carecall.engine.scenarios import generate
    from epiaid.carecall.models import Alert, CheckIn, HealthCentre, Person
    from epiaid.carecall.services import add_person, calls, enrol_from_investigation
    from epiaid.carecall.services.access import SYSTEM

    if Person.objects.exists():
        return "demo roster already loaded"
    bundang, _ = HealthCentre.objects.get_or_create(
        name="분당구보건소",
        defaults={"name_en": "Bundang-gu Health Centre", "lat": 37.3827, "lng": 127.1189, "phone": "031-729-3990"},
    )
    HealthCentre.objects.get_or_create(
        name="수정구보건소",
        defaults={"name_en": "Sujeong-gu Health Centre", "lat": 37.4500, "lng": 127.1456, "phone": "031-729-3850"},
    )
    users = get_user_model()
    officer, created = users.objects.get_or_create(
        username="carecall_officer", defaults={"email": "officer@example.invalid"}
    )
    if created:
        officer.set_unusable_password()
        officer.save()
    officer.groups.add(Group.objects.get(name="health_staff"))
    today = timezone.localdate()
    pool = [s for s in generate(config.dialog(), 600, seed=11) if s.behaviour in ("plain", "noisy", "misheard")]
    well = [s for s in pool if not s.expected["advise_test"] and not s.expected["emergency"]]
    unwell = [s for s in pool if s.expected["advise_test"] and not s.expected["emergency"]]
    people = []
    for i, name in enumerate(NAMES):
        people.append(
            add_person(
                officer,
                name=name,
                phone=f"010-5550-{i:04d}",
                centre=bundang,
                officer=officer,
                lang="en" if i == 11 else "ko",
                reason="contact" if i % 3 else "arrival",
                case_number="31" if i % 3 else "",
                start=today - timedelta(days=4),
                end=today + timedelta(days=10),
                channel=["keypad", "text", "web", "twilio"][i % 4],
                consent_channel="phone",
            )
        )
    picks = {True: itertools.cycle(unwell), False: itertools.cycle(well)}
    for d in range(4, -1, -1):
        day = today - timedelta(days=d)
        for slot in config.rounds()[: (1 if d == 0 else 2)]:
            for i, person in enumerate(people):
                due = timezone.make_aware(datetime.combine(day, config.slot_time(slot)))
                silent = i == 5 and d == 1
                for attempt in range(1, 4 if silent else 2):
                    ci = CheckIn.objects.create(
                        person=person,
                        round_date=day,
                        slot=slot,
                        attempt=attempt,
                        channel=person.channel,
                        token=calls.new_token(),
                        due_at=due + timedelta(minutes=10 * (attempt - 1)),
                    )
                    if silent:
                        calls.run_call(SYSTEM, ci, ask=lambda p: None)
                        continue
                    pick = picks[i in (1, 7) and d < 3]  # two people fall ill: flagged, then flagged twice
                    s = next(pick)
                    while s.lang != person.lang:
                        s = next(pick)
                    s = copy.deepcopy(s)  # a fresh caller (the scenario keeps what it was asked)
                    if i == 2 and d == 0:  # today's emergency: breathing difficulty and an emergency sign
                        s.truth.update(
                            fever="no", cough="no", sore_throat="no", shortness_of_breath="yes", emergency_signs="yes"
                        )
                    calls.run_call(SYSTEM, ci, ask=s.reply)
                if silent:
                    from epiaid.carecall.services import alerts

                    alerts.call_back(ci)
    enrol_from_investigation(
        officer,
        case_number="31",
        contacts=[
            {"contact_pid": "C31-a91f", "last_contact": (timezone.now() - timedelta(days=2)).isoformat()},
            {"contact_pid": "C31-5d2c", "last_contact": (timezone.now() - timedelta(days=1)).isoformat()},
        ],
    )
    n_alerts = Alert.objects.count()
    log("    carecall: officer 'carecall_officer' (no password: epiaid manage changepassword carecall_officer)")
    return f"{len(people)} people, {CheckIn.objects.count()} check-ins, {n_alerts} alerts, 2 awaiting details"
