"""The entity engine's data: types, pipelines, stages, field definitions, items, links, history.

Every tracked thing is an ``Item`` of an ``EntityType``. System columns live on the row; custom
values live in the one JSON column ``data``, keyed by field slug. Filterable custom fields get an
expression index built at run time (see ``services.schema``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from voronka.accounts.models import User


class Labelled(models.Model):
    """A configuration row with a natural key (slug) and a label in each supported language."""

    slug = models.SlugField(max_length=64)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "ru").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ru or self.name_en


class EntityType(Labelled):
    BUILTIN = ("lead", "deal", "contact", "company")

    is_builtin = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True, help_text=_("A disabled type (e.g. leads) accepts no new items."))
    has_money = models.BooleanField(default=False, help_text=_("Items carry an amount and a currency."))
    has_pipelines = models.BooleanField(default=True)
    sort = models.IntegerField(default=100)
    schema_version = models.PositiveIntegerField(default=1, help_text="Bumped by every change of fields or stages.")

    class Meta:
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="uniq_entity_type_slug")]


class Pipeline(Labelled):
    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="pipelines")
    is_default = models.BooleanField(default=False)
    sort = models.IntegerField(default=100)

    class Meta:
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["entity_type", "slug"], name="uniq_pipeline_slug")]


class Stage(Labelled):
    class Semantic(models.TextChoices):
        PROCESS = "process", _("In progress")
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    sort = models.IntegerField(default=100)
    semantic = models.CharField(max_length=10, choices=Semantic.choices, default=Semantic.PROCESS)
    color = models.CharField(max_length=7, default="#8FA3B8")
    probability = models.PositiveSmallIntegerField(default=0, help_text=_("Success probability, percent."))

    class Meta:
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "slug"], name="uniq_stage_slug")]

    @property
    def is_closed(self) -> bool:
        return self.semantic != self.Semantic.PROCESS


class FieldType(models.TextChoices):
    STRING = "string", _("String")
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes/no")
    LIST = "list", _("List")
    MULTILIST = "multilist", _("Multiple choice list")
    USER = "user", _("User")
    FILE = "file", _("File")
    LINK = "link", _("Link to item")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    URL = "url", _("URL")


class FieldDefinition(Labelled):
    """A custom field of one entity type. Its values live in ``Item.data[slug]``."""

    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="fields")
    field_type = models.CharField(max_length=16, choices=FieldType.choices)
    required = models.BooleanField(default=False, help_text=_("Required on every write."))
    required_stages = models.ManyToManyField(Stage, blank=True, related_name="+")
    required_pipelines = models.ManyToManyField(Pipeline, blank=True, related_name="+")
    multiple = models.BooleanField(default=False)
    options = models.JSONField(default=list, blank=True, help_text="List fields: [{key, label_ru, label_en}].")
    default = models.JSONField(null=True, blank=True)
    link_type = models.ForeignKey(EntityType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filterable = models.BooleanField(default=False)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    is_system = models.BooleanField(default=False, help_text=_("Built-in links such as deal → company."))
    section = models.CharField(max_length=100, blank=True, default="")
    sort = models.IntegerField(default=100)

    class Meta:
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["entity_type", "slug"], name="uniq_field_slug")]

    @property
    def index_name(self) -> str:
        return f"item_cf_{self.pk}"


class ItemQuerySet(models.QuerySet["Item"]):
    def visible_to(
        self, user: User | None, action: str = "read", entity_type: EntityType | None = None
    ) -> ItemQuerySet:
        """The items ``user`` may ``action``, as a WHERE clause: the one door every read goes through.

        Give ``entity_type`` whenever the query is about one type: the condition is then that type's
        alone. Without it, every type's condition is joined by OR.
        """
        from voronka.rights.access import scope_items

        return scope_items(self, user, action, entity_type)  # type: ignore[return-value]


class Item(models.Model):
    """One tracked thing: a lead, a deal, a contract... ``version`` increases on every write."""

    entity_type = models.ForeignKey(EntityType, on_delete=models.PROTECT, related_name="items")
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=255)
    responsible = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    modified_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    modified_at = models.DateTimeField()
    closed = models.BooleanField(default=False)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    converted_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["-modified_at", "-id"]
        indexes = [
            models.Index(fields=["entity_type", "-modified_at", "-id"], name="item_type_modified_idx"),
            models.Index(fields=["entity_type", "-created_at", "-id"], name="item_type_created_idx"),
            models.Index(fields=["entity_type", "stage", "-modified_at"], name="item_type_stage_idx"),
            models.Index(fields=["responsible", "entity_type"], name="item_responsible_idx"),
            models.Index(fields=["entity_type", "title"], name="item_type_title_idx"),
            # The kanban's per-stage counts and sums as an index-only scan (see migration 0002).
            models.Index(
                fields=["entity_type", "pipeline", "stage"],
                include=["amount", "responsible", "created_by", "id"],
                condition=models.Q(pipeline__isnull=False),
                name="item_pipeline_totals_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ItemLink(models.Model):
    """A link from ``source`` through one of its link fields to ``target``; mirrors ``source.data``.

    The JSON value is what the item says; this table answers the reverse question ("which contracts
    point at this company") with an index instead of a scan.
    """

    source = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="links_out")
    field = models.ForeignKey(FieldDefinition, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="links_in")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "field", "target"], name="uniq_item_link")]
        indexes = [models.Index(fields=["target", "field"], name="itemlink_target_idx")]

    def __str__(self) -> str:
        return f"{self.source_id} -{self.field_id}-> {self.target_id}"


class ItemHistory(models.Model):
    """One field's change on one item: who, when, from what, to what."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="history")
    field = models.CharField(max_length=64)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()
    event = models.ForeignKey("events.OutboxEvent", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["item", "-changed_at", "-id"], name="history_item_idx")]

    def __str__(self) -> str:
        return f"{self.item_id}.{self.field} at {self.changed_at:%Y-%m-%d %H:%M}"
