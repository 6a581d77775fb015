"""``voronka token create <username> [--name NAME]``: prints a new API token (shown only once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from voronka.accounts.models import User
from voronka.accounts.services import do_create_token


class Command(BaseCommand):
    help = "Manage API tokens."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user '{options['username']}'")
        if not user.is_active:
            raise CommandError(f"user '{user.username}' is blocked")
        issued = do_create_token(None, user, options["name"])
        self.stdout.write(issued.raw)
