"""Settings for the test suite: SQLite by default, PostgreSQL when VORONKA_TEST_DATABASE_URL is set."""

import os

import dj_database_url

from voronka.config.settings import *  # noqa: F403
from voronka.config.settings import DATABASES, VAR_DIR

_url = os.environ.get("VORONKA_TEST_DATABASE_URL")
if _url:
    DATABASES["default"] = dj_database_url.parse(_url)
else:
    DATABASES["default"]["TEST"] = {"NAME": None}  # in-memory, one per test worker

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests hash many passwords
EMBEDDED_WORKER = False
FILES_ROOT = VAR_DIR / "test-files" / os.environ.get("PYTEST_XDIST_WORKER", "main")
LANGUAGE_CODE = "en"
