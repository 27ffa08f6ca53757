from django.apps import AppConfig


class MasksConfig(AppConfig):
    name = "epiaid.masks"
    label = "masks"
    verbose_name = "Mask stock"

    def ready(self) -> None:
        from epiaid.core import secrets

        # Buyer IDs are stored only as a keyed hash: a deployment must bring its own key.
        secrets.require("EPIAID_MASKS_HMAC_KEY")
