"""Stored series, articles, their daily reads, and dated events.

Series values are kept as one JSON list from ``start`` on a regular calendar: analyses always read
a whole series, and a thousand rows per keyword per year would only slow that down.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import models


class TrendSeries(models.Model):
    class Kind(models.TextChoices):
        SEARCH = "search", "search volume"
        NEWS = "news", "news volume"
        CASES = "cases", "case counts"
        OTHER = "other", "other"

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=200, help_text="file or feed the values came from")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SEARCH)
    frequency = models.CharField(max_length=4, default="D", help_text="D daily, W weekly, MS monthly")
    start = models.DateField()
    values = models.JSONField(default=list, help_text="numbers or null (missing), one per period")
    notes = models.JSONField(default=list, blank=True, help_text="ingest notes (gaps, duplicates, …)")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "source"], name="trends_series_unique_name_source")]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    def dates(self) -> list[str]:
        step = {"D": 1, "W": 7}.get(self.frequency)
        if step is None:  # monthly
            import pandas as pd

            return [d.strftime("%Y-%m-%d") for d in pd.date_range(self.start, periods=len(self.values), freq="MS")]
        return [(self.start + timedelta(days=step * i)).isoformat() for i in range(len(self.values))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "name": self.name,
            "source": self.source,
            "kind": self.kind,
            "frequency": self.frequency,
            "start": self.start.isoformat(),
            "length": len(self.values),
        }


class Event(models.Model):
    day = models.DateField()
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["day", "title"], name="trends_event_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.title}"


class Article(models.Model):
    article_id = models.CharField(max_length=120, unique=True, help_text="outlet's identifier or a URL hash")
    outlet = models.CharField(max_length=120, db_index=True)
    section = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=500)
    published = models.DateField(db_index=True)
    url = models.URLField(max_length=1000, blank=True)
    tokens = models.JSONField(default=list, help_text="content words (nouns) of title and body")

    class Meta:
        ordering = ["-published", "outlet"]

    def __str__(self) -> str:
        return self.title


class ArticleReads(models.Model):
    """Reads of one article on one day, aggregated from a view log."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    day = models.DateField(db_index=True)
    views = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="trends_reads_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day}: {self.views}"


def parse_day(text: str) -> date:
    return date.fromisoformat(text[:10])
