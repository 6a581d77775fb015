"""A user's rights, loaded once and turned into SQL conditions or per-item decisions.

``load_policy(user)`` reads everything that decides the user's access in a handful of queries: roles
(direct, through departments and their parents, through directory groups, and those of the users
whose access the user was delegated), grants, field rules, department members. From it:

- ``scope_q(entity_type, action)`` is the WHERE clause every read and write goes through;
- ``decide(item, action)`` is the same decision for one item, in Python, with the rule that decided
  it — the explainer, and the oracle the property tests compare the SQL against.

Per role, the most specific grant wins for an item (stage, then pipeline, then type); a role without a
grant for ``move_in``/``move_out`` uses its ``update`` grant. Across roles the widest level wins. Levels
nest: own ⊂ own department ⊂ department with sub-departments ⊂ all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from voronka.accounts.models import Department, DepartmentMembership, User
from voronka.entities.models import EntityType, Item
from voronka.entities.schema import schema_for
from voronka.rights.models import (
    LEVEL_RANK,
    Action,
    Delegation,
    FieldAccess,
    FieldRule,
    Grant,
    ItemParticipant,
    Level,
    Role,
    RoleAssignment,
)

PARTICIPANT_INLINE_LIMIT = 5000
FIELD_RANK = {FieldAccess.HIDDEN: 0, FieldAccess.READ: 1, FieldAccess.WRITE: 2}
NEVER = Q(pk__in=[])


@dataclass
class Subject:
    """Whose identity "own" and "department" are measured against: the user, or a delegating user."""

    user_id: int
    username: str
    department_ids: set[int] = field(default_factory=set)
    department_paths: list[str] = field(default_factory=list)
    role_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str
    level: str = Level.NONE

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "rule": self.rule, "level": self.level}


@dataclass
class Policy:
    user: User
    is_admin: bool
    subjects: list[Subject]
    roles: dict[int, Role]
    # (role_id, entity_type_id, action) -> {(pipeline_id, stage_id): (level, grant)}
    grants: dict[tuple[int, int, str], dict[tuple[int | None, int | None], Grant]]
    field_rules: dict[tuple[int, int], dict[str, str]]  # (role_id, type_id) -> field -> access
    headed_paths: list[str]
    members_by_department: dict[int, set[int]]
    members_by_path: list[tuple[str, int]]  # (department path, user id) for every membership

    # ------------------------------------------------------------------ grants
    def _effective(
        self, role_id: int, entity_type_id: int, action: str, pipeline_id: int | None, stage_id: int | None
    ) -> tuple[str, Grant | None]:
        chain = [(pipeline_id, stage_id), (pipeline_id, None), (None, None)]
        # A role that says nothing about moving an item in this place moves it as far as it may update it.
        actions = [action, Action.UPDATE] if action in (Action.MOVE_IN, Action.MOVE_OUT) else [action]
        for candidate in actions:
            by_scope = self.grants.get((role_id, entity_type_id, candidate), {})
            for scope in chain:
                grant = by_scope.get(scope)
                if grant is not None:
                    return grant.level, grant
        return Level.NONE, None

    def _stage_slots(self, entity_type: EntityType) -> list[tuple[int | None, int | None]]:
        schema = schema_for(entity_type)
        if not entity_type.has_pipelines or not schema.pipelines:
            return [(None, None)]
        return [(stage.pipeline_id, stage.pk) for stage in schema.stages_by_id.values()]

    # ------------------------------------------------------------------ SQL
    def _members(self, subject: Subject, level: str) -> set[int]:
        if level == Level.DEPARTMENT:
            ids: set[int] = set()
            for department_id in subject.department_ids:
                ids |= self.members_by_department.get(department_id, set())
            return ids
        return {uid for path, uid in self.members_by_path if any(path.startswith(p) for p in subject.department_paths)}

    def _participant_items(self, user_id: int) -> list[int] | None:
        """Items the user participates in, read fresh (not cached with the policy): None when too many
        to inline, and then a subquery stands in for the list."""
        ids = list(
            ItemParticipant.objects.filter(user_id=user_id).values_list("item_id", flat=True)[
                : PARTICIPANT_INLINE_LIMIT + 1
            ]
        )
        return ids if len(ids) <= PARTICIPANT_INLINE_LIMIT else None

    def _own_q(self, user_id: int) -> Q:
        condition = Q(responsible_id=user_id) | Q(created_by_id=user_id)
        items = self._participant_items(user_id)
        if items is None:
            condition |= Q(pk__in=ItemParticipant.objects.filter(user_id=user_id).values("item_id"))
        elif items:
            condition |= Q(pk__in=items)
        return condition

    def level_q(self, subject: Subject, level: str) -> Q | None:
        """The condition for ``level`` measured from ``subject``; None means no condition (all)."""
        if level == Level.ALL:
            return None
        if level == Level.NONE:
            return NEVER
        condition = self._own_q(subject.user_id)
        if level in (Level.DEPARTMENT, Level.SUBDEPARTMENTS):
            members = self._members(subject, level)
            if members:
                condition |= Q(responsible_id__in=sorted(members))
        return condition

    def scope_q(self, entity_type: EntityType, action: str) -> Q | None:
        """Items of ``entity_type`` the user may ``action``: a Q, or None for all of them."""
        if self.is_admin:
            return None
        slots = self._stage_slots(entity_type)
        parts: list[Q] = []
        covered: set[int] = set()  # responsibles already admitted for the whole type, whatever the stage
        for subject in self.subjects:
            best: dict[tuple[int | None, int | None], str] = {}
            for slot in slots:
                widest: str = Level.NONE
                for role_id in subject.role_ids:
                    candidate, _grant = self._effective(role_id, entity_type.pk, action, *slot)
                    if LEVEL_RANK[Level(candidate)] > LEVEL_RANK[Level(widest)]:
                        widest = candidate
                best[slot] = widest
            by_level: dict[str, list[int | None]] = defaultdict(list)
            for (_pipeline_id, stage_id), slot_level in best.items():
                by_level[slot_level].append(stage_id)
            for level_name, stage_ids in by_level.items():
                if level_name == Level.NONE:
                    continue
                condition = self.level_q(subject, level_name)
                if len(by_level) > 1 and stage_ids != [None]:
                    stage_condition = Q(stage_id__in=sorted(s for s in stage_ids if s is not None))
                    condition = stage_condition if condition is None else stage_condition & condition
                elif level_name in (Level.DEPARTMENT, Level.SUBDEPARTMENTS):
                    covered |= self._members(subject, level_name)
                if condition is None:
                    return None
                parts.append(condition)
        if action == Action.READ and self.headed_paths:
            head = Subject(user_id=self.user.pk, username=self.user.username, department_paths=self.headed_paths)
            # Only the members a role did not already admit: the same ids twice would double the
            # planner's row estimate (and the SQL) for nothing.
            members = self._members(head, Level.SUBDEPARTMENTS) - covered
            if members:
                parts.append(Q(responsible_id__in=sorted(members)))
        if not parts:
            return NEVER
        combined = parts[0]
        for part in parts[1:]:
            combined |= part
        return combined

    # ------------------------------------------------------------------ per item
    def _item_in_level(self, subject: Subject, level: str, item: Item, participants: set[int]) -> bool:
        if level == Level.ALL:
            return True
        if level == Level.NONE:
            return False
        own = subject.user_id in (item.responsible_id, item.created_by_id) or subject.user_id in participants
        if own or level == Level.OWN:
            return own
        return item.responsible_id in self._members(subject, level)

    def decide(
        self, item: Item, action: str, *, stage_id: int | None = None, pipeline_id: int | None = None
    ) -> Decision:
        """May the user ``action`` this item? For ``move_in``, pass the target stage and pipeline."""
        entity_type = item.entity_type
        if self.is_admin:
            return Decision(True, _("%(user)s is an administrator.") % {"user": self.user.username}, Level.ALL)
        slot = (pipeline_id, stage_id) if action == Action.MOVE_IN else (item.pipeline_id, item.stage_id)
        if not entity_type.has_pipelines:
            slot = (None, None)
        participants = set(ItemParticipant.objects.filter(item_id=item.pk).values_list("user_id", flat=True))
        closest: Decision | None = None
        for subject in self.subjects:
            for role_id in sorted(subject.role_ids):
                level, grant = self._effective(role_id, entity_type.pk, action, *slot)
                rule = self._describe(role_id, entity_type, action, level, grant, subject)
                if self._item_in_level(subject, level, item, participants):
                    return Decision(True, rule, level)
                reason = self._why_not(subject, level, item)
                candidate = Decision(False, f"{rule}; {reason}", level)
                if closest is None or LEVEL_RANK[Level(level)] > LEVEL_RANK[Level(closest.level)]:
                    closest = candidate
        if action == Action.READ and self.headed_paths:
            head = Subject(user_id=self.user.pk, username=self.user.username, department_paths=self.headed_paths)
            if item.responsible_id in self._members(head, Level.SUBDEPARTMENTS):
                return Decision(
                    True,
                    _("%(user)s heads the department of the item's responsible.") % {"user": self.user.username},
                    Level.SUBDEPARTMENTS,
                )
        if closest is None:
            return Decision(
                False,
                _("%(user)s has no role granting %(action)s on %(type)s.")
                % {"user": self.user.username, "action": action, "type": entity_type.slug},
            )
        return closest

    def _describe(
        self, role_id: int, entity_type: EntityType, action: str, level: str, grant: Grant | None, subject: Subject
    ) -> str:
        role = self.roles[role_id]
        if grant is None:
            text = _("role %(role)s has no grant for %(type)s/%(action)s") % {
                "role": role.name,
                "type": entity_type.slug,
                "action": action,
            }
        else:
            schema = schema_for(entity_type)
            where = entity_type.slug
            if grant.stage_id:
                stage = schema.stages_by_id.get(grant.stage_id)
                where += f", stage {stage.slug if stage else grant.stage_id}"
            elif grant.pipeline_id:
                pipeline = schema.pipeline_by_ref(grant.pipeline_id)
                where += f", pipeline {pipeline.slug if pipeline else grant.pipeline_id}"
            text = _("role %(role)s, grant %(where)s/%(action)s at level %(level)s") % {
                "role": role.name,
                "where": where,
                "action": grant.action,
                "level": level,
            }
        if subject.user_id != self.user.pk:
            text += " " + _("(through the access of %(user)s)") % {"user": subject.username}
        return text

    def _why_not(self, subject: Subject, level: str, item: Item) -> str:
        values = {"user": subject.username, "id": item.pk}
        if level == Level.NONE:
            return _("that level allows nothing")
        if level == Level.OWN:
            return _("%(user)s is not responsible for, creator of or participant in item %(id)s") % values
        return _("the responsible of item %(id)s is outside the departments of %(user)s") % values

    # ------------------------------------------------------------------ create
    def may_create(
        self, entity_type: EntityType, responsible_id: int | None, slot: tuple[int | None, int | None]
    ) -> Decision:
        """Creating is allowed when the new item's responsible falls within the create level."""
        if self.is_admin:
            return Decision(True, _("%(user)s is an administrator.") % {"user": self.user.username}, Level.ALL)
        probe = Item(entity_type=entity_type, responsible_id=responsible_id, created_by_id=self.user.pk)
        probe.pipeline_id, probe.stage_id = slot
        return self.decide(probe, Action.CREATE)

    # ------------------------------------------------------------------ fields
    def field_access(self, entity_type: EntityType) -> dict[str, str]:
        """Access per field with a rule (fields without one are writable); the widest role wins."""
        if self.is_admin:
            return {}
        role_ids = {rid for subject in self.subjects for rid in subject.role_ids}
        ruled = {slug for rid in role_ids for slug in self.field_rules.get((rid, entity_type.pk), {})}
        result: dict[str, str] = {}
        for slug in ruled:
            accesses = [
                self.field_rules.get((rid, entity_type.pk), {}).get(slug, FieldAccess.WRITE) for rid in role_ids
            ]
            widest = max(accesses, key=lambda access: FIELD_RANK[FieldAccess(access)])
            if widest != FieldAccess.WRITE:
                result[slug] = widest
        return result

    def hidden_fields(self, entity_type: EntityType) -> set[str]:
        return {slug for slug, access in self.field_access(entity_type).items() if access == FieldAccess.HIDDEN}


def _subject_roles(user_id: int, department_paths: list[str], group_ids: set[int]) -> set[int]:
    ancestor_ids = {int(part) for path in department_paths for part in path.strip("/").split("/") if part}
    condition = Q(user_id=user_id)
    if ancestor_ids:
        condition |= Q(department_id__in=sorted(ancestor_ids))
    if group_ids:
        condition |= Q(group_id__in=sorted(group_ids))
    return set(RoleAssignment.objects.filter(condition).values_list("role_id", flat=True))


def load_policy(user: User) -> Policy:
    """Everything that decides ``user``'s access, in a bounded number of queries."""
    is_admin = bool(user.is_active and user.is_administrator)
    sources = list(User.objects.filter(pk__in=Delegation.objects.filter(user=user).values("source_id"), is_active=True))
    people = [user, *sources]
    people_ids = [p.pk for p in people]
    memberships: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for user_id, department_id, path in DepartmentMembership.objects.filter(user_id__in=people_ids).values_list(
        "user_id", "department_id", "department__path"
    ):
        memberships[user_id].append((department_id, path))
    groups: dict[int, set[int]] = defaultdict(set)
    for user_id, group_id in User.directory_groups.through.objects.filter(user_id__in=people_ids).values_list(
        "user_id", "directorygroup_id"
    ):
        groups[user_id].add(group_id)
    subjects = []
    for person in people:
        paths = [path for _id, path in memberships[person.pk]]
        subjects.append(
            Subject(
                user_id=person.pk,
                username=person.username,
                department_ids={department_id for department_id, _path in memberships[person.pk]},
                department_paths=paths,
                role_ids=_subject_roles(person.pk, paths, groups[person.pk]),
            )
        )
    role_ids = {rid for subject in subjects for rid in subject.role_ids}
    roles = {role.pk: role for role in Role.objects.filter(pk__in=role_ids)}
    grants: dict[tuple[int, int, str], dict[tuple[int | None, int | None], Grant]] = defaultdict(dict)
    for grant in Grant.objects.filter(role_id__in=role_ids):
        grants[(grant.role_id, grant.entity_type_id, grant.action)][(grant.pipeline_id, grant.stage_id)] = grant
    field_rules: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    for rule in FieldRule.objects.filter(role_id__in=role_ids):
        field_rules[(rule.role_id, rule.entity_type_id)][rule.field] = rule.access
    headed_paths = list(Department.objects.filter(head_id__in=people_ids).values_list("path", flat=True))
    # Members of every department below the ones that matter, in one query; bounded by the company's size.
    root_paths = sorted({p for subject in subjects for p in subject.department_paths} | set(headed_paths))
    members_by_department: dict[int, set[int]] = defaultdict(set)
    members_by_path: list[tuple[str, int]] = []
    if root_paths:
        condition = Q()
        for path in root_paths:
            condition |= Q(department__path__startswith=path)
        for department_id, path, member_id in DepartmentMembership.objects.filter(condition).values_list(
            "department_id", "department__path", "user_id"
        ):
            members_by_department[department_id].add(member_id)
            members_by_path.append((path, member_id))
    return Policy(
        user=user,
        is_admin=is_admin,
        subjects=subjects,
        roles=roles,
        grants=dict(grants),
        field_rules=dict(field_rules),
        headed_paths=headed_paths,
        members_by_department=dict(members_by_department),
        members_by_path=members_by_path,
    )
