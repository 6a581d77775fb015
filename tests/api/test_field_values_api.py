"""Every field type, valid and invalid, through every API write path: POST, PATCH, POST move."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from hypothesis import given

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
    json_bytes,
    json_values,
    problems_of,
    row_counts,
)
from tests.factories import People, api_client, make_field, make_item
from voronka.entities.models import Item

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

ITEMS = "/api/v1/types/deal/items"
Sender = Callable[[Client, Item, bytes], "Response"]


def post_new(client: Client, target: Item, body: bytes) -> Response:
    return client.post(ITEMS, body, content_type="application/json")


def patch_target(client: Client, target: Item, body: bytes) -> Response:
    return client.patch(f"{ITEMS}/{target.pk}", body, content_type="application/json")


def move_target(client: Client, target: Item, body: bytes) -> Response:
    return client.post(f"{ITEMS}/{target.pk}/move", body, content_type="application/json")


def body_for(path: str, value: Any) -> bytes:
    """The request body that writes ``value`` into the probe field on ``path``."""
    bodies = {
        "post": {"title": "Probe", PROBE: value},
        "patch": {PROBE: value},
        "move": {"stage": "preparation", "values": {PROBE: value}},
    }
    return json_bytes(bodies[path])


# path -> (sender, status of success)
SENDERS: dict[str, tuple[Sender, int]] = {
    "post": (post_new, 201),
    "patch": (patch_target, 200),
    "move": (move_target, 200),
}
# A 5000-digit integer cannot even be written by json.dumps; it has its own test below.
API_REFUSED = [case for case in REFUSED if case.label != "enormous-int"]


@pytest.fixture
def world(people: People) -> World:
    return build_world(people)


@pytest.fixture
def anna(people: People) -> Client:
    return api_client(people.anna)


@pytest.mark.parametrize("path", SENDERS)
@pytest.mark.parametrize("case", ACCEPTED, ids=case_id)
def test_accepted_value_is_answered_and_stored_normalised(
    people: People, world: World, anna: Client, case: Accepted, path: str
) -> None:
    make_field(people.admin, "deal", PROBE, case.field_type, **case.field_options)
    target = make_item(people.anna, "deal", title="Target")
    send, status = SENDERS[path]

    response = send(anna, target, body_for(path, world.resolve(case.sent)))

    expected = world.resolve(case.stored)
    assert response.status_code == status, response.content
    assert response.json()[PROBE] == expected
    assert Item.objects.get(pk=response.json()["id"]).data[PROBE] == expected


@pytest.mark.parametrize("path", SENDERS)
@pytest.mark.parametrize("case", API_REFUSED, ids=case_id)
def test_refused_value_is_a_422_naming_the_field_and_writes_nothing(
    people: People, world: World, anna: Client, case: Refused, path: str
) -> None:
    make_field(people.admin, "deal", PROBE, case.field_type, **case.field_options)
    target = make_item(people.anna, "deal", title="Target")
    send, _status = SENDERS[path]
    before = row_counts()

    response = send(anna, target, body_for(path, world.resolve(case.sent)))

    assert response.status_code == 422, response.content
    assert problems_of(response.json()) == [(PROBE, case.code)]
    assert all(error["message"] for error in response.json()["errors"])
    assert row_counts() == before
    target.refresh_from_db()
    assert (target.data, target.stage and target.stage.slug, target.version) == ({}, "new", 1)


@pytest.mark.parametrize("path", SENDERS)
def test_a_number_too_long_for_python_is_a_422_naming_the_field(people: People, anna: Client, path: str) -> None:
    make_field(people.admin, "deal", PROBE, "number")
    target = make_item(people.anna, "deal", title="Target")
    send, _status = SENDERS[path]
    before = row_counts()

    response = send(anna, target, body_for(path, "HUGE").replace(b'"HUGE"', b"1" + b"0" * 5000))

    assert response.status_code == 422
    assert problems_of(response.json()) == [(PROBE, "out_of_range")]
    assert row_counts() == before


@pytest.fixture
def probe_type(request: pytest.FixtureRequest, people: People) -> str:
    field_type: str = request.param
    make_field(people.admin, "deal", PROBE, field_type, **FIELD_EXTRAS.get(field_type, {}))
    return field_type


@pytest.mark.parametrize("probe_type", FIELD_TYPES, indirect=True)
@PROPERTY_SETTINGS
@given(value=json_values)
def test_any_json_value_is_a_201_or_a_422_naming_the_field(anna: Client, probe_type: str, value: Any) -> None:
    before = row_counts()

    response = post_new(anna, Item(), body_for("post", value))

    assert response.status_code in {201, 422}, response.content
    assert {error["field"] for error in response.json().get("errors", [])} <= {PROBE}
    assert row_counts()["items"] - before["items"] == int(response.status_code == 201)
