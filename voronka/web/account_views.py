"""The logged-in user's own screens: their profile (language, time zone) and their password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from voronka.accounts import services
from voronka.common.errors import Problem, ValidationFailed, VoronkaError
from voronka.web.forms import OwnPasswordForm, ProfileForm
from voronka.web.helpers import acting_user, posted, show_problems


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    initial = {"language": user.language, "time_zone": user.time_zone}
    form = ProfileForm(posted(request), initial=initial, current_time_zone=user.time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_own_profile(user, form.cleaned_data)
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            # The confirmation speaks the newly chosen language, as will the page the redirect opens.
            translation.activate(user.language)
            messages.success(request, _("Your settings are saved."))
            return redirect("web:profile")
    departments = user.departments.order_by("path")
    context = {"form": form, "departments": departments, "section": "profile"}
    return render(request, "web/account/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = OwnPasswordForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["new_password"] != data["new_password_again"]:
                raise ValidationFailed(
                    Problem("new_password_again", "mismatch", _("The two new passwords are different."))
                )
            services.do_change_own_password(user, data["old_password"], data["new_password"])
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            # Changing the password rotates the session hash; keep this session, other sessions end.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is changed."))
            return redirect("web:profile")
    return render(request, "web/account/password.html", {"form": form, "section": "profile"})
