"""The native API object: authentication, the error contract, and JSON body parsing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from voronka.accounts.models import User
from voronka.accounts.services import user_for_token
from voronka.common.errors import AccessDenied, Problem, ValidationFailed, VoronkaError
from voronka.entities.fieldtypes import is_storable_text
from voronka.rights.access import record_refusal


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
        if not isinstance(user, User) or not user.is_active:
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
    if isinstance(exc, AccessDenied):
        # Written here, after the refused write's transaction has rolled back, so the entry stays.
        record_refusal(exc, request.path)
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


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    message = _("The request body is larger than %(limit)d bytes.") % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    return error_response(request, 413, [Problem(None, "too_large", message)])


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, [Problem(None, "http_error", str(exc))])


def acting_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _parse_int(digits: str) -> int | Decimal:
    # Python refuses to turn more than 4300 digits into an int; as a Decimal the field's own check
    # can refuse the number by name instead.
    return int(digits) if len(digits) <= 4000 else Decimal(digits)


def _unstorable_text_key(body: dict[str, Any]) -> str | None:
    """The top-level key under which the body holds text no column can store (NUL, a lone surrogate)."""
    for key, value in body.items():
        pending: list[Any] = [key, value]
        while pending:  # a loop, not recursion: the body may nest as deep as the JSON parser allows
            current = pending.pop()
            if isinstance(current, str) and not is_storable_text(current):
                return key
            if isinstance(current, dict):
                pending.extend(current.keys())
                pending.extend(current.values())
            elif isinstance(current, list):
                pending.extend(current)
    return None


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, or a 422 that says what is wrong with it."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body, parse_int=_parse_int)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        message = _("The body is not valid JSON: %(error)s") % {"error": exc}
        raise ValidationFailed(Problem(None, "invalid_json", message)) from exc
    if not isinstance(body, dict):
        raise ValidationFailed(Problem(None, "wrong_type", _("The body must be a JSON object.")))
    bad_key = _unstorable_text_key(body)
    if bad_key is not None:
        raise ValidationFailed(
            Problem(bad_key, "invalid_characters", _("Contains a NUL character or invalid Unicode (a lone surrogate)."))
        )
    return body


OBJECT_BODY = {
    "requestBody": {
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        "required": True,
    }
}
