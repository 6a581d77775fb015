"""Every custom field type with values it must accept (and store normalised) and values it must refuse.

Shared by the service suite (``tests/entities``) and the API suite (``tests/api``), so both write paths
are held to the same table. Ids that exist only once a test has built its data are written as ``Ref``
placeholders and resolved by ``World.resolve``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.factories import People, make_item
from voronka.accounts.models import User
from voronka.entities.models import FieldType, Item, ItemHistory, ItemLink
from voronka.events.models import OutboxEvent
from voronka.files.models import StoredFile
from voronka.files.services import do_upload_file

PROBE = "probe"  # the slug of the field each case puts on deals

# Function-scoped fixtures (the personas, the probe field) are built once per test and shared by every
# example: each example checks its own before/after counts, so the shared rows do not matter.
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

LIST_OPTIONS: list[Any] = [{"key": "a", "label_ru": "А", "label_en": "A"}, "b", {"key": 3, "label_ru": "Три"}]
FIELD_EXTRAS: dict[str, dict[str, Any]] = {
    "list": {"options": LIST_OPTIONS},
    "multilist": {"options": LIST_OPTIONS},
    "link": {"link_type": "company"},
}
FIELD_TYPES: list[str] = list(FieldType.values)


@dataclass(frozen=True)
class Ref:
    """An id known only at run time: ``anna``, ``boris``, ``company``, ``deal``, ``file``, ``foreign_file``,
    ``missing`` (an id no row has)."""

    name: str


@dataclass(frozen=True)
class Accepted:
    field_type: str
    sent: Any
    stored: Any
    label: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def field_options(self) -> dict[str, Any]:
        return FIELD_EXTRAS.get(self.field_type, {}) | self.extra


@dataclass(frozen=True)
class Refused:
    field_type: str
    sent: Any
    code: str
    label: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def field_options(self) -> dict[str, Any]:
        return FIELD_EXTRAS.get(self.field_type, {}) | self.extra


ACCEPTED = [
    Accepted("string", "  Рога и копыта  ", "Рога и копыта", "trimmed"),
    Accepted("string", "x" * 255, "x" * 255, "at-limit"),
    Accepted("string", "abcde", "abcde", "own-max-length", {"max_length": 5}),
    Accepted("text", "line one\nline two\ttabbed", "line one\nline two\ttabbed", "multiline"),
    Accepted("text", "я" * 100_000, "я" * 100_000, "at-limit"),
    Accepted("number", 42, 42, "int"),
    Accepted("number", 1.25, 1.25, "float"),
    Accepted("number", "3,5", 3.5, "comma-string"),
    Accepted("number", " -7 ", -7, "padded-string"),
    Accepted("number", 0, 0, "zero"),
    Accepted("number", 2.0, 2, "whole-float"),
    Accepted("money", {"amount": 10.5, "currency": "USD"}, {"amount": 10.5, "currency": "USD"}, "object"),
    Accepted("money", "100.50|EUR", {"amount": 100.5, "currency": "EUR"}, "bitrix-spelling"),
    Accepted("money", {"amount": "7"}, {"amount": 7.0, "currency": "RUB"}, "default-currency"),
    Accepted("money", {"amount": "10.129", "currency": "RUB"}, {"amount": 10.13, "currency": "RUB"}, "rounded"),
    Accepted("date", "2024-02-29", "2024-02-29", "leap-day"),
    Accepted("date", "2024-03-01T10:00:00", "2024-03-01", "datetime-cut"),
    Accepted("datetime", "2024-05-01T12:00:00+03:00", "2024-05-01T09:00:00Z", "offset"),
    Accepted("datetime", "2024-05-01T12:00:00", "2024-05-01T09:00:00Z", "naive-is-writers-zone"),
    Accepted("datetime", "2024-05-01T09:00:00Z", "2024-05-01T09:00:00Z", "utc"),
    Accepted("boolean", True, True, "true"),
    Accepted("boolean", False, False, "false"),
    Accepted("list", "a", "a", "key"),
    Accepted("list", 3, "3", "int-key"),
    Accepted("multilist", ["b", "a", "b"], ["b", "a"], "deduplicated"),
    Accepted("multilist", "a", ["a"], "single"),
    Accepted("user", Ref("boris"), Ref("boris"), "id"),
    Accepted("user", Ref("boris:str"), Ref("boris"), "id-as-string"),
    Accepted("user", [Ref("anna"), Ref("boris")], [Ref("anna"), Ref("boris")], "multiple", {"multiple": True}),
    Accepted("file", Ref("file"), Ref("file"), "own-upload"),
    Accepted("link", Ref("company"), Ref("company"), "id"),
    Accepted("link", [Ref("company"), Ref("company")], [Ref("company")], "multiple", {"multiple": True}),
    Accepted("phone", "+7 (495) 123-45-67", "+7 (495) 123-45-67", "formatted"),
    Accepted(
        "phone",
        ["+7 900 000-00-01", "8 800 200 00 00"],
        ["+7 900 000-00-01", "8 800 200 00 00"],
        "multiple",
        {"multiple": True},
    ),
    Accepted("email", " Anna@Example.COM ", "Anna@example.com", "domain-lowered"),
    Accepted("url", "https://example.com/path?q=1", "https://example.com/path?q=1", "https"),
    Accepted("url", "http://пример.рф/", "http://пример.рф/", "idn"),
]

REFUSED = [
    Refused("string", 12, "wrong_type", "number"),
    Refused("string", "two\nlines", "invalid_characters", "newline"),
    Refused("string", "bell\x07", "invalid_characters", "control"),
    Refused("string", "x" * 256, "too_long", "oversize"),
    Refused("string", "abcdef", "too_long", "own-max-length", {"max_length": 5}),
    Refused("string", ["a"], "not_multiple", "list"),
    Refused("text", "я" * 100_001, "too_long", "oversize"),
    Refused("text", {"text": "x"}, "wrong_type", "object"),
    Refused("number", "abc", "wrong_type", "word"),
    Refused("number", True, "wrong_type", "boolean"),
    Refused("number", "1e20", "out_of_range", "huge"),
    Refused("number", "NaN", "invalid_number", "nan"),
    Refused("number", 10**5000, "out_of_range", "enormous-int"),
    Refused("number", [1, 2], "not_multiple", "list"),
    Refused("money", 10, "wrong_type", "bare-number"),
    Refused("money", {"amount": 1, "currency": "rub"}, "invalid_currency", "lowercase-currency"),
    Refused("money", {"amount": "x"}, "wrong_type", "word"),
    Refused("money", {"amount": 1, "tax": 2}, "wrong_type", "extra-key"),
    Refused("money", {"currency": "RUB"}, "wrong_type", "no-amount"),
    Refused("date", "2024-02-30", "invalid_date", "no-such-day"),
    Refused("date", 20240101, "wrong_type", "number"),
    Refused("datetime", "yesterday", "invalid_datetime", "word"),
    Refused("datetime", 1700000000, "wrong_type", "timestamp"),
    Refused("datetime", "0001-01-01T00:30:00+01:00", "invalid_datetime", "before-year-one-in-utc"),
    Refused("datetime", "9999-12-31T23:00:00-05:00", "invalid_datetime", "after-year-9999-in-utc"),
    Refused("boolean", "true", "wrong_type", "string"),
    Refused("boolean", 1, "wrong_type", "one"),
    Refused("list", "z", "invalid_choice", "unknown-key"),
    Refused("list", True, "wrong_type", "boolean"),
    Refused("list", ["a"], "not_multiple", "list"),
    Refused("multilist", ["a", "z"], "invalid_choice", "unknown-key"),
    Refused("multilist", [["a"]], "wrong_type", "nested"),
    Refused("multilist", ["a"] * 501, "too_many", "too-many"),
    Refused("user", Ref("missing"), "user_not_found", "missing"),
    Refused("user", "boris", "wrong_type", "username"),
    Refused("user", -1, "wrong_type", "negative"),
    Refused("user", "²", "wrong_type", "superscript-digit"),
    Refused("user", "9" * 5000, "wrong_type", "enormous-digits"),
    Refused("file", Ref("missing"), "file_not_found", "missing"),
    Refused("file", Ref("foreign_file"), "file_not_found", "someone-elses-upload"),
    Refused("link", Ref("missing"), "item_not_found", "missing"),
    Refused("link", Ref("deal"), "wrong_item_type", "wrong-type"),
    Refused("link", 2**63, "wrong_type", "beyond-bigint"),
    Refused("phone", "call me", "invalid_phone", "words"),
    Refused("phone", "12", "invalid_phone", "too-short"),
    Refused("email", "not-an-email", "invalid_email", "no-at"),
    Refused("email", "a@b", "invalid_email", "no-tld"),
    Refused("url", "ftp://example.com", "invalid_url", "ftp"),
    Refused("url", "javascript:alert(1)", "invalid_url", "javascript"),
    Refused("url", "https://example.com/" + "a" * 2000, "too_long", "oversize"),
    Refused("url", "http://[::1/admin", "invalid_url", "broken-ipv6-host"),
]


def case_id(case: Accepted | Refused) -> str:
    return f"{case.field_type}-{case.label}"


@dataclass
class World:
    """The rows a field case may refer to."""

    people: People
    company: Item
    deal: Item
    file: StoredFile
    foreign_file: StoredFile

    def ids(self) -> dict[str, Any]:
        return {
            "anna": self.people.anna.pk,
            "boris": self.people.boris.pk,
            "boris:str": str(self.people.boris.pk),
            "company": self.company.pk,
            "deal": self.deal.pk,
            "file": self.file.pk,
            "foreign_file": self.foreign_file.pk,
            "missing": 987_654_321,
        }

    def resolve(self, value: Any) -> Any:
        ids = self.ids()
        if isinstance(value, Ref):
            return ids[value.name]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value


def upload(actor: User, name: str = "scan.txt", content: bytes = b"scanned contract text\n") -> StoredFile:
    return do_upload_file(actor, io.BytesIO(content), name)


def build_world(people: People) -> World:
    return World(
        people=people,
        company=make_item(people.anna, "company", title="Рога и копыта"),
        deal=make_item(people.anna, "deal", title="Another deal"),
        file=upload(people.anna),
        foreign_file=upload(people.boris, "other.txt"),
    )


def row_counts() -> dict[str, int]:
    """What a write adds: items, their history, outbox events, link rows."""
    return {
        "items": Item.objects.count(),
        "history": ItemHistory.objects.count(),
        "events": OutboxEvent.objects.count(),
        "links": ItemLink.objects.count(),
    }


def problems_of(body: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in body["errors"]]


def json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


# Arbitrary JSON, including what no sane client sends: NaN, huge numbers, lone surrogates, NUL.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.decimals(allow_nan=False, allow_infinity=False).map(str)
    | st.text(st.characters(codec=None, categories=None), max_size=30)
    | st.sampled_from(
        [
            "a",
            "b",
            "3",
            "2024-02-29",
            "2024-05-01T12:00:00+03:00",
            "+7 900 000-00-01",
            "x@y.ru",
            "https://example.com",
            "100|RUB",
            "1e400",
            "²",
            "9" * 30,
            "0001-01-01T00:30:00+01:00",
            "http://[::1",
            "-0",
            "\x00",
            "\ud800",
        ]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["amount", "currency", "k"]), children, max_size=3)
    ),
    max_leaves=8,
)
