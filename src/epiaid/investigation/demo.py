"""Demo data: one investigation of a synthetic case with delivered, approved location data.

The ping data is always generated (no real location data exists to demo with); it is written
through the same workflow a real investigation uses, so the console, approvals and the retention
clock all show real states. Quick: a 300-person population for one day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEMO_CASE = "DEMO-INV-1"


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    import io

    from django.contrib.auth import get_user_model

    from epiaid.core.roles import Role, ensure_role_groups
    from epiaid.investigation import services
    from epiaid.investigation.engine.coverage import covered_rows
    from epiaid.investigation.engine.synth import SynthConfig, population_frame
    from epiaid.investigation.models import ApproverAuthority, Investigation, ProviderAccount

    if Investigation.objects.filter(case_number=DEMO_CASE).exists():
        return "demo investigation already present"
    ensure_role_groups()
    users = get_user_model()
    from django.contrib.auth.models import Group

    def user(name: str, *roles: Role) -> Any:
        u, created = users.objects.get_or_create(username=name)
        if created:
            u.set_unusable_password()  # demo actors; sign in as the demo admin instead
            u.save()
        for r in roles:
            u.groups.add(Group.objects.get(name=r.value))
        return u

    investigator = user("demo_investigator", Role.INVESTIGATOR)
    police = user("demo_police", Role.APPROVER)
    ApproverAuthority.objects.get_or_create(user=police, authority="police")
    telco = user("demo_telco")
    ProviderAccount.objects.get_or_create(user=telco, provider="DemoTelecom")
    df, truth = population_frame(
        SynthConfig(n_people=300, n_index=1, contacts_per_index=4, seed=21, start_date="2020-03-04")
    )
    subject = truth.index_pids[0]
    try:
        from epiaid.core.actors import Actor
        from epiaid.situation.services import case_exists, create_case

        if not case_exists(DEMO_CASE):
            create_case(
                Actor.system("demo"),
                {
                    "number": DEMO_CASE,
                    "confirmed_date": dt.date(2020, 3, 6),
                    "province": "Seoul",
                    "city": "Jung-gu",
                    "infection_case": "contact with patient",
                },
            )
    except ImportError:
        log("  situation map not installed: the demo investigation is not linked to a map case")
    inv = services.open_investigation(
        investigator,
        case_number=DEMO_CASE,
        subject_pid=subject,
        subject_basis="synthetic demo: the case's own handset, as the case stated in the interview",
        symptom_onset=dt.date(2020, 3, 5),
        isolation_date=dt.date(2020, 3, 6),
        title="synthetic demo",
    )
    admin = users.objects.filter(username="admin").first()
    if admin is not None:
        inv.investigators.add(admin)
    req = services.request_data(
        investigator,
        inv,
        source="gps",
        provider="DemoTelecom",
        scope="area",
        legal_purpose="감염병예방법 제76조의2 제1항: 확진자 위치정보 및 접촉자 확인 (demo)",
    )
    services.decide(police, req, approve=True, reason="demo approval")
    # The carrier extracts what a contact search covers: the case and the people at the case's places.
    df = covered_rows(df, subject)
    buf = io.StringIO()
    df.assign(time=df["time"].map(lambda t: t.isoformat())).drop(columns=["ts"]).to_csv(buf, index=False)
    services.deliver(telco, req, content=buf.getvalue().encode(), fmt="pings_csv")
    services.request_data(
        investigator,
        inv,
        source="card",
        provider="DemoCard",
        legal_purpose="감염병예방법 제76조의2 제1항: 카드 사용 내역 (demo, awaiting approval)",
    )
    return f"investigation #{inv.pk} of case {DEMO_CASE}: {len(df)} synthetic pings delivered, 1 request pending"
