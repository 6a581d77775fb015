"""Reading a type's configuration (fields, pipelines, stages) as one cached ``TypeSchema``.

Every write and every list needs the schema; loading it is a handful of queries, so it is cached per
process and keyed by ``EntityType.schema_version``, which every configuration change bumps. A stale
process sees the new version on its next read of the type row and reloads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from voronka.common.errors import NotFound, Problem
from voronka.entities.models import EntityType, FieldDefinition, Pipeline, Stage


@dataclass
class TypeSchema:
    entity_type: EntityType
    fields: dict[str, FieldDefinition]
    pipelines: list[Pipeline]
    stages_by_pipeline: dict[int, list[Stage]]
    stages_by_id: dict[int, Stage]
    required_stage_ids: dict[str, set[int]] = field(default_factory=dict)
    required_pipeline_ids: dict[str, set[int]] = field(default_factory=dict)

    @property
    def default_pipeline(self) -> Pipeline | None:
        for pipeline in self.pipelines:
            if pipeline.is_default:
                return pipeline
        return self.pipelines[0] if self.pipelines else None

    def pipeline_by_ref(self, ref: object) -> Pipeline | None:
        for pipeline in self.pipelines:
            if ref in (pipeline.slug, pipeline.pk) or (isinstance(ref, str) and ref.isdigit() and int(ref) == pipeline.pk):
                return pipeline
        return None

    def stage_by_ref(self, pipeline: Pipeline, ref: object) -> Stage | None:
        for stage in self.stages_by_pipeline.get(pipeline.pk, []):
            if ref in (stage.slug, stage.pk) or (isinstance(ref, str) and ref.isdigit() and int(ref) == stage.pk):
                return stage
        return None

    def first_stage(self, pipeline: Pipeline) -> Stage | None:
        stages = self.stages_by_pipeline.get(pipeline.pk, [])
        return stages[0] if stages else None

    def required_fields(self, pipeline_id: int | None, stage_id: int | None) -> set[str]:
        """Slugs of the fields that must be filled for an item standing in this pipeline and stage."""
        required = {slug for slug, fd in self.fields.items() if fd.required}
        if stage_id is not None:
            required |= {slug for slug, ids in self.required_stage_ids.items() if stage_id in ids}
        if pipeline_id is not None:
            required |= {slug for slug, ids in self.required_pipeline_ids.items() if pipeline_id in ids}
        return required


_cache: dict[int, TypeSchema] = {}
_cache_lock = threading.Lock()


def _load(entity_type: EntityType) -> TypeSchema:
    fields = list(
        FieldDefinition.objects.filter(entity_type=entity_type)
        .select_related("link_type")
        .prefetch_related("required_stages", "required_pipelines")
    )
    pipelines = list(Pipeline.objects.filter(entity_type=entity_type).prefetch_related("stages"))
    stages_by_pipeline = {p.pk: list(p.stages.all()) for p in pipelines}
    schema = TypeSchema(
        entity_type=entity_type,
        fields={fd.slug: fd for fd in fields},
        pipelines=pipelines,
        stages_by_pipeline=stages_by_pipeline,
        stages_by_id={s.pk: s for stages in stages_by_pipeline.values() for s in stages},
    )
    for fd in fields:
        stage_ids = {s.pk for s in fd.required_stages.all()}
        pipeline_ids = {p.pk for p in fd.required_pipelines.all()}
        if stage_ids:
            schema.required_stage_ids[fd.slug] = stage_ids
        if pipeline_ids:
            schema.required_pipeline_ids[fd.slug] = pipeline_ids
    return schema


def schema_for(entity_type: EntityType) -> TypeSchema:
    cached = _cache.get(entity_type.pk)
    if cached is not None and cached.entity_type.schema_version == entity_type.schema_version:
        cached.entity_type = entity_type
        return cached
    schema = _load(entity_type)
    with _cache_lock:
        _cache[entity_type.pk] = schema
    return schema


def get_entity_type(slug: str) -> EntityType:
    entity_type = EntityType.objects.filter(slug=slug).first()
    if entity_type is None:
        raise NotFound(Problem("type", "not_found", _("No entity type '%(slug)s'.") % {"slug": slug}))
    return entity_type


def schema_by_slug(slug: str) -> TypeSchema:
    return schema_for(get_entity_type(slug))


def bump_schema_version(entity_type_id: int) -> None:
    EntityType.objects.filter(pk=entity_type_id).update(schema_version=F("schema_version") + 1)
    with _cache_lock:
        _cache.pop(entity_type_id, None)
