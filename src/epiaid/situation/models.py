"""Situation-map data: confirmed cases, their visits, screening clinics and clusters.

Every imported row keeps ``source`` and ``source_key`` so that re-importing a file updates rows in
place instead of duplicating them (the importers' idempotence rests on these unique pairs).
"""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    DS4C = "ds4c", "DS4C"
    CORONAMAP = "coronamap", "coronamap.site"
    MOHW = "mohw", "MOHW clinic list"
    TEMPLATE = "template", "epiaid CSV template"
    MANUAL = "manual", "entered by staff"
    INVESTIGATION = "investigation", "published from an investigation"
    DEMO = "demo", "generated demo data"


class CaseStatus(models.TextChoices):
    ISOLATED = "isolated", "isolated"
    RELEASED = "released", "released"
    DECEASED = "deceased", "deceased"
    UNKNOWN = "unknown", "unknown"


class Cluster(models.Model):
    """An infection cluster (집단발생) such as a church or call centre."""

    name = models.CharField(max_length=200)
    province = models.CharField(max_length=50, blank=True)
    city = models.CharField(max_length=80, blank=True)
    place = models.CharField(max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    case_count = models.PositiveIntegerField(default=0)
    is_group = models.BooleanField(default=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_key = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_key"], name="uniq_cluster_source")]
        ordering = ["-case_count", "name"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A confirmed case. Demographics here are personal data: never shown to the public."""

    number = models.CharField(max_length=40, unique=True, help_text="public case number / source id")
    global_num = models.PositiveIntegerField(null=True, blank=True, help_text="national case number")
    confirmed_date = models.DateField(null=True, blank=True, db_index=True)
    symptom_onset_date = models.DateField(null=True, blank=True)
    released_date = models.DateField(null=True, blank=True)
    deceased_date = models.DateField(null=True, blank=True)
    province = models.CharField(max_length=50, blank=True, db_index=True, help_text="home area (not public)")
    city = models.CharField(max_length=80, blank=True, help_text="home area (not public)")
    sex = models.CharField(max_length=10, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    nationality = models.CharField(max_length=40, blank=True)
    infection_case = models.CharField(max_length=200, blank=True)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    infected_by = models.CharField(max_length=40, blank=True, help_text="number of the infector case")
    contact_number = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.UNKNOWN)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["confirmed_date", "number"]

    def __str__(self) -> str:
        return f"case {self.number}"


class Visit(models.Model):
    """A place a case visited. Only ``disclosed`` visits inside the disclosure window are public."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(db_index=True)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    place_name = models.CharField(max_length=200)
    place_name_en = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=40, blank=True, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    province = models.CharField(max_length=50, blank=True, db_index=True, help_text="where the place is")
    lat = models.FloatField()
    lng = models.FloatField()
    disclosed = models.BooleanField(default=True, db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_key"], name="uniq_visit_source")]
        indexes = [models.Index(fields=["lat", "lng"])]
        ordering = ["date", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} @ {self.place_name} {self.date}"


class Clinic(models.Model):
    """A screening clinic (선별진료소)."""

    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    province = models.CharField(max_length=50, blank=True, db_index=True)
    district = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    specimen_collection = models.BooleanField(default=False)
    # Some official lists give no coordinates: such clinics are listed but left off the map and
    # out of nearest-clinic answers.
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_key = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_key"], name="uniq_clinic_source")]
        ordering = ["province", "district", "name"]

    def __str__(self) -> str:
        return self.name


class DisclosureSettings(models.Model):
    """The public-disclosure policy's knobs, one row, editable by admins.

    ``as_of`` replays a past epidemic (the demo's 2020 data): the window is then measured back from
    that date instead of today. Leave it empty in a live outbreak.
    """

    window_days = models.PositiveIntegerField(default=14)
    as_of = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "disclosure settings"

    def __str__(self) -> str:
        return f"{self.window_days} days" + (f" as of {self.as_of}" if self.as_of else "")
