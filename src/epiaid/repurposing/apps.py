from django.apps import AppConfig


class RepurposingConfig(AppConfig):
    name = "epiaid.repurposing"
    label = "repurposing"
    verbose_name = "Drug repurposing"
