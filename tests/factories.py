"""Test data built through the real services, with the demo personas: admin, head, anna, boris."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from voronka.accounts.models import User
from voronka.accounts.services import do_create_token
from voronka.demo.people import create_demo_people
from voronka.entities.models import EntityType, FieldDefinition, Item
from voronka.entities.schema import get_entity_type
from voronka.entities.services.items import do_create_item
from voronka.entities.services.schema_admin import do_create_entity_type, do_create_field


@dataclass
class People:
    admin: User
    head: User
    anna: User
    boris: User


def make_people() -> People:
    people = create_demo_people()
    return People(admin=people["admin"], head=people["head"], anna=people["anna"], boris=people["boris"])


def make_item(actor: User, type_slug: str, **values: Any) -> Item:
    return do_create_item(actor, get_entity_type(type_slug), values)


def make_field(admin: User, type_slug: str, slug: str, field_type: str, **extra: Any) -> FieldDefinition:
    values = {"slug": slug, "name_ru": slug, "field_type": field_type} | extra
    return do_create_field(admin, get_entity_type(type_slug), values)


def make_type(admin: User, slug: str, **extra: Any) -> EntityType:
    return do_create_entity_type(admin, {"slug": slug, "name_ru": slug.title()} | extra)


def api_client(user: User) -> Client:
    """A test client that sends a fresh bearer token of ``user`` with every request."""
    raw = do_create_token(None, user, "test").raw
    return Client(headers={"Authorization": f"Bearer {raw}"})
