"""Write paths for users, departments and tokens: ``check_*`` validates, ``do_*`` writes.

Every function takes the acting user first; only administrators manage people and structure.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import ApiToken, Department, DepartmentMembership, User, hash_token
from voronka.common.errors import AccessDenied, NotFound, Problem, ProblemCollector, ValidationFailed
from voronka.events.outbox import emit_event


def bump_rights_version() -> None:
    # Imported late: the rights app builds on accounts, not the other way round.
    from voronka.rights.access import bump_rights_version as bump

    bump()


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")
USER_FIELDS = {"username", "first_name", "last_name", "email", "language", "time_zone", "is_active", "is_administrator"}


def require_administrator(actor: User | None) -> None:
    if actor is not None and not actor.is_administrator:
        raise AccessDenied(Problem(None, "administrator_required", _("Only an administrator can do this.")))


def _check_user_values(values: dict[str, Any], *, existing: User | None) -> dict[str, Any]:
    errors = ProblemCollector()
    for key in values:
        if key not in USER_FIELDS and key != "password":
            errors.add(key, "unknown_field", _("Unknown field."))
    clean: dict[str, Any] = {}
    if "username" in values or existing is None:
        username = values.get("username")
        if not isinstance(username, str) or not USERNAME_RE.match(username):
            errors.add("username", "invalid", _("Use 1-150 letters, digits and the characters _ . @ + -."))
        elif User.objects.filter(username__iexact=username).exclude(pk=existing.pk if existing else 0).exists():
            errors.add("username", "taken", _("This username is already taken."))
        else:
            clean["username"] = username
    for key, limit in (("first_name", 150), ("last_name", 150), ("email", 254)):
        if key in values:
            value = values[key] if values[key] is not None else ""
            if not isinstance(value, str) or len(value) > limit:
                errors.add(key, "invalid", _("Must be text of at most %(limit)d characters.") % {"limit": limit})
            elif key == "email" and value and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
                errors.add(key, "invalid", _("Enter a valid e-mail address."))
            else:
                clean[key] = value
    if "language" in values:
        if values["language"] not in {"ru", "en"}:
            errors.add("language", "invalid_choice", _("Choose ru or en."))
        else:
            clean["language"] = values["language"]
    if "time_zone" in values:
        if not isinstance(values["time_zone"], str) or not User.valid_time_zone(values["time_zone"]):
            errors.add("time_zone", "invalid_choice", _("Unknown time zone."))
        else:
            clean["time_zone"] = values["time_zone"]
    for key in ("is_active", "is_administrator"):
        if key in values:
            if not isinstance(values[key], bool):
                errors.add(key, "invalid", _("Must be true or false."))
            else:
                clean[key] = values[key]
    if "password" in values and values["password"] is not None:
        try:
            validate_password(values["password"], user=existing)
        except DjangoValidationError as exc:
            errors.add("password", "weak_password", " ".join(exc.messages))
        except TypeError:
            errors.add("password", "invalid", _("Must be text."))
    errors.raise_if_any()
    return clean


def do_create_user(actor: User | None, values: dict[str, Any]) -> User:
    require_administrator(actor)
    clean = _check_user_values(values, existing=None)
    with transaction.atomic():
        user = User(**clean)
        password = values.get("password")
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        emit_event("user.created", actor=actor, payload={"user_id": user.pk, "username": user.username})
    return user


def do_update_user(actor: User | None, user: User, values: dict[str, Any]) -> User:
    require_administrator(actor)
    clean = _check_user_values(values, existing=user)
    if actor is not None and user.pk == actor.pk and clean.get("is_active") is False:
        raise ValidationFailed(Problem("is_active", "cannot_block_self", _("You cannot block yourself.")))
    losing_admin = user.is_administrator and (clean.get("is_administrator") is False or clean.get("is_active") is False)
    if losing_admin and not User.objects.filter(is_administrator=True, is_active=True).exclude(pk=user.pk).exists():
        raise ValidationFailed(
            Problem("is_administrator", "last_administrator", _("Make someone else an administrator first."))
        )
    with transaction.atomic():
        for key, value in clean.items():
            setattr(user, key, value)
        if values.get("password"):
            user.set_password(values["password"])
        user.save()
        if {"is_active", "is_administrator"} & set(clean):
            bump_rights_version()
        emit_event("user.updated", actor=actor, payload={"user_id": user.pk, "changed": sorted(clean)})
    return user


def do_change_own_password(user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed(Problem("old_password", "wrong_password", _("The current password is wrong.")))
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(Problem("new_password", "weak_password", " ".join(exc.messages))) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])


OWN_PROFILE_FIELDS = frozenset({"language", "time_zone"})


def do_update_own_profile(user: User, values: dict[str, Any]) -> User:
    """A user sets their own language and time zone; everything else about them is an administrator's."""
    errors = ProblemCollector()
    for key in values:
        if key not in OWN_PROFILE_FIELDS:
            errors.add(key, "not_allowed", _("Only the language and the time zone can be changed here."))
    errors.raise_if_any()
    clean = _check_user_values(values, existing=user)
    with transaction.atomic():
        for key, value in clean.items():
            setattr(user, key, value)
        user.save(update_fields=sorted(clean))
        emit_event("user.updated", actor=user, payload={"user_id": user.pk, "changed": sorted(clean)})
    return user


# ----------------------------------------------------------------------------------------------
# Departments
# ----------------------------------------------------------------------------------------------


def _path_for(department_id: int, parent: Department | None) -> str:
    return f"{parent.path if parent else ''}{department_id:06d}/"


def _check_department_values(values: dict[str, Any], *, existing: Department | None) -> dict[str, Any]:
    errors = ProblemCollector()
    allowed = {"name", "parent", "head"}
    for key in values:
        if key not in allowed:
            errors.add(key, "unknown_field", _("Unknown field."))
    clean: dict[str, Any] = {}
    if "name" in values or existing is None:
        name = values.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.add("name", "required", _("Enter a name of at most 200 characters."))
        else:
            clean["name"] = name.strip()
    if "parent" in values:
        parent_id = values["parent"]
        if parent_id is None:
            clean["parent"] = None
        else:
            parent = Department.objects.filter(pk=parent_id).first() if isinstance(parent_id, int) else None
            if parent is None:
                errors.add("parent", "not_found", _("No such department."))
            elif existing is not None and parent.path.startswith(existing.path):
                errors.add("parent", "cycle", _("A department cannot be placed under itself or its children."))
            else:
                clean["parent"] = parent
    if "head" in values:
        head_id = values["head"]
        if head_id is None:
            clean["head"] = None
        else:
            head = User.objects.filter(pk=head_id).first() if isinstance(head_id, int) else None
            if head is None:
                errors.add("head", "not_found", _("No such user."))
            else:
                clean["head"] = head
    errors.raise_if_any()
    return clean


def do_create_department(actor: User | None, values: dict[str, Any]) -> Department:
    require_administrator(actor)
    clean = _check_department_values(values, existing=None)
    with transaction.atomic():
        department = Department.objects.create(**clean)
        department.path = _path_for(department.pk, department.parent)
        department.save(update_fields=["path"])
        if department.head_id:
            DepartmentMembership.objects.get_or_create(department=department, user_id=department.head_id)
        bump_rights_version()
        emit_event("department.created", actor=actor, payload={"department_id": department.pk})
    return department


def do_update_department(actor: User | None, department: Department, values: dict[str, Any]) -> Department:
    require_administrator(actor)
    clean = _check_department_values(values, existing=department)
    with transaction.atomic():
        old_path = department.path
        for key, value in clean.items():
            setattr(department, key, value)
        department.path = _path_for(department.pk, department.parent)
        department.save()
        if department.path != old_path:
            # Re-root the whole subtree in one pass over its rows (bounded by the subtree's size).
            for child in Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk):
                child.path = department.path + child.path[len(old_path) :]
                child.save(update_fields=["path"])
        if department.head_id:
            DepartmentMembership.objects.get_or_create(department=department, user_id=department.head_id)
        bump_rights_version()
        emit_event("department.updated", actor=actor, payload={"department_id": department.pk})
    return department


def do_delete_department(actor: User | None, department: Department) -> None:
    require_administrator(actor)
    if department.children.exists():
        raise ValidationFailed(
            Problem(None, "has_children", _("Move or delete the sub-departments of this department first."))
        )
    with transaction.atomic():
        bump_rights_version()
        emit_event("department.deleted", actor=actor, payload={"department_id": department.pk, "name": department.name})
        department.delete()


def do_set_department_members(actor: User | None, department: Department, user_ids: list[int]) -> None:
    require_administrator(actor)
    found = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    missing = [uid for uid in user_ids if uid not in found]
    if missing:
        raise ValidationFailed(
            Problem("members", "not_found", _("No such users: %(ids)s") % {"ids": ", ".join(map(str, missing))})
        )
    wanted = set(user_ids)
    if department.head_id:
        wanted.add(department.head_id)
    with transaction.atomic():
        DepartmentMembership.objects.filter(department=department).exclude(user_id__in=wanted).delete()
        existing = set(DepartmentMembership.objects.filter(department=department).values_list("user_id", flat=True))
        DepartmentMembership.objects.bulk_create(
            [DepartmentMembership(department=department, user_id=uid) for uid in sorted(wanted - existing)]
        )
        bump_rights_version()
        emit_event("department.members_changed", actor=actor, payload={"department_id": department.pk})


def get_department(department_id: int) -> Department:
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise NotFound(Problem("id", "not_found", _("No such department.")))
    return department


def get_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(Problem("id", "not_found", _("No such user.")))
    return user


# ----------------------------------------------------------------------------------------------
# API tokens
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def do_create_token(actor: User | None, user: User, name: str = "") -> IssuedToken:
    if actor is not None and actor.pk != user.pk:
        require_administrator(actor)
    raw = "vk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:8], token_hash=hash_token(raw))
    return IssuedToken(token=token, raw=raw)


def do_revoke_token(actor: User | None, token: ApiToken) -> None:
    if actor is not None and actor.pk != token.user_id:
        require_administrator(actor)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None for an unknown, revoked or blocked one."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
