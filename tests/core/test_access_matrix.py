"""Every API operation × anonymous and every role: never a server error, and no operation that declares a
security scheme serves an anonymous caller. The operations come from the OpenAPI schema, so a new endpoint
is in the matrix the moment it exists."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from epiaid.core.roles import GROUP_ROLES, Role

pytestmark = pytest.mark.django_db

#: Operations that do real work even on an empty database (model loading, a whole index build): the
#: matrix calls them anonymously only; their own suites cover the roles.
HEAVY = re.compile(r"^/api/chatbot/(messages|kakao)")


def _operations() -> list[tuple[str, str, bool]]:
    from epiaid.core.api import api

    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            found.append((method, concrete, bool(op.get("security"))))
    return sorted(found)


def _call(client: Client, method: str, path: str) -> int:
    if method == "get":
        return client.get(path).status_code
    return getattr(client, method)(path, data="{}", content_type="application/json").status_code


def test_the_matrix_covers_the_api() -> None:
    assert len(_operations()) > 100


def test_anonymous_callers_get_no_server_error_and_no_protected_operation() -> None:
    anonymous = Client()
    failures = []
    for method, path, secured in _operations():
        status = _call(anonymous, method, path)
        if status >= 500 or (secured and status not in (401, 403, 404, 405, 429)):
            failures.append((method, path, secured, status))
    assert failures == []


@pytest.mark.parametrize("role", [r for r in GROUP_ROLES if r is not Role.ADMIN] + [Role.ADMIN])
def test_no_role_meets_a_server_error_on_any_operation(client_as: Any, role: Role) -> None:
    client = client_as(role)
    failures = []
    for method, path, _secured in _operations():
        if HEAVY.match(path):
            continue
        status = _call(client, method, path)
        if status >= 500:
            failures.append((method, path, status))
    assert failures == []
