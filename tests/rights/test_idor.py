"""IDOR matrix: every endpoint that takes an item or file id, for a manager and a head of another
department, answers 403 or 404 for another department's item, and changes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import People, api_client, make_field, make_item
from voronka.accounts.models import User
from voronka.entities.models import Item, ItemHistory
from voronka.events.models import OutboxEvent
from voronka.files.services import do_upload_file
from voronka.rights.models import AuditEntry

Request = tuple[str, str, dict[str, Any] | None]


def _endpoints(deal: Item, lead: Item, file_id: int) -> list[Request]:
    base = f"/api/v1/types/deal/items/{deal.pk}"
    return [
        ("get", base, None),
        ("patch", base, {"title": "taken"}),
        ("delete", base, None),
        ("post", f"{base}/move", {"stage": "won"}),
        ("get", f"{base}/history", None),
        ("get", f"/api/v1/types/lead/items/{lead.pk}", None),
        ("post", f"/api/v1/types/lead/items/{lead.pk}/convert", {"deal": {}}),
        ("post", f"/api/v1/types/lead/items/{lead.pk}/move", {"stage": "junk"}),
        ("get", f"/api/v1/files/{file_id}", None),
        ("get", f"/files/{file_id}/download", None),
        ("get", f"/api/v1/rights/explain?user={deal.responsible_id}&type=deal&item={deal.pk}&action=read", None),
    ]


@pytest.fixture
def victims(people: People, settings: Settings, tmp_path: Path) -> tuple[Item, Item, int]:
    """Boris's (Sales 2) deal with an attached file, and his lead."""
    settings.FILES_ROOT = tmp_path
    make_field(people.admin, "deal", "scan", "file")
    upload = do_upload_file(people.boris, io.BytesIO(b"secret contract text"), "contract.txt")
    deal = make_item(people.boris, "deal", title="Boris's deal", amount=100, scan=upload.pk)
    lead = make_item(people.boris, "lead", title="Boris's lead")
    return deal, lead, upload.pk


def _client(user: User, path: str) -> Client:
    if path.startswith("/api/"):
        return api_client(user)
    client = Client()
    client.force_login(user)
    return client


def _snapshot(*items: Item) -> list[tuple[Any, ...]]:
    return [
        tuple(Item.objects.filter(pk=item.pk).values_list("version", "title", "stage_id", "closed").first() or ())
        for item in items
    ] + [(ItemHistory.objects.count(), OutboxEvent.objects.exclude(kind__startswith="rights.").count())]


@pytest.mark.parametrize("persona", ["anna", "head"])
@pytest.mark.parametrize("endpoint", range(11))
def test_another_departments_ids_are_refused_and_nothing_changes(
    people: People, victims: tuple[Item, Item, int], persona: str, endpoint: int
) -> None:
    deal, lead, file_id = victims
    user: User = getattr(people, persona)
    method, path, body = _endpoints(deal, lead, file_id)[endpoint]
    before = _snapshot(deal, lead)
    send: Callable[..., Any] = getattr(_client(user, path), method)
    response = send(path, body, content_type="application/json") if body is not None else send(path)
    if persona == "head" or "explain" not in path:
        assert response.status_code in {403, 404}, (method, path, response.status_code)
    else:  # asking about someone else is for administrators only
        assert response.status_code == 403
    assert _snapshot(deal, lead) == before
    if response.status_code == 403 and "explain" not in path:
        assert AuditEntry.objects.filter(user=user).exists()


def test_the_owner_and_the_admin_do_reach_it(people: People, victims: tuple[Item, Item, int]) -> None:
    deal, _lead, file_id = victims
    for user in (people.boris, people.admin):
        assert api_client(user).get(f"/api/v1/types/deal/items/{deal.pk}").status_code == 200
        assert api_client(user).get(f"/api/v1/files/{file_id}").status_code == 200
