"""The native API object: authentication, the error contract, and JSON body parsing."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from voronka.accounts.models import User
from voronka.accounts.services import user_for_token
from voronka.common.errors import Problem, ValidationFailed, VoronkaError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            translation.activate(user.language)  # messages in the caller's language
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser's session (with CSRF), for the web UI's own calls."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        translation.activate(user.language)
        return user


api = NinjaAPI(
    title="Voronka API",
    version="1",
    description="The native REST API of Voronka. Authenticate with `Authorization: Bearer <token>`.",
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
)


def error_response(request: HttpRequest, status: int, problems: list[Problem]) -> HttpResponse:
    return api.create_response(request, {"errors": [p.as_dict() for p in problems]}, status=status)


@api.exception_handler(VoronkaError)
def _voronka_error(request: HttpRequest, exc: VoronkaError) -> HttpResponse:
    return api.create_response(request, exc.as_body(), status=exc.status)


@api.exception_handler(ValidationError)
def _schema_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "payload")]
        problems.append(Problem(".".join(location) or None, str(error.get("type", "invalid")), error.get("msg", "")))
    return error_response(request, 422, problems)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, [Problem(None, "not_authenticated", _("Send a valid bearer token of an active user."))]
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, [Problem(None, "http_error", str(exc))])


def acting_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, or a 422 that says what is wrong with it."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationFailed(Problem(None, "invalid_json", _("The body is not valid JSON: %(error)s") % {"error": exc})) from exc
    if not isinstance(body, dict):
        raise ValidationFailed(Problem(None, "wrong_type", _("The body must be a JSON object.")))
    return body


OBJECT_BODY = {
    "requestBody": {
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        "required": True,
    }
}
