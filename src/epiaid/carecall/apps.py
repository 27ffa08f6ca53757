from django.apps import AppConfig


class CarecallConfig(AppConfig):
    name = "epiaid.carecall"
    label = "carecall"
    verbose_name = "Care call"

    def ready(self) -> None:
        from epiaid.carecall import crypto

        if not crypto.demo_mode():
            crypto.check_configured()  # a deployment refuses to start without the phone key
