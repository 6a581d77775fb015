from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS


def error_codes(form: forms.Form, field: str | None) -> list[str | None]:
    """The machine codes of a form's errors on ``field`` (None: the errors above the form)."""
    return [error.code for error in form.errors.as_data().get(field or NON_FIELD_ERRORS, [])]
