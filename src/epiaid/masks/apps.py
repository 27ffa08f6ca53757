from django.apps import AppConfig


class MasksConfig(AppConfig):
    name = "epiaid.masks"
    label = "masks"
    verbose_name = "Mask stock"
