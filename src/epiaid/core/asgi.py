"""ASGI entry point.

A capability may put a fast path in front of Django by exposing ``wrap(app) -> app`` in its own
``asgi`` module (the public mask API serves pre-serialised bytes this way, because Django's
per-request cost, not the lookup, bounds its throughput). Everything else goes through Django.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiaid.core.settings")
django_application = get_asgi_application()


def _wrapped(app):  # type: ignore[no-untyped-def]
    from epiaid.core.capabilities import capability_modules

    for _cap, module in capability_modules("asgi"):
        app = module.wrap(app)
    return app


from epiaid.core.bodylimit import Admit, BodyLimit  # noqa: E402 - after Django is set up

#: Outermost: rate limits and load shedding per route class, then bounded bodies, before any fast path
#: or Django sees the request.
application = Admit(BodyLimit(_wrapped(django_application)))
