"""The entry points every other layer uses: scoping querysets, authorising one item, field visibility.

A user's ``Policy`` is cached on the user object and reloaded when the installation's rights version
(bumped by every change to roles, grants, departments or users) moves on, so a check costs one small
query when nothing changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from voronka.accounts.models import User
from voronka.common.errors import AccessDenied, Problem
from voronka.entities.models import EntityType, Item
from voronka.rights.models import Action, AuditEntry, RightsSettings
from voronka.rights.policy import Decision, Policy, load_policy

CACHE_ATTRIBUTE = "_voronka_policy"


def rights_version() -> int:
    row = RightsSettings.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row) if row is not None else 0


def bump_rights_version() -> None:
    """Call in the transaction of any change that affects who may see or do what."""
    if not RightsSettings.objects.filter(pk=1).update(version=F("version") + 1):
        RightsSettings.objects.get_or_create(pk=1)


def _is_admin(user: User) -> bool:
    return bool(user.is_active and user.is_administrator)


# Loaded policies, per process, shared by requests: a request pays one version query when nothing
# changed. Keyed by the user's id and the two flags that change what a policy means.
_policies: OrderedDict[tuple[int, bool, bool], tuple[int, Policy]] = OrderedDict()
_policies_lock = threading.Lock()
POLICY_CACHE_SIZE = 2000


def forget_policies() -> None:
    """Drop every shared policy. Production never needs it (versions only grow); tests that roll back
    a transaction reset the version, and with it the meaning of a cached entry."""
    with _policies_lock:
        _policies.clear()


def policy_for(user: User) -> Policy:
    version = rights_version()
    cached: tuple[int, Policy] | None = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == version:
        return cached[1]
    key = (user.pk, bool(user.is_active), bool(user.is_administrator))
    with _policies_lock:
        shared = _policies.get(key)
    if shared is None or shared[0] != version:
        shared = (version, load_policy(user))
        with _policies_lock:
            _policies[key] = shared
            _policies.move_to_end(key)
            while len(_policies) > POLICY_CACHE_SIZE:
                _policies.popitem(last=False)
    setattr(user, CACHE_ATTRIBUTE, shared)
    return shared[1]


def scope_items(
    queryset: QuerySet[Item], user: User | None, action: str, entity_type: EntityType | None
) -> QuerySet[Item]:
    """Restrict ``queryset`` to the items ``user`` may ``action`` — in SQL, never after the query.

    ``user=None`` is Voronka itself (demo data, automation acting as the system): no restriction. An
    anonymous or blocked user gets nothing.
    """
    if user is None:
        return queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_administrator:
        return queryset  # decided by the user row alone: no policy to load
    policy = policy_for(user)
    if policy.is_admin:
        return queryset
    if entity_type is not None:
        condition = policy.scope_q(entity_type, action)
        return queryset if condition is None else queryset.filter(condition)
    # Items of any type (links, file downloads): each type's own scope, joined by OR.
    combined = Q(pk__in=[])
    for each_type in EntityType.objects.all():
        condition = policy.scope_q(each_type, action)
        combined |= Q(entity_type_id=each_type.pk) if condition is None else Q(entity_type_id=each_type.pk) & condition
    return queryset.filter(combined)


def decide(user: User, item: Item, action: str, **target: Any) -> Decision:
    return policy_for(user).decide(item, action, **target)


def refuse(
    user: User | None,
    decision: Decision,
    action: str,
    *,
    item: Item | None = None,
    entity_type: EntityType | None = None,
    field: str | None = None,
) -> AccessDenied:
    """An AccessDenied naming the rule; the edge that renders it records it in the audit log."""
    error = AccessDenied(Problem(field, "access_denied", decision.rule))
    error.audit = {  # type: ignore[attr-defined]
        "user": user,
        "action": action,
        "entity_type": (entity_type or (item.entity_type if item is not None else None)),
        "item_id": item.pk if item is not None else None,
        "field": field or "",
        "rule": decision.rule,
    }
    return error


def record_refusal(error: AccessDenied, path: str = "") -> None:
    audit = getattr(error, "audit", None)
    if not audit:
        return
    entity_type = audit["entity_type"]
    user = audit["user"]
    AuditEntry.objects.create(
        user=user if user is not None and user.pk else None,
        action=audit["action"],
        entity_type=entity_type.slug if entity_type is not None else "",
        item_id=audit["item_id"],
        field=audit["field"],
        rule=str(audit["rule"]),
        path=path[:255],
    )


def authorize_item(user: User | None, action: str, item: Item, **target: Any) -> None:
    """Raise AccessDenied (with the deciding rule) unless ``user`` may ``action`` ``item``."""
    if user is None or _is_admin(user):
        return  # the system itself (automation acting as the system, commands), or an administrator
    decision = decide(user, item, action, **target)
    if not decision.allowed:
        raise refuse(user, decision, action, item=item)


def authorize_create(
    user: User | None,
    entity_type: EntityType,
    responsible_id: int | None,
    pipeline_id: int | None,
    stage_id: int | None,
) -> None:
    if user is None or _is_admin(user):
        return
    decision = policy_for(user).may_create(entity_type, responsible_id, (pipeline_id, stage_id))
    if not decision.allowed:
        raise refuse(user, decision, Action.CREATE, entity_type=entity_type)


def field_access(user: User | None, entity_type: EntityType) -> dict[str, str]:
    """Fields of ``entity_type`` that ``user`` may not write: slug -> "hidden" or "read"."""
    if user is None or _is_admin(user):
        return {}
    return policy_for(user).field_access(entity_type)


def hidden_fields(user: User | None, entity_type: EntityType) -> set[str]:
    return {slug for slug, access in field_access(user, entity_type).items() if access == "hidden"}


def explain_field(user: User, entity_type: EntityType, field: str) -> Decision:
    access = field_access(user, entity_type).get(field, "write")
    if access == "write":
        return Decision(
            True, _("No field rule limits %(field)s for %(user)s.") % {"field": field, "user": user.username}
        )
    return Decision(
        access == "read",
        _("A field rule makes %(field)s %(access)s for the roles of %(user)s.")
        % {"field": field, "access": access, "user": user.username},
    )
