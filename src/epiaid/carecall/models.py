"""The roster of people under active monitoring, their check-ins, alerts and the officers' reports.

Phone numbers are never stored in the clear: ``phone_hash`` (HMAC-SHA256 with the lookup key) finds a
person by number and ``phone_enc`` (Fernet, key from the environment) is decrypted only to dial or for
the assigned officer (each reveal audited). Names and answers are personal data: lists mask them and
every view goes through the services, which audit it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class HealthCentre(models.Model):
    """A public health centre (보건소) that runs the calls; its location finds the nearest screening clinic."""

    name = models.CharField(max_length=100, unique=True)
    name_en = models.CharField(max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True, help_text="public number told to people")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One person under active monitoring (능동감시 대상자)."""

    class Reason(models.TextChoices):
        CONTACT = "contact", "Contact of a case"
        ARRIVAL = "arrival", "Arrival from abroad"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        AWAITING = "awaiting", "Awaiting contact details"
        ACTIVE = "active", "Under monitoring"
        OPTED_OUT = "opted_out", "Opted out"
        ENDED = "ended", "Monitoring ended"

    class Channel(models.TextChoices):
        TEXT = "text", "Text message"
        WEB = "web", "Web check-in page"
        KEYPAD = "keypad", "Phone keypad"
        VOICE = "twilio", "Voice call (TwiML)"
        SIP = "sip", "Voice call (SIP)"

    name = models.CharField(max_length=100, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_enc = models.TextField(blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True)
    lang = models.CharField(max_length=2, choices=[("ko", "한국어"), ("en", "English")], default="ko")
    # both empty only while "awaiting contact details" (enrolled from an investigation)
    centre = models.ForeignKey(HealthCentre, on_delete=models.PROTECT, related_name="people", null=True, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="carecall_people", null=True, blank=True
    )
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.OTHER)
    case_number = models.CharField(max_length=40, blank=True, help_text="the case this person was in contact with")
    contact_pid = models.CharField(max_length=64, blank=True, help_text="pseudonym from the investigation")
    last_exposure = models.DateTimeField(null=True, blank=True)
    start = models.DateField()
    end = models.DateField()
    time_zone = models.CharField(max_length=50, default="Asia/Seoul")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.KEYPAD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_channel = models.CharField(max_length=20, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_channel = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("end", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["contact_pid", "case_number"],
                condition=~models.Q(contact_pid=""),
                name="carecall_one_enrolment_per_contact",
            )
        ]

    def __str__(self) -> str:
        return f"person {self.pk}"

    @property
    def masked_phone(self) -> str:
        return f"***-****-{self.phone_last4}" if self.phone_last4 else "—"

    @property
    def masked_name(self) -> str:
        if not self.name:
            return "—"
        return self.name[0] + "*" * max(1, len(self.name) - 1)


class CheckIn(models.Model):
    """One attempt to reach one person in one round: the unit the durable queue schedules."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        CALLING = "calling", "In progress"
        ANSWERED = "answered", "Answered"
        PARTIAL = "partial", "Hung up mid-call"
        NO_ANSWER = "no_answer", "No answer"
        OPTED_OUT = "opted_out", "Opted out"
        SKIPPED = "skipped", "Skipped"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="checkins")
    round_date = models.DateField(db_index=True)  # in the person's time zone
    slot = models.CharField(max_length=5)  # "09:00"
    attempt = models.PositiveSmallIntegerField(default=1)
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    token = models.CharField(max_length=64, unique=True)
    token_used = models.BooleanField(default=False)
    state = models.JSONField(default=dict, blank=True)  # the dialog session between webhook requests
    result = models.JSONField(default=dict, blank=True)
    flagged = models.BooleanField(default=False)
    emergency = models.BooleanField(default=False)
    channel_ref = models.CharField(max_length=100, blank=True)
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-due_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["person", "round_date", "slot", "attempt"], name="carecall_one_attempt")
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk} ({self.round_date} {self.slot} #{self.attempt})"

    @property
    def key(self) -> str:
        """The durable job's idempotency key: person × round × attempt."""
        return f"carecall:checkin:{self.person_id}:{self.round_date.isoformat()}:{self.slot}:{self.attempt}"


class Delivery(models.Model):
    """A webhook delivery already applied (so a duplicate gets the same answer and changes nothing)."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=120)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkin", "delivery_id"], name="carecall_one_delivery")]

    def __str__(self) -> str:
        return f"delivery {self.delivery_id}"


class Alert(models.Model):
    """Something a person on staff must act on: an emergency, a flag, a call-back, a twice-flagged person."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", "Emergency sign"
        ADVISE_TEST = "advise_test", "Symptoms: advised to test"
        FLAG = "flag", "Flag for the officer"
        CALL_BACK = "call_back", "No answer: call back"
        FLAGGED_TWICE = "flagged_twice", "Flagged twice"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    class Outcome(models.TextChoices):
        REACHED_WELL = "reached_well", "Reached: no symptoms"
        REACHED_SYMPTOMS = "reached_symptoms", "Reached: symptoms, referred"
        NOT_REACHED = "not_reached", "Not reached"
        EMERGENCY = "emergency_sent", "Emergency services involved"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alerts")
    checkin = models.ForeignKey(CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    kind = models.CharField(max_length=15, choices=Kind.choices, db_index=True)
    day = models.DateField(db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "day"],
                condition=models.Q(kind__in=["call_back", "flagged_twice"]),
                name="carecall_one_callback_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for person {self.person_id} on {self.day}"


class Report(models.Model):
    """An e-mail to an officer (after a round, the daily digest, an emergency alert): an outbox row.

    Written in the same transaction as what it reports and sent by a worker job; while the SMTP
    server is down it stays ``pending`` and the minute tick tries again, so nothing is lost.
    """

    class Kind(models.TextChoices):
        ROUND = "round", "Round report"
        DIGEST = "digest", "Daily digest"
        ALERT = "alert", "Emergency alert"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="carecall_reports")
    key = models.CharField(max_length=120, unique=True)  # e.g. round:<officer>:<date>:<slot>
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.key


class TextMessage(models.Model):
    """An outgoing text (SMS-style) message, kept as an outbox the SMS gateway (or a test) reads."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="texts")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"text {self.pk} for check-in {self.checkin_id}"
