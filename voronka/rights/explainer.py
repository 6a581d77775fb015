"""The explainer shared by the API and the screens: why a user may or may not do something."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from voronka.accounts.models import User
from voronka.accounts.services import require_administrator
from voronka.common.errors import NotFound, Problem, ValidationFailed
from voronka.entities.schema import get_entity_type, schema_for
from voronka.entities.services.items import get_item
from voronka.rights.access import explain_field, policy_for
from voronka.rights.models import Action
from voronka.rights.policy import Decision


def explain(
    asking: User,
    user: int,
    type_slug: str,
    action: str = "read",
    item: int | None = None,
    field: str | None = None,
    stage: str | None = None,
) -> dict[str, Any]:
    """``user`` and ``type_slug`` always; ``item`` for an item action, ``field`` for a field, ``stage`` (a slug
    of the item's pipeline) for ``move_in``. Administrators may ask about anyone; others about themselves."""
    if asking.pk != user:
        require_administrator(asking)
    subject = User.objects.filter(pk=user).first()
    if subject is None:
        raise NotFound(Problem("user", "not_found", _("No such user.")))
    entity_type = get_entity_type(type_slug)
    if field is not None:
        field_decision = explain_field(subject, entity_type, field)
        return {"user": subject.pk, "type": type_slug, "field": field} | field_decision.as_dict()
    if action not in Action.values:
        raise ValidationFailed(
            Problem("action", "invalid_choice", _("Choose one of: %(v)s.") % {"v": ", ".join(Action.values)})
        )
    if item is None:
        raise ValidationFailed(Problem("item", "required", _("Name the item (or a field) to explain.")))
    # The administrator sees the item itself; the asking user only an item they can read.
    target = get_item(asking, item, "read", entity_type)
    target_stage: dict[str, Any] = {}
    if stage is not None:
        schema = schema_for(entity_type)
        pipeline = schema.pipeline_by_ref(target.pipeline_id) if target.pipeline_id else None
        found = schema.stage_by_ref(pipeline, stage) if pipeline else None
        if found is None:
            raise ValidationFailed(Problem("stage", "not_found", _("No stage '%(ref)s'.") % {"ref": stage}))
        target_stage = {"stage_id": found.pk, "pipeline_id": found.pipeline_id}
    decision: Decision = policy_for(subject).decide(target, action, **target_stage)
    return {"user": subject.pk, "type": type_slug, "item": target.pk, "action": action} | decision.as_dict()
