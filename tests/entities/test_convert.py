"""Lead conversion: contact, company and deal made from a lead, values carried by slug, the lead closed."""

from __future__ import annotations

import pytest

from tests.entities.fieldcases import row_counts
from tests.factories import People, make_field, make_item
from voronka.common.errors import AccessDenied, ValidationFailed
from voronka.entities.models import Item, ItemLink
from voronka.entities.schema import get_entity_type
from voronka.entities.services.convert import do_convert_lead
from voronka.entities.services.schema_admin import do_update_entity_type
from voronka.events.models import OutboxEvent


@pytest.fixture
def lead(people: People) -> Item:
    make_field(people.admin, "lead", "budget_note", "string")
    make_field(people.admin, "deal", "budget_note", "string")
    make_field(people.admin, "lead", "priority", "number")
    make_field(people.admin, "deal", "priority", "string")  # same slug, other type: not carried
    return make_item(
        people.anna,
        "lead",
        title="Заявка с сайта",
        first_name="Иван",
        last_name="Петров",
        company_title="ООО Ромашка",
        phone=["+7 900 000-00-01"],
        email=["ivan@example.com"],
        source="web",
        comments="Хочет демо",
        amount=5000,
        budget_note="до конца квартала",
        priority=2,
    )


def test_a_lead_becomes_a_contact_a_company_and_a_deal_linked_together(people: People, lead: Item) -> None:
    created = do_convert_lead(people.anna, lead, targets={"contact": {}, "company": {}, "deal": {}})

    contact, company, deal = created["contact"], created["company"], created["deal"]
    assert (company.title, company.data) == (
        "ООО Ромашка",
        {"phone": ["+7 900 000-00-01"], "email": ["ivan@example.com"], "comments": "Хочет демо"},
    )
    assert (contact.title, contact.data) == (
        "Иван Петров",
        {
            "first_name": "Иван",
            "last_name": "Петров",
            "phone": ["+7 900 000-00-01"],
            "email": ["ivan@example.com"],
            "comments": "Хочет демо",
            "companies": [company.pk],
        },
    )
    assert (deal.title, deal.amount, deal.currency, deal.responsible_id) == (
        "Заявка с сайта",
        5000,
        "RUB",
        people.anna.pk,
    )
    assert deal.data == {
        "comments": "Хочет демо",
        "budget_note": "до конца квартала",
        "company": company.pk,
        "contacts": [contact.pk],
    }
    assert {item.converted_from_id for item in created.values()} == {lead.pk}
    links = set(
        ItemLink.objects.filter(source__in=created.values()).values_list("source_id", "field__slug", "target_id")
    )
    assert links == {
        (deal.pk, "company", company.pk),
        (deal.pk, "contacts", contact.pk),
        (contact.pk, "companies", company.pk),
    }
    lead.refresh_from_db()
    assert (lead.stage and lead.stage.slug, lead.closed) == ("converted", True)
    assert list(
        OutboxEvent.objects.filter(item_id__in=[lead.pk, *[i.pk for i in created.values()]])
        .values_list("kind", flat=True)
        .order_by("id")
    ) == ["item.created", "item.created", "item.created", "item.created", "item.moved"]


def test_only_the_chosen_targets_are_made_and_overrides_win(people: People, lead: Item) -> None:
    created = do_convert_lead(
        people.anna, lead, targets={"deal": {"title": "Демо для Ромашки", "stage": "preparation"}}
    )

    assert set(created) == {"deal"}
    deal = created["deal"]
    assert (deal.title, deal.stage and deal.stage.slug) == ("Демо для Ромашки", "preparation")
    assert "company" not in deal.data
    assert not Item.objects.filter(entity_type__slug__in=["contact", "company"]).exists()


def test_converting_twice_is_refused_and_makes_nothing(people: People, lead: Item) -> None:
    do_convert_lead(people.anna, lead, targets={"deal": {}})
    lead.refresh_from_db()
    before = row_counts()

    with pytest.raises(ValidationFailed) as refused:
        do_convert_lead(people.anna, lead, targets={"deal": {}})

    assert [(p.field, p.code) for p in refused.value.problems] == [("stage", "lead_closed")]
    assert row_counts() == before


def test_a_refused_target_leaves_no_partial_conversion(people: People, lead: Item) -> None:
    before = row_counts()

    with pytest.raises(ValidationFailed) as refused:
        do_convert_lead(people.anna, lead, targets={"company": {}, "contact": {}, "deal": {"amount": "lots"}})

    assert [(p.field, p.code) for p in refused.value.problems] == [("deal.amount", "wrong_type")]
    assert row_counts() == before
    lead.refresh_from_db()
    assert (lead.closed, lead.stage and lead.stage.slug) == (False, "new")


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ({}, [(None, "no_targets")]),
        ({"invoice": {}}, [("invoice", "unknown_target"), (None, "no_targets")]),
        ({"deal": {}, "task": {}}, [("task", "unknown_target")]),
    ],
)
def test_targets_must_be_contact_company_or_deal(
    people: People, lead: Item, targets: dict[str, dict[str, str]], expected: list[tuple[str | None, str]]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_convert_lead(people.anna, lead, targets=targets)  # type: ignore[arg-type]

    assert [(p.field, p.code) for p in refused.value.problems] == expected


def test_only_leads_convert(people: People) -> None:
    deal = make_item(people.anna, "deal", title="Сделка")

    with pytest.raises(ValidationFailed) as refused:
        do_convert_lead(people.anna, deal, targets={"contact": {}})

    assert [(p.field, p.code) for p in refused.value.problems] == [("type", "not_a_lead")]


def test_a_switched_off_lead_type_refuses_new_leads(people: People) -> None:
    do_update_entity_type(people.admin, get_entity_type("lead"), {"enabled": False})
    before = row_counts()

    with pytest.raises(AccessDenied) as refused:
        make_item(people.anna, "lead", title="Новый лид")

    assert [(p.field, p.code) for p in refused.value.problems] == [("type", "type_disabled")]
    assert row_counts() == before
