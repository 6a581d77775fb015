"""Users named in an item's user fields are its participants: "own" access covers them too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voronka.entities.models import FieldType
from voronka.rights.models import ItemParticipant

if TYPE_CHECKING:
    from voronka.entities.models import Item
    from voronka.entities.schema import TypeSchema


def sync_participants(item: Item, schema: TypeSchema, changed_slugs: set[str]) -> None:
    """Mirror every user field's value into ItemParticipant (called in the item's write transaction)."""
    if not changed_slugs:
        return
    wanted: set[int] = set()
    for slug, fd in schema.fields.items():
        if fd.field_type != FieldType.USER:
            continue
        value = item.data.get(slug)
        wanted |= set(value) if isinstance(value, list) else ({value} if isinstance(value, int) else set())
    existing = set(ItemParticipant.objects.filter(item=item).values_list("user_id", flat=True))
    if existing == wanted:
        return
    ItemParticipant.objects.filter(item=item, user_id__in=existing - wanted).delete()
    ItemParticipant.objects.bulk_create([ItemParticipant(item=item, user_id=uid) for uid in sorted(wanted - existing)])
