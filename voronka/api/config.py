"""Configuration endpoints: entity types, pipelines, stages, fields (writes: administrators)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from voronka.api.base import OBJECT_BODY, acting_user, json_body
from voronka.common.errors import NotFound, Problem
from voronka.entities.models import EntityType, FieldDefinition, Pipeline, Stage
from voronka.entities.schema import SLUG_RE, get_entity_type, schema_for
from voronka.entities.services import schema_admin
from voronka.rights.access import hidden_fields

router = Router(tags=["configuration"])


def type_to_dict(entity_type: EntityType) -> dict[str, Any]:
    return {
        "slug": entity_type.slug,
        "name_ru": entity_type.name_ru,
        "name_en": entity_type.name_en,
        "is_builtin": entity_type.is_builtin,
        "enabled": entity_type.enabled,
        "has_money": entity_type.has_money,
        "has_pipelines": entity_type.has_pipelines,
        "sort": entity_type.sort,
    }


def stage_to_dict(stage: Stage) -> dict[str, Any]:
    return {
        "slug": stage.slug,
        "name_ru": stage.name_ru,
        "name_en": stage.name_en,
        "sort": stage.sort,
        "semantic": stage.semantic,
        "color": stage.color,
        "probability": stage.probability,
    }


def pipeline_to_dict(pipeline: Pipeline, stages: list[Stage]) -> dict[str, Any]:
    return {
        "slug": pipeline.slug,
        "name_ru": pipeline.name_ru,
        "name_en": pipeline.name_en,
        "sort": pipeline.sort,
        "is_default": pipeline.is_default,
        "stages": [stage_to_dict(s) for s in stages],
    }


def field_to_dict(fd: FieldDefinition, schema: Any) -> dict[str, Any]:
    stage_refs = []
    for stage_id in sorted(schema.required_stage_ids.get(fd.slug, set())):
        stage = schema.stages_by_id.get(stage_id)
        if stage is not None:
            pipeline = next(p for p in schema.pipelines if p.pk == stage.pipeline_id)
            stage_refs.append(f"{pipeline.slug}/{stage.slug}")
    pipeline_refs = [p.slug for p in schema.pipelines if p.pk in schema.required_pipeline_ids.get(fd.slug, set())]
    return {
        "slug": fd.slug,
        "name_ru": fd.name_ru,
        "name_en": fd.name_en,
        "field_type": fd.field_type,
        "required": fd.required,
        "required_stages": stage_refs,
        "required_pipelines": pipeline_refs,
        "multiple": fd.multiple,
        "options": fd.options if fd.field_type in {"list", "multilist"} else [],
        "default": fd.default,
        "link_type": fd.link_type.slug if fd.link_type else None,
        "filterable": fd.filterable,
        "max_length": fd.max_length,
        "is_system": fd.is_system,
        "section": fd.section,
        "sort": fd.sort,
    }


def _pipeline(entity_type: EntityType, slug: str) -> Pipeline:
    # A path may carry anything (NUL included); only a well-formed slug is looked up.
    pipeline = Pipeline.objects.filter(entity_type=entity_type, slug=slug).first() if SLUG_RE.fullmatch(slug) else None
    if pipeline is None:
        raise NotFound(Problem("pipeline", "not_found", _("No pipeline '%(slug)s'.") % {"slug": slug}))
    return pipeline


def _stage(pipeline: Pipeline, slug: str) -> Stage:
    stages = Stage.objects.filter(pipeline=pipeline, slug=slug).select_related("pipeline__entity_type")
    stage = stages.first() if SLUG_RE.fullmatch(slug) else None
    if stage is None:
        raise NotFound(Problem("stage", "not_found", _("No stage '%(slug)s'.") % {"slug": slug}))
    return stage


def _field(entity_type: EntityType, slug: str) -> FieldDefinition:
    fields = FieldDefinition.objects.filter(entity_type=entity_type, slug=slug).select_related("entity_type")
    fd = fields.first() if SLUG_RE.fullmatch(slug) else None
    if fd is None:
        raise NotFound(Problem("field", "not_found", _("No field '%(slug)s'.") % {"slug": slug}))
    return fd


@router.get("/types", summary="Entity types")
def list_types(request: HttpRequest) -> dict[str, Any]:
    return {"items": [type_to_dict(t) for t in EntityType.objects.all()], "next_cursor": None}


@router.post("/types", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create an entity type")
def create_type(request: HttpRequest) -> Status[dict[str, Any]]:
    entity_type = schema_admin.do_create_entity_type(acting_user(request), json_body(request))
    return Status(201, type_to_dict(entity_type))


@router.get("/types/{type_slug}", summary="An entity type with its pipelines and fields")
def get_type(request: HttpRequest, type_slug: str) -> dict[str, Any]:
    schema = schema_for(get_entity_type(type_slug))
    return type_to_dict(schema.entity_type) | {
        "pipelines": [pipeline_to_dict(p, schema.stages_by_pipeline.get(p.pk, [])) for p in schema.pipelines],
        "fields": _visible_fields(request, schema),
    }


@router.patch("/types/{type_slug}", openapi_extra=OBJECT_BODY, summary="Change an entity type")
def update_type(request: HttpRequest, type_slug: str) -> dict[str, Any]:
    entity_type = schema_admin.do_update_entity_type(
        acting_user(request), get_entity_type(type_slug), json_body(request)
    )
    return type_to_dict(entity_type)


@router.delete("/types/{type_slug}", response={204: None}, summary="Delete an empty user-defined type")
def delete_type(request: HttpRequest, type_slug: str) -> Status[None]:
    schema_admin.do_delete_entity_type(acting_user(request), get_entity_type(type_slug))
    return Status(204, None)


@router.get("/types/{type_slug}/pipelines", summary="Pipelines with their stages")
def list_pipelines(request: HttpRequest, type_slug: str) -> dict[str, Any]:
    schema = schema_for(get_entity_type(type_slug))
    return {
        "items": [pipeline_to_dict(p, schema.stages_by_pipeline.get(p.pk, [])) for p in schema.pipelines],
        "next_cursor": None,
    }


@router.post(
    "/types/{type_slug}/pipelines", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a pipeline"
)
def create_pipeline(request: HttpRequest, type_slug: str) -> Status[dict[str, Any]]:
    pipeline = schema_admin.do_create_pipeline(acting_user(request), get_entity_type(type_slug), json_body(request))
    return Status(201, pipeline_to_dict(pipeline, list(pipeline.stages.all())))


@router.patch("/types/{type_slug}/pipelines/{pipeline_slug}", openapi_extra=OBJECT_BODY, summary="Change a pipeline")
def update_pipeline(request: HttpRequest, type_slug: str, pipeline_slug: str) -> dict[str, Any]:
    pipeline = _pipeline(get_entity_type(type_slug), pipeline_slug)
    pipeline = schema_admin.do_update_pipeline(acting_user(request), pipeline, json_body(request))
    return pipeline_to_dict(pipeline, list(pipeline.stages.all()))


@router.delete("/types/{type_slug}/pipelines/{pipeline_slug}", response={204: None}, summary="Delete an empty pipeline")
def delete_pipeline(request: HttpRequest, type_slug: str, pipeline_slug: str) -> Status[None]:
    schema_admin.do_delete_pipeline(acting_user(request), _pipeline(get_entity_type(type_slug), pipeline_slug))
    return Status(204, None)


@router.post(
    "/types/{type_slug}/pipelines/{pipeline_slug}/stages",
    openapi_extra=OBJECT_BODY,
    response={201: dict},
    summary="Create a stage",
)
def create_stage(request: HttpRequest, type_slug: str, pipeline_slug: str) -> Status[dict[str, Any]]:
    pipeline = _pipeline(get_entity_type(type_slug), pipeline_slug)
    return Status(201, stage_to_dict(schema_admin.do_create_stage(acting_user(request), pipeline, json_body(request))))


@router.patch(
    "/types/{type_slug}/pipelines/{pipeline_slug}/stages/{stage_slug}",
    openapi_extra=OBJECT_BODY,
    summary="Change a stage",
)
def update_stage(request: HttpRequest, type_slug: str, pipeline_slug: str, stage_slug: str) -> dict[str, Any]:
    stage = _stage(_pipeline(get_entity_type(type_slug), pipeline_slug), stage_slug)
    return stage_to_dict(schema_admin.do_update_stage(acting_user(request), stage, json_body(request)))


@router.delete(
    "/types/{type_slug}/pipelines/{pipeline_slug}/stages/{stage_slug}",
    response={204: None},
    summary="Delete an empty stage",
)
def delete_stage(request: HttpRequest, type_slug: str, pipeline_slug: str, stage_slug: str) -> Status[None]:
    stage = _stage(_pipeline(get_entity_type(type_slug), pipeline_slug), stage_slug)
    schema_admin.do_delete_stage(acting_user(request), stage)
    return Status(204, None)


@router.get("/types/{type_slug}/fields", summary="Custom fields of a type")
def list_fields(request: HttpRequest, type_slug: str) -> dict[str, Any]:
    schema = schema_for(get_entity_type(type_slug))
    return {"items": _visible_fields(request, schema), "next_cursor": None}


def _visible_fields(request: HttpRequest, schema: Any) -> list[dict[str, Any]]:
    """The type's fields, without those hidden from the caller: to them such a field does not exist."""
    hidden = hidden_fields(acting_user(request), schema.entity_type)
    return [field_to_dict(fd, schema) for slug, fd in schema.fields.items() if slug not in hidden]


@router.post("/types/{type_slug}/fields", openapi_extra=OBJECT_BODY, response={201: dict}, summary="Create a field")
def create_field(request: HttpRequest, type_slug: str) -> Status[dict[str, Any]]:
    entity_type = get_entity_type(type_slug)
    fd = schema_admin.do_create_field(acting_user(request), entity_type, json_body(request))
    return Status(201, field_to_dict(fd, schema_for(get_entity_type(type_slug))))


@router.patch("/types/{type_slug}/fields/{field_slug}", openapi_extra=OBJECT_BODY, summary="Change a field")
def update_field(request: HttpRequest, type_slug: str, field_slug: str) -> dict[str, Any]:
    entity_type = get_entity_type(type_slug)
    fd = schema_admin.do_update_field(acting_user(request), _field(entity_type, field_slug), json_body(request))
    return field_to_dict(fd, schema_for(get_entity_type(type_slug)))


@router.delete("/types/{type_slug}/fields/{field_slug}", response={204: None}, summary="Delete a field")
def delete_field(request: HttpRequest, type_slug: str, field_slug: str) -> Status[None]:
    schema_admin.do_delete_field(acting_user(request), _field(get_entity_type(type_slug), field_slug))
    return Status(204, None)
