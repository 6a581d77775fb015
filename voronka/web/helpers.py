"""What every screen shares: the administrator gate, turning service errors into form errors, parsing ids."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User
from voronka.common.errors import AccessDenied, NotFound, Problem, ValidationFailed, VoronkaError

T = TypeVar("T")
V = TypeVar("V", bound=Callable[..., HttpResponse])


def acting_user(request: HttpRequest) -> User:
    """The logged-in user; views behind ``login_required`` always have one."""
    user = request.user
    assert isinstance(user, User)
    return user


def posted(request: HttpRequest) -> QueryDict | None:
    """The data to bind a form to: the POST body on a POST, nothing (an unbound form) otherwise."""
    return request.POST if request.method == "POST" else None


def administrator_required(view: V) -> V:
    """Logged-in administrators pass; anyone else logged in gets 403, anonymous visitors go to the login page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not acting_user(request).is_administrator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(V, login_required(wrapped))


def show_problems(form: forms.Form, error: VoronkaError) -> None:
    """Put each problem next to its field; problems about no field (or one the form lacks) go on top.

    Refusals of rights and missing rows are not form problems: they become the usual 403 and 404 pages.
    """
    if isinstance(error, AccessDenied):
        raise PermissionDenied(str(error)) from error
    if isinstance(error, NotFound):
        raise Http404(str(error)) from error
    for problem in error.problems:
        field = problem.field if problem.field in form.fields else None
        # Django links the input to "<id>_error" (aria-describedby) and sets aria-invalid itself.
        form.add_error(field, forms.ValidationError(problem.message, code=problem.code))


def parse_optional_id(field: str, raw: str) -> int | None:
    """A select's value: empty means none; anything but digits is a tampered form, refused on that field."""
    if raw == "":
        return None
    if raw.isdigit() and raw.isascii():
        return int(raw)
    raise ValidationFailed(Problem(field, "invalid_choice", _("Choose a value from the list.")))


def parse_ids(field: str, raw: list[str]) -> list[int]:
    ids: list[int] = []
    for value in raw:
        parsed = parse_optional_id(field, value)
        if parsed is not None:
            ids.append(parsed)
    return ids


def get_or_404(loader: Callable[[int], T], object_id: int) -> T:
    """Load through a service getter; its "not found" becomes the 404 page."""
    try:
        return loader(object_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    # Only canonical "Area/City" names and UTC: the legacy aliases (e.g. "W-SU") would just add noise.
    names = sorted(name for name in available_timezones() if "/" in name and not name.startswith("Etc/"))
    return [(name, name) for name in ["UTC", *names]]
