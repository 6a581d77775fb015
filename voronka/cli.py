"""The ``voronka`` console script: Django's management commands under one short name.

``voronka run``, ``voronka worker``, ``voronka demo``, ``voronka createuser``, ``voronka token create``,
``voronka migrate``, ``voronka shell`` — and any other management command.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voronka.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["voronka", *sys.argv[1:]])


if __name__ == "__main__":
    main()
