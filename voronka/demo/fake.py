"""Plausible Russian business data for generated demo items: companies, people, phones, deals.

Every value is already in the stored form the field types produce (``voronka.entities.fieldtypes``),
so generated rows read exactly like rows written through the services. All randomness comes from the
``random.Random`` passed in, so a seed reproduces a data set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

MALE_NAMES = [
    ("Александр", "alexander"),
    ("Алексей", "alexey"),
    ("Андрей", "andrey"),
    ("Артём", "artem"),
    ("Владимир", "vladimir"),
    ("Виктор", "viktor"),
    ("Дмитрий", "dmitry"),
    ("Евгений", "evgeny"),
    ("Иван", "ivan"),
    ("Игорь", "igor"),
    ("Кирилл", "kirill"),
    ("Максим", "maxim"),
    ("Михаил", "mikhail"),
    ("Никита", "nikita"),
    ("Николай", "nikolay"),
    ("Олег", "oleg"),
    ("Павел", "pavel"),
    ("Роман", "roman"),
    ("Сергей", "sergey"),
    ("Юрий", "yury"),
]
FEMALE_NAMES = [
    ("Алина", "alina"),
    ("Анна", "anna"),
    ("Виктория", "victoria"),
    ("Дарья", "daria"),
    ("Екатерина", "ekaterina"),
    ("Елена", "elena"),
    ("Ирина", "irina"),
    ("Ксения", "ksenia"),
    ("Марина", "marina"),
    ("Мария", "maria"),
    ("Наталья", "natalia"),
    ("Ольга", "olga"),
    ("Полина", "polina"),
    ("Светлана", "svetlana"),
    ("Татьяна", "tatiana"),
    ("Юлия", "yulia"),
]
# Male surnames; the female form adds "а" (Иванов → Иванова), true for every name here.
SURNAMES = [
    ("Иванов", "ivanov"),
    ("Петров", "petrov"),
    ("Смирнов", "smirnov"),
    ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"),
    ("Васильев", "vasiliev"),
    ("Соколов", "sokolov"),
    ("Михайлов", "mikhailov"),
    ("Новиков", "novikov"),
    ("Фёдоров", "fedorov"),
    ("Морозов", "morozov"),
    ("Волков", "volkov"),
    ("Алексеев", "alekseev"),
    ("Лебедев", "lebedev"),
    ("Семёнов", "semenov"),
    ("Егоров", "egorov"),
    ("Павлов", "pavlov"),
    ("Козлов", "kozlov"),
    ("Степанов", "stepanov"),
    ("Николаев", "nikolaev"),
    ("Орлов", "orlov"),
    ("Андреев", "andreev"),
    ("Макаров", "makarov"),
    ("Никитин", "nikitin"),
    ("Захаров", "zakharov"),
    ("Зайцев", "zaitsev"),
    ("Борисов", "borisov"),
    ("Яковлев", "yakovlev"),
    ("Григорьев", "grigoriev"),
    ("Романов", "romanov"),
    ("Сергеев", "sergeev"),
    ("Кузьмин", "kuzmin"),
    ("Фролов", "frolov"),
    ("Александров", "alexandrov"),
    ("Дмитриев", "dmitriev"),
    ("Королёв", "korolev"),
    ("Гусев", "gusev"),
    ("Киселёв", "kiselev"),
    ("Белов", "belov"),
    ("Тарасов", "tarasov"),
]
POSTS = [
    "Генеральный директор",
    "Коммерческий директор",
    "Финансовый директор",
    "Главный бухгалтер",
    "Менеджер по закупкам",
    "Руководитель отдела снабжения",
    "Главный инженер",
    "Юрист",
    "Офис-менеджер",
    "IT-директор",
    "Руководитель проекта",
    "Специалист по закупкам",
]
COMPANY_PREFIXES = [
    ("Альфа", "alfa"),
    ("Бета", "beta"),
    ("Гамма", "gamma"),
    ("Север", "sever"),
    ("Восток", "vostok"),
    ("Запад", "zapad"),
    ("Гранд", "grand"),
    ("Мега", "mega"),
    ("Нова", "nova"),
    ("Прайм", "prime"),
    ("Тех", "tech"),
    ("Агро", "agro"),
    ("Эко", "eco"),
    ("Гео", "geo"),
    ("Спектр", "spectr"),
    ("Вектор", "vector"),
    ("Орион", "orion"),
    ("Атлант", "atlant"),
    ("Сибирь", "sibir"),
    ("Волга", "volga"),
    ("Урал", "ural"),
    ("Балт", "balt"),
    ("Кристалл", "kristall"),
    ("Меридиан", "meridian"),
    ("Импульс", "impuls"),
    ("Форвард", "forward"),
    ("Лидер", "lider"),
    ("Профи", "profi"),
    ("Стандарт", "standart"),
    ("Ромашка", "romashka"),
]
COMPANY_SUFFIXES = [
    ("", ""),
    ("строй", "stroy"),
    ("торг", "torg"),
    ("снаб", "snab"),
    ("сервис", "service"),
    ("техника", "tehnika"),
    ("логистик", "logistic"),
    ("инвест", "invest"),
    ("пром", "prom"),
    ("маркет", "market"),
    ("софт", "soft"),
    ("трейд", "trade"),
    ("энерго", "energo"),
    ("мед", "med"),
    ("авто", "avto"),
    ("лаб", "lab"),
]
# (legal form, weight); ИП is a sole trader with a 12-digit tax number.
LEGAL_FORMS = [("ООО", 60), ("АО", 12), ("ЗАО", 6), ("ПАО", 3), ("ИП", 19)]
CITIES = [
    ("Москва", "msk", "495"),
    ("Санкт-Петербург", "spb", "812"),
    ("Новосибирск", "nsk", "383"),
    ("Екатеринбург", "ekb", "343"),
    ("Казань", "kzn", "843"),
    ("Нижний Новгород", "nn", "831"),
    ("Самара", "samara", "846"),
    ("Ростов-на-Дону", "rnd", "863"),
    ("Краснодар", "krd", "861"),
    ("Воронеж", "vrn", "473"),
]
TAX_REGIONS = ["77", "78", "50", "54", "66", "16", "52", "63", "61", "23", "36", "47", "74", "02"]
DEAL_SUBJECTS = [
    "Поставка оборудования",
    "Годовое обслуживание",
    "Лицензии на ПО",
    "Внедрение CRM",
    "Консультация",
    "Пилотный проект",
    "Монтаж и пусконаладка",
    "Аудит",
    "Обучение персонала",
    "Расходные материалы",
    "Техническая поддержка",
    "Разработка сайта",
    "Аренда техники",
    "Ремонт",
    "Логистические услуги",
    "Маркетинговая кампания",
    "Сертификация",
    "Проектирование",
    "Абонентское обслуживание",
    "Поставка сырья",
]
COMMENTS = [
    "Клиент просит скидку за объём.",
    "Перезвонить после праздников.",
    "Ждём подписанный договор.",
    "Нужна консультация юриста.",
    "Повторная сделка, клиент доволен прошлой поставкой.",
    "Согласовать сроки с производством.",
    "Клиент сравнивает с предложением конкурента.",
    "Требуется выезд специалиста.",
]
CURRENCIES = [("RUB", 90), ("USD", 6), ("EUR", 4)]
EMAIL_DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru"]


def weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _digits(rng: random.Random, count: int) -> list[int]:
    return [rng.randrange(10) for _ in range(count)]


def _check_digit(digits: list[int], weights: list[int]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def inn(rng: random.Random, *, individual: bool) -> str:
    """A tax number (ИНН) with valid check digits: 10 digits for an organisation, 12 for a sole trader."""
    region = [int(c) for c in rng.choice(TAX_REGIONS)]
    if not individual:
        digits = region + _digits(rng, 7)
        digits.append(_check_digit(digits, [2, 4, 10, 3, 5, 9, 4, 6, 8]))
    else:
        digits = region + _digits(rng, 8)
        digits.append(_check_digit(digits, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]))
        digits.append(_check_digit(digits, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]))
    return "".join(map(str, digits))


def mobile_phone(rng: random.Random) -> str:
    return f"+7 9{rng.randrange(10, 100)} {rng.randrange(100, 1000)}-{rng.randrange(10, 100)}-{rng.randrange(10, 100)}"


def office_phone(rng: random.Random, area_code: str) -> str:
    return f"+7 {area_code} {rng.randrange(100, 1000)}-{rng.randrange(10, 100)}-{rng.randrange(10, 100)}"


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    login: str  # Latin, for e-mail addresses

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def person(rng: random.Random) -> Person:
    surname, surname_latin = rng.choice(SURNAMES)
    if rng.random() < 0.5:
        first, first_latin = rng.choice(MALE_NAMES)
        return Person(first, surname, f"{first_latin}.{surname_latin}")
    first, first_latin = rng.choice(FEMALE_NAMES)
    return Person(first, surname + "а", f"{first_latin}.{surname_latin}a")


@dataclass(frozen=True)
class Company:
    title: str  # ООО «Альфастрой»
    short_name: str  # Альфастрой
    inn: str
    domain: str  # lower-case Latin: alfastroy-msk.ru
    city: str
    area_code: str
    owner: Person | None  # the sole trader himself, for ИП


def company(rng: random.Random) -> Company:
    form = weighted(rng, LEGAL_FORMS)
    city, city_latin, area_code = rng.choice(CITIES)
    if form == "ИП":
        owner = person(rng)
        title = f"ИП {owner.last_name} {owner.first_name[0]}."
        login = owner.login.replace(".", "-")
        return Company(title, owner.last_name, inn(rng, individual=True), f"{login}.ru", city, area_code, owner)
    prefix, prefix_latin = rng.choice(COMPANY_PREFIXES)
    suffix, suffix_latin = rng.choice(COMPANY_SUFFIXES)
    name = prefix + suffix
    domain = f"{prefix_latin}{suffix_latin}-{city_latin}.ru"
    return Company(f"{form} «{name}»", name, inn(rng, individual=False), domain, city, area_code, None)


def deal_title(rng: random.Random, customer: Company) -> str:
    return f"{rng.choice(DEAL_SUBJECTS)} — {customer.short_name}"


def deal_amount(rng: random.Random) -> Decimal:
    """Log-normal around 150 000: many small deals, a few large ones; whole hundreds, two decimals."""
    raw = min(rng.lognormvariate(11.9, 1.1), 5e8)
    return Decimal(max(100, round(raw, -2))).quantize(Decimal("0.01"))
