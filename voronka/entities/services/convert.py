"""Lead conversion: a lead becomes a contact, a company and/or a deal, each keeping a link back.

Values move by slug: a field of the lead goes to every target type that has a field with the same
slug and type, so integrators steer conversion by naming fields alike rather than by code.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User
from voronka.common.errors import Problem, ProblemCollector, ValidationFailed
from voronka.entities.models import EntityType, Item, Stage
from voronka.entities.schema import schema_for
from voronka.entities.services.items import do_create_item, do_update_item

TARGETS = ("contact", "company", "deal")


def _carried_values(lead: Item, target: EntityType) -> dict[str, Any]:
    lead_schema = schema_for(lead.entity_type)
    target_schema = schema_for(target)
    values: dict[str, Any] = {}
    for slug, fd in target_schema.fields.items():
        source = lead_schema.fields.get(slug)
        if source is not None and source.field_type == fd.field_type and source.multiple == fd.multiple:
            value = lead.data.get(slug)
            if value is not None and fd.field_type not in {"link", "file"}:
                values[slug] = value
    return values


def do_convert_lead(
    actor: User | None,
    lead: Item,
    *,
    targets: dict[str, dict[str, Any] | None],
) -> dict[str, Item]:
    """Create the requested targets (``{"deal": {...overrides}, "contact": {}, ...}``) and close the lead."""
    errors = ProblemCollector()
    if lead.entity_type.slug != "lead":
        errors.add("type", "not_a_lead", _("Only leads can be converted."))
    if lead.closed:
        errors.add("stage", "lead_closed", _("This lead is already closed or converted."))
    unknown = set(targets) - set(TARGETS)
    for name in sorted(unknown):
        errors.add(name, "unknown_target", _("A lead converts into contact, company or deal."))
    if not any(name in TARGETS for name in targets):
        errors.add(None, "no_targets", _("Choose at least one of contact, company, deal."))
    errors.raise_if_any()
    lead_schema = schema_for(lead.entity_type)
    pipeline = next((p for p in lead_schema.pipelines if p.pk == lead.pipeline_id), None)
    success = next(
        (
            s
            for s in lead_schema.stages_by_pipeline.get(pipeline.pk if pipeline else -1, [])
            if s.semantic == Stage.Semantic.SUCCESS
        ),
        None,
    )
    if success is None:
        raise ValidationFailed(Problem("stage", "no_success_stage", _("The lead's pipeline has no success stage.")))
    types = {t.slug: t for t in EntityType.objects.filter(slug__in=list(targets))}
    created: dict[str, Item] = {}
    with transaction.atomic():
        name = " ".join(filter(None, [lead.data.get("first_name"), lead.data.get("last_name")])) or lead.title
        plan: list[tuple[str, dict[str, Any]]] = []
        if "company" in targets:
            plan.append(("company", {"title": lead.data.get("company_title") or lead.title}))
        if "contact" in targets:
            plan.append(("contact", {"title": name}))
        if "deal" in targets:
            plan.append(("deal", {"title": lead.title, "amount": lead.amount, "currency": lead.currency or None}))
        for slug, base in plan:
            entity_type = types[slug]
            values = _carried_values(lead, entity_type) | {"responsible": lead.responsible_id} | base
            if slug == "contact" and "company" in created:
                values["companies"] = [created["company"].pk]
            if slug == "deal":
                if "company" in created:
                    values["company"] = created["company"].pk
                if "contact" in created:
                    values["contacts"] = [created["contact"].pk]
            values = {k: v for k, v in values.items() if v is not None}
            values |= targets.get(slug) or {}
            try:
                item = do_create_item(actor, entity_type, values, converted_from=lead)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    [Problem(f"{slug}.{p.field}" if p.field else slug, p.code, p.message) for p in exc.problems]
                ) from exc
            created[slug] = item
        do_update_item(actor, lead, {"stage": success.slug})
    return created
