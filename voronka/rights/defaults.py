"""Roles every installation starts with; administrators change or delete them like any other."""

from __future__ import annotations

from django.db import transaction

from voronka.entities.models import EntityType
from voronka.rights.access import bump_rights_version
from voronka.rights.models import Action, Grant, Level, Role

ALL_ACTIONS = [a.value for a in Action]
DEFAULT_ROLES = {
    # slug: (name_ru, name_en, level for every action on the built-in types)
    "manager": ("Менеджер", "Manager", Level.OWN),
    "head": ("Руководитель отдела", "Head of department", Level.SUBDEPARTMENTS),
}


def ensure_default_roles() -> dict[str, Role]:
    """Create the "manager" (own items) and "head" (department with sub-departments) roles if missing."""
    roles: dict[str, Role] = {}
    with transaction.atomic():
        types = list(EntityType.objects.filter(is_builtin=True))
        for slug, (name_ru, name_en, level) in DEFAULT_ROLES.items():
            role, created = Role.objects.get_or_create(slug=slug, defaults={"name_ru": name_ru, "name_en": name_en})
            roles[slug] = role
            if created:
                Grant.objects.bulk_create(
                    [
                        Grant(role=role, entity_type=entity_type, action=action, level=level)
                        for entity_type in types
                        for action in ALL_ACTIONS
                    ]
                )
        bump_rights_version()
    return roles
