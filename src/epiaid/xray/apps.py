from django.apps import AppConfig


class XrayConfig(AppConfig):
    name = "epiaid.xray"
    label = "xray"
    verbose_name = "Chest X-ray triage"
