"""``voronka createuser <username> [--admin] [--password ...]``."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from voronka.accounts.services import do_create_user
from voronka.common.errors import VoronkaError


class Command(BaseCommand):
    help = "Create a user (an administrator with --admin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--admin", action="store_true")
        parser.add_argument("--password", help="Asked for interactively when omitted.")
        parser.add_argument("--email", default="")
        parser.add_argument("--language", default="ru", choices=["ru", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or getpass.getpass("Password: ")
        try:
            user = do_create_user(
                None,
                {
                    "username": options["username"],
                    "password": password,
                    "email": options["email"],
                    "language": options["language"],
                    "is_administrator": options["admin"],
                },
            )
        except VoronkaError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created user {user.username} (id {user.pk})")
