"""Write paths for rights configuration (administrators), and governed list views."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import Department, User
from voronka.accounts.services import require_administrator
from voronka.common.errors import AccessDenied, NotFound, Problem, ProblemCollector, ValidationFailed
from voronka.entities.models import EntityType
from voronka.entities.query import SYSTEM_FILTERS, SYSTEM_SORTS
from voronka.entities.schema import schema_for
from voronka.entities.services.items import SYSTEM_FIELDS
from voronka.events.outbox import emit_event
from voronka.rights.access import bump_rights_version, hidden_fields, policy_for
from voronka.rights.models import (
    Action,
    Delegation,
    DirectoryGroup,
    FieldAccess,
    FieldRule,
    Grant,
    Level,
    ListView,
    RightsSettings,
    Role,
    RoleAssignment,
)

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def get_role(slug: str) -> Role:
    role = Role.objects.filter(slug=slug).first()
    if role is None:
        raise NotFound(Problem("role", "not_found", _("No role '%(slug)s'.") % {"slug": slug}))
    return role


def _clean_role(values: dict[str, Any], creating: bool, errors: ProblemCollector) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key in values:
        if key not in {"slug", "name_ru", "name_en", "name", "description"}:
            errors.add(key, "unknown_field", _("Unknown field."))
    if creating:
        slug = values.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            errors.add(
                "slug", "invalid_slug", _("Use 1-63 lowercase Latin letters, digits and _, starting with a letter.")
            )
        elif Role.objects.filter(slug=slug).exists():
            errors.add("slug", "taken", _("A role with this slug exists."))
        else:
            clean["slug"] = slug
    elif "slug" in values:
        errors.add("slug", "read_only", _("A slug cannot change."))
    if creating or "name_ru" in values or "name" in values:
        name = values.get("name_ru", values.get("name"))
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.add("name_ru", "required", _("Enter a name of at most 200 characters."))
        else:
            clean["name_ru"] = name.strip()
    for key in ("name_en", "description"):
        if key in values:
            if not isinstance(values[key], str) or len(values[key]) > (200 if key == "name_en" else 2000):
                errors.add(key, "invalid", _("Must be text."))
            else:
                clean[key] = values[key]
    return clean


def do_create_role(actor: User | None, values: dict[str, Any]) -> Role:
    require_administrator(actor)
    errors = ProblemCollector()
    clean = _clean_role(values, True, errors)
    errors.raise_if_any()
    with transaction.atomic():
        role = Role.objects.create(**clean)
        bump_rights_version()
        emit_event("rights.role_created", actor=actor, payload={"role": role.slug})
    return role


def do_update_role(actor: User | None, role: Role, values: dict[str, Any]) -> Role:
    require_administrator(actor)
    errors = ProblemCollector()
    clean = _clean_role(values, False, errors)
    errors.raise_if_any()
    with transaction.atomic():
        for key, value in clean.items():
            setattr(role, key, value)
        role.save()
        emit_event("rights.role_updated", actor=actor, payload={"role": role.slug})
    return role


def do_delete_role(actor: User | None, role: Role) -> None:
    require_administrator(actor)
    with transaction.atomic():
        emit_event("rights.role_deleted", actor=actor, payload={"role": role.slug})
        role.delete()
        bump_rights_version()


def do_set_grants(actor: User | None, role: Role, grants: Any) -> list[Grant]:
    """Replace the role's grants: ``[{"type", "pipeline"?, "stage"?, "action", "level"}]``."""
    require_administrator(actor)
    errors = ProblemCollector()
    if not isinstance(grants, list):
        raise ValidationFailed(Problem("grants", "wrong_type", _("Must be a list of grants.")))
    types = {t.slug: t for t in EntityType.objects.all()}
    rows: list[Grant] = []
    seen: set[tuple[Any, ...]] = set()
    for index, spec in enumerate(grants):
        where = f"grants[{index}]"
        if not isinstance(spec, dict):
            errors.add(where, "wrong_type", _("Each grant is an object."))
            continue
        unknown = set(spec) - {"type", "pipeline", "stage", "action", "level"}
        for key in sorted(unknown):
            errors.add(f"{where}.{key}", "unknown_field", _("Unknown field."))
        entity_type = types.get(spec.get("type", ""))
        if entity_type is None:
            errors.add(f"{where}.type", "not_found", _("No entity type '%(ref)s'.") % {"ref": spec.get("type")})
            continue
        if spec.get("action") not in Action.values:
            errors.add(
                f"{where}.action", "invalid_choice", _("Choose one of: %(v)s.") % {"v": ", ".join(Action.values)}
            )
        if spec.get("level") not in Level.values:
            errors.add(f"{where}.level", "invalid_choice", _("Choose one of: %(v)s.") % {"v": ", ".join(Level.values)})
        schema = schema_for(entity_type)
        pipeline = stage = None
        if spec.get("pipeline") is not None:
            pipeline = schema.pipeline_by_ref(spec["pipeline"])
            if pipeline is None:
                errors.add(f"{where}.pipeline", "not_found", _("No pipeline '%(ref)s'.") % {"ref": spec["pipeline"]})
                continue
        if spec.get("stage") is not None:
            if pipeline is None:
                pipeline = schema.default_pipeline
            stage = schema.stage_by_ref(pipeline, spec["stage"]) if pipeline else None
            if stage is None:
                errors.add(f"{where}.stage", "not_found", _("No stage '%(ref)s'.") % {"ref": spec["stage"]})
                continue
        key = (entity_type.pk, getattr(pipeline, "pk", None), getattr(stage, "pk", None), spec.get("action"))
        if key in seen:
            errors.add(where, "duplicate", _("The same place and action is granted twice."))
        seen.add(key)
        rows.append(
            Grant(
                role=role,
                entity_type=entity_type,
                pipeline=pipeline,
                stage=stage,
                action=spec.get("action", ""),
                level=spec.get("level", ""),
            )
        )
    errors.raise_if_any()
    with transaction.atomic():
        Grant.objects.filter(role=role).delete()
        created = Grant.objects.bulk_create(rows)
        bump_rights_version()
        emit_event("rights.grants_set", actor=actor, payload={"role": role.slug, "count": len(rows)})
    return created


def do_set_field_rules(actor: User | None, role: Role, rules: Any) -> list[FieldRule]:
    """Replace the role's field rules: ``[{"type", "field", "access": hidden|read|write}]``."""
    require_administrator(actor)
    errors = ProblemCollector()
    if not isinstance(rules, list):
        raise ValidationFailed(Problem("field_rules", "wrong_type", _("Must be a list of field rules.")))
    types = {t.slug: t for t in EntityType.objects.all()}
    rows: list[FieldRule] = []
    for index, spec in enumerate(rules):
        where = f"field_rules[{index}]"
        if not isinstance(spec, dict):
            errors.add(where, "wrong_type", _("Each rule is an object."))
            continue
        entity_type = types.get(spec.get("type", ""))
        if entity_type is None:
            errors.add(f"{where}.type", "not_found", _("No entity type '%(ref)s'.") % {"ref": spec.get("type")})
            continue
        field = spec.get("field")
        known = set(SYSTEM_FIELDS) | set(schema_for(entity_type).fields)
        if field not in known or field == "id":
            errors.add(f"{where}.field", "not_found", _("No field '%(ref)s' in this type.") % {"ref": field})
        if spec.get("access") not in FieldAccess.values:
            errors.add(f"{where}.access", "invalid_choice", _("Choose hidden, read or write."))
        rows.append(FieldRule(role=role, entity_type=entity_type, field=str(field), access=str(spec.get("access"))))
    errors.raise_if_any()
    with transaction.atomic():
        FieldRule.objects.filter(role=role).delete()
        created = FieldRule.objects.bulk_create(rows)
        bump_rights_version()
        emit_event("rights.field_rules_set", actor=actor, payload={"role": role.slug, "count": len(rows)})
    return created


def do_assign_role(actor: User | None, role: Role, values: dict[str, Any]) -> RoleAssignment:
    """Give a role to ``{"user": id}``, ``{"department": id}`` (with its sub-departments) or ``{"group": name}``."""
    require_administrator(actor)
    targets = [key for key in ("user", "department", "group") if values.get(key) is not None]
    if len(targets) != 1 or set(values) - {"user", "department", "group"}:
        raise ValidationFailed(Problem(None, "one_target", _("Give exactly one of user, department, group.")))
    target = targets[0]
    assignment = RoleAssignment(role=role)
    if target == "user":
        assignment.user = User.objects.filter(pk=values["user"]).first() if isinstance(values["user"], int) else None
        found = assignment.user is not None
    elif target == "department":
        value = values["department"]
        assignment.department = Department.objects.filter(pk=value).first() if isinstance(value, int) else None
        found = assignment.department is not None
    else:
        name = values["group"]
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ValidationFailed(Problem("group", "invalid", _("Name the group.")))
        assignment.group, _created = DirectoryGroup.objects.get_or_create(name=name.strip())
        found = True
    if not found:
        raise ValidationFailed(Problem(target, "not_found", _("No such %(target)s.") % {"target": target}))
    with transaction.atomic():
        existing = RoleAssignment.objects.filter(
            role=role, user=assignment.user, department=assignment.department, group=assignment.group
        ).first()
        if existing is not None:
            return existing
        assignment.save()
        bump_rights_version()
        emit_event("rights.role_assigned", actor=actor, payload={"role": role.slug, target: values[target]})
    return assignment


def do_unassign_role(actor: User | None, assignment: RoleAssignment) -> None:
    require_administrator(actor)
    with transaction.atomic():
        emit_event("rights.role_unassigned", actor=actor, payload={"role": assignment.role.slug, "id": assignment.pk})
        assignment.delete()
        bump_rights_version()


def do_set_group_members(actor: User | None, group_name: str, user_ids: list[int]) -> DirectoryGroup:
    require_administrator(actor)
    found = list(User.objects.filter(pk__in=user_ids))
    if len(found) != len(set(user_ids)):
        raise ValidationFailed(Problem("members", "not_found", _("Some users do not exist.")))
    with transaction.atomic():
        group, _created = DirectoryGroup.objects.get_or_create(name=group_name)
        group.members.set(found)
        bump_rights_version()
    return group


def do_set_delegations(actor: User | None, user: User, source_ids: list[int]) -> None:
    """``user`` gets the same access as each of ``source_ids`` (e.g. an assistant of a head)."""
    require_administrator(actor)
    if user.pk in source_ids:
        raise ValidationFailed(Problem("sources", "self", _("A user cannot be their own source of access.")))
    sources = list(User.objects.filter(pk__in=source_ids))
    if len(sources) != len(set(source_ids)):
        raise ValidationFailed(Problem("sources", "not_found", _("Some users do not exist.")))
    with transaction.atomic():
        Delegation.objects.filter(user=user).delete()
        Delegation.objects.bulk_create([Delegation(user=user, source=source) for source in sources])
        bump_rights_version()
        emit_event("rights.delegations_set", actor=actor, payload={"user": user.pk, "sources": sorted(source_ids)})


def rights_settings() -> RightsSettings:
    row, _created = RightsSettings.objects.get_or_create(pk=1)
    return row


def do_set_personal_views_allowed(actor: User | None, allowed: bool) -> None:
    require_administrator(actor)
    if not isinstance(allowed, bool):
        raise ValidationFailed(Problem("personal_views_allowed", "wrong_type", _("Must be true or false.")))
    with transaction.atomic():
        row = rights_settings()
        row.personal_views_allowed = allowed
        row.save(update_fields=["personal_views_allowed"])
        emit_event("rights.settings_updated", actor=actor, payload={"personal_views_allowed": allowed})


# ----------------------------------------------------------------------------------------------
# Governed list views
# ----------------------------------------------------------------------------------------------


def _clean_view(
    actor: User, entity_type: EntityType, values: dict[str, Any], errors: ProblemCollector
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key in values:
        if key not in {"slug", "name", "role", "columns", "filters", "sort"}:
            errors.add(key, "unknown_field", _("Unknown field."))
    slug = values.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        errors.add("slug", "invalid_slug", _("Use 1-63 lowercase Latin letters, digits and _, starting with a letter."))
    else:
        clean["slug"] = slug
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors.add("name", "required", _("Enter a name of at most 200 characters."))
    else:
        clean["name"] = name.strip()
    schema = schema_for(entity_type)
    hidden = hidden_fields(actor, entity_type)
    known = (set(SYSTEM_FIELDS) | set(schema.fields)) - hidden
    columns = values.get("columns", ["title", "stage", "responsible", "modified_at"])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns) or len(columns) > 50:
        errors.add("columns", "wrong_type", _("Must be a list of field slugs."))
    else:
        for column in columns:
            if column not in known:
                errors.add("columns", "unknown_field", _("No field '%(ref)s' to show.") % {"ref": column})
        clean["columns"] = columns
    filters = values.get("filters", {})
    if not isinstance(filters, dict) or not all(isinstance(v, str) for v in filters.values()):
        errors.add("filters", "wrong_type", _('Must be an object of filters, e.g. {"stage": "new"}.'))
    else:
        for key in filters:
            name_part = key.partition("__")[0]
            if name_part in hidden or (name_part not in SYSTEM_FILTERS and name_part not in schema.fields):
                errors.add("filters", "unknown_field", _("No field '%(ref)s' to filter on.") % {"ref": name_part})
        clean["filters"] = filters
    sort = values.get("sort", "-modified_at")
    sort_name = sort.lstrip("-") if isinstance(sort, str) else ""
    if (sort_name not in SYSTEM_SORTS and sort_name not in schema.fields) or sort_name in hidden:
        errors.add("sort", "not_sortable", _("Cannot sort by '%(field)s'.") % {"field": sort})
    else:
        clean["sort"] = sort
    return clean


def do_create_view(actor: User, entity_type: EntityType, values: dict[str, Any]) -> ListView:
    """Administrators create views for a role (or for everyone); others only personal ones, if allowed."""
    errors = ProblemCollector()
    role_slug = values.get("role")
    role = None
    personal = not actor.is_administrator
    if role_slug is not None:
        if not actor.is_administrator:
            raise AccessDenied(
                Problem("role", "administrator_required", _("Only an administrator defines views for a role."))
            )
        role = get_role(role_slug) if isinstance(role_slug, str) else None
    if personal and not rights_settings().personal_views_allowed:
        raise AccessDenied(
            Problem(None, "personal_views_off", _("Personal views are switched off by the administrator."))
        )
    clean = _clean_view(actor, entity_type, {k: v for k, v in values.items() if k != "role"}, errors)
    owner = actor if personal else None
    if "slug" in clean and ListView.objects.filter(entity_type=entity_type, slug=clean["slug"], owner=owner).exists():
        errors.add("slug", "taken", _("A view with this slug exists."))
    errors.raise_if_any()
    with transaction.atomic():
        view = ListView.objects.create(entity_type=entity_type, role=role, owner=owner, **clean)
        emit_event("rights.view_created", actor=actor, entity_type=entity_type.slug, payload={"view": view.slug})
    return view


def views_for(user: User, entity_type: EntityType) -> list[ListView]:
    """Views the user may use: shared ones for their roles or everyone, and their own personal ones."""
    role_ids = {rid for subject in policy_for(user).subjects for rid in subject.role_ids}
    views = ListView.objects.filter(entity_type=entity_type, owner__isnull=True)
    if not user.is_administrator:
        views = views.filter(Q(role__isnull=True) | Q(role_id__in=sorted(role_ids)))
    personal = list(ListView.objects.filter(entity_type=entity_type, owner=user))
    if not rights_settings().personal_views_allowed:
        personal = []
    return list(views) + personal
