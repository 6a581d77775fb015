"""Forms of the people and structure screens.

They only read the request and draw the inputs: every field is lenient (no choices or formats checked
here), because the services validate every write path the same way and the views put their problems
next to the fields. A second set of rules here could only disagree with the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from voronka.accounts.models import Department, User
from voronka.web.helpers import time_zone_choices


class IdListField(forms.Field):
    """The raw values of a multi-select; the view turns them into ids and the service checks they exist."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


class ScreenForm(forms.Form):
    """A form of these screens: labels without Django's trailing colon, which the layout does not need."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConfirmForm(ScreenForm):
    """The empty form of a confirmation step; it only carries the problems of the refused action."""


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


def _password(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,  # spaces are part of a password
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _select(label: Any, choices: list[tuple[Any, Any]], **kwargs: Any) -> forms.CharField:
    return _text(label, widget=forms.Select(choices=choices), **kwargs)


def _keep_current_choice(field: forms.Field, value: str) -> None:
    """A stored value missing from the list (an old zone alias) stays selectable, so saving does not change it."""
    widget = field.widget
    assert isinstance(widget, forms.Select)
    if value and value not in {str(choice) for choice, _label in widget.choices}:
        widget.choices = [(value, value), *widget.choices]


class ProfileForm(ScreenForm):
    language = _select(_("Language"), list(settings.LANGUAGES))
    time_zone = _text(_("Time zone"), help_text=_("Dates and times are shown in this zone."))

    def __init__(self, *args: Any, current_time_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices())
        _keep_current_choice(self.fields["time_zone"], current_time_zone)


class OwnPasswordForm(ScreenForm):
    old_password = _password(_("Current password"), "current-password")
    new_password = _password(_("New password"), "new-password", _("At least 8 characters, not a common password."))
    new_password_again = _password(_("New password again"), "new-password")


class SetPasswordForm(ScreenForm):
    password = _password(_("New password"), "new-password", _("At least 8 characters, not a common password."))
    password_again = _password(_("New password again"), "new-password")


class UserForm(ScreenForm):
    """Create (with an optional first password) or edit a user; blocking and passwords have their own steps."""

    username = _text(_("Username"), help_text=_("Letters, digits and _ . @ + -, used to log in."))
    first_name = _text(_("First name"))
    last_name = _text(_("Last name"))
    email = _text(_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    language = _select(_("Language"), list(settings.LANGUAGES))
    time_zone = _text(_("Time zone"))
    is_administrator = forms.BooleanField(
        label=_("Administrator"), required=False, help_text=_("Administrators configure Voronka and see everything.")
    )
    password = _password(
        _("Password"), "new-password", _("Leave empty: the user cannot log in until a password is set.")
    )

    def __init__(self, *args: Any, creating: bool, current_time_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices())
        _keep_current_choice(self.fields["time_zone"], current_time_zone)
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "maxlength": "150"})
        if not creating:
            del self.fields["password"]

    def values(self) -> dict[str, Any]:
        """The cleaned input, shaped as the user services expect it."""
        data = dict(self.cleaned_data)
        if not data.get("password"):
            data.pop("password", None)
        return data


def user_choices(users: list[User], *, empty_label: Any | None) -> list[tuple[str, str]]:
    blocked = _("blocked")
    choices = [
        (str(user.pk), user.display_name if user.is_active else f"{user.display_name} ({blocked})") for user in users
    ]
    return [("", str(empty_label)), *choices] if empty_label is not None else choices


def department_choices(departments: list[Department]) -> list[tuple[str, str]]:
    # A select cannot hold markup, so the tree shows through indentation with non-breaking spaces.
    return [("", str(_("— top level —")))] + [
        (str(d.pk), "\u00a0\u00a0\u00a0\u00a0" * d.depth + d.name) for d in departments
    ]


class DepartmentForm(ScreenForm):
    name = _text(pgettext_lazy("department", "Name"), widget=forms.TextInput(attrs={"maxlength": "200"}))
    parent = _select(_("Parent department"), [])
    head = _select(_("Head"), [])
    members = IdListField(
        label=_("Members"),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several. The head is always a member."),
    )

    def __init__(self, *args: Any, parents: list[Department], users: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].widget = forms.Select(choices=department_choices(parents))
        self.fields["head"].widget = forms.Select(choices=user_choices(users, empty_label=_("— nobody —")))
        self.fields["members"].widget = forms.SelectMultiple(
            choices=user_choices(users, empty_label=None), attrs={"size": str(min(max(len(users), 4), 12))}
        )
