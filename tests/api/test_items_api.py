"""The item endpoints refuse whatever a client should not send with a 4xx that names the field, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.entities.fieldcases import PROPERTY_SETTINGS, json_values, problems_of, row_counts
from tests.factories import People, api_client, make_item
from voronka.accounts.services import do_create_token, do_revoke_token, do_update_user
from voronka.entities.models import Item, ItemHistory

ITEMS = "/api/v1/types/deal/items"
PROTECTED: dict[str, Any] = {
    "id": 5,
    "created_by": 1,
    "created_at": "2020-01-01T00:00:00Z",
    "modified_by": 1,
    "modified_at": "2020-01-01T00:00:00Z",
    "closed": True,
    "type": "lead",
    "entity_type": "lead",
    "version": 7,
}


@pytest.fixture
def anna(people: People) -> Client:
    return api_client(people.anna)


@pytest.fixture
def deal(people: People) -> Item:
    return make_item(people.anna, "deal", title="Крупная сделка", amount=1000)


def send_json(client: Client, method: str, url: str, body: Any) -> Any:
    return client.generic(method, url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("name", PROTECTED)
def test_protected_field_is_refused_on_create(anna: Client, name: str) -> None:
    before = row_counts()

    response = send_json(anna, "POST", ITEMS, {"title": "Sneaky", name: PROTECTED[name]})

    assert response.status_code == 422
    assert problems_of(response.json()) == [(name, "read_only")]
    assert row_counts() == before


@pytest.mark.parametrize("name", [name for name in PROTECTED if name != "version"])
def test_protected_field_is_refused_on_update_and_in_move_values(anna: Client, deal: Item, name: str) -> None:
    before = row_counts()

    patched = send_json(anna, "PATCH", f"{ITEMS}/{deal.pk}", {name: PROTECTED[name]})
    moved = send_json(anna, "POST", f"{ITEMS}/{deal.pk}/move", {"stage": "won", "values": {name: PROTECTED[name]}})

    assert (patched.status_code, moved.status_code) == (422, 422)
    assert problems_of(patched.json()) == problems_of(moved.json()) == [(name, "read_only")]
    assert row_counts() == before
    deal.refresh_from_db()
    assert (deal.version, deal.closed, deal.stage and deal.stage.slug) == (1, False, "new")


def test_unknown_fields_are_refused_by_name(anna: Client, deal: Item) -> None:
    created = send_json(anna, "POST", ITEMS, {"title": "x", "colour": "red", "size": 3})
    moved = send_json(anna, "POST", f"{ITEMS}/{deal.pk}/move", {"stage": "won", "colour": "red"})

    assert (created.status_code, moved.status_code) == (422, 422)
    assert sorted(problems_of(created.json())) == [("colour", "unknown_field"), ("size", "unknown_field")]
    assert problems_of(moved.json()) == [("colour", "unknown_field")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{", [(None, "invalid_json")]),
        (b"{'title': 'single quotes'}", [(None, "invalid_json")]),
        (b"\xff\xfe{}", [(None, "invalid_json")]),
        (b"[" * 100_000 + b"]" * 100_000, [(None, "invalid_json")]),
        (b'[{"title": "in an array"}]', [(None, "wrong_type")]),
        (b'"just text"', [(None, "wrong_type")]),
        (b"null", [(None, "wrong_type")]),
        (b"42", [(None, "wrong_type")]),
        (b'{"title": NaN}', [("title", "wrong_type")]),
        (b'{"title": "nul \\u0000 inside"}', [("title", "invalid_characters")]),
        (b'{"title": "half a pair \\ud800"}', [("title", "invalid_characters")]),
        (b'{"comments": {"deep": ["\\udfff"]}}', [("comments", "invalid_characters")]),
        (b'{"title": "' + b"x" * 10_000 + b'"}', [("title", "too_long")]),
        (b'{"title": "x", "comments": "' + b"y" * 200_000 + b'"}', [("comments", "too_long")]),
        (b'{"title": "x", "amount": 1' + b"0" * 5000 + b"}", [("amount", "out_of_range")]),
        (b'{"title": "x", "amount": 9999999999999999.995}', [("amount", "out_of_range")]),
        (b'{"title": "x", "amount": "9999999999999999.995"}', [("amount", "out_of_range")]),
        (b'{"title": "x", "amount": "lots"}', [("amount", "wrong_type")]),
        (b'{"title": "x", "currency": "rub"}', [("currency", "invalid_currency")]),
        (b'{"title": "x", "currency": "\xc3\x84\xc3\x96\xc3\x9c"}', [("currency", "invalid_currency")]),
        (b'{"title": "x", "responsible": 987654321}', [("responsible", "user_not_found")]),
        (b'{"title": "x", "responsible": null}', [("responsible", "wrong_type")]),
        (b'{"title": "x", "pipeline": "nowhere"}', [("pipeline", "not_found")]),
        (b'{"title": "x", "pipeline": "\xc2\xb2"}', [("pipeline", "not_found")]),
        (b'{"title": "x", "stage": "nowhere"}', [("stage", "not_found")]),
        (b'{"title": "x", "stage": ["new"]}', [("stage", "not_found")]),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, bytes) else None,
)
def test_malformed_bodies_are_a_422_that_says_what_is_wrong(
    anna: Client, body: bytes, expected: list[tuple[str | None, str]]
) -> None:
    before = row_counts()

    response = anna.post(ITEMS, body, content_type="application/json")

    assert response.status_code == 422
    assert problems_of(response.json()) == expected
    assert all(error["message"] for error in response.json()["errors"])
    assert row_counts() == before


def test_a_body_above_the_upload_limit_is_a_413(anna: Client) -> None:
    response = anna.post(ITEMS, b'{"title": "' + b"x" * (6 * 1024 * 1024) + b'"}', content_type="application/json")

    assert response.status_code == 413
    assert problems_of(response.json()) == [(None, "too_large")]


def test_a_title_of_spaces_cannot_replace_a_title(anna: Client, deal: Item) -> None:
    response = send_json(anna, "PATCH", f"{ITEMS}/{deal.pk}", {"title": "   "})

    assert response.status_code == 422
    assert problems_of(response.json()) == [("title", "required")]


def test_amounts_belong_to_types_with_money_only(anna: Client) -> None:
    response = send_json(anna, "POST", "/api/v1/types/contact/items", {"title": "Иван", "amount": 5, "stage": "new"})

    assert response.status_code == 422
    assert sorted(problems_of(response.json())) == [("amount", "no_money"), ("stage", "no_pipelines")]


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/move"), ("GET", "/history")]
)
def test_unknown_item_is_a_404(anna: Client, method: str, suffix: str) -> None:
    response = send_json(anna, method, f"{ITEMS}/987654321{suffix}", {"stage": "won"})

    assert response.status_code == 404
    assert problems_of(response.json()) == [("id", "not_found")]


@pytest.mark.parametrize("item_id", ["abc", "1.5", "99999999999999999999999999"])
@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/move")])
def test_an_id_that_is_not_an_item_id_is_a_4xx_naming_it(anna: Client, item_id: str, method: str, suffix: str) -> None:
    response = send_json(anna, method, f"{ITEMS}/{item_id}{suffix}", {"stage": "won"})

    assert response.status_code in {404, 422}
    assert {error["field"] for error in response.json()["errors"]} <= {"id", "item_id"}


def test_an_item_is_not_found_under_another_type(anna: Client, deal: Item) -> None:
    response = anna.get(f"/api/v1/types/company/items/{deal.pk}")

    assert response.status_code == 404
    assert problems_of(response.json()) == [("id", "not_found")]


@pytest.mark.parametrize("slug", ["nosuchtype", "Deal", "%00", "%F0%9F%92%A9", "x" * 300])
def test_an_unknown_type_is_a_404_naming_the_type(anna: Client, slug: str) -> None:
    listed = anna.get(f"/api/v1/types/{slug}/items")
    created = send_json(anna, "POST", f"/api/v1/types/{slug}/items", {"title": "x"})
    fetched = anna.get(f"/api/v1/types/{slug}/items/1")

    assert (listed.status_code, created.status_code, fetched.status_code) == (404, 404, 404)
    assert problems_of(listed.json()) == problems_of(created.json()) == [("type", "not_found")]


def test_without_a_valid_token_the_answer_is_401(people: People, deal: Item) -> None:
    revoked = do_create_token(None, people.anna, "old")
    do_revoke_token(people.anna, revoked.token)
    blocked = api_client(people.boris)
    do_update_user(people.admin, people.boris, {"is_active": False})
    clients = [
        Client(),
        Client(headers={"Authorization": "Bearer not-a-token"}),
        Client(headers={"Authorization": f"Bearer {revoked.raw}"}),
        blocked,
    ]

    statuses = {client.get(f"{ITEMS}/{deal.pk}").status_code for client in clients}
    writes = {client.post(ITEMS, b"{}", content_type="application/json").status_code for client in clients}

    assert statuses == writes == {401}
    assert problems_of(Client().get(ITEMS).json()) == [(None, "not_authenticated")]
    assert Item.objects.filter(entity_type__slug="deal").count() == 1


def test_a_stale_version_is_a_409_and_changes_nothing(anna: Client, deal: Item, people: People) -> None:
    send_json(anna, "PATCH", f"{ITEMS}/{deal.pk}", {"title": "Renamed by Anna", "version": 1})
    before = row_counts()

    patched = send_json(anna, "PATCH", f"{ITEMS}/{deal.pk}", {"title": "Stale", "version": 1})
    moved = send_json(anna, "POST", f"{ITEMS}/{deal.pk}/move", {"stage": "won", "version": 1})

    assert (patched.status_code, moved.status_code) == (409, 409)
    assert problems_of(patched.json()) == problems_of(moved.json()) == [("version", "version_conflict")]
    assert row_counts() == before
    deal.refresh_from_db()
    assert (deal.title, deal.version) == ("Renamed by Anna", 2)


def test_the_current_version_is_accepted(anna: Client, deal: Item) -> None:
    response = send_json(anna, "PATCH", f"{ITEMS}/{deal.pk}", {"title": "Fresh", "version": 1})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Fresh", 2)


@pytest.mark.parametrize("version", ["1", 1.0, True, [1]])
def test_a_version_that_is_not_a_number_is_a_422(anna: Client, deal: Item, version: Any) -> None:
    response = send_json(anna, "PATCH", f"{ITEMS}/{deal.pk}", {"title": "x", "version": version})

    assert response.status_code == 422
    assert problems_of(response.json()) == [("version", "wrong_type")]


@pytest.mark.parametrize("body", [{}, {"stage": ""}, {"values": {"comments": "no stage"}}])
def test_a_move_names_its_stage(anna: Client, deal: Item, body: dict[str, Any]) -> None:
    response = send_json(anna, "POST", f"{ITEMS}/{deal.pk}/move", body)

    assert response.status_code == 422
    assert problems_of(response.json()) == [("stage", "required")]


def test_move_values_must_be_an_object(anna: Client, deal: Item) -> None:
    response = send_json(anna, "POST", f"{ITEMS}/{deal.pk}/move", {"stage": "won", "values": ["comments"]})

    assert response.status_code == 422
    assert problems_of(response.json()) == [("values", "wrong_type")]


def test_create_read_update_move_delete_round_trip(anna: Client, people: People) -> None:
    created = send_json(anna, "POST", ITEMS, {"title": "  Поставка  ", "amount": "1500,50", "comments": "first"})
    item_id = created.json()["id"]
    fetched = anna.get(f"{ITEMS}/{item_id}?fields=title,amount")
    patched = send_json(anna, "PATCH", f"{ITEMS}/{item_id}", {"responsible": people.boris.pk, "currency": "USD"})
    moved = send_json(anna, "POST", f"{ITEMS}/{item_id}/move", {"stage": "won", "values": {"comments": "done"}})
    history = anna.get(f"{ITEMS}/{item_id}/history?limit=200")
    deleted = anna.delete(f"{ITEMS}/{item_id}")

    assert created.status_code == 201
    assert {key: created.json()[key] for key in ("title", "amount", "currency", "stage", "pipeline", "closed")} == {
        "title": "Поставка",
        "amount": 1500.5,
        "currency": "RUB",
        "stage": "new",
        "pipeline": "default",
        "closed": False,
    }
    assert (created.json()["created_by"], created.json()["responsible"]) == (people.anna.pk, people.anna.pk)
    assert fetched.json() == {"id": item_id, "title": "Поставка", "amount": 1500.5}
    assert (patched.json()["responsible"], patched.json()["currency"], patched.json()["version"]) == (
        people.boris.pk,
        "USD",
        2,
    )
    assert (moved.json()["stage"], moved.json()["closed"], moved.json()["comments"]) == ("won", True, "done")
    assert {row["field"] for row in history.json()["items"]} >= {"created", "title", "responsible", "stage", "comments"}
    assert deleted.status_code == 204
    assert anna.get(f"{ITEMS}/{item_id}").status_code == 404
    assert ItemHistory.objects.filter(item_id=item_id).count() == 0


def test_unknown_field_names_in_a_selection_are_refused(anna: Client, deal: Item) -> None:
    response = anna.get(f"{ITEMS}/{deal.pk}?fields=title,colour")

    assert response.status_code == 422
    assert problems_of(response.json()) == [("fields", "unknown_field")]


@PROPERTY_SETTINGS
@given(
    body=st.dictionaries(st.text(max_size=12) | st.sampled_from(["title", "stage", "amount", "comments"]), json_values)
)
def test_any_json_object_is_a_201_or_a_422_with_named_fields(anna: Client, body: dict[str, Any]) -> None:
    before = row_counts()

    response = anna.post(ITEMS, json.dumps(body), content_type="application/json")

    assert response.status_code in {201, 403, 422}, response.content  # 403: a responsible Anna may not choose
    invalid = response.json().get("errors", []) if response.status_code == 422 else []
    assert {error["field"] for error in invalid} <= set(body)
    assert row_counts()["items"] - before["items"] == int(response.status_code == 201)


@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()))
def test_any_bytes_are_answered_with_a_4xx_or_a_success(anna: Client, deal: Item, raw: bytes) -> None:
    created = anna.post(ITEMS, raw, content_type="application/json")
    patched = anna.patch(f"{ITEMS}/{deal.pk}", raw, content_type="application/json")
    moved = anna.post(f"{ITEMS}/{deal.pk}/move", raw, content_type="application/json")

    assert created.status_code in {201, 403, 422}
    assert patched.status_code in {200, 403, 409, 422}
    assert moved.status_code in {200, 403, 409, 422}
