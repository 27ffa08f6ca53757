from django.apps import AppConfig


class CarecallConfig(AppConfig):
    name = "epiaid.carecall"
    label = "carecall"
    verbose_name = "Care call"

    def ready(self) -> None:
        from django.conf import settings

        from epiaid.carecall import crypto

        if not settings.DEBUG:
            crypto.check_configured()  # production refuses to start without the phone key
