"""File uploads, attachments to items, and downloads (to be completed by the files work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voronka.entities.models import Item
    from voronka.entities.schema import TypeSchema


def sync_item_files(item: Item, schema: TypeSchema, slugs: set[str]) -> None:
    """Mirror the file ids held in ``item.data[slug]`` for each changed file field (called by the items service)."""
    return None
