from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from tests.factories import People, make_people
from voronka.rights.access import forget_policies


@pytest.fixture(autouse=True)
def _fresh_rights_cache() -> Iterator[None]:
    """Each test rolls back its rights version; shared policies from another test must not survive."""
    forget_policies()
    yield
    forget_policies()


@pytest.fixture
def people(db: None) -> People:
    return make_people()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
