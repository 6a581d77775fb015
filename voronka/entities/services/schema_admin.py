"""Write paths for configuration: entity types, pipelines, stages and field definitions.

Only administrators change configuration. Every change bumps the type's ``schema_version`` so cached
schemas reload, and filterable fields get (or lose) their expression index here.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User
from voronka.accounts.services import require_administrator
from voronka.common.errors import Conflict, Problem, ProblemCollector, ValidationFailed
from voronka.entities.models import EntityType, FieldDefinition, FieldType, Item, Pipeline, Stage
from voronka.entities.schema import bump_schema_version, forget_schema, schema_for
from voronka.entities.services.items import READ_ONLY_FIELDS, WRITABLE_SYSTEM_FIELDS
from voronka.entities.sql import filterable_index_sql
from voronka.events.outbox import emit_event

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Names the list API uses as query parameters, so a field slug can never shadow them.
RESERVED_SLUGS = frozenset({"fields", "sort", "cursor", "limit", "q", "search", "type", "version", "data"})
# Names items are answered with besides the system fields: a custom field must not hide them.
OUTPUT_SLUGS = frozenset({"converted_from"})


def _clean_labelled(values: dict[str, Any], errors: ProblemCollector, *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if creating or "slug" in values:
        slug = values.get("slug")
        if not creating:
            errors.add("slug", "read_only", _("A slug cannot change: configuration and integrations refer to it."))
        elif not isinstance(slug, str) or not SLUG_RE.match(slug):
            errors.add(
                "slug", "invalid_slug", _("Use 1-63 lowercase Latin letters, digits and _, starting with a letter.")
            )
        else:
            clean["slug"] = slug
    if creating or "name_ru" in values or "name" in values:
        name = values.get("name_ru", values.get("name"))
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.add("name_ru", "required", _("Enter a name of at most 200 characters."))
        else:
            clean["name_ru"] = name.strip()
    if "name_en" in values:
        name_en = values["name_en"] or ""
        if not isinstance(name_en, str) or len(name_en) > 200:
            errors.add("name_en", "invalid", _("Must be text of at most 200 characters."))
        else:
            clean["name_en"] = name_en.strip()
    if "sort" in values:
        sort = values["sort"]
        if isinstance(sort, bool) or not isinstance(sort, int) or abs(sort) > 1_000_000:
            errors.add("sort", "wrong_type", _("Must be a whole number."))
        else:
            clean["sort"] = sort
    return clean


def _clean_flags(values: dict[str, Any], names: tuple[str, ...], errors: ProblemCollector) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in names:
        if name in values:
            if not isinstance(values[name], bool):
                errors.add(name, "wrong_type", _("Must be true or false."))
            else:
                clean[name] = values[name]
    return clean


def _refuse_unknown(values: dict[str, Any], allowed: set[str], errors: ProblemCollector) -> None:
    for key in values:
        if key not in allowed:
            protected = {"id", "is_builtin", "is_system", "schema_version", "entity_type", "pipeline"}
            code = "read_only" if key in protected else "unknown_field"
            errors.add(key, code, _("This field cannot be set here."))


# ----------------------------------------------------------------------------------------------
# Entity types
# ----------------------------------------------------------------------------------------------

TYPE_FIELDS = {"slug", "name", "name_ru", "name_en", "sort", "enabled", "has_money", "has_pipelines"}


def do_create_entity_type(actor: User | None, values: dict[str, Any]) -> EntityType:
    require_administrator(actor)
    errors = ProblemCollector()
    _refuse_unknown(values, TYPE_FIELDS, errors)
    clean = _clean_labelled(values, errors, creating=True)
    clean |= _clean_flags(values, ("enabled", "has_money", "has_pipelines"), errors)
    if "slug" in clean and EntityType.objects.filter(slug=clean["slug"]).exists():
        errors.add("slug", "taken", _("A type with this slug exists."))
    errors.raise_if_any()
    with transaction.atomic():
        entity_type = EntityType.objects.create(**clean)
        forget_schema(entity_type.pk)
        if entity_type.has_pipelines:
            pipeline = Pipeline.objects.create(
                entity_type=entity_type, slug="default", name_ru="Основное", name_en="Default", is_default=True
            )
            create_stages(pipeline, DEFAULT_STAGES)
        emit_event("config.type_created", actor=actor, entity_type=entity_type.slug, payload={"slug": entity_type.slug})
    return entity_type


StageSpec = tuple[str, str, str, str, str, int]  # slug, name_ru, name_en, semantic, colour, probability


def create_stages(pipeline: Pipeline, specs: list[StageSpec]) -> None:
    """Stages in the given order, ten sort points apart so a stage can later be put between two."""
    Stage.objects.bulk_create(
        [
            Stage(
                pipeline=pipeline,
                slug=slug,
                name_ru=ru,
                name_en=en,
                semantic=semantic,
                color=color,
                probability=probability,
                sort=index * 10,
            )
            for index, (slug, ru, en, semantic, color, probability) in enumerate(specs, start=1)
        ]
    )


DEFAULT_STAGES: list[StageSpec] = [
    ("new", "Новый", "New", "process", "#39A8EF", 10),
    ("in_work", "В работе", "In progress", "process", "#FFA900", 50),
    ("done", "Завершён", "Done", "success", "#7BD500", 100),
    ("cancelled", "Отменён", "Cancelled", "failure", "#FF5752", 0),
]


def do_update_entity_type(actor: User | None, entity_type: EntityType, values: dict[str, Any]) -> EntityType:
    require_administrator(actor)
    errors = ProblemCollector()
    _refuse_unknown(values, TYPE_FIELDS, errors)
    clean = _clean_labelled(values, errors, creating=False)
    clean |= _clean_flags(values, ("enabled", "has_money", "has_pipelines"), errors)
    if "has_pipelines" in clean and clean["has_pipelines"] != entity_type.has_pipelines and entity_type.items.exists():
        errors.add("has_pipelines", "type_in_use", _("Items exist; pipelines cannot be switched on or off now."))
    errors.raise_if_any()
    with transaction.atomic():
        for key, value in clean.items():
            setattr(entity_type, key, value)
        entity_type.save()
        bump_schema_version(entity_type.pk)
        emit_event("config.type_updated", actor=actor, entity_type=entity_type.slug, payload={"changed": sorted(clean)})
    entity_type.refresh_from_db()
    return entity_type


def do_delete_entity_type(actor: User | None, entity_type: EntityType) -> None:
    require_administrator(actor)
    if entity_type.is_builtin:
        raise ValidationFailed(Problem("type", "builtin", _("Built-in types can be switched off but not deleted.")))
    if entity_type.items.exists():
        raise Conflict(Problem("type", "type_in_use", _("Delete or move the items of this type first.")))
    if FieldDefinition.objects.filter(link_type=entity_type).exists():
        raise Conflict(Problem("type", "type_linked", _("Fields of other types link to this type; delete them first.")))
    with transaction.atomic():
        for fd in entity_type.fields.filter(filterable=True):
            _drop_index(fd)
        emit_event("config.type_deleted", actor=actor, entity_type=entity_type.slug, payload={"slug": entity_type.slug})
        forget_schema(entity_type.pk)
        entity_type.delete()


# ----------------------------------------------------------------------------------------------
# Pipelines and stages
# ----------------------------------------------------------------------------------------------

PIPELINE_FIELDS = {"slug", "name", "name_ru", "name_en", "sort", "is_default"}
STAGE_FIELDS = {"slug", "name", "name_ru", "name_en", "sort", "semantic", "color", "probability"}


def do_create_pipeline(actor: User | None, entity_type: EntityType, values: dict[str, Any]) -> Pipeline:
    require_administrator(actor)
    errors = ProblemCollector()
    if not entity_type.has_pipelines:
        errors.add("type", "no_pipelines", _("This type has no pipelines."))
    _refuse_unknown(values, PIPELINE_FIELDS | {"stages"}, errors)
    clean = _clean_labelled(values, errors, creating=True)
    clean |= _clean_flags(values, ("is_default",), errors)
    if "slug" in clean and Pipeline.objects.filter(entity_type=entity_type, slug=clean["slug"]).exists():
        errors.add("slug", "taken", _("A pipeline with this slug exists in this type."))
    stages = values.get("stages")
    stage_values: list[dict[str, Any]] = []
    if stages is not None:
        if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
            errors.add("stages", "wrong_type", _("Must be a list of stages."))
        else:
            for index, stage in enumerate(stages):
                stage_errors = ProblemCollector()
                cleaned = _clean_stage(stage, stage_errors, creating=True)
                for problem in stage_errors.problems:
                    errors.add(f"stages[{index}].{problem.field}", problem.code, problem.message)
                stage_values.append(cleaned)
            slugs = [s.get("slug") for s in stage_values]
            if len(set(slugs)) != len(slugs):
                errors.add("stages", "duplicate_slug", _("Stage slugs must be unique in a pipeline."))
    errors.raise_if_any()
    with transaction.atomic():
        first = not entity_type.pipelines.exists()
        if clean.get("is_default") or first:
            entity_type.pipelines.update(is_default=False)
            clean["is_default"] = True
        if "sort" not in clean:
            clean["sort"] = (entity_type.pipelines.aggregate(m=Max("sort"))["m"] or 0) + 10
        pipeline = Pipeline.objects.create(entity_type=entity_type, **clean)
        if stage_values:
            for sort, stage in enumerate(stage_values, start=1):
                stage.setdefault("sort", sort * 10)
                Stage.objects.create(pipeline=pipeline, **stage)
        else:
            create_stages(pipeline, DEFAULT_STAGES)
        bump_schema_version(entity_type.pk)
        emit_event(
            "config.pipeline_created", actor=actor, entity_type=entity_type.slug, payload={"pipeline": pipeline.slug}
        )
    return pipeline


def do_update_pipeline(actor: User | None, pipeline: Pipeline, values: dict[str, Any]) -> Pipeline:
    require_administrator(actor)
    errors = ProblemCollector()
    _refuse_unknown(values, PIPELINE_FIELDS, errors)
    clean = _clean_labelled(values, errors, creating=False)
    clean |= _clean_flags(values, ("is_default",), errors)
    if clean.get("is_default") is False and pipeline.is_default:
        errors.add("is_default", "need_default", _("Make another pipeline the default instead."))
    errors.raise_if_any()
    with transaction.atomic():
        if clean.get("is_default"):
            Pipeline.objects.filter(entity_type_id=pipeline.entity_type_id).update(is_default=False)
        for key, value in clean.items():
            setattr(pipeline, key, value)
        pipeline.save()
        bump_schema_version(pipeline.entity_type_id)
        emit_event(
            "config.pipeline_updated",
            actor=actor,
            entity_type=pipeline.entity_type.slug,
            payload={"pipeline": pipeline.slug},
        )
    return pipeline


def do_delete_pipeline(actor: User | None, pipeline: Pipeline) -> None:
    require_administrator(actor)
    if Item.objects.filter(entity_type_id=pipeline.entity_type_id, pipeline=pipeline).exists():
        raise Conflict(Problem("pipeline", "pipeline_in_use", _("Move the items out of this pipeline first.")))
    if pipeline.is_default:
        raise ValidationFailed(Problem("pipeline", "default_pipeline", _("Make another pipeline the default first.")))
    with transaction.atomic():
        entity_type = pipeline.entity_type
        emit_event(
            "config.pipeline_deleted", actor=actor, entity_type=entity_type.slug, payload={"pipeline": pipeline.slug}
        )
        pipeline.delete()
        bump_schema_version(entity_type.pk)


def _clean_stage(values: dict[str, Any], errors: ProblemCollector, *, creating: bool) -> dict[str, Any]:
    _refuse_unknown(values, STAGE_FIELDS, errors)
    clean = _clean_labelled(values, errors, creating=creating)
    if "semantic" in values:
        if values["semantic"] not in Stage.Semantic.values:
            errors.add("semantic", "invalid_choice", _("Choose process, success or failure."))
        else:
            clean["semantic"] = values["semantic"]
    if "color" in values:
        if not isinstance(values["color"], str) or not COLOR_RE.match(values["color"]):
            errors.add("color", "invalid_color", _("Use a colour like #3A7BD5."))
        else:
            clean["color"] = values["color"].upper()
    if "probability" in values:
        probability = values["probability"]
        if isinstance(probability, bool) or not isinstance(probability, int) or not 0 <= probability <= 100:
            errors.add("probability", "out_of_range", _("A whole percent from 0 to 100."))
        else:
            clean["probability"] = probability
    return clean


def do_create_stage(actor: User | None, pipeline: Pipeline, values: dict[str, Any]) -> Stage:
    require_administrator(actor)
    errors = ProblemCollector()
    clean = _clean_stage(values, errors, creating=True)
    if "slug" in clean and Stage.objects.filter(pipeline=pipeline, slug=clean["slug"]).exists():
        errors.add("slug", "taken", _("A stage with this slug exists in this pipeline."))
    errors.raise_if_any()
    with transaction.atomic():
        if "sort" not in clean:
            # New stages go before the closing ones, where people expect a new working step.
            last_open = pipeline.stages.filter(semantic=Stage.Semantic.PROCESS).aggregate(m=Max("sort"))["m"]
            clean["sort"] = (last_open or 0) + 5
        stage = Stage.objects.create(pipeline=pipeline, **clean)
        bump_schema_version(pipeline.entity_type_id)
        emit_event(
            "config.stage_created",
            actor=actor,
            entity_type=pipeline.entity_type.slug,
            payload={"pipeline": pipeline.slug, "stage": stage.slug},
        )
    return stage


def do_update_stage(actor: User | None, stage: Stage, values: dict[str, Any]) -> Stage:
    require_administrator(actor)
    errors = ProblemCollector()
    clean = _clean_stage(values, errors, creating=False)
    errors.raise_if_any()
    with transaction.atomic():
        semantic_changed = "semantic" in clean and clean["semantic"] != stage.semantic
        for key, value in clean.items():
            setattr(stage, key, value)
        stage.save()
        if semantic_changed:
            Item.objects.filter(entity_type_id=stage.pipeline.entity_type_id, stage=stage).update(
                closed=stage.is_closed
            )
        bump_schema_version(stage.pipeline.entity_type_id)
        emit_event(
            "config.stage_updated",
            actor=actor,
            entity_type=stage.pipeline.entity_type.slug,
            payload={"stage": stage.slug},
        )
    return stage


def do_delete_stage(actor: User | None, stage: Stage) -> None:
    require_administrator(actor)
    entity_type_id = stage.pipeline.entity_type_id
    if Item.objects.filter(entity_type_id=entity_type_id, stage=stage).exists():
        raise Conflict(Problem("stage", "stage_in_use", _("Move the items out of this stage first.")))
    if stage.pipeline.stages.count() <= 1:
        raise ValidationFailed(Problem("stage", "last_stage", _("A pipeline needs at least one stage.")))
    with transaction.atomic():
        emit_event(
            "config.stage_deleted",
            actor=actor,
            entity_type=stage.pipeline.entity_type.slug,
            payload={"stage": stage.slug},
        )
        stage.delete()
        bump_schema_version(entity_type_id)


# ----------------------------------------------------------------------------------------------
# Field definitions
# ----------------------------------------------------------------------------------------------

FIELD_FIELDS = {
    "slug",
    "name",
    "name_ru",
    "name_en",
    "sort",
    "field_type",
    "required",
    "required_stages",
    "required_pipelines",
    "multiple",
    "options",
    "default",
    "link_type",
    "filterable",
    "max_length",
    "section",
}
FILTERABLE_TYPES = {
    FieldType.STRING,
    FieldType.NUMBER,
    FieldType.MONEY,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.BOOLEAN,
    FieldType.LIST,
    FieldType.USER,
    FieldType.LINK,
    FieldType.PHONE,
    FieldType.EMAIL,
}


def _clean_field(
    entity_type: EntityType, values: dict[str, Any], errors: ProblemCollector, existing: FieldDefinition | None
) -> tuple[dict[str, Any], list[Stage] | None, list[Pipeline] | None]:
    _refuse_unknown(values, FIELD_FIELDS, errors)
    clean = _clean_labelled(values, errors, creating=existing is None)
    slug = clean.get("slug")
    if slug is not None:
        if "__" in slug:  # list filters read "name__op": a double underscore would make the field unfilterable
            errors.add("slug", "invalid_slug", _("A field slug cannot contain a double underscore (__)."))
        elif (
            slug in WRITABLE_SYSTEM_FIELDS or slug in READ_ONLY_FIELDS or slug in RESERVED_SLUGS or slug in OUTPUT_SLUGS
        ):
            errors.add("slug", "reserved", _("'%(slug)s' is a system name; choose another slug.") % {"slug": slug})
        elif FieldDefinition.objects.filter(entity_type=entity_type, slug=slug).exists():
            errors.add("slug", "taken", _("A field with this slug exists in this type."))
    if existing is None or "field_type" in values:
        if existing is not None:
            errors.add("field_type", "read_only", _("The type of a field cannot change; create a new field."))
        elif values.get("field_type") not in FieldType.values:
            errors.add(
                "field_type", "invalid_choice", _("Choose one of: %(types)s.") % {"types": ", ".join(FieldType.values)}
            )
        else:
            clean["field_type"] = values["field_type"]
    field_type = clean.get("field_type", getattr(existing, "field_type", None))
    clean |= _clean_flags(values, ("required", "multiple", "filterable"), errors)
    if "section" in values:
        if not isinstance(values["section"], str) or len(values["section"]) > 100:
            errors.add("section", "invalid", _("Must be text of at most 100 characters."))
        else:
            clean["section"] = values["section"]
    if "max_length" in values and values["max_length"] is not None:
        max_length = values["max_length"]
        if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= 100_000:
            errors.add("max_length", "out_of_range", _("A whole number from 1 to 100000."))
        else:
            clean["max_length"] = max_length
    if "options" in values or (existing is None and field_type in {FieldType.LIST, FieldType.MULTILIST}):
        options = values.get("options")
        if field_type not in {FieldType.LIST, FieldType.MULTILIST}:
            if options:
                errors.add("options", "not_a_list_field", _("Only list fields have options."))
        elif not isinstance(options, list) or not options:
            errors.add("options", "required", _("A list field needs options: [{key, label_ru, label_en}]."))
        else:
            seen: set[str] = set()
            normalised = []
            for index, option in enumerate(options):
                if isinstance(option, str):
                    option = {"key": option, "label_ru": option}
                key = option.get("key") if isinstance(option, dict) else None
                if (
                    not isinstance(key, str | int)
                    or isinstance(key, bool)
                    or not str(key).strip()
                    or len(str(key)) > 64
                ):
                    errors.add(
                        f"options[{index}].key", "invalid", _("Each option needs a key of at most 64 characters.")
                    )
                    continue
                if str(key) in seen:
                    errors.add(f"options[{index}].key", "duplicate", _("Option keys must be unique."))
                seen.add(str(key))
                label_ru = option.get("label_ru") or option.get("label") or str(key)
                label_en = option.get("label_en") or ""
                if (
                    not isinstance(label_ru, str)
                    or not isinstance(label_en, str)
                    or len(label_ru) > 200
                    or len(label_en) > 200
                ):
                    errors.add(f"options[{index}].label_ru", "invalid", _("Labels are text of at most 200 characters."))
                    continue
                normalised.append({"key": str(key), "label_ru": label_ru, "label_en": label_en})
            clean["options"] = normalised
    if field_type == FieldType.LINK:
        if existing is None or "link_type" in values:
            link_type = values.get("link_type")
            valid = isinstance(link_type, str) and SLUG_RE.match(link_type) is not None
            target = EntityType.objects.filter(slug=link_type).first() if valid else None
            if target is None:
                errors.add("link_type", "required", _("Name the entity type this field links to (its slug)."))
            else:
                clean["link_type"] = target
    elif values.get("link_type"):
        errors.add("link_type", "not_a_link_field", _("Only link fields have a link type."))
    if clean.get("filterable") and field_type not in FILTERABLE_TYPES:
        errors.add("filterable", "not_filterable", _("Fields of this type cannot be filterable."))
    if clean.get("filterable") and (
        clean.get("multiple") or (existing and existing.multiple and "multiple" not in clean)
    ):
        errors.add("filterable", "not_filterable", _("Multiple-value fields cannot be filterable."))
    if (
        existing is not None
        and "multiple" in clean
        and clean["multiple"] != existing.multiple
        and Item.objects.filter(entity_type=entity_type, data__has_key=existing.slug).exists()
    ):
        errors.add("multiple", "field_in_use", _("Items hold values of this field; create a new field instead."))
    stages = pipelines = None
    schema = schema_for(entity_type)
    if "required_stages" in values:
        stages = []
        refs = values["required_stages"] or []
        if not isinstance(refs, list):
            errors.add("required_stages", "wrong_type", _('Must be a list of "pipeline/stage" slugs.'))
        else:
            for ref in refs:
                pipeline_slug, _sep, stage_slug = str(ref).partition("/")
                pipeline = schema.pipeline_by_ref(pipeline_slug)
                stage = schema.stage_by_ref(pipeline, stage_slug) if pipeline else None
                if stage is None:
                    errors.add(
                        "required_stages", "not_found", _("No stage '%(ref)s' (write pipeline/stage).") % {"ref": ref}
                    )
                else:
                    stages.append(stage)
    if "required_pipelines" in values:
        pipelines = []
        refs = values["required_pipelines"] or []
        if not isinstance(refs, list):
            errors.add("required_pipelines", "wrong_type", _("Must be a list of pipeline slugs."))
        else:
            for ref in refs:
                found = schema.pipeline_by_ref(ref)
                if found is None:
                    errors.add("required_pipelines", "not_found", _("No pipeline '%(ref)s'.") % {"ref": ref})
                else:
                    pipelines.append(found)
    return clean, stages, pipelines


def _validate_default(fd: FieldDefinition, errors: ProblemCollector) -> None:
    from zoneinfo import ZoneInfo

    from voronka.entities.fieldtypes import CleanContext, Invalid, References, clean_value

    if fd.default is None:
        return
    try:
        fd.default = clean_value(fd.default, fd, References(), CleanContext(time_zone=ZoneInfo("UTC")))
    except Invalid as exc:
        errors.add("default", exc.code, exc.message)


def do_create_field(actor: User | None, entity_type: EntityType, values: dict[str, Any]) -> FieldDefinition:
    require_administrator(actor)
    errors = ProblemCollector()
    clean, stages, pipelines = _clean_field(entity_type, values, errors, None)
    fd = FieldDefinition(entity_type=entity_type, **clean)
    if "default" in values:
        fd.default = values["default"]
        if not errors:
            _validate_default(fd, errors)
    errors.raise_if_any()
    with transaction.atomic():
        if "sort" not in clean:
            fd.sort = (entity_type.fields.aggregate(m=Max("sort"))["m"] or 0) + 10
        fd.save()
        if stages is not None:
            fd.required_stages.set(stages)
        if pipelines is not None:
            fd.required_pipelines.set(pipelines)
        if fd.filterable:
            _build_index(fd)
        bump_schema_version(entity_type.pk)
        emit_event("config.field_created", actor=actor, entity_type=entity_type.slug, payload={"field": fd.slug})
    return fd


def do_update_field(actor: User | None, fd: FieldDefinition, values: dict[str, Any]) -> FieldDefinition:
    require_administrator(actor)
    errors = ProblemCollector()
    clean, stages, pipelines = _clean_field(fd.entity_type, values, errors, fd)
    was_filterable = fd.filterable
    for key, value in clean.items():
        setattr(fd, key, value)
    if "default" in values:
        fd.default = values["default"]
        if not errors:
            _validate_default(fd, errors)
    errors.raise_if_any()
    with transaction.atomic():
        fd.save()
        if stages is not None:
            fd.required_stages.set(stages)
        if pipelines is not None:
            fd.required_pipelines.set(pipelines)
        if fd.filterable and not was_filterable:
            _build_index(fd)
        elif was_filterable and not fd.filterable:
            _drop_index(fd)
        bump_schema_version(fd.entity_type_id)
        emit_event("config.field_updated", actor=actor, entity_type=fd.entity_type.slug, payload={"field": fd.slug})
    return fd


def do_delete_field(actor: User | None, fd: FieldDefinition) -> None:
    """Delete a field definition. Stored values stay in the JSON but are no longer shown or accepted."""
    require_administrator(actor)
    if fd.is_system:
        raise ValidationFailed(Problem("field", "system_field", _("Built-in fields cannot be deleted.")))
    with transaction.atomic():
        if fd.filterable:
            _drop_index(fd)
        emit_event("config.field_deleted", actor=actor, entity_type=fd.entity_type.slug, payload={"field": fd.slug})
        entity_type_id = fd.entity_type_id
        fd.delete()
        bump_schema_version(entity_type_id)


def _build_index(fd: FieldDefinition) -> None:
    with connection.cursor() as cursor:
        cursor.execute(filterable_index_sql(fd, connection.vendor))


def _drop_index(fd: FieldDefinition) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {fd.index_name}")
