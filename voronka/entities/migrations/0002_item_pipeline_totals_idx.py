"""A covering index for the kanban's per-stage counts and sums (``voronka.entities.totals.stage_totals``).

Without it, the totals of a pipeline read every item of the pipeline from the table: about 550 ms at
1,000,000 deals on PostgreSQL for an administrator, and as much for a head of department, whose
``responsible_id IN (...) OR created_by_id = ...`` scope the planner applies as a filter on that same
walk. With it, both are an index-only scan (about 120 ms): the key gives the type, pipeline and
stage; ``amount`` is summed, ``id`` counted and ``responsible_id``/``created_by_id`` checked against the
rights scope without visiting the table. Partial: items without a pipeline (contacts, companies) never
appear in a kanban. Measured with ``bench/rights.py`` (see bench/README.md). On SQLite ``include`` is
ignored and the index is a plain partial one.

Declared in ``Item.Meta.indexes`` as well.
"""

from django.db import migrations, models

PIPELINE_TOTALS_INDEX = models.Index(
    fields=["entity_type", "pipeline", "stage"],
    include=["amount", "responsible", "created_by", "id"],
    condition=models.Q(pipeline__isnull=False),
    name="item_pipeline_totals_idx",
)


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0001_initial"),
    ]

    operations = [migrations.AddIndex(model_name="item", index=PIPELINE_TOTALS_INDEX)]
