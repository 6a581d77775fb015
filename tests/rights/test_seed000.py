"""Seed 000 (legal firm): stage-bound rights and a hidden amount, expressed as configuration alone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import People, api_client, make_field
from voronka.common.errors import AccessDenied
from voronka.entities.models import Item
from voronka.entities.schema import get_entity_type
from voronka.entities.services.items import do_create_item, do_move_item, do_update_item
from voronka.entities.services.schema_admin import do_create_pipeline
from voronka.rights.access import policy_for
from voronka.rights.models import AuditEntry
from voronka.rights.services import do_set_field_rules, do_set_grants, do_set_personal_views_allowed, get_role

LEAD_STAGES = [
    ("new_request", "process"),
    ("callback_1h", "process"),
    ("callback_1d", "process"),
    ("callback_1w", "process"),
    ("call_done", "process"),
    ("deferred", "process"),
    ("converted", "success"),
    ("junk", "failure"),
]
DEAL_STAGES = [
    ("send_proposal", "process"),
    ("awaiting_decision", "process"),
    ("contact_again", "process"),
    ("contract_with_contractor", "process"),
    ("contractor_at_work", "process"),
    ("report_and_invoice", "process"),
    ("receive_payment", "process"),
    ("deferred", "process"),
    ("won", "success"),
    ("lost", "failure"),
]
AFTER_HAND_OFF = ["contractor_at_work", "report_and_invoice", "receive_payment", "won", "lost"]


def _stages(spec: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"slug": slug, "name_ru": slug, "semantic": semantic} for slug, semantic in spec]


@pytest.fixture
def legal_firm(people: People) -> People:
    """The seed-000 configuration: pipelines, then the manager role's grants and field rules."""
    admin = people.admin
    do_create_pipeline(
        admin, get_entity_type("lead"), {"slug": "calls", "name_ru": "Звонки", "stages": _stages(LEAD_STAGES)}
    )
    do_create_pipeline(
        admin, get_entity_type("deal"), {"slug": "legal", "name_ru": "Юр. услуги", "stages": _stages(DEAL_STAGES)}
    )
    grants: list[dict[str, Any]] = [
        {"type": t, "action": a, "level": "own"}
        for t in ("lead", "deal", "contact", "company")
        for a in ("read", "create", "update", "delete", "export")
    ]
    # A lead waiting for a call back cannot be moved out by the manager: the call moves it.
    grants += [
        {"type": "lead", "pipeline": "calls", "stage": s, "action": "move_out", "level": "none"}
        for s in ("callback_1h", "callback_1d", "callback_1w")
    ]
    # The manager hands the deal to the contractor and no further; after that the deal is read-only to them.
    grants += [
        {"type": "deal", "pipeline": "legal", "stage": s, "action": "move_in", "level": "none"} for s in AFTER_HAND_OFF
    ]
    grants += [
        {"type": "deal", "pipeline": "legal", "stage": s, "action": a, "level": "none"}
        for s in AFTER_HAND_OFF
        for a in ("update", "delete")
    ]
    do_set_grants(admin, get_role("manager"), grants)
    do_set_field_rules(admin, get_role("manager"), [{"type": "deal", "field": "amount", "access": "hidden"}])
    do_set_personal_views_allowed(admin, False)
    return people


def test_manager_cannot_move_a_lead_out_of_call_back(legal_firm: People) -> None:
    anna = legal_firm.anna
    lead = do_create_item(
        anna, get_entity_type("lead"), {"title": "Звонок", "pipeline": "calls", "stage": "callback_1d"}
    )
    with pytest.raises(AccessDenied) as refused:
        do_move_item(anna, lead, "call_done")
    rule = str(refused.value.problems[0].message)
    assert "callback_1d" in rule
    assert "move_out" in rule
    lead.refresh_from_db()
    assert lead.stage.slug == "callback_1d"
    # The system (the trigger on a logged call) moves it on.
    moved = do_move_item(None, lead, "call_done")
    assert moved.stage.slug == "call_done"
    # Out of the call-back stage, the manager works the lead again.
    assert do_move_item(anna, moved, "deferred").stage.slug == "deferred"


def test_call_back_rule_through_the_api_names_the_rule_and_is_audited(legal_firm: People) -> None:
    anna = legal_firm.anna
    lead = do_create_item(
        anna, get_entity_type("lead"), {"title": "Звонок", "pipeline": "calls", "stage": "callback_1h"}
    )
    response = api_client(anna).post(
        f"/api/v1/types/lead/items/{lead.pk}/move", {"stage": "junk"}, content_type="application/json"
    )
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["code"] == "access_denied"
    assert "callback_1h" in error["message"]
    entry = AuditEntry.objects.get(user=anna, item_id=lead.pk)
    assert entry.action == "move_out"
    assert "callback_1h" in entry.rule


def test_deal_creator_works_it_only_up_to_the_hand_off(legal_firm: People) -> None:
    anna, head = legal_firm.anna, legal_firm.head
    deal = do_create_item(anna, get_entity_type("deal"), {"title": "Иск", "pipeline": "legal"})
    for stage in ("awaiting_decision", "contact_again", "contract_with_contractor"):
        deal = do_move_item(anna, deal, stage)
    with pytest.raises(AccessDenied) as refused:
        do_move_item(anna, deal, "contractor_at_work")
    assert "move_in" in str(refused.value.problems[0].message)
    # The head hands it over; the manager can still read it but no longer change it.
    deal = do_move_item(head, deal, "contractor_at_work")
    assert Item.objects.visible_to(anna, "read", deal.entity_type).filter(pk=deal.pk).exists()
    with pytest.raises(AccessDenied):
        do_update_item(anna, deal, {"title": "Иск (изменён)"})
    response = api_client(anna).patch(
        f"/api/v1/types/deal/items/{deal.pk}", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "contractor_at_work" in response.json()["errors"][0]["message"]
    deal.refresh_from_db()
    assert deal.title == "Иск"


def test_manager_never_sees_the_deal_amount(legal_firm: People) -> None:
    anna, head = legal_firm.anna, legal_firm.head
    deal = do_create_item(head, get_entity_type("deal"), {"title": "Сделка", "amount": 50000, "responsible": anna.pk})
    client = api_client(anna)
    card = client.get(f"/api/v1/types/deal/items/{deal.pk}").json()
    assert "amount" not in card
    rows = client.get("/api/v1/types/deal/items").json()["items"]
    assert rows
    assert all("amount" not in row for row in rows)
    assert client.get("/api/v1/types/deal/items?amount__gt=1").status_code == 422
    assert client.get("/api/v1/types/deal/items?sort=-amount").status_code == 422
    assert client.get("/api/v1/types/deal/items?fields=title,amount").status_code == 422
    totals = client.get("/api/v1/types/deal/pipelines/default/totals").json()["items"]
    assert all(row["amount"] is None for row in totals)
    assert sum(row["count"] for row in totals) == 1
    history = client.get(f"/api/v1/types/deal/items/{deal.pk}/history").json()["items"]
    assert all(entry["field"] != "amount" for entry in history)
    written = client.patch(f"/api/v1/types/deal/items/{deal.pk}", {"amount": 1}, content_type="application/json")
    assert written.status_code == 403
    assert written.json()["errors"][0]["field"] == "amount"
    # The head sees it everywhere.
    head_client = api_client(head)
    assert head_client.get(f"/api/v1/types/deal/items/{deal.pk}").json()["amount"] == 50000.0
    head_totals = head_client.get("/api/v1/types/deal/pipelines/default/totals").json()["items"]
    assert sum(row["amount"] for row in head_totals) == 50000.0


def test_users_cannot_create_their_own_views(legal_firm: People) -> None:
    response = api_client(legal_firm.anna).post(
        "/api/v1/types/deal/views",
        {"slug": "mine", "name": "Мои", "columns": ["title", "stage"]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "personal_views_off"
    admin_view = api_client(legal_firm.admin).post(
        "/api/v1/types/deal/views",
        {"slug": "managers", "name": "Менеджерам", "role": "manager", "columns": ["title", "stage", "responsible"]},
        content_type="application/json",
    )
    assert admin_view.status_code == 201
    listed = api_client(legal_firm.anna).get("/api/v1/types/deal/views").json()["items"]
    assert [v["slug"] for v in listed] == ["managers"]


def test_the_explainer_names_the_deciding_rule(legal_firm: People) -> None:
    anna, boris = legal_firm.anna, legal_firm.boris
    deal = do_create_item(boris, get_entity_type("deal"), {"title": "Чужая"})
    response = api_client(legal_firm.admin).get(
        f"/api/v1/rights/explain?user={anna.pk}&type=deal&item={deal.pk}&action=update"
    )
    body = response.json()
    assert body["allowed"] is False
    # In the asking administrator's language (Russian in the demo), naming the role, the level and the item.
    assert "Менеджер" in body["rule"]
    assert "own" in body["rule"]
    assert f"anna не является ответственным, автором или участником элемента {deal.pk}" in body["rule"]
    field = api_client(anna).get(f"/api/v1/rights/explain?user={anna.pk}&type=deal&field=amount").json()
    assert field["allowed"] is False
    assert "amount" in field["rule"]
    assert policy_for(boris).decide(deal, "update").allowed


def test_a_hidden_custom_field_is_not_even_listed(legal_firm: People) -> None:
    make_field(legal_firm.admin, "deal", "margin", "number")
    do_set_field_rules(
        legal_firm.admin,
        get_role("manager"),
        [
            {"type": "deal", "field": "amount", "access": "hidden"},
            {"type": "deal", "field": "margin", "access": "hidden"},
        ],
    )
    anna_fields = api_client(legal_firm.anna).get("/api/v1/types/deal/fields").json()["items"]
    assert "margin" not in {f["slug"] for f in anna_fields}
    assert "margin" not in {f["slug"] for f in api_client(legal_firm.anna).get("/api/v1/types/deal").json()["fields"]}
    head_fields = api_client(legal_firm.head).get("/api/v1/types/deal/fields").json()["items"]
    assert "margin" in {f["slug"] for f in head_fields}
