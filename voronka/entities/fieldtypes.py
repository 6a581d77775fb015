"""Validation and normalisation of custom field values, one rule per field type.

``clean_value`` turns what a client sent into what is stored in ``Item.data`` (JSON), or reports a
problem. References to other rows (users, items, files) are only collected here; the caller checks
them all at once in a few queries, so validating a write never costs one query per value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from voronka.entities.models import FieldDefinition, FieldType

STRING_MAX = 255
TEXT_MAX = 100_000
URL_MAX = 2_000
NUMBER_LIMIT = Decimal("1e15")
MULTIPLE_MAX = 500
EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{3,40}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
ID_RE = re.compile(r"[0-9]{1,19}")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Invalid(Exception):
    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass
class References:
    """Ids a write refers to, to be checked in bulk: users, items per link type, files."""

    users: dict[int, list[str]] = field(default_factory=dict)
    items: dict[int, list[tuple[str, int | None]]] = field(default_factory=dict)
    files: dict[int, list[str]] = field(default_factory=dict)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def is_storable_text(value: str) -> bool:
    """False for text no database column can hold: NUL, or a lone surrogate (not valid Unicode)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise Invalid("wrong_type", _("Must be text."))
    if CONTROL_RE.search(value) or not is_storable_text(value):
        raise Invalid("invalid_characters", _("Contains control characters."))
    if len(value) > limit:
        raise Invalid("too_long", _("Must be at most %(limit)d characters.") % {"limit": limit})
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid("wrong_type", _("Must be a number."))
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("invalid_number", _("Must be a finite number."))
    try:
        if isinstance(value, str):
            number = Decimal(value.strip().replace(",", "."))
        else:
            # An int goes in whole: str() of a very long one raises ValueError (the 4300-digit limit).
            number = Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise Invalid("wrong_type", _("Must be a number.")) from exc
    if not number.is_finite():
        raise Invalid("invalid_number", _("Must be a finite number."))
    if abs(number) >= NUMBER_LIMIT:
        raise Invalid("out_of_range", _("Must be less than 10^15 in absolute value."))
    return number


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def clean_string(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    text = _text(value, fd.max_length or STRING_MAX)
    if "\n" in text or "\r" in text:
        raise Invalid("invalid_characters", _("Must be a single line."))
    return text.strip()


def clean_text(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    return _text(value, fd.max_length or TEXT_MAX)


def clean_number(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    return _json_number(_decimal(value))


def clean_money(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    if isinstance(value, str) and "|" in value:  # "100.50|RUB", the Bitrix24 spelling
        amount_text, _sep, currency = value.partition("|")
        value = {"amount": amount_text, "currency": currency}
    if not isinstance(value, dict) or set(value) - {"amount", "currency"} or "amount" not in value:
        raise Invalid("wrong_type", _('Must be {"amount": number, "currency": "RUB"}.'))
    amount = _decimal(value["amount"]).quantize(Decimal("0.01"))
    currency = value.get("currency") or ctx.default_currency
    if not isinstance(currency, str) or not CURRENCY_RE.fullmatch(currency):
        raise Invalid("invalid_currency", _("Currency must be a three-letter code such as RUB."))
    return {"amount": float(amount), "currency": currency}


def clean_date(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    if not isinstance(value, str):
        raise Invalid("wrong_type", _("Must be a date as YYYY-MM-DD."))
    try:
        return dt.date.fromisoformat(value.strip()[:10] if "T" in value else value.strip()).isoformat()
    except ValueError as exc:
        raise Invalid("invalid_date", _("Must be a date as YYYY-MM-DD.")) from exc


def clean_datetime(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    if not isinstance(value, str):
        raise Invalid("wrong_type", _("Must be a date and time in ISO 8601."))
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid("invalid_datetime", _("Must be a date and time in ISO 8601.")) from exc
    if moment.tzinfo is None:
        # A time without an offset means the writer's own local time.
        moment = moment.replace(tzinfo=ctx.time_zone)
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError as exc:  # 0001-01-01T00:30+01:00 is a valid text for a moment before year 1 in UTC
        raise Invalid("invalid_datetime", _("Must be a date and time in ISO 8601.")) from exc
    return utc.isoformat().replace("+00:00", "Z")


def clean_boolean(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    if not isinstance(value, bool):
        raise Invalid("wrong_type", _("Must be true or false."))
    return value


def clean_list(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    keys = {str(option.get("key")) for option in fd.options or []}
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise Invalid("wrong_type", _("Must be one of the list's option keys."))
    if str(value) not in keys:
        raise Invalid("invalid_choice", _("'%(value)s' is not an option of this list.") % {"value": value})
    return str(value)


def reference_id(value: Any, message: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid("wrong_type", message)
    # ASCII digits only: isdigit() also accepts "²", which int() refuses, and a long run overflows int().
    if isinstance(value, str) and not ID_RE.fullmatch(value.strip()):
        raise Invalid("wrong_type", message)
    number = int(value)
    if number <= 0 or number > 2**62:
        raise Invalid("wrong_type", message)
    return number


def clean_user(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    user_id = reference_id(value, _("Must be a user id."))
    refs.users.setdefault(user_id, []).append(fd.slug)
    return user_id


def clean_link(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    item_id = reference_id(value, _("Must be an item id."))
    refs.items.setdefault(item_id, []).append((fd.slug, fd.link_type_id))
    return item_id


def clean_file(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    file_id = reference_id(value, _("Must be the id of an uploaded file."))
    refs.files.setdefault(file_id, []).append(fd.slug)
    return file_id


def clean_phone(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    text = _text(value, 40).strip()
    digits = re.sub(r"\D", "", text)
    if not PHONE_RE.match(text) or not 3 <= len(digits) <= 20:
        raise Invalid("invalid_phone", _("Must be a phone number: digits, spaces, ( ) - and a leading +."))
    return text


def clean_email(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    text = _text(value, 254).strip()
    if not EMAIL_RE.match(text):
        raise Invalid("invalid_email", _("Must be an e-mail address such as name@example.com."))
    local, _at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_url(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    text = _text(value, URL_MAX).strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "http://[::1" - an unclosed IPv6 host
        raise Invalid("invalid_url", _("Must be an http:// or https:// address.")) from exc
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise Invalid("invalid_url", _("Must be an http:// or https:// address."))
    return text


@dataclass(frozen=True)
class CleanContext:
    time_zone: ZoneInfo
    default_currency: str = "RUB"


Cleaner = Callable[[Any, FieldDefinition, References, CleanContext], Any]

CLEANERS: dict[str, Cleaner] = {
    FieldType.STRING: clean_string,
    FieldType.TEXT: clean_text,
    FieldType.NUMBER: clean_number,
    FieldType.MONEY: clean_money,
    FieldType.DATE: clean_date,
    FieldType.DATETIME: clean_datetime,
    FieldType.BOOLEAN: clean_boolean,
    FieldType.LIST: clean_list,
    FieldType.MULTILIST: clean_list,
    FieldType.USER: clean_user,
    FieldType.FILE: clean_file,
    FieldType.LINK: clean_link,
    FieldType.PHONE: clean_phone,
    FieldType.EMAIL: clean_email,
    FieldType.URL: clean_url,
}


def is_multiple(fd: FieldDefinition) -> bool:
    return fd.multiple or fd.field_type == FieldType.MULTILIST


def clean_value(value: Any, fd: FieldDefinition, refs: References, ctx: CleanContext) -> Any:
    """The stored form of ``value`` for field ``fd`` (None when empty); raises ``Invalid``."""
    if is_empty(value):
        return None
    cleaner = CLEANERS[fd.field_type]
    if is_multiple(fd):
        if not isinstance(value, list):
            value = [value]
        if len(value) > MULTIPLE_MAX:
            raise Invalid("too_many", _("At most %(limit)d values.") % {"limit": MULTIPLE_MAX})
        cleaned = [cleaner(v, fd, refs, ctx) for v in value if not is_empty(v)]
        unique: list[Any] = []
        for v in cleaned:
            if v not in unique:
                unique.append(v)
        return unique or None
    if isinstance(value, list):
        raise Invalid("not_multiple", _("This field takes one value, not a list."))
    result = cleaner(value, fd, refs, ctx)
    return None if is_empty(result) else result
