from tests.factories import People, api_client, make_item


def test_api_lists_created_deal(people: People) -> None:
    deal = make_item(people.anna, "deal", title="First", amount=100)
    response = api_client(people.anna).get("/api/v1/types/deal/items")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [deal.pk]
