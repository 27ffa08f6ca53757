from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "epiaid.programmes"
    label = "programmes"
    verbose_name = "Support programmes"
