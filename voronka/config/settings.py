"""Django settings for Voronka.

Everything an operator may change comes from environment variables (prefixed ``VORONKA_``), so the
same code runs embedded (SQLite under ``var/``) and distributed (PostgreSQL, Redis).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VORONKA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key comes from the environment, or is generated once and kept under var/."""
    from_env = os.environ.get("VORONKA_SECRET_KEY")
    if from_env:
        return from_env
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("VORONKA_DEBUG", False)
DEMO_MODE = _env_bool("VORONKA_DEMO", True)
ALLOWED_HOSTS = [h for h in os.environ.get("VORONKA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "voronka.accounts",
    "voronka.events",
    "voronka.entities",
    "voronka.rights",
    "voronka.files",
    "voronka.api",
    "voronka.web",
    "voronka.worker",
    "voronka.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "voronka.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "voronka.config.urls"
WSGI_APPLICATION = "voronka.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'voronka.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("VORONKA_DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web threads read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "voronka" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("VORONKA_TIME_ZONE", "Europe/Moscow")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from the finders; an absent root only warns
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploaded files: never inside a served folder. "local" keeps them under var/files; "s3" uses an
# S3-compatible store configured by the VORONKA_S3_* variables.
FILES_BACKEND = os.environ.get("VORONKA_FILES_BACKEND", "local")
FILES_ROOT = Path(os.environ.get("VORONKA_FILES_ROOT", VAR_DIR / "files"))
FILES_MAX_BYTES = int(os.environ.get("VORONKA_FILES_MAX_BYTES", str(25 * 1024 * 1024)))
FILES_S3 = {
    "endpoint_url": os.environ.get("VORONKA_S3_ENDPOINT_URL", ""),
    "bucket": os.environ.get("VORONKA_S3_BUCKET", ""),
    "access_key": os.environ.get("VORONKA_S3_ACCESS_KEY", ""),
    "secret_key": os.environ.get("VORONKA_S3_SECRET_KEY", ""),
    "region": os.environ.get("VORONKA_S3_REGION", "us-east-1"),
}
# Django's own upload handler spills to disk past this size, so uploads are never held whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The embedded worker runs as a thread inside `voronka run`; tests and distributed installs turn it off.
EMBEDDED_WORKER = _env_bool("VORONKA_EMBEDDED_WORKER", True)
WORKER_POLL_SECONDS = float(os.environ.get("VORONKA_WORKER_POLL_SECONDS", "1.0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VORONKA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
