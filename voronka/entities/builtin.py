"""The built-in entity types (lead, deal, contact, company), created once after migrations.

They are ordinary rows: integrators rename them, add fields and pipelines, and may switch leads off.
Creating them is idempotent, so a later release can add a built-in field without a data migration.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from voronka.entities.models import EntityType, FieldDefinition, Pipeline

TYPES: list[dict[str, Any]] = [
    {"slug": "lead", "name_ru": "Лид", "name_en": "Lead", "has_money": True, "sort": 10},
    {"slug": "deal", "name_ru": "Сделка", "name_en": "Deal", "has_money": True, "sort": 20},
    {
        "slug": "contact",
        "name_ru": "Контакт",
        "name_en": "Contact",
        "has_money": False,
        "has_pipelines": False,
        "sort": 30,
    },
    {
        "slug": "company",
        "name_ru": "Компания",
        "name_en": "Company",
        "has_money": False,
        "has_pipelines": False,
        "sort": 40,
    },
]

STAGES: dict[str, list[tuple[str, str, str, str, str, int]]] = {
    "lead": [
        ("new", "Новый", "New", "process", "#39A8EF", 10),
        ("in_work", "В работе", "In progress", "process", "#2FC6F6", 30),
        ("qualified", "Квалифицирован", "Qualified", "process", "#55D0E0", 60),
        ("converted", "Конвертирован", "Converted", "success", "#7BD500", 100),
        ("junk", "Некачественный", "Junk", "failure", "#FF5752", 0),
    ],
    "deal": [
        ("new", "Новая", "New", "process", "#39A8EF", 10),
        ("preparation", "Подготовка документов", "Preparing documents", "process", "#2FC6F6", 30),
        ("invoice", "Счёт на оплату", "Invoice", "process", "#55D0E0", 60),
        ("in_work", "В работе", "In progress", "process", "#FFA900", 80),
        ("won", "Сделка успешна", "Won", "success", "#7BD500", 100),
        ("lost", "Сделка провалена", "Lost", "failure", "#FF5752", 0),
    ],
}

# (slug, type, ru, en, extra)
FIELDS: dict[str, list[tuple[str, str, str, str, dict[str, Any]]]] = {
    "lead": [
        ("first_name", "string", "Имя", "First name", {}),
        ("last_name", "string", "Фамилия", "Last name", {}),
        ("company_title", "string", "Название компании", "Company name", {}),
        ("phone", "phone", "Телефон", "Phone", {"multiple": True}),
        ("email", "email", "E-mail", "E-mail", {"multiple": True}),
        (
            "source",
            "list",
            "Источник",
            "Source",
            {
                "options": [
                    {"key": "call", "label_ru": "Звонок", "label_en": "Call"},
                    {"key": "email", "label_ru": "E-mail", "label_en": "E-mail"},
                    {"key": "web", "label_ru": "Сайт", "label_en": "Website"},
                    {"key": "messenger", "label_ru": "Мессенджер", "label_en": "Messenger"},
                    {"key": "other", "label_ru": "Другое", "label_en": "Other"},
                ]
            },
        ),
        ("comments", "text", "Комментарий", "Comment", {}),
    ],
    "deal": [
        ("company", "link", "Компания", "Company", {"link_type": "company"}),
        ("contacts", "link", "Контакты", "Contacts", {"link_type": "contact", "multiple": True}),
        ("close_date", "date", "Дата завершения", "Close date", {}),
        ("comments", "text", "Комментарий", "Comment", {}),
    ],
    "contact": [
        ("first_name", "string", "Имя", "First name", {}),
        ("last_name", "string", "Фамилия", "Last name", {}),
        ("post", "string", "Должность", "Position", {}),
        ("phone", "phone", "Телефон", "Phone", {"multiple": True}),
        ("email", "email", "E-mail", "E-mail", {"multiple": True}),
        ("companies", "link", "Компании", "Companies", {"link_type": "company", "multiple": True}),
        ("comments", "text", "Комментарий", "Comment", {}),
    ],
    "company": [
        ("phone", "phone", "Телефон", "Phone", {"multiple": True}),
        ("email", "email", "E-mail", "E-mail", {"multiple": True}),
        ("website", "url", "Сайт", "Website", {}),
        ("inn", "string", "ИНН", "Tax number (INN)", {"filterable": True}),
        ("comments", "text", "Комментарий", "Comment", {}),
    ],
}


def ensure_builtin_types() -> None:
    from voronka.entities.services.schema_admin import _build_index, create_stages

    with transaction.atomic():
        by_slug: dict[str, EntityType] = {}
        for spec in TYPES:
            defaults = {k: v for k, v in spec.items() if k != "slug"} | {"is_builtin": True}
            entity_type, created = EntityType.objects.get_or_create(slug=spec["slug"], defaults=defaults)
            by_slug[spec["slug"]] = entity_type
            if created and spec["slug"] in STAGES:
                pipeline = Pipeline.objects.create(
                    entity_type=entity_type,
                    slug="default",
                    name_ru="Общая",
                    name_en="General",
                    is_default=True,
                    sort=10,
                )
                create_stages(pipeline, STAGES[spec["slug"]])
        for type_slug, fields in FIELDS.items():
            entity_type = by_slug[type_slug]
            existing = set(entity_type.fields.values_list("slug", flat=True))
            for sort, (slug, field_type, ru, en, extra) in enumerate(fields, start=1):
                if slug in existing:
                    continue
                extra = dict(extra)
                link_type = by_slug.get(extra.pop("link_type", ""))
                fd = FieldDefinition.objects.create(
                    entity_type=entity_type,
                    slug=slug,
                    field_type=field_type,
                    name_ru=ru,
                    name_en=en,
                    is_system=True,
                    sort=sort * 10,
                    link_type=link_type,
                    **extra,
                )
                if fd.filterable:
                    _build_index(fd)
