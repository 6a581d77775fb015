"""Planning generated demo items: what each row of a cluster (company, contacts, deals) will hold.

Planning is pure Python and touches the database only in ``Planner.__init__`` (the schemas), so it can
run in a thread while the database writes the previous batch. Values are in stored form; link values
are filled in by the writer once the targets have ids.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from voronka.accounts.models import User
from voronka.demo import fake
from voronka.entities.fieldtypes import is_empty, is_multiple
from voronka.entities.models import EntityType, FieldDefinition, FieldType, Pipeline, Stage
from voronka.entities.schema import TypeSchema, get_entity_type, schema_for

HISTORY_SPAN = dt.timedelta(days=730)


class PlannedItem:
    """One item to insert. ``links`` hold other planned items; their ids exist only once written."""

    __slots__ = (
        "amount",
        "closed",
        "created_at",
        "created_by_id",
        "currency",
        "data",
        "entity_type_id",
        "id",
        "level",
        "links",
        "modified_at",
        "modified_by_id",
        "pipeline_id",
        "responsible_id",
        "stage_id",
        "title",
    )

    def __init__(self, entity_type_id: int, title: str, responsible_id: int, created_at: dt.datetime) -> None:
        self.entity_type_id = entity_type_id
        self.title = title
        self.responsible_id = responsible_id
        self.created_by_id = responsible_id
        self.modified_by_id = responsible_id
        self.created_at = created_at
        self.modified_at = created_at
        self.pipeline_id: int | None = None
        self.stage_id: int | None = None
        self.closed = False
        self.amount: Decimal | None = None
        self.currency = ""
        self.data: dict[str, Any] = {}
        # (field id, slug, multiple, targets); written as data[slug] and as ItemLink rows.
        self.links: list[tuple[int, str, bool, list[PlannedItem]]] = []
        self.level = 0  # 1 + the highest level among link targets: the ORM writer inserts level by level
        self.id = 0  # set by the writer

    def link(self, fd: FieldDefinition, targets: list[PlannedItem]) -> None:
        if targets:
            self.links.append((fd.pk, fd.slug, is_multiple(fd), targets))
            self.level = max(self.level, 1 + max(t.level for t in targets))

    def final_data(self) -> dict[str, Any]:
        """``data`` with link values filled in from the (now known) target ids."""
        for _field_id, slug, multiple, targets in self.links:
            self.data[slug] = [t.id for t in targets] if multiple else targets[0].id
        return self.data


@dataclass
class TypePlan:
    """What the generator needs to know about one type, read once from its schema."""

    entity_type: EntityType
    fields: dict[str, FieldDefinition]
    # Link fields whose targets a cluster holds, by target type slug ("company", "contact").
    links_to: dict[str, list[FieldDefinition]] = field(default_factory=dict)
    filterable_lists: list[FieldDefinition] = field(default_factory=list)
    required: dict[int | None, list[FieldDefinition]] = field(default_factory=dict)  # by stage id

    @classmethod
    def read(cls, schema: TypeSchema) -> TypePlan:
        plan = cls(entity_type=schema.entity_type, fields=dict(schema.fields))
        type_slugs = dict(EntityType.objects.values_list("pk", "slug"))
        for fd in schema.fields.values():
            if fd.field_type == FieldType.LINK and fd.link_type_id is not None:
                plan.links_to.setdefault(type_slugs.get(fd.link_type_id, ""), []).append(fd)
            if fd.filterable and fd.field_type == FieldType.LIST and fd.options:
                plan.filterable_lists.append(fd)
        stage_ids: list[int | None] = [None, *schema.stages_by_id]
        for stage_id in stage_ids:
            stage = schema.stages_by_id.get(stage_id) if stage_id is not None else None
            slugs = schema.required_fields(stage.pipeline_id if stage else None, stage_id)
            plan.required[stage_id] = [schema.fields[slug] for slug in sorted(slugs)]
        return plan

    def has(self, slug: str, *field_types: str) -> bool:
        fd = self.fields.get(slug)
        return fd is not None and fd.field_type in field_types


@dataclass
class Pipelines:
    """Where deals stand: each pipeline's open stages and its success and failure stages."""

    pipelines: list[Pipeline]
    weights: list[int]
    open_stages: dict[int, list[Stage]]
    won: dict[int, list[Stage]]
    lost: dict[int, list[Stage]]

    @classmethod
    def read(cls, schema: TypeSchema) -> Pipelines:
        pipelines = [p for p in schema.pipelines if schema.stages_by_pipeline.get(p.pk)]
        if not pipelines:
            raise ValueError("The deal type has no pipeline with stages; add one before generating deals.")
        by_semantic: dict[str, dict[int, list[Stage]]] = {s: {} for s in Stage.Semantic.values}
        for pipeline in pipelines:
            for stage in schema.stages_by_pipeline[pipeline.pk]:
                by_semantic[stage.semantic].setdefault(pipeline.pk, []).append(stage)
        # Most deals go through the default pipeline, as in a real installation.
        weights = [len(pipelines) * 3 if p.is_default else 1 for p in pipelines]
        return cls(
            pipelines,
            weights,
            by_semantic[Stage.Semantic.PROCESS],
            by_semantic[Stage.Semantic.SUCCESS],
            by_semantic[Stage.Semantic.FAILURE],
        )


class Planner:
    def __init__(self, rng: random.Random, owner_ids: Sequence[int], now: dt.datetime) -> None:
        if not owner_ids:
            raise ValueError("Generated items need at least one owner.")
        self.rng = rng
        self.now = now
        self.owner_ids = list(owner_ids)
        self.company = TypePlan.read(schema_for(get_entity_type("company")))
        self.contact = TypePlan.read(schema_for(get_entity_type("contact")))
        deal_schema = schema_for(get_entity_type("deal"))
        self.deal = TypePlan.read(deal_schema)
        self.pipelines = Pipelines.read(deal_schema)
        # Someone other than the owner sometimes makes the last change: a head, the administrator.
        self.editors = (
            list(User.objects.filter(is_active=True, username__in=["admin", "head"]).values_list("pk", flat=True))
            or self.owner_ids
        )

    def _moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        seconds = max(0, int((end - start).total_seconds()))
        return start + dt.timedelta(seconds=self.rng.randint(0, seconds))

    def _finish(self, planned: PlannedItem, plan: TypePlan, company: PlannedItem, contacts: list[PlannedItem]) -> None:
        """Links, filterable lists and required fields: what every type gets the same way."""
        rng = self.rng
        for fd in plan.links_to.get("company", []):
            if planned is not company:
                planned.link(fd, [company])
        for fd in plan.links_to.get("contact", []):
            if contacts and planned.entity_type_id == self.deal.entity_type.pk:
                count = min(len(contacts), rng.choice((1, 1, 1, 2, 2, 3))) if is_multiple(fd) else 1
                planned.link(fd, rng.sample(contacts, count))
        for fd in plan.filterable_lists:
            planned.data[fd.slug] = str(rng.choice(fd.options)["key"])
        linked = {slug for _id, slug, _m, _t in planned.links}
        for fd in plan.required.get(planned.stage_id, []):
            if fd.slug not in linked and is_empty(planned.data.get(fd.slug)):
                value = self._generic_value(fd, planned)
                if value is not None:
                    planned.data[fd.slug] = value

    def _generic_value(self, fd: FieldDefinition, planned: PlannedItem) -> Any:
        """A stored-form value for a required field the generator knows nothing else about."""
        rng = self.rng
        value: Any
        if fd.field_type in {FieldType.STRING, FieldType.TEXT}:
            value = f"Демо {rng.randrange(1000, 10000)}"[: fd.max_length or None]
        elif fd.field_type == FieldType.NUMBER:
            value = rng.randrange(1, 1000)
        elif fd.field_type == FieldType.MONEY:
            value = {"amount": float(rng.randrange(1000, 100000)), "currency": "RUB"}
        elif fd.field_type == FieldType.DATE:
            value = planned.modified_at.date().isoformat()
        elif fd.field_type == FieldType.DATETIME:
            value = planned.modified_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        elif fd.field_type == FieldType.BOOLEAN:
            value = rng.random() < 0.5
        elif fd.field_type in {FieldType.LIST, FieldType.MULTILIST}:
            value = str(rng.choice(fd.options)["key"]) if fd.options else None
        elif fd.field_type == FieldType.USER:
            value = planned.responsible_id
        elif fd.field_type == FieldType.PHONE:
            value = fake.mobile_phone(rng)
        elif fd.field_type == FieldType.EMAIL:
            value = f"demo{rng.randrange(100000)}@example.com"
        elif fd.field_type == FieldType.URL:
            value = "https://example.com/"
        else:  # files and links to other types cannot be made up
            return None
        return [value] if is_multiple(fd) and value is not None else value

    def cluster(self, deal_count: int) -> list[PlannedItem]:
        """A company, its contacts and ``deal_count`` deals, in insertion order."""
        rng, now = self.rng, self.now
        owner = rng.choice(self.owner_ids)
        info = fake.company(rng)
        started = now - dt.timedelta(seconds=rng.randint(0, int(HISTORY_SPAN.total_seconds())))
        company = PlannedItem(self.company.entity_type.pk, info.title, owner, started)
        company.modified_at = self._moment(started, now)
        plan = self.company
        if plan.has("inn", FieldType.STRING):
            company.data["inn"] = info.inn
        if plan.has("phone", FieldType.PHONE):
            phones = [fake.office_phone(rng, info.area_code)]
            if rng.random() < 0.3:
                phones.append(fake.mobile_phone(rng))
            company.data["phone"] = phones if is_multiple(plan.fields["phone"]) else phones[0]
        if plan.has("email", FieldType.EMAIL):
            email = f"info@{info.domain}"
            company.data["email"] = [email] if is_multiple(plan.fields["email"]) else email
        if plan.has("website", FieldType.URL) and info.owner is None:
            company.data["website"] = f"https://{info.domain}"
        if plan.has("comments", FieldType.TEXT) and rng.random() < 0.1:
            company.data["comments"] = rng.choice(fake.COMMENTS)
        self._finish(company, plan, company, [])
        planned = [company]

        contacts = [self._contact(info, owner, started, company) for _ in range(rng.choice((1, 2, 2, 3)))]
        planned.extend(contacts)
        contacts_ready = max(c.created_at for c in contacts)
        planned.extend(self._deal(info, owner, contacts_ready, company, contacts) for _ in range(deal_count))
        return planned

    def _contact(self, info: fake.Company, owner: int, started: dt.datetime, company: PlannedItem) -> PlannedItem:
        rng = self.rng
        who = info.owner if info.owner is not None and rng.random() < 0.7 else fake.person(rng)
        created = self._moment(started, min(self.now, started + dt.timedelta(days=3)))
        contact = PlannedItem(self.contact.entity_type.pk, who.full_name, owner, created)
        contact.modified_at = self._moment(created, self.now)
        plan = self.contact
        if plan.has("first_name", FieldType.STRING):
            contact.data["first_name"] = who.first_name
        if plan.has("last_name", FieldType.STRING):
            contact.data["last_name"] = who.last_name
        if plan.has("post", FieldType.STRING) and info.owner is None:
            contact.data["post"] = rng.choice(fake.POSTS)
        if plan.has("phone", FieldType.PHONE):
            phone = fake.mobile_phone(rng)
            contact.data["phone"] = [phone] if is_multiple(plan.fields["phone"]) else phone
        if plan.has("email", FieldType.EMAIL) and rng.random() < 0.8:
            domain = info.domain if info.owner is None else rng.choice(fake.EMAIL_DOMAINS)
            email = f"{who.login}@{domain}"
            contact.data["email"] = [email] if is_multiple(plan.fields["email"]) else email
        self._finish(contact, plan, company, [])
        return contact

    def _deal(
        self, info: fake.Company, owner: int, ready: dt.datetime, company: PlannedItem, contacts: list[PlannedItem]
    ) -> PlannedItem:
        rng, now = self.rng, self.now
        created = self._moment(ready, now)
        # A colleague sometimes handles a deal of someone else's client.
        responsible = owner if rng.random() < 0.8 else rng.choice(self.owner_ids)
        deal = PlannedItem(self.deal.entity_type.pk, fake.deal_title(rng, info), responsible, created)
        pipelines = self.pipelines
        pipeline = rng.choices(pipelines.pipelines, weights=pipelines.weights)[0]
        age_days = (now - created).total_seconds() / 86400
        # Older deals are more often finished: 10% of this week's deals, 80% of those a year old.
        closed_share = min(0.8, 0.1 + 0.7 * age_days / 365)
        won, lost = pipelines.won.get(pipeline.pk, []), pipelines.lost.get(pipeline.pk, [])
        open_stages = pipelines.open_stages.get(pipeline.pk, [])
        if (won or lost) and (not open_stages or rng.random() < closed_share):
            stage = rng.choice(won) if won and (not lost or rng.random() < 0.4) else rng.choice(lost)
            deal.modified_at = self._moment(created, min(now, created + dt.timedelta(days=120)))
        else:
            # Earlier stages hold more deals than later ones, as in any funnel.
            stage = rng.choices(open_stages, weights=range(len(open_stages) + 1, 1, -1))[0]
            deal.modified_at = self._moment(created, now)
        deal.pipeline_id = pipeline.pk
        deal.stage_id = stage.pk
        deal.closed = stage.is_closed
        if rng.random() < 0.2:
            deal.modified_by_id = rng.choice(self.editors)
        deal.amount = fake.deal_amount(rng)
        deal.currency = fake.weighted(rng, fake.CURRENCIES)
        plan = self.deal
        if plan.has("close_date", FieldType.DATE):
            if deal.closed:
                deal.data["close_date"] = deal.modified_at.date().isoformat()
            elif rng.random() < 0.5:
                deal.data["close_date"] = (deal.modified_at + dt.timedelta(days=rng.randint(7, 90))).date().isoformat()
        if plan.has("comments", FieldType.TEXT) and rng.random() < 0.15:
            deal.data["comments"] = rng.choice(fake.COMMENTS)
        self._finish(deal, plan, company, contacts)
        return deal


def plan_batches(planner: Planner, rng: random.Random, count: int, batch: int) -> Iterator[list[PlannedItem]]:
    planned = 0
    pending: list[PlannedItem] = []
    while planned < count:
        # 1-7 deals per company (4 on average): about count/4 companies and count/2 contacts.
        deals_here = min(rng.randint(1, 7), count - planned)
        pending.extend(planner.cluster(deals_here))
        planned += deals_here
        if len(pending) >= batch:
            yield pending
            pending = []
    if pending:
        yield pending
