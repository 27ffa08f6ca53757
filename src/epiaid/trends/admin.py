from django.contrib import admin

from epiaid.trends.models import Article, ArticleReads, Event, TrendSeries


@admin.register(TrendSeries)
class TrendSeriesAdmin(admin.ModelAdmin[TrendSeries]):
    list_display = ("name", "kind", "source", "frequency", "start", "updated")
    list_filter = ("kind", "frequency")
    search_fields = ("name", "source")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("day", "title", "kind")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("published", "outlet", "section", "title")
    list_filter = ("section",)
    search_fields = ("title", "outlet")


@admin.register(ArticleReads)
class ArticleReadsAdmin(admin.ModelAdmin[ArticleReads]):
    list_display = ("article", "day", "views")
    raw_id_fields = ("article",)
