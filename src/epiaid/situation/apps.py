from django.apps import AppConfig


class SituationConfig(AppConfig):
    name = "epiaid.situation"
    label = "situation"
    verbose_name = "Situation map"
