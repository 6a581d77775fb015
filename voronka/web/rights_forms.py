"""Forms of the rights screens. Like the other screens' forms they only draw inputs: the services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from voronka.accounts.models import Department, User
from voronka.entities.models import EntityType, Pipeline, Stage
from voronka.rights.models import Action, FieldAccess, Level
from voronka.web.forms import ScreenForm, department_choices, user_choices


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


def _select(label: Any, choices: list[tuple[str, Any]]) -> forms.CharField:
    return _text(label, widget=forms.Select(choices=choices))


def type_choices(types: list[EntityType]) -> list[tuple[str, str]]:
    return [(t.slug, t.name) for t in types]


def level_choices(*, with_not_granted: bool) -> list[tuple[str, Any]]:
    levels: list[tuple[str, Any]] = [(str(value), label) for value, label in Level.choices]
    return [("", _("— not granted —")), *levels] if with_not_granted else levels


def grant_field_name(type_slug: str, action: str) -> str:
    return f"grant__{type_slug}__{action}"


def place_choices(types: list[EntityType], stages: list[Stage], pipelines: list[Pipeline]) -> list[tuple[str, str]]:
    """``pipeline/stage`` slugs (``pipeline/`` for a whole pipeline), labelled with their type's name."""
    type_names = {t.pk: t.name for t in types}
    whole = str(_("whole pipeline"))
    choices: list[tuple[str, str]] = []
    for pipeline in pipelines:
        type_name = type_names.get(pipeline.entity_type_id, "")
        choices.append((f"{pipeline.slug}/", f"{type_name}: {pipeline.name} / {whole}"))
        choices.extend(
            (f"{pipeline.slug}/{stage.slug}", f"{type_name}: {pipeline.name} / {stage.name}")
            for stage in stages
            if stage.pipeline_id == pipeline.pk
        )
    return choices


class RoleCreateForm(ScreenForm):
    slug = _text(
        _("Slug"),
        help_text=_("Lowercase Latin letters, digits and _, starting with a letter; it cannot change later."),
        widget=forms.TextInput(attrs={"maxlength": "63", "autocomplete": "off"}),
    )
    name_ru = _text(_("Name in Russian"), widget=forms.TextInput(attrs={"maxlength": "200"}))
    name_en = _text(_("Name in English"), widget=forms.TextInput(attrs={"maxlength": "200"}))


class RoleForm(ScreenForm):
    """The role's names and its type-wide grants: one select per entity type and action."""

    name_ru = _text(_("Name in Russian"), widget=forms.TextInput(attrs={"maxlength": "200"}))
    name_en = _text(_("Name in English"), widget=forms.TextInput(attrs={"maxlength": "200"}))

    def __init__(self, *args: Any, types: list[EntityType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = types
        for entity_type in types:
            for action, action_label in Action.choices:
                field = _select(f"{entity_type.name}: {action_label}", level_choices(with_not_granted=True))
                self.fields[grant_field_name(entity_type.slug, str(action))] = field

    def grant_rows(self) -> list[tuple[EntityType, list[forms.BoundField]]]:
        return [(t, [self[grant_field_name(t.slug, str(action))] for action in Action.values]) for t in self.types]

    def type_wide_grants(self) -> list[dict[str, Any]]:
        grants: list[dict[str, Any]] = []
        for entity_type in self.types:
            for action in Action.values:
                level = self.cleaned_data.get(grant_field_name(entity_type.slug, action), "")
                if level:
                    grants.append({"type": entity_type.slug, "action": action, "level": level})
        return grants


class SpecificGrantForm(ScreenForm):
    prefix = "specific"

    type = _select(_("Entity type"), [])
    place = _select(_("Pipeline / stage"), [])
    action = _select(_("Action"), [(str(v), label) for v, label in Action.choices])
    level = _select(_("Level"), level_choices(with_not_granted=False))

    def __init__(self, *args: Any, types: list[EntityType], places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].widget = forms.Select(choices=type_choices(types))
        self.fields["place"].widget = forms.Select(choices=places)

    def grant(self) -> dict[str, Any]:
        pipeline, _slash, stage = self.cleaned_data["place"].partition("/")
        return {
            "type": self.cleaned_data["type"],
            "pipeline": pipeline or None,
            "stage": stage or None,
            "action": self.cleaned_data["action"],
            "level": self.cleaned_data["level"],
        }


class FieldRuleForm(ScreenForm):
    prefix = "rule"

    type = _select(_("Entity type"), [])
    field = _text(
        pgettext_lazy("rights", "Field"),
        help_text=_("The field's slug, e.g. amount or a custom field."),
        widget=forms.TextInput(attrs={"maxlength": "64"}),
    )
    access = _select(_("Access"), [(str(v), label) for v, label in FieldAccess.choices])

    def __init__(self, *args: Any, types: list[EntityType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].widget = forms.Select(choices=type_choices(types))

    def rule(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("type", "field", "access")}


class AssignmentForm(ScreenForm):
    prefix = "assign"

    user = _select(_("User"), [])
    department = _select(_("Department"), [])
    group = _text(
        _("Group"),
        help_text=_("Choose exactly one: a user, a department (with its sub-departments) or a group by name."),
        widget=forms.TextInput(attrs={"maxlength": "200"}),
    )

    def __init__(self, *args: Any, users: list[User], departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].widget = forms.Select(choices=user_choices(users, empty_label=_("— nobody —")))
        no_department = [("", str(_("— none —")))]
        self.fields["department"].widget = forms.Select(choices=no_department + department_choices(departments)[1:])


class ExplainForm(ScreenForm):
    user = _select(_("User"), [])
    type = _select(_("Entity type"), [])
    item = _text(_("Item id"), widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    action = _select(_("Action"), [(str(v), label) for v, label in Action.choices])
    stage = _text(_("Target stage"), help_text=_("Only for move_in: the slug of a stage of the item's pipeline."))
    field = _text(
        pgettext_lazy("rights", "Field"),
        help_text=_("Give a field slug instead of an item to explain the access to a field."),
    )

    def __init__(self, *args: Any, users: list[User], types: list[EntityType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].widget = forms.Select(choices=user_choices(users, empty_label=None))
        self.fields["type"].widget = forms.Select(choices=type_choices(types))
