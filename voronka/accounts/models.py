"""Users, the department tree and API tokens."""

from __future__ import annotations

import hashlib
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("ru", "Русский"), ("en", "English")]


class User(AbstractUser):
    """A person who logs in. ``is_active=False`` means blocked: no login, no tokens."""

    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="ru")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    is_administrator = models.BooleanField(
        _("administrator"), default=False, help_text=_("Administrators configure Voronka and see everything.")
    )

    class Meta:
        ordering = ["id"]

    @property
    def display_name(self) -> str:
        full = self.get_full_name().strip()
        return full or self.username

    @staticmethod
    def valid_time_zone(name: str) -> bool:
        return name in _TIME_ZONES


_TIME_ZONES = frozenset(available_timezones())


class Department(models.Model):
    """A node of the company tree.

    ``path`` is a materialised path of zero-padded ids ("000001/000007/"), so "this department and
    everything below it" is one indexed ``path LIKE 'prefix%'`` condition rather than a recursive walk.
    """

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    head = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
        verbose_name=_("head"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    members = models.ManyToManyField(User, through="DepartmentMembership", related_name="departments")

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class DepartmentMembership(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="uniq_department_member")]
        indexes = [models.Index(fields=["user", "department"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.department_id}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the native API. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="")
    prefix = models.CharField(max_length=8, help_text="The first characters, to recognise a token in lists.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
