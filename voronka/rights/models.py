"""Roles, grants, field rules, role assignments, delegations and the refusal audit log.

A role grants, per entity type and optionally per pipeline and per stage, each action at a level.
The most specific grant of a role wins for an item (stage, then pipeline, then type); across roles the
most permissive one wins. Field rules hide fields or make them read-only per role.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import Department
from voronka.entities.models import EntityType, Item, Pipeline, Stage


class Action(models.TextChoices):
    READ = "read", _("read")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    MOVE_IN = "move_in", _("move into the stage")
    MOVE_OUT = "move_out", _("move out of the stage")
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")


class Level(models.TextChoices):
    NONE = "none", _("none")
    OWN = "own", _("own")
    DEPARTMENT = "department", _("own department")
    SUBDEPARTMENTS = "subdepartments", _("department with sub-departments")
    ALL = "all", _("all")


LEVEL_RANK = {Level.NONE: 0, Level.OWN: 1, Level.DEPARTMENT: 2, Level.SUBDEPARTMENTS: 3, Level.ALL: 4}


class FieldAccess(models.TextChoices):
    HIDDEN = "hidden", _("hidden")
    READ = "read", _("read only")
    WRITE = "write", _("read and write")


class Role(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ru


class Grant(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="+")
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    level = models.CharField(max_length=16, choices=Level.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "entity_type", "pipeline", "stage", "action"],
                name="uniq_grant",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.role_id}:{self.entity_type_id}/{self.pipeline_id}/{self.stage_id} {self.action}={self.level}"


class FieldRule(models.Model):
    """How a role may see one field (a custom field's slug, or ``amount``/``currency``/``title``...)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="field_rules")
    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=64)
    access = models.CharField(max_length=8, choices=FieldAccess.choices)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["role", "entity_type", "field"], name="uniq_field_rule")]

    def __str__(self) -> str:
        return f"{self.role_id}:{self.entity_type_id}.{self.field}={self.access}"


class DirectoryGroup(models.Model):
    """A group from a directory (LDAP/AD) or made by hand; roles can be assigned to its members."""

    name = models.CharField(max_length=200, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="directory_groups")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A role given to one user, to the members of a department (and its sub-departments), or to a group."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(DirectoryGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, department__isnull=True, group__isnull=True)
                    | models.Q(user__isnull=True, department__isnull=False, group__isnull=True)
                    | models.Q(user__isnull=True, department__isnull=True, group__isnull=False)
                ),
                name="assignment_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"role {self.role_id} → user {self.user_id} / dept {self.department_id} / group {self.group_id}"


class Delegation(models.Model):
    """``user`` gets the same access as ``source`` (an assistant acting for a head)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "source"], name="uniq_delegation")]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.source_id}"


class ItemParticipant(models.Model):
    """Users named in an item's user fields; they count as the item's own people ("own" level)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="uniq_participant")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.item_id}"


class RightsSettings(models.Model):
    """Installation-wide switches about rights (one row)."""

    personal_views_allowed = models.BooleanField(default=True)
    version = models.PositiveBigIntegerField(default=1, help_text="Bumped by every change that affects rights.")

    def __str__(self) -> str:
        return "rights settings"


class AuditEntry(models.Model):
    """A refused attempt, with the rule that refused it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32)
    entity_type = models.CharField(max_length=64, blank=True, default="")
    item_id = models.BigIntegerField(null=True, blank=True)
    field = models.CharField(max_length=64, blank=True, default="")
    rule = models.TextField()
    path = models.CharField(max_length=255, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-at"], name="audit_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.entity_type}#{self.item_id}: {self.rule}"


class ListView(models.Model):
    """A saved list/kanban view: columns, filters and sort. Administrators define them per role; users
    may keep personal ones only when ``RightsSettings.personal_views_allowed`` is on."""

    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.CASCADE, related_name="views")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    columns = models.JSONField(default=list)
    filters = models.JSONField(default=dict)
    sort = models.CharField(max_length=70, default="-modified_at")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "slug", "owner"], name="uniq_view_slug", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return self.name
