"""The one write path for items: create, update, move, delete.

Each call validates everything first (collecting every problem), then writes the row, its links,
its history and one outbox event in a single transaction. A refused write changes nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User
from voronka.common.errors import AccessDenied, Conflict, NotFound, Problem, ProblemCollector
from voronka.entities.fieldtypes import (
    CURRENCY_RE,
    CleanContext,
    Invalid,
    References,
    clean_value,
    is_empty,
    is_storable_text,
    reference_id,
)
from voronka.entities.models import EntityType, FieldType, Item, ItemHistory, ItemLink, Pipeline, Stage
from voronka.entities.schema import TypeSchema, schema_for
from voronka.events.outbox import emit_event
from voronka.files.models import FileAttachment, StoredFile
from voronka.files.services import sync_item_files
from voronka.rights.access import authorize_create, authorize_item, explain_field, field_access, refuse
from voronka.rights.participants import sync_participants
from voronka.rights.policy import Decision

SYSTEM_FIELDS = (
    "id",
    "title",
    "pipeline",
    "stage",
    "responsible",
    "amount",
    "currency",
    "created_by",
    "created_at",
    "modified_by",
    "modified_at",
    "closed",
)
WRITABLE_SYSTEM_FIELDS = frozenset({"title", "pipeline", "stage", "responsible", "amount", "currency"})
READ_ONLY_FIELDS = frozenset(
    {"id", "created_by", "created_at", "modified_by", "modified_at", "closed", "type", "entity_type", "version"}
)
TITLE_MAX = 255
AMOUNT_LIMIT = Decimal("1e16")
CENT = Decimal("0.01")


@dataclass
class PreparedWrite:
    """The validated outcome of a write, before anything is saved."""

    system: dict[str, Any] = field(default_factory=dict)  # model attribute -> new value
    data: dict[str, Any] = field(default_factory=dict)  # the whole new JSON of custom values
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field slug -> (old, new), JSON forms
    link_fields: set[str] = field(default_factory=set)
    file_fields: set[str] = field(default_factory=set)
    user_fields: set[str] = field(default_factory=set)


def _actor_time_zone(actor: User | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(actor.time_zone if actor else "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _json_system(name: str, value: Any) -> Any:
    """System values in the JSON form used by history, events and the API."""
    if value is None:
        return None
    if name in {"pipeline", "stage"}:
        return value.slug
    if name == "responsible":
        return value.pk if isinstance(value, User) else value
    if name == "amount":
        return float(value)
    return value


def _current_system(item: Item, schema: TypeSchema) -> dict[str, Any]:
    pipeline = next((p for p in schema.pipelines if p.pk == item.pipeline_id), None)
    stage = schema.stages_by_id.get(item.stage_id) if item.stage_id else None
    return {
        "title": item.title,
        "pipeline": pipeline,
        "stage": stage,
        "responsible": item.responsible_id,
        "amount": item.amount,
        "currency": item.currency,
    }


def _clean_amount(value: Any, errors: ProblemCollector) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errors.add("amount", "wrong_type", _("Must be a number."))
        return None
    try:
        # An int goes in whole: str() of a very long one raises ValueError (the 4300-digit limit).
        amount = Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        errors.add("amount", "wrong_type", _("Must be a number."))
        return None
    # Checked after rounding to cents: 9999999999999999.995 rounds up past what the column holds.
    if not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT or abs(amount.quantize(CENT)) >= AMOUNT_LIMIT:
        errors.add("amount", "out_of_range", _("Must be a finite number below 10^16."))
        return None
    return amount.quantize(CENT)


def prepare_write(
    actor: User | None,
    schema: TypeSchema,
    item: Item | None,
    values: dict[str, Any],
) -> PreparedWrite:
    """Validate ``values`` against the type's schema for a new item (``item`` None) or a change."""
    errors = ProblemCollector()
    entity_type = schema.entity_type
    if not isinstance(values, dict):
        errors.add(None, "wrong_type", _("The body must be an object of field values."))
        errors.raise_if_any()
    for key in values:
        if key in READ_ONLY_FIELDS:
            errors.add(key, "read_only", _("This field is set by Voronka and cannot be written."))
        elif key not in WRITABLE_SYSTEM_FIELDS and key not in schema.fields:
            errors.add(
                key,
                "unknown_field",
                _("The type '%(type)s' has no field '%(field)s'.")
                % {
                    "type": entity_type.slug,
                    "field": key,
                },
            )
    current = _current_system(item, schema) if item is not None else {}
    new_system: dict[str, Any] = dict(current) if item is not None else {"amount": None, "currency": ""}
    refs = References()

    # --- title -------------------------------------------------------------------------------
    if "title" in values or item is None:
        title = values.get("title")
        if isinstance(title, str):
            title = title.strip()
        if title is None or title == "":
            if item is not None:
                errors.add("title", "required", _("The title cannot be empty."))
            new_system["title"] = ""  # filled with "<Type> #<id>" once the id is known
        elif not isinstance(title, str):
            errors.add("title", "wrong_type", _("Must be text."))
        elif len(title) > TITLE_MAX:
            errors.add("title", "too_long", _("Must be at most %(limit)d characters.") % {"limit": TITLE_MAX})
        elif not is_storable_text(title):
            errors.add("title", "invalid_characters", _("Contains control characters."))
        else:
            new_system["title"] = title

    # --- pipeline and stage --------------------------------------------------------------------
    if entity_type.has_pipelines and schema.pipelines:
        pipeline: Pipeline | None = current.get("pipeline")
        if "pipeline" in values:
            pipeline = schema.pipeline_by_ref(values["pipeline"])
            if pipeline is None:
                errors.add(
                    "pipeline", "not_found", _("No pipeline '%(ref)s' in this type.") % {"ref": values["pipeline"]}
                )
        elif pipeline is None:
            pipeline = schema.default_pipeline
        stage: Stage | None = current.get("stage")
        if pipeline is not None:
            if "stage" in values:
                stage = schema.stage_by_ref(pipeline, values["stage"])
                if stage is None:
                    errors.add(
                        "stage",
                        "not_found",
                        _("No stage '%(ref)s' in pipeline '%(pipeline)s'.")
                        % {
                            "ref": values["stage"],
                            "pipeline": pipeline.slug,
                        },
                    )
            elif stage is None or stage.pipeline_id != pipeline.pk:
                stage = schema.first_stage(pipeline)
        new_system["pipeline"] = pipeline
        new_system["stage"] = stage
    else:
        for key in ("pipeline", "stage"):
            if values.get(key) not in (None, ""):
                errors.add(key, "no_pipelines", _("Items of this type have no pipelines."))
        new_system["pipeline"] = None
        new_system["stage"] = None

    # --- responsible ---------------------------------------------------------------------------
    if "responsible" in values:
        try:
            responsible_id = reference_id(values["responsible"], _("Must be a user id."))
            refs.users.setdefault(responsible_id, []).append("responsible")
            new_system["responsible"] = responsible_id
        except Invalid as exc:
            errors.add("responsible", exc.code, exc.message)
    elif item is None:
        new_system["responsible"] = actor.pk if actor else None

    # --- money -----------------------------------------------------------------------------------
    if entity_type.has_money:
        if "amount" in values:
            new_system["amount"] = _clean_amount(values["amount"], errors)
        if "currency" in values:
            currency = values["currency"]
            if currency in (None, ""):
                new_system["currency"] = ""
            elif not isinstance(currency, str) or not CURRENCY_RE.fullmatch(currency):
                errors.add("currency", "invalid_currency", _("Currency must be a three-letter code such as RUB."))
            else:
                new_system["currency"] = currency
        if item is None and new_system.get("amount") is not None and not new_system.get("currency"):
            new_system["currency"] = "RUB"
    else:
        for key in ("amount", "currency"):
            if values.get(key) not in (None, ""):
                errors.add(key, "no_money", _("Items of this type carry no amount."))
        new_system["amount"] = None
        new_system["currency"] = ""

    # --- custom fields ---------------------------------------------------------------------------
    old_data: dict[str, Any] = dict(item.data) if item is not None else {}
    new_data = dict(old_data)
    ctx = CleanContext(time_zone=_actor_time_zone(actor))
    for slug, fd in schema.fields.items():
        if slug in values:
            try:
                cleaned = clean_value(values[slug], fd, refs, ctx)
            except Invalid as exc:
                errors.add(slug, exc.code, exc.message)
                continue
        elif item is None and fd.default is not None:
            try:
                cleaned = clean_value(fd.default, fd, refs, ctx)
            except Invalid:
                cleaned = None
        else:
            continue
        if cleaned is None:
            new_data.pop(slug, None)
        else:
            new_data[slug] = cleaned

    # --- required-ness for where the item will stand ----------------------------------------------
    target_pipeline = new_system.get("pipeline")
    target_stage = new_system.get("stage")
    entering = item is None or target_stage != current.get("stage") or target_pipeline != current.get("pipeline")
    required = schema.required_fields(
        target_pipeline.pk if target_pipeline else None, target_stage.pk if target_stage else None
    )
    already_reported = {p.field for p in errors.problems}
    for slug in sorted(required):
        if slug in already_reported:
            continue
        if not entering and slug not in values:
            continue
        if is_empty(new_data.get(slug)):
            fd = schema.fields[slug]
            if target_stage is not None and target_stage.pk in schema.required_stage_ids.get(slug, set()):
                message = _("Required to enter the stage '%(stage)s'.") % {"stage": target_stage.name}
                code = "required_for_stage"
            elif target_pipeline is not None and target_pipeline.pk in schema.required_pipeline_ids.get(slug, set()):
                message = _("Required in the pipeline '%(pipeline)s'.") % {"pipeline": target_pipeline.name}
                code = "required_for_pipeline"
            else:
                message = _("'%(label)s' is required.") % {"label": fd.name}
                code = "required"
            errors.add(slug, code, message)

    _check_references(actor, refs, item, errors)
    errors.raise_if_any()

    prepared = PreparedWrite(data=new_data)
    for name in WRITABLE_SYSTEM_FIELDS:
        old_value = current.get(name) if item is not None else None
        new_value = new_system.get(name)
        if item is None or old_value != new_value:
            prepared.system[name] = new_value
            if item is not None or new_value not in (None, ""):
                prepared.changes[name] = (_json_system(name, old_value), _json_system(name, new_value))
    for slug in set(old_data) | set(new_data):
        if old_data.get(slug) != new_data.get(slug) and slug in schema.fields:
            prepared.changes[slug] = (old_data.get(slug), new_data.get(slug))
            if schema.fields[slug].field_type == FieldType.LINK:
                prepared.link_fields.add(slug)
            elif schema.fields[slug].field_type == FieldType.FILE:
                prepared.file_fields.add(slug)
            elif schema.fields[slug].field_type == FieldType.USER:
                prepared.user_fields.add(slug)
    return prepared


def _check_references(actor: User | None, refs: References, item: Item | None, errors: ProblemCollector) -> None:
    """Check every referenced user, item and file in one query per kind."""
    if refs.users:
        found = set(User.objects.filter(pk__in=list(refs.users)).values_list("pk", flat=True))
        for user_id, slugs in refs.users.items():
            if user_id not in found:
                for slug in slugs:
                    errors.add(slug, "user_not_found", _("No user with id %(id)s.") % {"id": user_id})
    if refs.items:
        found_types = dict(
            Item.objects.visible_to(actor, "read").filter(pk__in=list(refs.items)).values_list("pk", "entity_type_id")
        )
        for item_id, uses in refs.items.items():
            for slug, link_type_id in uses:
                if item_id not in found_types:
                    errors.add(slug, "item_not_found", _("No item with id %(id)s.") % {"id": item_id})
                elif link_type_id is not None and found_types[item_id] != link_type_id:
                    errors.add(
                        slug,
                        "wrong_item_type",
                        _("Item %(id)s is not of the type this field links to.") % {"id": item_id},
                    )
    if refs.files:
        # A file may be attached by whoever uploaded it, or kept where it already is (its attachment rows,
        # not any number that happens to equal its id).
        already_attached: set[int] = set()
        if item is not None:
            already_attached = set(
                FileAttachment.objects.filter(item=item, file_id__in=list(refs.files)).values_list("file_id", flat=True)
            )
        files = dict(StoredFile.objects.filter(pk__in=list(refs.files)).values_list("pk", "uploaded_by_id"))
        for file_id, slugs in refs.files.items():
            allowed = file_id in files and (actor is None or files[file_id] == actor.pk or file_id in already_attached)
            if not allowed:
                for slug in slugs:
                    errors.add(slug, "file_not_found", _("No uploaded file with id %(id)s.") % {"id": file_id})


def _sync_links(item: Item, schema: TypeSchema, slugs: set[str]) -> None:
    for slug in slugs:
        fd = schema.fields[slug]
        value = item.data.get(slug)
        wanted = set(value if isinstance(value, list) else [value] if value is not None else [])
        existing = set(ItemLink.objects.filter(source=item, field=fd).values_list("target_id", flat=True))
        if existing - wanted:
            ItemLink.objects.filter(source=item, field=fd, target_id__in=existing - wanted).delete()
        ItemLink.objects.bulk_create(
            [ItemLink(source=item, field=fd, target_id=target) for target in sorted(wanted - existing)]
        )


def _write_history(
    item: Item, actor: User | None, changes: dict[str, tuple[Any, Any]], event_id: int, at: dt.datetime
) -> None:
    ItemHistory.objects.bulk_create(
        [
            ItemHistory(
                item=item,
                field=slug,
                old_value=old,
                new_value=new,
                changed_by=actor,
                changed_at=at,
                event_id=event_id,
            )
            for slug, (old, new) in sorted(changes.items())
        ]
    )


def _apply_system(item: Item, system: dict[str, Any]) -> None:
    for name, value in system.items():
        if name == "responsible":
            item.responsible_id = value
        elif name == "pipeline":
            item.pipeline = value
        elif name == "stage":
            item.stage = value
            item.closed = bool(value is not None and value.is_closed)
        elif name == "currency":
            item.currency = value or ""
        else:
            setattr(item, name, value)


def authorize(actor: User | None, action: str, item: Item | None, entity_type: EntityType) -> None:
    """Refuse what no rule allows: a blocked actor, a switched-off type, or the rights' item check."""
    if actor is not None and not actor.is_active:
        raise AccessDenied(Problem(None, "user_blocked", _("This user is blocked.")))
    if action == "create" and not entity_type.enabled:
        raise AccessDenied(
            Problem("type", "type_disabled", _("The type '%(type)s' is switched off.") % {"type": entity_type.name})
        )
    if item is not None:
        authorize_item(actor, action, item)


def authorize_fields(actor: User | None, entity_type: EntityType, values: dict[str, Any]) -> None:
    """Writing a field the actor's roles hide or make read-only is refused, naming the rule."""
    limited = field_access(actor, entity_type)
    for slug in values:
        access = limited.get(slug)
        if access is not None and actor is not None:
            decision = explain_field(actor, entity_type, slug)
            raise refuse(actor, Decision(False, decision.rule), "update", entity_type=entity_type, field=slug)


def _authorize_write(actor: User | None, item: Item, prepared: PreparedWrite) -> None:
    """A change of stage needs leaving the current stage and entering the new one, besides updating."""
    if "stage" not in prepared.changes and "pipeline" not in prepared.changes:
        return
    authorize_item(actor, "move_out", item)
    target_stage = prepared.system.get("stage", item.stage)
    target_pipeline = prepared.system.get("pipeline", item.pipeline)
    authorize_item(
        actor,
        "move_in",
        item,
        stage_id=target_stage.pk if target_stage else None,
        pipeline_id=target_pipeline.pk if target_pipeline else None,
    )


def do_create_item(
    actor: User | None, entity_type: EntityType, values: dict[str, Any], *, converted_from: Item | None = None
) -> Item:
    schema = schema_for(entity_type)
    authorize(actor, "create", None, entity_type)
    authorize_fields(actor, entity_type, values)
    prepared = prepare_write(actor, schema, None, values)
    stage = prepared.system.get("stage")
    pipeline = prepared.system.get("pipeline")
    authorize_create(
        actor,
        entity_type,
        prepared.system.get("responsible"),
        pipeline.pk if pipeline else None,
        stage.pk if stage else None,
    )
    now = timezone.now()
    with transaction.atomic():
        item = Item(entity_type=entity_type, created_by=actor, created_at=now, modified_by=actor, modified_at=now)
        _apply_system(item, prepared.system)
        item.data = prepared.data
        item.converted_from = converted_from
        item.save()
        if converted_from is not None:
            prepared.changes["converted_from"] = (None, converted_from.pk)
        if not item.title:
            item.title = f"{entity_type.name} #{item.pk}"
            Item.objects.filter(pk=item.pk).update(title=item.title)
            prepared.changes["title"] = (None, item.title)
        _sync_links(item, schema, prepared.link_fields)
        sync_item_files(item, schema, prepared.file_fields)
        sync_participants(item, schema, prepared.user_fields)
        event = emit_event(
            "item.created",
            actor=actor,
            entity_type=entity_type.slug,
            item_id=item.pk,
            payload={"changes": {k: v[1] for k, v in prepared.changes.items()}},
        )
        _write_history(item, actor, {"created": (None, item.title)} | prepared.changes, event.pk, now)
    return item


def do_update_item(
    actor: User | None,
    item: Item,
    values: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Item:
    """Change an item (including its pipeline or stage). ``expected_version`` guards lost updates."""
    entity_type = item.entity_type
    schema = schema_for(entity_type)
    with transaction.atomic():
        locked = Item.objects.select_for_update().filter(pk=item.pk).first()
        if locked is None:
            raise NotFound(Problem("id", "not_found", _("No such item.")))
        authorize(actor, "update", locked, entity_type)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                Problem(
                    "version", "version_conflict", _("The item was changed by someone else; reload it and try again.")
                )
            )
        authorize_fields(actor, entity_type, values)
        prepared = prepare_write(actor, schema, locked, values)
        if not prepared.changes:
            return locked
        _authorize_write(actor, locked, prepared)
        old_stage = locked.stage
        old_pipeline = locked.pipeline
        _apply_system(locked, prepared.system)
        locked.data = prepared.data
        now = timezone.now()
        locked.modified_by = actor
        locked.modified_at = now
        locked.version += 1
        locked.save()
        _sync_links(locked, schema, prepared.link_fields)
        sync_item_files(locked, schema, prepared.file_fields)
        sync_participants(locked, schema, prepared.user_fields)
        moved = "stage" in prepared.changes or "pipeline" in prepared.changes
        payload: dict[str, Any] = {"changes": {k: {"old": v[0], "new": v[1]} for k, v in prepared.changes.items()}}
        if moved:
            payload["from"] = {
                "pipeline": getattr(old_pipeline, "slug", None),
                "stage": getattr(old_stage, "slug", None),
            }
            payload["to"] = {
                "pipeline": getattr(locked.pipeline, "slug", None),
                "stage": getattr(locked.stage, "slug", None),
            }
        event = emit_event(
            "item.moved" if moved else "item.updated",
            actor=actor,
            entity_type=entity_type.slug,
            item_id=locked.pk,
            payload=payload,
        )
        _write_history(locked, actor, prepared.changes, event.pk, now)
    return locked


def do_move_item(
    actor: User | None,
    item: Item,
    stage: str | int,
    *,
    pipeline: str | int | None = None,
    values: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Item:
    """Move an item to a stage (optionally of another pipeline), filling fields in the same write."""
    change: dict[str, Any] = dict(values or {})
    change["stage"] = stage
    if pipeline is not None:
        change["pipeline"] = pipeline
    return do_update_item(actor, item, change, expected_version=expected_version)


def do_delete_item(actor: User | None, item: Item) -> None:
    """Delete an item; links that pointed at it are removed from their sources, with history."""
    entity_type = item.entity_type
    with transaction.atomic():
        locked = Item.objects.select_for_update().filter(pk=item.pk).first()
        if locked is None:
            raise NotFound(Problem("id", "not_found", _("No such item.")))
        authorize(actor, "delete", locked, entity_type)
        now = timezone.now()
        slugs_by_source: dict[int, list[str]] = {}
        for source_id, slug in (
            ItemLink.objects.filter(target=locked)
            .exclude(source=locked)
            .order_by("id")
            .values_list("source_id", "field__slug")
        ):
            slugs_by_source.setdefault(source_id, []).append(slug)
        # One locked write per source, even when several of its link fields point here: writing each
        # link from its own copy of the source would let the last copy restore what the first removed.
        sources = Item.objects.select_for_update(of=("self",)).filter(pk__in=list(slugs_by_source)).order_by("pk")
        for source in sources.select_related("entity_type"):
            changes: dict[str, tuple[Any, Any]] = {}
            for slug in slugs_by_source[source.pk]:
                old = source.data.get(slug)
                new: Any = ([v for v in old if v != locked.pk] or None) if isinstance(old, list) else None
                if new is None:
                    source.data.pop(slug, None)
                else:
                    source.data[slug] = new
                changes[slug] = (old, new)
            source.modified_at = now
            source.modified_by = actor
            source.version += 1
            source.save(update_fields=["data", "modified_at", "modified_by", "version"])
            event = emit_event(
                "item.updated",
                actor=actor,
                entity_type=source.entity_type.slug,
                item_id=source.pk,
                payload={
                    "changes": {slug: {"old": old, "new": new} for slug, (old, new) in changes.items()},
                    "reason": "linked_item_deleted",
                },
            )
            _write_history(source, actor, changes, event.pk, now)
        emit_event(
            "item.deleted",
            actor=actor,
            entity_type=entity_type.slug,
            item_id=locked.pk,
            payload={
                "snapshot": {"title": locked.title, "data": locked.data, "stage": getattr(locked.stage, "slug", None)}
            },
        )
        locked.delete()


def get_item(actor: User | None, item_id: int, action: str = "read", entity_type: EntityType | None = None) -> Item:
    """The item if the actor may see it; "not found" for both missing and forbidden (no id probing)."""
    queryset = Item.objects.visible_to(actor, action, entity_type).select_related("entity_type", "pipeline", "stage")
    if entity_type is not None:
        queryset = queryset.filter(entity_type=entity_type)
    item = queryset.filter(pk=item_id).first()
    if item is None:
        raise NotFound(Problem("id", "not_found", _("No item with id %(id)s.") % {"id": item_id}))
    return item
