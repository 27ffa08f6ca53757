"""Request guards shared by every capability."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class UploadSizeLimitMiddleware:
    """Refuse bodies over ``MAX_UPLOAD_BYTES`` with 413 before Django reads them into memory or disk."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number"}, status=400)
        if length > settings.MAX_UPLOAD_BYTES:
            return JsonResponse(
                {"detail": f"upload of {length} bytes exceeds the limit of {settings.MAX_UPLOAD_BYTES} bytes"},
                status=413,
            )
        return self.get_response(request)


class EpiaidErrorPageMiddleware:
    """Pages answer a service's refusal (:class:`~epiaid.core.errors.EpiaidError`) with its status and
    message, the way the API's one handler does for JSON: no page view wraps service calls itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from epiaid.core.errors import EpiaidError

        if not isinstance(exception, EpiaidError):
            return None
        return render(request, "core/error.html", {"error": exception}, status=exception.status)
