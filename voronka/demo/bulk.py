"""Bulk generation of N deals with their companies (about N/4) and contacts (about N/2).

``voronka demo --deals 1000000`` must finish in minutes, so rows are not written through
``do_create_item`` (a million service calls take hours). They are planned here in the exact form the
items service stores (values as ``voronka.entities.fieldtypes`` cleans them, ``ItemLink`` rows
mirroring every link field, ``closed`` following the stage) and written in batches: PostgreSQL COPY
on PostgreSQL, ``bulk_create`` elsewhere. ``tests/demo/test_bulk.py`` runs every generated item back
through the service-layer validation.

Deliberately skipped: ``ItemHistory`` and outbox events. Generated demo data is not a user's change;
a million "item.created" events would only flood the worker and set robots and webhooks off.

The data set comes in clusters: a company, its contacts (1-3) and its deals (1-7), so a deal's
contacts work at the deal's company and every link target is in the same batch as its source.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db import connection
from django.utils import timezone

from voronka.accounts.models import Department, User
from voronka.accounts.services import do_create_department, do_create_user, do_set_department_members
from voronka.demo.bulk_plan import Planner, plan_batches
from voronka.demo.bulk_write import writer_for_connection
from voronka.demo.people import create_demo_people
from voronka.entities.models import FieldDefinition, FieldType, Item, ItemLink
from voronka.entities.schema import get_entity_type
from voronka.entities.services.schema_admin import do_create_field

T = TypeVar("T")
PROGRESS_EVERY_S = 5.0

# Extra managers owning generated data, so department-scoped rights have several people to tell apart.
# (department, parent department, [(username, first name, last name)]); the first one heads it.
EXTRA_STAFF: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "Продажи 1 — Москва",
        "Продажи 1",
        [
            ("manager01", "Дмитрий", "Орлов"),
            ("manager02", "Ольга", "Белова"),
            ("manager03", "Игорь", "Гусев"),
        ],
    ),
    (
        "Продажи 2 — Регионы",
        "Продажи 2",
        [
            ("manager04", "Татьяна", "Фролова"),
            ("manager05", "Кирилл", "Зайцев"),
            ("manager06", "Юлия", "Егорова"),
        ],
    ),
    (
        "Продажи 3",
        "Компания",
        [
            ("manager07", "Максим", "Тарасов"),
            ("manager08", "Дарья", "Козлова"),
            ("manager09", "Павел", "Лебедев"),
            ("manager10", "Марина", "Соколова"),
        ],
    ),
]

# The list field the benchmark filters on; 20 options so one option selects about 5% of the deals.
REGION_OPTIONS = [
    ("msk", "Москва", "Moscow"),
    ("spb", "Санкт-Петербург", "Saint Petersburg"),
    ("nsk", "Новосибирск", "Novosibirsk"),
    ("ekb", "Екатеринбург", "Yekaterinburg"),
    ("kzn", "Казань", "Kazan"),
    ("nnov", "Нижний Новгород", "Nizhny Novgorod"),
    ("chel", "Челябинск", "Chelyabinsk"),
    ("samara", "Самара", "Samara"),
    ("omsk", "Омск", "Omsk"),
    ("rnd", "Ростов-на-Дону", "Rostov-on-Don"),
    ("ufa", "Уфа", "Ufa"),
    ("krsk", "Красноярск", "Krasnoyarsk"),
    ("perm", "Пермь", "Perm"),
    ("vrn", "Воронеж", "Voronezh"),
    ("vlg", "Волгоград", "Volgograd"),
    ("krd", "Краснодар", "Krasnodar"),
    ("saratov", "Саратов", "Saratov"),
    ("tmn", "Тюмень", "Tyumen"),
    ("tlt", "Тольятти", "Tolyatti"),
    ("izh", "Ижевск", "Izhevsk"),
]


class TextSink(Protocol):
    """Where progress goes: a management command's ``self.stdout`` or ``sys.stdout``."""

    def write(self, msg: str, /) -> object: ...


@dataclass(frozen=True)
class GenerationResult:
    deals: int
    companies: int
    contacts: int
    links: int
    seconds: float

    @property
    def items(self) -> int:
        return self.deals + self.companies + self.contacts

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0


def ensure_region_field(admin: User) -> FieldDefinition:
    """The filterable list field "region" on deals (with its expression index), created if missing."""
    deal_type = get_entity_type("deal")
    existing = FieldDefinition.objects.filter(entity_type=deal_type, slug="region").first()
    if existing is not None:
        return existing
    options = [{"key": key, "label_ru": ru, "label_en": en} for key, ru, en in REGION_OPTIONS]
    return do_create_field(
        admin,
        deal_type,
        {
            "slug": "region",
            "name_ru": "Регион",
            "name_en": "Region",
            "field_type": FieldType.LIST,
            "filterable": True,
            "options": options,
        },
    )


def ensure_bulk_staff() -> list[User]:
    """The demo people plus the extra managers and their departments; idempotent. Returns the owners.

    Extra managers get no usable password (an administrator can set one): they exist to own data.
    """
    people = create_demo_people()
    owners = [people["anna"], people["anna"], people["boris"], people["boris"], people["head"]]
    for department_name, parent_name, members in EXTRA_STAFF:
        users = []
        for username, first, last in members:
            user = User.objects.filter(username=username).first() or do_create_user(
                None, {"username": username, "first_name": first, "last_name": last, "email": f"{username}@example.com"}
            )
            users.append(user)
        if not Department.objects.filter(name=department_name).exists():
            parent = Department.objects.filter(name=parent_name).first()
            department = do_create_department(
                None, {"name": department_name, "parent": parent.pk if parent else None, "head": users[0].pk}
            )
            do_set_department_members(None, department, [u.pk for u in users])
        owners.extend(users)
    return [owner for owner in owners if owner.is_active]


# ----------------------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------------------


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def _ahead(source: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``source`` run in a thread up to ``depth`` elements ahead of the consumer.

    Planning is pure Python and needs no database, so it runs while the database works on the previous
    batch (the connection releases the GIL while it waits). The database stays in the calling thread:
    Django connections are per thread, and the caller's transaction must see every write.
    """
    channel: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(element: object) -> bool:
        while not stop.is_set():
            try:
                channel.put(element, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for element in source:
                if not put(element):
                    return
            put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed over to the consumer, which re-raises it
            put(_Failed(error))

    thread = threading.Thread(target=produce, name="demo-planner", daemon=True)
    thread.start()
    try:
        while True:
            element = channel.get()
            if element is _DONE:
                return
            if isinstance(element, _Failed):
                raise element.error
            yield element
    finally:
        stop.set()
        thread.join()


def generate_deals(
    count: int,
    *,
    batch: int = 5000,
    seed: int = 42,
    out: TextSink | None = None,
    owners: Sequence[int] | None = None,
) -> GenerationResult:
    """Insert ``count`` deals with their companies and contacts, ``batch`` items per transaction.

    The same ``seed`` gives the same data (timestamps are relative to the start of the run). ``owners``
    are the ids of the users the items are spread over (responsible and creator); by default the demo
    people and the extra managers of ``ensure_bulk_staff``.
    """
    if count < 1:
        raise ValueError("count must be positive")
    batch = max(100, batch)
    started = time.perf_counter()
    rng = random.Random(seed)
    owner_ids = list(owners) if owners is not None else [user.pk for user in ensure_bulk_staff()]
    now = timezone.now().replace(microsecond=0)
    planner = Planner(rng, owner_ids, now)  # reads the schemas here, in the caller's thread
    writer = writer_for_connection()
    kinds = {
        planner.company.entity_type.pk: "company",
        planner.contact.entity_type.pk: "contact",
        planner.deal.entity_type.pk: "deal",
    }
    counts = dict.fromkeys(kinds.values(), 0)
    links = 0
    last_report = started
    for planned in _ahead(plan_batches(planner, rng, count, batch)):
        links += writer.write(planned)
        for p in planned:
            counts[kinds[p.entity_type_id]] += 1
        if out is not None and time.perf_counter() - last_report >= PROGRESS_EVERY_S:
            last_report = time.perf_counter()
            elapsed = last_report - started
            total = sum(counts.values())
            out.write(
                f"generated {counts['deal']}/{count} deals, {total} items, {total / elapsed:.0f} items/s, "
                f"{elapsed:.0f} s\n"
            )
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner picks the expression indexes right away.
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{Item._meta.db_table}", "{ItemLink._meta.db_table}"')
    result = GenerationResult(
        deals=counts["deal"],
        companies=counts["company"],
        contacts=counts["contact"],
        links=links,
        seconds=time.perf_counter() - started,
    )
    if out is not None:
        out.write(
            f"generated {result.deals} deals, {result.companies} companies, {result.contacts} contacts, "
            f"{result.links} links in {result.seconds:.1f} s ({result.items_per_second:.0f} items/s)\n"
        )
    return result
