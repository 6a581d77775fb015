"""``voronka demo [--deals N]``: demo people and CRM data.

Without ``--deals`` a small, hand-made data set is written through the services (as a user would).
With ``--deals N`` N deals with their companies and contacts are generated in bulk (see ``bulk``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from voronka.demo.people import create_demo_people
from voronka.demo.sample import create_sample_items


class Command(BaseCommand):
    help = "Load demo users, departments and CRM items."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--deals", type=int, default=0, help="Generate this many deals in bulk.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per bulk insert.")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        people = create_demo_people()
        if options["deals"]:
            from voronka.demo.bulk import generate_deals

            generate_deals(options["deals"], batch=options["batch"], seed=options["seed"], out=self.stdout)
        else:
            create_sample_items(people)
        self.stdout.write("demo data ready")
