"""``voronka run``: migrate, load demo data on first start, start the worker thread and the web server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from voronka.accounts.models import User


class Command(BaseCommand):
    help = "Start Voronka: web server and in-process worker (embedded mode)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data on first start.")
        parser.add_argument("--no-worker", action="store_true", help="Run the worker separately (voronka worker).")

    def handle(self, *args: Any, **options: Any) -> None:
        import waitress

        from voronka.config.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        first_start = not User.objects.exists()
        if first_start and not options["no_demo"] and settings.DEMO_MODE:
            self.stdout.write("First start: loading demo data…")
            call_command("demo", verbosity=0)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nVoronka is running at {url}\n"))
        if settings.DEMO_MODE and User.objects.filter(username="admin").exists():
            self.stdout.write("Demo logins (password 'demo', demo mode only):")
            for username, role in (
                ("admin", "administrator"),
                ("head", "head of department Sales 1"),
                ("anna", "manager, Sales 1"),
                ("boris", "manager, Sales 2"),
            ):
                self.stdout.write(f"  {username:<6} / demo   {role}")
        self.stdout.write(f"API: {url}/api/v1/docs  (token: voronka token create <username>)\n")
        if settings.EMBEDDED_WORKER and not options["no_worker"]:
            from voronka.worker.runner import start_embedded_worker

            start_embedded_worker()
        waitress.serve(
            application, host=options["host"], port=options["port"], threads=options["threads"], ident="Voronka"
        )
