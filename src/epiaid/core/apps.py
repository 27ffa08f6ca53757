from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "epiaid.core"
    label = "core"
    verbose_name = "epiaid platform"
