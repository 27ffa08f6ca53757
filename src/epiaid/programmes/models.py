"""Support programmes: configuration (programme, track, ledger), applicants, review, grants, vouchers.

Amounts are ``Decimal`` in the track's unit (``tf_months`` of compute or ``krw``). The ledger row of a
track (:class:`TrackLedger`) is the one row every approval locks, so the budget can never be overspent.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class Programme(models.Model):
    class Kind(models.TextChoices):
        COMPUTE = "compute", "Compute allocation"
        DATA_VOUCHER = "data_voucher", "Data voucher"
        CLOUD_VOUCHER = "cloud_voucher", "Cloud voucher"

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name_en = models.CharField(max_length=200)
    name_ko = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.code


class Track(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="tracks")
    code = models.SlugField(max_length=60, unique=True)
    name_en = models.CharField(max_length=200)
    name_ko = models.CharField(max_length=200)
    unit = models.CharField(max_length=12, choices=[("tf_months", "TF-months"), ("krw", "KRW")])
    budget = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    sizes_tf = models.JSONField(default=list, blank=True)
    months = models.PositiveSmallIntegerField(default=0)
    grant_min = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    grant_max = models.DecimalField(max_digits=18, decimal_places=3, null=True, blank=True)
    co_payment_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(0))
    eligibility = models.JSONField(default=list)
    review_sla_business_days = models.PositiveSmallIntegerField()
    opens_on = models.DateField()
    closes_on = models.DateField()
    extension = models.JSONField(default=dict, blank=True)
    pay_supplier_after_delivery = models.BooleanField(default=False)
    milestones = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return self.code

    @property
    def kind(self) -> str:
        return self.programme.kind

    @property
    def cap(self) -> Decimal:
        if self.unit == "tf_months":
            return Decimal(max(self.sizes_tf) * self.months)
        return self.grant_max if self.grant_max is not None else self.budget


class TrackLedger(models.Model):
    """The track's money (or compute) position; locked (``select_for_update``) by every change."""

    track = models.OneToOneField(Track, on_delete=models.PROTECT, related_name="ledger")
    budget = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    committed = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    paid = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))

    def __str__(self) -> str:
        return f"TrackLedger {self.pk}"

    @property
    def available(self) -> Decimal:
        return self.budget - self.committed


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        COMMIT = "commit"
        RELEASE = "release"
        PAY = "pay"

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="entries")
    application = models.ForeignKey("Application", on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    note = models.CharField(max_length=200, blank=True)
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"LedgerEntry {self.pk}"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        UNIVERSITY_TEAM = "university_team", "University team"
        RESEARCH_INSTITUTE = "research_institute", "Research institute"

    name = models.CharField(max_length=200)
    brn = models.CharField("business registration number", max_length=12, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    contact_email = models.EmailField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="programme_organisations", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.brn})"


class Supplier(models.Model):
    """A data supplier / data-processing company / cloud provider in the catalogue."""

    class Kind(models.TextChoices):
        DATA_PURCHASE = "data_purchase"
        DATA_PROCESSING = "data_processing"
        CLOUD = "cloud"

    name = models.CharField(max_length=200)
    brn = models.CharField(max_length=12, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    catalogue = models.JSONField(default=list, blank=True)  # offers: [{"title": ..., "price": ...}]
    contact_email = models.EmailField(blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="programme_suppliers", blank=True)

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    class Status(models.TextChoices):
        ELIGIBILITY = "eligibility", "Eligibility check"
        EXPERT_REVIEW = "expert_review", "Expert review"
        DECISION = "decision", "Awaiting decision"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN = (Status.ELIGIBILITY, Status.EXPERT_REVIEW, Status.DECISION)

    reference = models.CharField(max_length=40, unique=True)
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    requested = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    requested_tf = models.PositiveIntegerField(default=0)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ELIGIBILITY)
    duplicate_of = models.JSONField(
        default=list, blank=True
    )  # references of this organisation's other open applications
    submitted_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    decision_reasons = models.TextField(blank=True)
    late = models.BooleanField(default=False)  # decided after its SLA deadline (with a recorded reason)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.reference


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    mime = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored = models.CharField(max_length=300)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Attachment {self.pk}"


class ReviewerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expertise = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"ReviewerProfile {self.pk}"


class Collaboration(models.Model):
    """A reviewer's recent joint work with an organisation (a conflict of interest while recent)."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collaborations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    last_on = models.DateField()
    what = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Collaboration {self.pk}"


class Assignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned"
        RECUSED = "recused"
        REVIEWED = "reviewed"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    declared_no_conflict_at = models.DateTimeField(null=True, blank=True)
    recusal_reason = models.CharField(max_length=300, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="one_assignment_per_reviewer")]

    def __str__(self) -> str:
        return f"Assignment {self.pk}"


class Review(models.Model):
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    scores = models.JSONField()
    total = models.DecimalField(max_digits=6, decimal_places=2)
    recommend = models.BooleanField()
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Review {self.pk}"


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="extensions")
    months = models.PositiveSmallIntegerField()
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"ExtensionRequest {self.pk}"


class Allocation(models.Model):
    """An approved compute grant and its Slurm account (provisioned by someone other than the approver)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="allocation")
    account = models.CharField(max_length=40, unique=True)
    tf_months = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    tres_minutes = models.JSONField(default=dict)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    provisioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    used = models.JSONField(default=dict)
    usage_synced_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Allocation {self.pk}"


class UsageSample(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="samples")
    taken_at = models.DateTimeField()
    used = models.JSONField()

    def __str__(self) -> str:
        return f"UsageSample {self.pk}"


class RightSizing(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="suggestions")
    month = models.DateField()
    used_fraction = models.FloatField()
    elapsed_fraction = models.FloatField()
    suggestion = models.CharField(max_length=20)  # shrink / keep / extend
    text = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["allocation", "month"], name="one_rightsizing_per_month")]

    def __str__(self) -> str:
        return f"RightSizing {self.pk}"


class ReportObligation(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ReportObligation {self.pk}"


class Voucher(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued"
        DELIVERED = "delivered"
        PAID = "paid"
        CLOSED = "closed"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="voucher")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="vouchers")
    amount = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    co_payment_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal(0))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Voucher {self.pk}"


class Milestone(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        PAID = "paid"

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="milestones")
    seq = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"Milestone {self.pk}"


class Invoice(models.Model):
    """A cloud provider's invoice against a voucher: the programme reimburses all but the co-payment."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted"
        REIMBURSED = "reimbursed"

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=60)
    total = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    co_payment = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    reimbursable = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reimbursed_at = models.DateTimeField(null=True, blank=True)
    reimbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voucher", "number"], name="one_invoice_number_per_voucher")]

    def __str__(self) -> str:
        return f"Invoice {self.pk}"


class ChainHead(models.Model):
    """The one row a new decision record locks to take the next sequence number."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"ChainHead {self.pk}"


class DecisionRecord(models.Model):
    """The portal's decision log (approvals, rejections, payments …) as a SHA-256 hash chain."""

    seq = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=30)
    reference = models.CharField(max_length=60)
    payload = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"DecisionRecord {self.pk}"
