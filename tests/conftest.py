from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import People, make_people


@pytest.fixture
def people(db: None) -> People:
    return make_people()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
