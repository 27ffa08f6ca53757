from django.apps import AppConfig


class TrendsConfig(AppConfig):
    name = "epiaid.trends"
    label = "trends"
    verbose_name = "Media and search trends"
