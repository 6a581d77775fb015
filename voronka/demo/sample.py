"""A small, realistic data set written through the services, so it obeys every rule a user would."""

from __future__ import annotations

from voronka.accounts.models import User
from voronka.entities.models import Item
from voronka.entities.schema import get_entity_type
from voronka.entities.services.items import do_create_item, do_move_item


def create_sample_items(people: dict[str, User]) -> None:
    deal_type = get_entity_type("deal")
    if Item.objects.filter(entity_type=deal_type).exists():
        return
    company_type = get_entity_type("company")
    contact_type = get_entity_type("contact")
    lead_type = get_entity_type("lead")
    anna, boris, head = people["anna"], people["boris"], people["head"]
    companies = [
        do_create_item(
            anna, company_type, {"title": "ООО «Ромашка»", "inn": "7701234567", "phone": ["+7 495 123-45-67"]}
        ),
        do_create_item(
            anna, company_type, {"title": "АО «Вектор»", "inn": "7812345678", "website": "https://vector.example.com"}
        ),
        do_create_item(boris, company_type, {"title": "ИП Сидоров", "inn": "500100732259"}),
    ]
    contacts = [
        do_create_item(
            anna,
            contact_type,
            {
                "title": "Иван Иванов",
                "first_name": "Иван",
                "last_name": "Иванов",
                "phone": ["+7 916 000-11-22"],
                "companies": [companies[0].pk],
            },
        ),
        do_create_item(
            anna,
            contact_type,
            {
                "title": "Мария Кузнецова",
                "first_name": "Мария",
                "last_name": "Кузнецова",
                "email": ["maria@vector.example.com"],
                "companies": [companies[1].pk],
            },
        ),
        do_create_item(
            boris,
            contact_type,
            {"title": "Пётр Сидоров", "first_name": "Пётр", "last_name": "Сидоров", "companies": [companies[2].pk]},
        ),
    ]
    deals = [
        (anna, "Поставка оборудования", 150000, companies[0], contacts[0], "preparation"),
        (anna, "Годовое обслуживание", 480000, companies[1], contacts[1], "invoice"),
        (head, "Пилотный проект", 90000, companies[1], contacts[1], "new"),
        (boris, "Консультация", 25000, companies[2], contacts[2], "in_work"),
        (boris, "Лицензии на 50 мест", 1200000, companies[2], contacts[2], "won"),
    ]
    for owner, title, amount, company, contact, stage in deals:
        deal = do_create_item(
            owner,
            deal_type,
            {"title": title, "amount": amount, "currency": "RUB", "company": company.pk, "contacts": [contact.pk]},
        )
        if stage != "new":
            do_move_item(owner, deal, stage)
    do_create_item(
        anna,
        lead_type,
        {"title": "Заявка с сайта", "first_name": "Олег", "phone": ["+7 903 555-00-00"], "source": "web"},
    )
    do_create_item(boris, lead_type, {"title": "Входящий звонок", "company_title": "ООО «Север»", "source": "call"})
