"""Every field type, valid and invalid, through every service write path: create, update, move."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.entities.fieldcases import (
    ACCEPTED,
    FIELD_EXTRAS,
    FIELD_TYPES,
    PROBE,
    PROPERTY_SETTINGS,
    REFUSED,
    Accepted,
    Refused,
    World,
    build_world,
    case_id,
    json_values,
    row_counts,
    upload,
)
from tests.factories import People, make_field, make_item
from voronka.common.errors import Problem, ValidationFailed
from voronka.entities.fieldtypes import CleanContext, Invalid, References, clean_value
from voronka.entities.models import FieldDefinition, Item, ItemHistory, ItemLink
from voronka.entities.schema import get_entity_type
from voronka.entities.services.items import do_create_item, do_move_item, do_update_item
from voronka.files.models import FileAttachment

Writer = Callable[[People, Item, Any], Item]


def create_with(people: People, target: Item, value: Any) -> Item:
    return do_create_item(people.anna, get_entity_type("deal"), {"title": "Probe", PROBE: value})


def update_with(people: People, target: Item, value: Any) -> Item:
    return do_update_item(people.anna, target, {PROBE: value})


def move_with(people: People, target: Item, value: Any) -> Item:
    return do_move_item(people.anna, target, "preparation", values={PROBE: value})


# path name -> (writer, the outbox event it must write)
WRITERS: dict[str, tuple[Writer, str]] = {
    "create": (create_with, "item.created"),
    "update": (update_with, "item.updated"),
    "move": (move_with, "item.moved"),
}


def attempt(call: Callable[[], Item]) -> tuple[list[Item], list[Problem]]:
    """The item a write made (a list of one), or the problems it was refused with."""
    try:
        return [call()], []
    except ValidationFailed as exc:
        return [], exc.problems


@pytest.fixture
def world(people: People) -> World:
    return build_world(people)


@pytest.mark.parametrize("path", WRITERS)
@pytest.mark.parametrize("case", ACCEPTED, ids=case_id)
def test_accepted_value_is_stored_normalised_with_history_and_event(
    people: People, world: World, case: Accepted, path: str
) -> None:
    make_field(people.admin, "deal", PROBE, case.field_type, **case.field_options)
    target = make_item(people.anna, "deal", title="Target")
    write, event_kind = WRITERS[path]

    item = write(people, target, world.resolve(case.sent))

    expected = world.resolve(case.stored)
    assert Item.objects.get(pk=item.pk).data[PROBE] == expected
    history = ItemHistory.objects.select_related("event").get(item_id=item.pk, field=PROBE)
    assert (history.old_value, history.new_value) == (None, expected)
    assert history.event is not None
    assert (history.event.kind, history.event.item_id) == (event_kind, item.pk)


@pytest.mark.parametrize("path", WRITERS)
@pytest.mark.parametrize("case", REFUSED, ids=case_id)
def test_refused_value_names_the_field_and_writes_nothing(
    people: People, world: World, case: Refused, path: str
) -> None:
    make_field(people.admin, "deal", PROBE, case.field_type, **case.field_options)
    target = make_item(people.anna, "deal", title="Target")
    write, _kind = WRITERS[path]
    before = row_counts()

    with pytest.raises(ValidationFailed) as refused:
        write(people, target, world.resolve(case.sent))

    assert [(p.field, p.code) for p in refused.value.problems] == [(PROBE, case.code)]
    assert all(str(p.message) for p in refused.value.problems)
    assert row_counts() == before
    target.refresh_from_db()
    assert (target.data, target.stage and target.stage.slug, target.version) == ({}, "new", 1)


def test_link_value_is_mirrored_in_the_links_table_both_ways(people: People, world: World) -> None:
    make_field(people.admin, "deal", "partners", "link", link_type="company", multiple=True)
    second = make_item(people.anna, "company", title="Second")
    deal = make_item(people.anna, "deal", title="Linked", partners=[world.company.pk, second.pk])
    assert set(ItemLink.objects.filter(source=deal).values_list("target_id", flat=True)) == {
        world.company.pk,
        second.pk,
    }

    do_update_item(people.anna, deal, {"partners": [second.pk]})

    assert list(ItemLink.objects.filter(target=world.company, source=deal)) == []
    assert list(ItemLink.objects.filter(target=second).values_list("source_id", flat=True)) == [deal.pk]


def test_file_value_is_mirrored_in_the_attachments_table(people: People, world: World) -> None:
    make_field(people.admin, "deal", "scan", "file")
    deal = make_item(people.anna, "deal", title="With a scan", scan=world.file.pk)
    assert list(FileAttachment.objects.filter(item=deal).values_list("file_id", flat=True)) == [world.file.pk]

    do_update_item(people.anna, deal, {"scan": None})

    assert list(FileAttachment.objects.filter(item=deal)) == []


def test_a_file_already_on_the_item_may_stay_when_someone_else_edits(people: People, world: World) -> None:
    make_field(people.admin, "deal", "scan", "file", multiple=True)
    deal = make_item(people.anna, "deal", title="With a scan", scan=[world.file.pk])
    own = upload(people.head, "head.txt")

    changed = do_update_item(people.head, deal, {"scan": [world.file.pk, own.pk]})
    with pytest.raises(ValidationFailed) as refused:
        do_update_item(people.head, changed, {"scan": [world.file.pk, own.pk, world.foreign_file.pk]})

    assert changed.data["scan"] == [world.file.pk, own.pk]
    assert [(p.field, p.code) for p in refused.value.problems] == [("scan", "file_not_found")]


def test_the_table_covers_every_field_type() -> None:
    assert {case.field_type for case in ACCEPTED} == {case.field_type for case in REFUSED} == set(FIELD_TYPES)


def test_every_problem_of_a_write_is_reported_at_once(people: People) -> None:
    make_field(people.admin, "deal", "weight", "number")
    make_field(people.admin, "deal", "site", "url")

    with pytest.raises(ValidationFailed) as refused:
        do_create_item(
            people.anna, get_entity_type("deal"), {"title": 5, "weight": "heavy", "site": "ftp://x", "colour": "red"}
        )

    assert sorted((p.field or "", p.code) for p in refused.value.problems) == [
        ("colour", "unknown_field"),
        ("site", "invalid_url"),
        ("title", "wrong_type"),
        ("weight", "wrong_type"),
    ]


@pytest.fixture
def probe_type(request: pytest.FixtureRequest, people: People) -> str:
    field_type: str = request.param
    make_field(people.admin, "deal", PROBE, field_type, **FIELD_EXTRAS.get(field_type, {}))
    return field_type


@pytest.mark.parametrize("probe_type", FIELD_TYPES, indirect=True)
@PROPERTY_SETTINGS
@given(value=json_values)
def test_any_json_value_is_stored_or_refused_naming_the_field(people: People, probe_type: str, value: Any) -> None:
    before = row_counts()

    items, problems = attempt(
        lambda: do_create_item(people.anna, get_entity_type("deal"), {"title": "Any", PROBE: value})
    )

    assert {p.field for p in problems} <= {PROBE}
    assert row_counts()["items"] - before["items"] == len(items)
    assert row_counts()["events"] - before["events"] == len(items)
    assert [Item.objects.get(pk=item.pk).data for item in items] == [item.data for item in items]


# Unsaved definitions, as the schema admin would store them (list options normalised to keys).
PURE_FIELDS = {
    field_type: FieldDefinition(
        slug=PROBE,
        name_ru=PROBE,
        field_type=field_type,
        options=[{"key": "a"}, {"key": "b"}, {"key": "3"}] if field_type in {"list", "multilist"} else [],
        link_type_id=4,
    )
    for field_type in FIELD_TYPES
}


SMALL_ACCEPTED = [case.sent for case in ACCEPTED if len(json.dumps(case.sent, default=str)) < 100]


def normalised(value: Any, fd: FieldDefinition) -> tuple[bool, Any]:
    """(accepted, stored form); a refused value counts as storing nothing."""
    try:
        return True, clean_value(value, fd, References(), CleanContext(time_zone=ZoneInfo("Europe/Moscow")))
    except Invalid:
        return False, None


@pytest.mark.parametrize("field_type", FIELD_TYPES)
@settings(PROPERTY_SETTINGS, max_examples=150)
@given(value=st.sampled_from(SMALL_ACCEPTED) | json_values)
def test_cleaning_a_stored_value_again_changes_nothing(field_type: str, value: Any) -> None:
    fd = PURE_FIELDS[field_type]
    _accepted, stored = normalised(value, fd)

    assert normalised(stored, fd) == (True, stored)
    assert json.loads(json.dumps(stored)) == stored
