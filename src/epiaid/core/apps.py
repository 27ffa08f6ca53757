from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "epiaid.core"
    label = "core"
    verbose_name = "epiaid platform"

    def ready(self) -> None:
        from epiaid.core import secrets, signin

        secrets.require("EPIAID_SECRET_KEY")
        signin.connect()
