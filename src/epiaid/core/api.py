"""The one django-ninja API; each capability contributes a router from its ``api`` module."""

from __future__ import annotations

from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI

from epiaid.core.capabilities import capability_modules
from epiaid.core.errors import BadInput, EpiaidError

api = NinjaAPI(
    title="epiaid API",
    version="1",
    description="Typed JSON APIs of every epiaid capability. Non-public endpoints need a signed-in "
    "session with the role named in each operation; every access to personal data is audited.",
    urls_namespace="api",
    docs_url="/docs",
)


@api.get("/health", tags=["platform"], summary="Liveness probe, and whether a job worker was seen in the last minute")
def health(request):  # type: ignore[no-untyped-def]
    from epiaid.core.jobs.api import worker_health

    return {"status": "ok", **worker_health()}


api.add_router("/jobs", "epiaid.core.jobs.api.router", tags=["jobs"])


for _cap, _module in capability_modules("api"):
    _router = getattr(_module, "router", None)
    if _router is not None:
        api.add_router(f"/{_cap.slug}/", _router, tags=[_cap.slug])


@api.exception_handler(EpiaidError)
def epiaid_error(request, exc: EpiaidError):  # type: ignore[no-untyped-def]
    """Every capability's refusals, answered one way: status from the error, a stable ``code``."""
    return api.create_response(request, exc.as_json(), status=exc.status)


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request, exc: MultiPartParserError):  # type: ignore[no-untyped-def]
    """A multipart body that cannot be parsed (no boundary, broken parts): 400 in JSON, as any bad input."""
    return epiaid_error(request, BadInput(f"malformed multipart body: {exc}", code="malformed_body"))
