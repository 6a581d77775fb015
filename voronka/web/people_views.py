"""People screens: the list of users, and the administrators' create / edit / block / set-password steps.

Who sees what: every logged-in user may read the list of colleagues (names, username, e-mail,
departments, blocked or not) — staff need it to find each other and it discloses nothing a
colleague could not learn by asking. Only administrators see the links to change anything, and
every screen that changes something answers 403 to anyone else (the services refuse as well).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from voronka.accounts import services
from voronka.accounts.models import Department, User
from voronka.common.errors import Problem, ValidationFailed, VoronkaError
from voronka.web.forms import ConfirmForm, SetPasswordForm, UserForm
from voronka.web.helpers import acting_user, administrator_required, get_or_404, posted, show_problems

PAGE_SIZE = 50
SEARCH_WORDS = 5  # more words than this only slow the query down without narrowing it


def _search(users: QuerySet[User], query: str) -> QuerySet[User]:
    """Every word must appear in the username, first or last name ("anna smirn" finds Anna Smirnova)."""
    for word in query.split()[:SEARCH_WORDS]:
        users = users.filter(Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return users


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    after_raw = request.GET.get("after", "")
    after = int(after_raw) if after_raw.isdigit() and after_raw.isascii() else 0
    # Keyset paging on the primary key: each page costs the same however deep, unlike OFFSET.
    users = User.objects.filter(pk__gt=after).order_by("pk")
    if query:
        users = _search(users, query)
    users = users.prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("path")))
    page = list(users[: PAGE_SIZE + 1])
    rows = page[:PAGE_SIZE]
    context = {
        "users": rows,
        "query": query,
        "next_after": rows[-1].pk if len(page) > PAGE_SIZE else None,
        "is_first_page": after == 0,
        "can_manage": acting_user(request).is_administrator,
        "section": "people",
    }
    return render(request, "web/people/list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(posted(request), creating=True, initial={"language": "ru", "time_zone": "Europe/Moscow"})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.do_create_user(acting_user(request), form.values())
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            messages.success(request, _("User %(name)s is created.") % {"name": user.display_name})
            return redirect("web:people")
    return render(request, "web/people/form.html", {"form": form, "creating": True, "section": "people"})


@administrator_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_or_404(services.get_user, user_id)
    initial = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone,
        "is_administrator": user.is_administrator,
    }
    form = UserForm(posted(request), creating=False, initial=initial, current_time_zone=user.time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_user(acting_user(request), user, form.values())
        except VoronkaError as exc:
            show_problems(form, exc)
            user.refresh_from_db()  # the page shows the stored name, not a half-applied one
        else:
            messages.success(request, _("User %(name)s is saved.") % {"name": user.display_name})
            return redirect("web:people")
    context = {"form": form, "creating": False, "subject": user, "section": "people"}
    return render(request, "web/people/form.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def user_set_active(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    """Block or unblock, after a confirmation page: blocking ends the user's sessions and API tokens at once."""
    user = get_or_404(services.get_user, user_id)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_user(acting_user(request), user, {"is_active": active})
        except VoronkaError as exc:
            show_problems(form, exc)
            user.refresh_from_db()
        else:
            text = _("User %(name)s is unblocked.") if active else _("User %(name)s is blocked.")
            messages.success(request, text % {"name": user.display_name})
            return redirect("web:people")
    context = {"form": form, "subject": user, "active": active, "section": "people"}
    return render(request, "web/people/confirm_active.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def user_set_password(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_or_404(services.get_user, user_id)
    form = SetPasswordForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["password"] != data["password_again"]:
                raise ValidationFailed(Problem("password_again", "mismatch", _("The two passwords are different.")))
            if not data["password"]:
                raise ValidationFailed(Problem("password", "required", _("Enter the new password.")))
            services.do_update_user(acting_user(request), user, {"password": data["password"]})
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            messages.success(request, _("The password of %(name)s is set.") % {"name": user.display_name})
            return redirect("web:people")
    return render(request, "web/people/password.html", {"form": form, "subject": user, "section": "people"})
