from django.apps import AppConfig


class AssayConfig(AppConfig):
    name = "epiaid.assay"
    label = "assay"
    verbose_name = "RT-PCR assay design"
