from django.apps import AppConfig


class InvestigationConfig(AppConfig):
    name = "epiaid.investigation"
    label = "investigation"
    verbose_name = "Epidemiological investigation"
