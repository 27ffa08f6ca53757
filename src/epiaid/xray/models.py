"""Studies received for triage, the model's reads of them, and radiologists' confirmations/overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models

DEFAULT_SITE_CODE = "default"


class Site(models.Model):
    """A hospital or ward whose studies its own clinicians read; studies older than sites belong to ``default``."""

    code = models.SlugField(max_length=40, unique=True, help_text="short and stable, e.g. 'snuh-er'")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SiteMembership(models.Model):
    """A clinician reads (and pushes to) a site. A clinician with no membership reads the default site;
    one with several pushes to the first they joined. Admins read every site."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xray_sites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        constraints = [models.UniqueConstraint(fields=["site", "user"], name="xray_one_membership_per_site")]

    def __str__(self) -> str:
        return f"{self.user} at {self.site.code}"


class SiteAeTitle(models.Model):
    """A calling AE title whose C-STORE pushes belong to a site (an unknown AE title's go to the default)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="ae_titles")
    ae_title = models.CharField(max_length=16, unique=True)

    def __str__(self) -> str:
        return f"{self.ae_title} → {self.site.code}"


def default_site_id() -> int:
    return Site.objects.get_or_create(code=DEFAULT_SITE_CODE, defaults={"name": "Default site"})[0].pk


class Study(models.Model):
    """One received image (upload, API, C-STORE, STOW-RS or demo); rejected inputs are kept with their reason."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload page"
        API = "api", "REST API"
        CSTORE = "cstore", "DICOM C-STORE"
        STOW = "stow", "DICOMweb STOW-RS"
        DEMO = "demo", "Demo data"

    class Status(models.TextChoices):
        SCORED = "scored", "Scored"
        REJECTED = "rejected", "Rejected"

    source = models.CharField(max_length=10, choices=Source.choices)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_file = models.CharField(max_length=300, blank=True, help_text="path under MEDIA_ROOT")
    kind = models.CharField(max_length=8, blank=True)  # dicom / png / jpeg
    study_uid = models.CharField(max_length=64, blank=True)
    patient_ref = models.CharField(max_length=64, blank=True)
    accession = models.CharField(max_length=64, blank=True)
    sender = models.CharField(max_length=64, blank=True, help_text="user name or calling AE title")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="studies", default=default_site_id)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reject_code = models.CharField(max_length=40, blank=True)
    reject_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-received_at",)

    def __str__(self) -> str:
        return f"{self.filename or self.study_uid} ({self.status})"


class Read(models.Model):
    """One model read of a study; the model hash ties every number to the exact shipped weights."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="reads")
    model_sha256 = models.CharField(max_length=64)
    p_pneumonia = models.FloatField()
    p_covid = models.FloatField()
    severity_extent = models.FloatField()
    severity_opacity = models.FloatField()
    flag = models.BooleanField()
    urgency = models.FloatField(db_index=True)
    result = models.JSONField()
    heatmap_file = models.CharField(max_length=300, blank=True)
    seconds = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"read {self.pk} of study {self.study_id}"


class Override(models.Model):
    """A radiologist's confirmation or correction of a read (append-only; the latest one counts)."""

    class Decision(models.TextChoices):
        CONFIRM = "confirm", "Confirm"
        OVERRIDE = "override", "Override"

    read = models.ForeignKey(Read, on_delete=models.PROTECT, related_name="overrides")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    flag = models.BooleanField()
    severity_extent = models.FloatField()
    severity_opacity = models.FloatField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.decision} of read {self.read_id}"
