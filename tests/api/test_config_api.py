"""Configuration through the API: types, pipelines, stages, fields — administrators only, every refusal named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.entities.fieldcases import problems_of, row_counts
from tests.factories import People, api_client, make_field, make_item
from voronka.entities.models import EntityType, FieldDefinition, Pipeline, Stage

Problems = list[tuple[str | None, str]]


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    response = client.generic(
        method, url, json.dumps(body) if body is not None else "", content_type="application/json"
    )
    assert response.status_code < 500
    return response


def config_rows() -> dict[str, int]:
    return {
        "types": EntityType.objects.count(),
        "pipelines": Pipeline.objects.count(),
        "stages": Stage.objects.count(),
        "fields": FieldDefinition.objects.count(),
    }


def item_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "entities_item"))


@pytest.fixture
def admin(people: People) -> Client:
    return api_client(people.admin)


@pytest.fixture
def anna(people: People) -> Client:
    return api_client(people.anna)


CONFIG_WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/types", {"slug": "contracts", "name_ru": "Договоры"}),
    ("PATCH", "/api/v1/types/deal", {"name_ru": "Сделки"}),
    ("DELETE", "/api/v1/types/deal", None),
    ("POST", "/api/v1/types/deal/pipelines", {"slug": "projects", "name_ru": "Проекты"}),
    ("PATCH", "/api/v1/types/deal/pipelines/default", {"name_ru": "Основная"}),
    ("DELETE", "/api/v1/types/deal/pipelines/default", None),
    ("POST", "/api/v1/types/deal/pipelines/default/stages", {"slug": "check", "name_ru": "Проверка"}),
    ("PATCH", "/api/v1/types/deal/pipelines/default/stages/new", {"color": "#000000"}),
    ("DELETE", "/api/v1/types/deal/pipelines/default/stages/invoice", None),
    ("POST", "/api/v1/types/deal/fields", {"slug": "weight", "name_ru": "Вес", "field_type": "number"}),
    ("PATCH", "/api/v1/types/deal/fields/comments", {"name_ru": "Заметки"}),
    ("DELETE", "/api/v1/types/deal/fields/comments", None),
]


@pytest.mark.parametrize(("method", "url", "body"), CONFIG_WRITES, ids=[f"{m} {u}" for m, u, _ in CONFIG_WRITES])
def test_only_administrators_change_configuration(
    anna: Client, method: str, url: str, body: dict[str, Any] | None
) -> None:
    before = config_rows()

    response = send(anna, method, url, body)

    assert response.status_code == 403
    assert problems_of(response.json()) == [(None, "administrator_required")]
    assert config_rows() == before


@pytest.mark.parametrize(
    "url",
    ["/api/v1/types", "/api/v1/types/deal", "/api/v1/types/deal/pipelines", "/api/v1/types/deal/fields"],
)
def test_everyone_reads_configuration(anna: Client, url: str) -> None:
    assert anna.get(url).status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"slug": "Contracts", "name_ru": "Д"}, [("slug", "invalid_slug")]),
        ({"slug": "1contracts", "name_ru": "Д"}, [("slug", "invalid_slug")]),
        ({"slug": "with space", "name_ru": "Д"}, [("slug", "invalid_slug")]),
        ({"slug": "x" * 70, "name_ru": "Д"}, [("slug", "invalid_slug")]),
        ({"slug": 5, "name_ru": "Д"}, [("slug", "invalid_slug")]),
        ({"slug": "deal", "name_ru": "Д"}, [("slug", "taken")]),
        ({"slug": "contracts"}, [("name_ru", "required")]),
        ({"slug": "contracts", "name_ru": "Д", "enabled": "yes"}, [("enabled", "wrong_type")]),
        ({"slug": "contracts", "name_ru": "Д", "is_builtin": True}, [("is_builtin", "read_only")]),
        ({"slug": "contracts", "name_ru": "Д", "id": 99}, [("id", "read_only")]),
        ({"slug": "contracts", "name_ru": "Д", "colour": "red"}, [("colour", "unknown_field")]),
    ],
)
def test_a_bad_type_is_refused_by_field(admin: Client, body: dict[str, Any], expected: Problems) -> None:
    before = config_rows()

    response = send(admin, "POST", "/api/v1/types", body)

    assert response.status_code == 422
    assert problems_of(response.json()) == expected
    assert config_rows() == before


BAD_FIELDS: list[tuple[dict[str, Any], Problems]] = [
    ({"slug": "Weight", "field_type": "number"}, [("slug", "invalid_slug")]),
    ({"slug": "net__weight", "field_type": "number"}, [("slug", "invalid_slug")]),
    ({"slug": "comments", "field_type": "text"}, [("slug", "taken")]),
    *[
        ({"slug": reserved, "field_type": "string"}, [("slug", "reserved")])
        for reserved in [
            "id",
            "title",
            "stage",
            "pipeline",
            "amount",
            "closed",
            "created_at",
            "version",
            "type",
            "fields",
            "sort",
            "cursor",
            "limit",
            "q",
            "converted_from",
        ]
    ],
    ({"slug": "weight", "field_type": "colour"}, [("field_type", "invalid_choice")]),
    ({"slug": "weight"}, [("field_type", "invalid_choice")]),
    ({"slug": "kind", "field_type": "list"}, [("options", "required")]),
    ({"slug": "kind", "field_type": "multilist", "options": []}, [("options", "required")]),
    ({"slug": "kind", "field_type": "list", "options": ["a", "a"]}, [("options[1].key", "duplicate")]),
    ({"slug": "kind", "field_type": "list", "options": [{"label_ru": "no key"}]}, [("options[0].key", "invalid")]),
    ({"slug": "weight", "field_type": "number", "options": ["a"]}, [("options", "not_a_list_field")]),
    ({"slug": "partner", "field_type": "link"}, [("link_type", "required")]),
    ({"slug": "partner", "field_type": "link", "link_type": "nosuch"}, [("link_type", "required")]),
    ({"slug": "partner", "field_type": "link", "link_type": "Company\u0000"}, [("link_type", "invalid_characters")]),
    ({"slug": "region", "field_type": "string", "link_type": "company"}, [("link_type", "not_a_link_field")]),
    ({"slug": "notes", "field_type": "text", "filterable": True}, [("filterable", "not_filterable")]),
    ({"slug": "scan", "field_type": "file", "filterable": True}, [("filterable", "not_filterable")]),
    (
        {"slug": "tags", "field_type": "multilist", "options": ["a"], "filterable": True},
        [("filterable", "not_filterable")],
    ),
    (
        {"slug": "phones", "field_type": "phone", "multiple": True, "filterable": True},
        [("filterable", "not_filterable")],
    ),
    (
        {"slug": "weight", "field_type": "number", "required_stages": ["default/nowhere"]},
        [("required_stages", "not_found")],
    ),
    ({"slug": "weight", "field_type": "number", "required_stages": "default/won"}, [("required_stages", "wrong_type")]),
    (
        {"slug": "weight", "field_type": "number", "required_pipelines": ["nowhere"]},
        [("required_pipelines", "not_found")],
    ),
    ({"slug": "weight", "field_type": "number", "default": "heavy"}, [("default", "wrong_type")]),
    ({"slug": "weight", "field_type": "number", "max_length": 0}, [("max_length", "out_of_range")]),
    ({"slug": "weight", "field_type": "number", "is_system": True}, [("is_system", "read_only")]),
    ({"slug": "weight", "field_type": "number", "required": "yes"}, [("required", "wrong_type")]),
]


@pytest.mark.parametrize(("body", "expected"), BAD_FIELDS, ids=[repr(body)[:60] for body, _ in BAD_FIELDS])
def test_a_bad_field_is_refused_by_field(admin: Client, body: dict[str, Any], expected: Problems) -> None:
    before = config_rows()
    indexes = item_indexes()

    response = send(admin, "POST", "/api/v1/types/deal/fields", {"name_ru": "Поле"} | body)

    assert response.status_code == 422
    assert problems_of(response.json()) == expected
    assert config_rows() == before
    assert item_indexes() == indexes


def test_a_field_keeps_its_slug_and_type(admin: Client) -> None:
    response = send(admin, "PATCH", "/api/v1/types/deal/fields/comments", {"slug": "notes", "field_type": "string"})

    assert response.status_code == 422
    assert problems_of(response.json()) == [("slug", "read_only"), ("field_type", "read_only")]


def test_a_field_holding_values_cannot_switch_between_one_and_many(admin: Client, people: People) -> None:
    make_field(people.admin, "deal", "region", "string")
    make_item(people.anna, "deal", title="С регионом", region="north")

    response = send(admin, "PATCH", "/api/v1/types/deal/fields/region", {"multiple": True})

    assert response.status_code == 422
    assert problems_of(response.json()) == [("multiple", "field_in_use")]


def test_a_new_field_is_usable_at_once(admin: Client, anna: Client) -> None:
    created = send(
        admin,
        "POST",
        "/api/v1/types/deal/fields",
        {
            "slug": "weight",
            "name_ru": "Вес",
            "name_en": "Weight",
            "field_type": "number",
            "section": "Logistics",
            "required_stages": ["default/won"],
            "default": "1,5",
        },
    )
    item = send(anna, "POST", "/api/v1/types/deal/items", {"title": "Груз"})

    assert created.status_code == 201
    assert {key: created.json()[key] for key in ("slug", "field_type", "required_stages", "default", "section")} == {
        "slug": "weight",
        "field_type": "number",
        "required_stages": ["default/won"],
        "default": 1.5,
        "section": "Logistics",
    }
    assert item.json()["weight"] == 1.5


def test_making_a_field_filterable_builds_its_index_and_undoing_drops_it(admin: Client) -> None:
    created = send(
        admin, "POST", "/api/v1/types/deal/fields", {"slug": "weight", "name_ru": "Вес", "field_type": "number"}
    )
    index = f"item_cf_{FieldDefinition.objects.get(slug='weight', entity_type__slug='deal').pk}"
    assert created.status_code == 201
    assert index not in item_indexes()

    on = send(admin, "PATCH", "/api/v1/types/deal/fields/weight", {"filterable": True})
    assert (on.status_code, on.json()["filterable"]) == (200, True)
    assert index in item_indexes()

    off = send(admin, "PATCH", "/api/v1/types/deal/fields/weight", {"filterable": False})
    assert (off.status_code, off.json()["filterable"]) == (200, False)
    assert index not in item_indexes()

    send(admin, "PATCH", "/api/v1/types/deal/fields/weight", {"filterable": True})
    deleted = send(admin, "DELETE", "/api/v1/types/deal/fields/weight")
    assert deleted.status_code == 204
    assert index not in item_indexes()


def test_a_filterable_field_created_as_such_has_its_index_and_filters(admin: Client, anna: Client) -> None:
    created = send(
        admin,
        "POST",
        "/api/v1/types/deal/fields",
        {"slug": "weight", "name_ru": "Вес", "field_type": "number", "filterable": True},
    )
    refused_before = anna.get("/api/v1/types/deal/items?comments=x")

    assert created.status_code == 201
    assert f"item_cf_{FieldDefinition.objects.get(slug='weight', entity_type__slug='deal').pk}" in item_indexes()
    assert anna.get("/api/v1/types/deal/items?weight__gt=1").status_code == 200
    assert problems_of(refused_before.json()) == [("comments", "not_filterable")]


def test_system_fields_stay(admin: Client) -> None:
    response = send(admin, "DELETE", "/api/v1/types/deal/fields/company")

    assert response.status_code == 422
    assert problems_of(response.json()) == [("field", "system_field")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"slug": "default", "name_ru": "Ещё одна"}, [("slug", "taken")]),
        ({"slug": "projects", "name_ru": "П", "stages": "new"}, [("stages", "wrong_type")]),
        (
            {
                "slug": "projects",
                "name_ru": "П",
                "stages": [{"slug": "a", "name_ru": "А"}, {"slug": "a", "name_ru": "Б"}],
            },
            [("stages", "duplicate_slug")],
        ),
        (
            {"slug": "projects", "name_ru": "П", "stages": [{"slug": "a", "name_ru": "А", "color": "red"}]},
            [("stages[0].color", "invalid_color")],
        ),
        (
            {
                "slug": "projects",
                "name_ru": "П",
                "stages": [{"slug": "a", "name_ru": "А"}, {"slug": "b", "name_ru": "Б", "probability": 101}],
            },
            [("stages[1].probability", "out_of_range")],
        ),
        (
            {"slug": "projects", "name_ru": "П", "stages": [{"slug": "a", "name_ru": "А", "semantic": "maybe"}]},
            [("stages[0].semantic", "invalid_choice")],
        ),
        (
            {"slug": "projects", "name_ru": "П", "stages": [{"slug": "A", "name_ru": "А"}]},
            [("stages[0].slug", "invalid_slug")],
        ),
        ({"slug": "projects", "name_ru": "П", "is_default": "yes"}, [("is_default", "wrong_type")]),
    ],
)
def test_a_bad_pipeline_is_refused_by_field(admin: Client, body: dict[str, Any], expected: Problems) -> None:
    before = config_rows()

    response = send(admin, "POST", "/api/v1/types/deal/pipelines", body)

    assert response.status_code == 422
    assert problems_of(response.json()) == expected
    assert config_rows() == before


def test_pipelines_stages_and_types_are_changed_in_place(admin: Client) -> None:
    stage = send(
        admin,
        "POST",
        "/api/v1/types/deal/pipelines/default/stages",
        {"slug": "check", "name_ru": "Проверка", "probability": 40},
    )
    pipeline = send(admin, "PATCH", "/api/v1/types/deal/pipelines/default", {"name_ru": "Основная", "name_en": "Main"})
    no_default = send(admin, "PATCH", "/api/v1/types/deal/pipelines/default", {"is_default": False})
    renamed_type = send(admin, "PATCH", "/api/v1/types/deal", {"name_en": "Opportunity", "sort": 5})
    new_slug = send(admin, "PATCH", "/api/v1/types/deal", {"slug": "opportunity"})

    assert (stage.status_code, stage.json()["probability"]) == (201, 40)
    assert [s["slug"] for s in pipeline.json()["stages"]] == [
        "new",
        "preparation",
        "invoice",
        "in_work",
        "check",
        "won",
        "lost",
    ]  # a new working stage goes before the closing ones
    assert (pipeline.status_code, pipeline.json()["name_ru"], pipeline.json()["name_en"]) == (200, "Основная", "Main")
    assert (no_default.status_code, problems_of(no_default.json())) == (422, [("is_default", "need_default")])
    assert (renamed_type.status_code, renamed_type.json()["name_en"], renamed_type.json()["sort"]) == (
        200,
        "Opportunity",
        5,
    )
    assert (new_slug.status_code, problems_of(new_slug.json())) == (422, [("slug", "read_only")])


def test_types_without_pipelines_get_none(admin: Client) -> None:
    response = send(admin, "POST", "/api/v1/types/contact/pipelines", {"slug": "p", "name_ru": "П"})

    assert response.status_code == 422
    assert problems_of(response.json()) == [("type", "no_pipelines")]


def test_a_new_default_pipeline_takes_over(admin: Client, anna: Client) -> None:
    created = send(
        admin, "POST", "/api/v1/types/deal/pipelines", {"slug": "projects", "name_ru": "Проекты", "is_default": True}
    )
    item = send(anna, "POST", "/api/v1/types/deal/items", {"title": "В новую воронку"})
    pipelines = admin.get("/api/v1/types/deal/pipelines").json()["items"]

    assert created.status_code == 201
    assert [(p["slug"], p["is_default"]) for p in pipelines] == [("default", False), ("projects", True)]
    assert (item.json()["pipeline"], item.json()["stage"]) == ("projects", "new")


def test_a_stage_in_use_cannot_be_deleted_an_empty_one_can(admin: Client, people: People) -> None:
    make_item(people.anna, "deal", title="На счёте", stage="invoice")

    in_use = send(admin, "DELETE", "/api/v1/types/deal/pipelines/default/stages/invoice")
    empty = send(admin, "DELETE", "/api/v1/types/deal/pipelines/default/stages/preparation")
    stages = [s["slug"] for s in admin.get("/api/v1/types/deal/pipelines").json()["items"][0]["stages"]]

    assert in_use.status_code == 409
    assert problems_of(in_use.json()) == [("stage", "stage_in_use")]
    assert empty.status_code == 204
    assert stages == ["new", "invoice", "in_work", "won", "lost"]


def test_a_pipeline_keeps_its_last_stage(admin: Client) -> None:
    send(
        admin,
        "POST",
        "/api/v1/types/deal/pipelines",
        {"slug": "tiny", "name_ru": "Малая", "stages": [{"slug": "only", "name_ru": "Единственная"}]},
    )

    response = send(admin, "DELETE", "/api/v1/types/deal/pipelines/tiny/stages/only")

    assert response.status_code == 422
    assert problems_of(response.json()) == [("stage", "last_stage")]


def test_pipelines_in_use_or_default_stay(admin: Client, people: People) -> None:
    send(admin, "POST", "/api/v1/types/deal/pipelines", {"slug": "projects", "name_ru": "Проекты"})
    send(admin, "POST", "/api/v1/types/deal/pipelines", {"slug": "spare", "name_ru": "Запасная"})
    make_item(people.anna, "deal", title="Проект", pipeline="projects")

    in_use = send(admin, "DELETE", "/api/v1/types/deal/pipelines/projects")
    default = send(admin, "DELETE", "/api/v1/types/deal/pipelines/default")
    spare = send(admin, "DELETE", "/api/v1/types/deal/pipelines/spare")

    assert (in_use.status_code, problems_of(in_use.json())) == (409, [("pipeline", "pipeline_in_use")])
    assert (default.status_code, problems_of(default.json())) == (422, [("pipeline", "default_pipeline")])
    assert spare.status_code == 204


def test_a_stage_turned_into_a_closing_one_closes_its_items(admin: Client, people: People) -> None:
    deal = make_item(people.anna, "deal", title="На счёте", stage="invoice")

    response = send(
        admin,
        "PATCH",
        "/api/v1/types/deal/pipelines/default/stages/invoice",
        {"semantic": "success", "color": "#00aa00", "probability": 100},
    )

    deal.refresh_from_db()
    assert (response.status_code, response.json()["color"], response.json()["semantic"]) == (200, "#00AA00", "success")
    assert deal.closed is True


def test_types_in_use_built_in_or_linked_stay(admin: Client, people: People) -> None:
    send(admin, "POST", "/api/v1/types", {"slug": "contracts", "name_ru": "Договоры"})
    send(admin, "POST", "/api/v1/types", {"slug": "originals", "name_ru": "Оригиналы"})
    send(admin, "POST", "/api/v1/types", {"slug": "spare", "name_ru": "Запасной"})
    send(
        admin,
        "POST",
        "/api/v1/types/deal/fields",
        {"slug": "original", "name_ru": "Оригинал", "field_type": "link", "link_type": "originals"},
    )
    make_item(people.admin, "contracts", title="Договор")

    in_use = send(admin, "DELETE", "/api/v1/types/contracts")
    linked = send(admin, "DELETE", "/api/v1/types/originals")
    builtin = send(admin, "DELETE", "/api/v1/types/lead")
    spare = send(admin, "DELETE", "/api/v1/types/spare")

    assert (in_use.status_code, problems_of(in_use.json())) == (409, [("type", "type_in_use")])
    assert (linked.status_code, problems_of(linked.json())) == (409, [("type", "type_linked")])
    assert (builtin.status_code, problems_of(builtin.json())) == (422, [("type", "builtin")])
    assert spare.status_code == 204
    assert admin.get("/api/v1/types/spare").status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("PATCH", "/api/v1/types/nosuch", "type"),
        ("PATCH", "/api/v1/types/deal/pipelines/nosuch", "pipeline"),
        ("PATCH", "/api/v1/types/deal/pipelines/default/stages/nosuch", "stage"),
        ("PATCH", "/api/v1/types/deal/pipelines/%00/stages/new", "pipeline"),
        ("PATCH", "/api/v1/types/deal/pipelines/default/stages/%00", "stage"),
        ("PATCH", "/api/v1/types/deal/fields/nosuch", "field"),
        ("DELETE", "/api/v1/types/deal/fields/%00", "field"),
        ("GET", "/api/v1/types/%00", "type"),
    ],
)
def test_unknown_configuration_is_a_404_naming_it(admin: Client, method: str, url: str, field: str) -> None:
    response = send(admin, method, url, {"name_ru": "x"})

    assert response.status_code == 404
    assert problems_of(response.json()) == [(field, "not_found")]


def test_configuration_writes_leave_items_alone(admin: Client, people: People) -> None:
    make_item(people.anna, "deal", title="Сделка")
    before = row_counts()

    send(admin, "POST", "/api/v1/types/deal/fields", {"slug": "weight", "name_ru": "Вес", "field_type": "number"})

    assert {key: value for key, value in row_counts().items() if key != "events"} == {
        key: value for key, value in before.items() if key != "events"
    }
    assert row_counts()["events"] == before["events"] + 1
