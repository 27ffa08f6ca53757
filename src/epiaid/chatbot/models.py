"""The chatbot's records: the curated knowledge base, conversations and their turns, the staff queue.

A question the bot cannot answer is stored word for word in :class:`QueuedQuestion`, in the same
transaction as the :class:`Turn` that abstained: either both are in the database or neither is (and the
service retries), so no question is lost between "sorry" and the staff queue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Lang(models.TextChoices):
    KO = "ko", "한국어"
    EN = "en", "English"


class Origin(models.TextChoices):
    """Where an entry came from; (origin, origin_key) makes re-imports update in place."""

    PROJECT = "project", "project FAQ (authored)"
    DEEPSET = "deepset", "deepset COVID-QA"
    JHU = "jhu", "JHU COVID-QA scraped"
    CSV = "csv", "CSV upload"
    STAFF = "staff", "written by staff"
    PROMOTED = "promoted", "promoted from the staff queue"
    DEMO = "demo", "demo"


class KnowledgeEntry(models.Model):
    """One FAQ answer with the question phrasings that lead to it."""

    topic = models.CharField(max_length=120, blank=True, db_index=True)
    question = models.CharField(max_length=1000)
    variants = models.JSONField(default=list, blank=True, help_text="other phrasings of the question")
    answer = models.TextField()
    source_name = models.CharField(max_length=300)
    source_url = models.URLField(max_length=1000, blank=True)
    lang = models.CharField(max_length=2, choices=Lang.choices, db_index=True)
    last_reviewed = models.DateField()
    authored_by = models.CharField(max_length=200, blank=True, help_text="who wrote the entry")
    active = models.BooleanField(default=True, db_index=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.STAFF)
    origin_key = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["lang", "topic", "id"]
        constraints = [models.UniqueConstraint(fields=["origin", "origin_key"], name="uniq_chatbot_entry_origin")]
        verbose_name_plural = "knowledge entries"

    def __str__(self) -> str:
        return f"[{self.lang}] {self.question[:80]}"


class KnowledgeVersion(models.Model):
    """One row whose counter moves on every knowledge-base change: the retriever cache's key."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"knowledge base v{self.version}"


class Channel(models.TextChoices):
    WEB = "web", "web widget"
    API = "api", "REST API"
    KAKAO = "kakao", "Kakao i Open Builder"


class Conversation(models.Model):
    channel = models.CharField(max_length=10, choices=Channel.choices)
    session_id = models.CharField(max_length=200)
    lang = models.CharField(max_length=2, choices=Lang.choices, default=Lang.KO)
    state = models.JSONField(default=dict, blank=True)  # the self-check walk, a pending place question
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "session_id"], name="uniq_chatbot_session")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.session_id[:12]}"


class ReplyKind(models.TextChoices):
    FAQ = "faq", "FAQ answer"
    LIVE = "live", "live answer"
    SELFCHECK = "selfcheck", "self-check step"
    CLARIFY = "clarify", "question back"
    ABSTAIN = "abstain", "abstained (queued for staff)"
    SAFE = "safe", "safe refusal"


class Turn(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    client_message_id = models.CharField(max_length=100, blank=True)
    text = models.TextField()  # the asker's message, word for word
    kind = models.CharField(max_length=10, choices=ReplyKind.choices)
    reply = models.TextField()
    entry = models.ForeignKey(KnowledgeEntry, null=True, blank=True, on_delete=models.SET_NULL)
    intent = models.CharField(max_length=40, blank=True)
    score = models.FloatField(null=True, blank=True)
    helpful = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=~models.Q(client_message_id=""),
                name="uniq_chatbot_client_message",
            )
        ]

    def __str__(self) -> str:
        return f"turn {self.id} ({self.kind})"


class QueueStatus(models.TextChoices):
    OPEN = "open", "waiting for staff"
    ANSWERED = "answered", "answered"
    DISMISSED = "dismissed", "dismissed"


class QueuedQuestion(models.Model):
    """A question the bot did not answer, word for word, for a person to answer."""

    turn = models.OneToOneField(Turn, on_delete=models.CASCADE, related_name="queued")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="queued")
    text = models.TextField()
    lang = models.CharField(max_length=2, choices=Lang.choices)
    status = models.CharField(max_length=10, choices=QueueStatus.choices, default=QueueStatus.OPEN, db_index=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    answered_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=300, blank=True)
    promoted_entry = models.ForeignKey(KnowledgeEntry, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.id} {self.status}"
