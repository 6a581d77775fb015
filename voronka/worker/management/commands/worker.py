"""``voronka worker``: the outbox worker in its own process (embedded mode runs it inside ``voronka run``)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from voronka.worker.runner import run_forever, run_once


class Command(BaseCommand):
    help = "Process outbox events until stopped (SIGINT/SIGTERM)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Process what is due now, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            total = 0
            while (claimed := run_once()) > 0:
                total += claimed
            self.stdout.write(f"processed {total} events")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_forever(stop)
