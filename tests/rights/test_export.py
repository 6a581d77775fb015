"""CSV export: only exportable items, never a hidden field, formulas neutralised."""

from __future__ import annotations

import csv
import io

from django.http import StreamingHttpResponse

from tests.factories import People, api_client, make_item
from voronka.accounts.models import User
from voronka.rights.services import do_set_field_rules, get_role


def _export(user: User, query: str = "") -> list[dict[str, str]]:
    response = api_client(user).get(f"/api/v1/types/deal/export{query}")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="deal.csv"'
    content = b"".join(response.streaming_content)  # type: ignore[arg-type]
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_export_holds_own_items_without_hidden_fields(people: People) -> None:
    do_set_field_rules(people.admin, get_role("manager"), [{"type": "deal", "field": "amount", "access": "hidden"}])
    make_item(people.head, "deal", title='=HYPERLINK("http://evil")', amount=10, responsible=people.anna.pk)
    make_item(people.admin, "deal", title="Boris's deal", amount=20, responsible=people.boris.pk)
    rows = _export(people.anna)
    assert [row["title"] for row in rows] == ['\'=HYPERLINK("http://evil")']
    assert "amount" not in rows[0]
    assert {row["title"] for row in _export(people.head)} == {'\'=HYPERLINK("http://evil")'}
    assert {row["amount"] for row in _export(people.admin)} == {"10.0", "20.0"}


def test_export_refuses_a_filter_on_a_hidden_field(people: People) -> None:
    do_set_field_rules(people.admin, get_role("manager"), [{"type": "deal", "field": "amount", "access": "hidden"}])
    assert api_client(people.anna).get("/api/v1/types/deal/export?amount__gt=5").status_code == 422
