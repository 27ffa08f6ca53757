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
