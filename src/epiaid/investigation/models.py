"""Investigations, data requests, approvals, deliveries and deletion records.

The ping data itself never enters the database: it lives in a per-investigation Parquet folder
(``DATA_DIR/investigation/<id>/``) so that deletion at the retention deadline removes all of it at
once. These rows are the legal paper trail and stay after the data is gone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Source(models.TextChoices):
    CELL = "cell", "Telecom cell location / 기지국 위치"
    GPS = "gps", "Telecom GPS location / 단말 GPS 위치"
    CARD = "card", "Card transactions / 카드 사용 내역"
    QR = "qr", "QR check-ins / 전자출입명부"


class Authority(models.TextChoices):
    """Who approves a source (2020 practice: police for telecom location, card association for cards)."""

    POLICE = "police", "Police / 경찰청"
    CARD_ASSOCIATION = "card_association", "Credit Finance Association / 여신금융협회"
    KDCA = "kdca", "KDCA / 질병관리청"


APPROVER_OF: dict[str, str] = {
    Source.CELL: Authority.POLICE,
    Source.GPS: Authority.POLICE,
    Source.CARD: Authority.CARD_ASSOCIATION,
    Source.QR: Authority.KDCA,
}


class Investigation(models.Model):
    case_number = models.CharField(max_length=40, help_text="the situation map's case number")
    subject_pid = models.CharField(max_length=64, help_text="pseudonymous id of the case in provider data")
    # The case's link to that subject, with its basis: who asserted it, when, and on what ground. Every
    # request copies the subject, the approver decides on it and the provider delivers only for it.
    subject_basis = models.TextField(
        blank=True, help_text="why this pseudonym is the case's, e.g. the case's own phone number per interview"
    )
    subject_asserted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_asserted_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    symptom_onset = models.DateField()
    isolation_date = models.DateField()
    investigators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="investigations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    retention_until = models.DateTimeField(help_text="data is deleted automatically at this time")
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} case {self.case_number}"


class DataRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending approval"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        DELIVERED = "delivered", "delivered"

    class Scope(models.TextChoices):
        SUBJECT = "subject", "the case only"
        AREA = "area", "everyone at the case's places (contact search)"

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="requests")
    source = models.CharField(max_length=8, choices=Source.choices)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.SUBJECT)
    subject_pid = models.CharField(
        max_length=64, blank=True, help_text="the subject this request is for (copied from the investigation)"
    )
    provider = models.CharField(max_length=80, help_text="carrier / card company / QR operator asked")
    legal_purpose = models.TextField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    rows_delivered = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"request #{self.pk} {self.source} for {self.investigation}"

    @property
    def authority(self) -> str:
        return APPROVER_OF[self.source]


class ApproverAuthority(models.Model):
    """Which authority an approver signs for (a police officer cannot approve card requests)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approver_authorities")
    authority = models.CharField(max_length=20, choices=Authority.choices)

    class Meta:
        unique_together = [("user", "authority")]

    def __str__(self) -> str:
        return f"{self.user} signs for {self.authority}"


class ProviderAccount(models.Model):
    """A data provider's uploader: only the provider a request names may deliver its data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_accounts")
    provider = models.CharField(max_length=80)

    class Meta:
        unique_together = [("user", "provider")]

    def __str__(self) -> str:
        return f"{self.user} uploads for {self.provider}"


class Delivery(models.Model):
    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="deliveries")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    batch = models.CharField(max_length=40)
    rows = models.PositiveIntegerField()
    summary = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"delivery {self.batch} ({self.rows} rows)"


class Publication(models.Model):
    """An investigator's proposal to put a case's stays on the public map, awaiting health staff's review.

    Only an accepted publication reaches the situation map (through its public ``publish_visits``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "awaiting review"
        ACCEPTED = "accepted", "accepted and published"
        REFUSED = "refused", "refused"

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="publications")
    #: The chosen stays as they will be published: index, place_name, lat, lng, start, end (ISO times).
    stays = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    published = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"publication #{self.pk} of {self.investigation} ({self.status})"


class DeletionRecord(models.Model):
    """Proof of deletion: what was removed, when, and why; kept after the data is gone."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="deletions")
    deleted_at = models.DateTimeField(default=timezone.now)
    files_deleted = models.PositiveIntegerField()
    rows_deleted = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    actor_label = models.CharField(max_length=150, default="system")

    def __str__(self) -> str:
        return f"deletion of {self.investigation} at {self.deleted_at:%Y-%m-%d}"
