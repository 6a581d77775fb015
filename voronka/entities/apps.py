from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_builtin_types(sender: AppConfig, **kwargs: Any) -> None:
    from voronka.entities.builtin import ensure_builtin_types

    ensure_builtin_types()


class EntitiesConfig(AppConfig):
    name = "voronka.entities"
    label = "entities"
    verbose_name = "Entities"

    def ready(self) -> None:
        post_migrate.connect(_create_builtin_types, sender=self)
