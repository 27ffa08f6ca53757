"""Importers: idempotent, per-row rejections naming row and field, all-or-nothing on a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from epiaid.situation.models import Case, Clinic, Cluster, Visit
from epiaid.situation.services.importers import (
    ImportFileError,
    import_clinics,
    import_coronamap,
    import_ds4c_cases,
    import_ds4c_clusters,
    import_ds4c_dir,
    import_ds4c_routes,
    import_template,
)
from tests.situation import factories as f

pytestmark = pytest.mark.django_db


def _load_ds4c() -> None:
    import_ds4c_clusters(f.CLUSTERS_CSV.encode())
    import_ds4c_cases(f.CASES_CSV.encode())


def test_ds4c_import_reports_created_rows_and_links_cases_to_clusters() -> None:
    clusters = import_ds4c_clusters(f.CLUSTERS_CSV.encode())
    cases = import_ds4c_cases(f.CASES_CSV.encode())
    assert (clusters.created, cases.created) == (3, 3)
    assert Case.objects.get(number="1000000002").cluster == Cluster.objects.get(name="Guro-gu Call Center")
    assert Case.objects.get(number="1000000003").infected_by == "1000000002"


def test_ds4c_routes_reject_duplicates_unknown_cases_and_swapped_coordinates_by_row() -> None:
    _load_ds4c()
    report = import_ds4c_routes(f.ROUTES_CSV.encode())
    assert report.read == 7 and report.created == 4
    by_row = {r.row: (r.field, r.reason) for r in report.rejected}
    assert by_row[5] == ("row", "duplicate of row 4")
    assert by_row[7][0] == "patient_id" and "unknown case id '9999999999'" in by_row[7][1]
    assert by_row[8][0] == "latitude/longitude" and "swapped" in by_row[8][1]


def test_reimporting_the_same_files_updates_nothing_and_duplicates_nothing() -> None:
    _load_ds4c()
    import_ds4c_routes(f.ROUTES_CSV.encode())
    counts = (Case.objects.count(), Visit.objects.count(), Cluster.objects.count())
    again = [
        import_ds4c_clusters(f.CLUSTERS_CSV.encode()),
        import_ds4c_cases(f.CASES_CSV.encode()),
        import_ds4c_routes(f.ROUTES_CSV.encode()),
    ]
    assert (Case.objects.count(), Visit.objects.count(), Cluster.objects.count()) == counts
    assert all(r.created == 0 and r.updated == 0 for r in again)


def test_reimporting_a_changed_row_updates_it_in_place() -> None:
    _load_ds4c()
    changed = f.CASES_CSV.replace("2020-03-03,,,isolated", "2020-03-03,2020-03-20,,released")
    report = import_ds4c_cases(changed.encode())
    assert report.updated == 1
    assert Case.objects.get(number="1000000003").status == "released"


def test_a_file_missing_a_column_is_refused_whole_and_changes_nothing() -> None:
    _load_ds4c()
    before = Case.objects.count()
    with pytest.raises(ImportFileError, match="missing column"):
        import_ds4c_cases(b"patient_id,sex\n1,male\n")
    assert Case.objects.count() == before


def test_a_broken_csv_rolls_back_every_row_already_read() -> None:
    _load_ds4c()
    broken = f.ROUTES_CSV.encode() + b'1000000003,6,2020-03-05,Daegu,Nam-gu,"cafe,35.8,128.5\n'
    with pytest.raises(ImportFileError):
        import_ds4c_routes(broken)
    assert Visit.objects.count() == 0


def test_non_text_files_are_refused_with_the_reason() -> None:
    with pytest.raises(ImportFileError, match="neither UTF-8 nor CP949"):
        import_clinics(bytes(range(128, 256)) * 4)


def test_cp949_clinic_list_with_a_multiline_header_imports_and_keeps_clinics_without_coordinates() -> None:
    report = import_clinics(f.CLINICS_CSV_CP949)
    assert report.encoding == "cp949"
    assert report.created == 4 and not report.rejected
    assert [w.field for w in report.warnings] == ["lat/lng"]
    gangnam = Clinic.objects.get(name="강남구보건소")
    assert gangnam.specimen_collection and gangnam.province == "Seoul" and gangnam.phone == "02-3423-5555"
    assert not Clinic.objects.get(name="대구가톨릭대학교병원").specimen_collection
    assert Clinic.objects.get(name="남양디에스병원").lat is None


def test_coronamap_import_strips_presentation_markup_and_refuses_script() -> None:
    report = import_coronamap(f.coronamap_json())
    assert report.created == 2
    assert Visit.objects.filter(place_name="포항의료원 격리").exists()
    assert [(w.row, w.field) for w in report.warnings] == [(2, "place")]
    assert [(r.row, r.field) for r in report.rejected] == [(3, "place")]
    case = Case.objects.get(number="CM-105")
    assert (case.age_band, case.sex, case.nationality, case.global_num) == ("55", "여", "한국", 105)


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(ImportFileError, match="line 1 column"):
        import_coronamap(b"[{")


def test_template_import_refuses_html_in_text_and_times_in_the_wrong_order() -> None:
    rows = [
        f.template_row(),
        f.template_row(place="<b onclick=x>식당</b>"),
        f.template_row(place="다른식당", start="14:00", end="13:00"),
        f.template_row(lat="91", place="x"),
    ]
    report = import_template(f.template_csv(rows))
    assert report.created == 1
    fields = {r.row: r.field for r in report.rejected}
    assert fields == {3: "place_name", 4: "end_time", 5: "lat/lng"}
    visit = Visit.objects.get()
    assert visit.start_time.hour == 12 and visit.case.number == "T-1"


def test_the_real_ds4c_files_import_with_every_rejection_explained(shared_data: Path) -> None:
    reports = import_ds4c_dir(shared_data / "ds4c")
    clusters, cases, routes = reports
    assert (clusters.read, cases.read, routes.read) == (112, 3388, 6714)
    assert cases.created == 3388 and not cases.rejected
    assert routes.created + len(routes.rejected) == 6714
    assert all(r.reason.startswith("duplicate of row") for r in routes.rejected)
    again = import_ds4c_dir(shared_data / "ds4c")
    assert sum(r.created + r.updated for r in again) == 0


def test_the_real_mohw_clinic_list_imports_all_616_clinics(shared_data: Path) -> None:
    report = import_clinics(shared_data / "map" / "screening_centers_2020-03-17_MOHW_geocoded.csv")
    assert report.created == 616 and not report.rejected
    assert Clinic.objects.filter(lat__isnull=False).count() == 616 - len(report.warnings)
