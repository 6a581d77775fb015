"""Reading a type's configuration (fields, pipelines, stages) as one cached ``TypeSchema``.

Every write and every list needs the schema; loading it is a handful of queries, so it is cached per
process and keyed by ``EntityType.schema_version``, which every configuration change bumps. A stale
process sees the new version on its next read of the type row and reloads.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from voronka.common.errors import NotFound, Problem
from voronka.entities.models import EntityType, FieldDefinition, Pipeline, Stage

ID_RE = re.compile(r"[0-9]{1,19}")
SLUG_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _ref_id(ref: object) -> int | None:
    """The id a client's reference spells (42 or "42"); None for a slug or anything else (true is not 1)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    if isinstance(ref, str) and ID_RE.fullmatch(ref):
        return int(ref)
    return None


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
        ref_id = _ref_id(ref)
        for pipeline in self.pipelines:
            if ref == pipeline.slug or ref_id == pipeline.pk:
                return pipeline
        return None

    def stage_by_ref(self, pipeline: Pipeline, ref: object) -> Stage | None:
        ref_id = _ref_id(ref)
        for stage in self.stages_by_pipeline.get(pipeline.pk, []):
            if ref == stage.slug or ref_id == stage.pk:
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
    # The cache is keyed by the version in the database, read before the rows: the caller's object may
    # be older than a change made earlier in this very transaction, and keying fresh rows by its old
    # version would serve them again after that transaction rolls back.
    current = EntityType.objects.filter(pk=entity_type.pk).first() or entity_type
    fields = list(
        FieldDefinition.objects.filter(entity_type=entity_type)
        .select_related("link_type")
        .prefetch_related("required_stages", "required_pipelines")
    )
    pipelines = list(Pipeline.objects.filter(entity_type=entity_type).prefetch_related("stages"))
    stages_by_pipeline = {p.pk: list(p.stages.all()) for p in pipelines}
    schema = TypeSchema(
        entity_type=current,
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
    # Only a well-formed slug reaches the database: a path may carry anything, NUL included.
    entity_type = EntityType.objects.filter(slug=slug).first() if SLUG_RE.fullmatch(slug) else None
    if entity_type is None:
        raise NotFound(Problem("type", "not_found", _("No entity type '%(slug)s'.") % {"slug": slug}))
    return entity_type


def schema_by_slug(slug: str) -> TypeSchema:
    return schema_for(get_entity_type(slug))


def bump_schema_version(entity_type_id: int) -> None:
    EntityType.objects.filter(pk=entity_type_id).update(schema_version=F("schema_version") + 1)
    forget_schema(entity_type_id)


def forget_schema(entity_type_id: int) -> None:
    """Drop the cached schema of a type id. A new type starts at version 1 and, on SQLite, may reuse the
    id of a type whose creation was rolled back after its schema was cached: the version alone cannot
    tell the two apart."""
    with _cache_lock:
        _cache.pop(entity_type_id, None)
