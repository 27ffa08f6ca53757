"""Demo data for ``make run``: the real DS4C and clinic data when present, else seeded synthetic data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from epiaid.core.korean import province_en
from epiaid.situation.models import Case, Clinic, Cluster, Source, Visit
from epiaid.situation.services.disclosure import set_policy
from epiaid.situation.services.importers import import_clinics, import_coronamap, import_ds4c_dir


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    if shared is not None and (shared / "ds4c").is_dir():
        reports = import_ds4c_dir(shared / "ds4c")
        reports.append(import_coronamap(shared / "map" / "coronamap_site_routes_2020-03-11.json"))
        reports.append(import_clinics(shared / "map" / "screening_centers_2020-03-17_MOHW_geocoded.csv"))
        for report in reports:
            log(f"    {report.summary()}")
        latest = Visit.objects.aggregate(latest=Max("date"))["latest"]
        # Historical data: replay the disclosure window as of the last visit so the public map shows it.
        set_policy(as_of=latest)
        counts = f"{Case.objects.count()} cases, {Visit.objects.count()} visits, {Clinic.objects.count()} clinics"
        return f"{counts} (real data, as of {latest})"
    return _load_synthetic()


@transaction.atomic
def _load_synthetic() -> str:
    from epiaid.situation.synthetic import generate

    cases, clinics, clusters = generate()
    cluster_ids = {}
    for name, province, lat, lng, count in clusters:
        obj, _ = Cluster.objects.update_or_create(
            source=Source.DEMO,
            source_key=name,
            defaults={
                "name": name,
                "province": province_en(province) or province,
                "lat": lat,
                "lng": lng,
                "case_count": count,
            },
        )
        cluster_ids[name] = obj.id
    for demo_case in cases:
        case, _ = Case.objects.update_or_create(
            number=demo_case.number,
            defaults={
                "confirmed_date": demo_case.confirmed,
                "province": province_en(demo_case.province) or "",
                "city": demo_case.city,
                "infection_case": demo_case.infection_case,
                "cluster_id": cluster_ids.get(demo_case.infection_case),
                "infected_by": demo_case.infected_by,
                "source": Source.DEMO,
            },
        )
        for i, v in enumerate(demo_case.visits):
            Visit.objects.update_or_create(
                source=Source.DEMO,
                source_key=f"{demo_case.number}|{i}",
                defaults={
                    "case": case,
                    "date": v.date,
                    "start_time": v.start,
                    "end_time": v.end,
                    "place_name": v.place_name,
                    "category": v.category,
                    "address": v.address,
                    "province": province_en(demo_case.province) or "",
                    "lat": v.lat,
                    "lng": v.lng,
                    "disclosed": v.disclosed,
                },
            )
    for c in clinics:
        Clinic.objects.update_or_create(
            source=Source.DEMO,
            source_key=f"{c.name}|{c.address}",
            defaults={
                "name": c.name,
                "address": c.address,
                "phone": c.phone,
                "specimen_collection": c.specimen,
                "lat": c.lat,
                "lng": c.lng,
                "province": province_en(c.address.split(" ")[0]) or "",
            },
        )
    set_policy(clear_as_of=True)
    return f"{len(cases)} synthetic cases, {Visit.objects.count()} visits, {len(clinics)} clinics"
