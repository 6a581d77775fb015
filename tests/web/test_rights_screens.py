"""The rights screens: roles, grants, field rules and assignments by administrators, and the explainer."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import People, make_item
from tests.web.helpers import error_codes
from voronka.entities.models import Stage
from voronka.rights.models import FieldRule, Grant, Role, RoleAssignment
from voronka.rights.services import do_create_role, do_set_grants


def _logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _deal_stage() -> Stage:
    return Stage.objects.filter(pipeline__entity_type__slug="deal").select_related("pipeline").order_by("pk").first()  # type: ignore[return-value]


def test_admin_creates_a_role_and_sets_type_wide_and_stage_grants(people: People) -> None:
    admin = _logged_in(people.admin)
    assert admin.get("/rights/").status_code == 200
    response = admin.post("/rights/new/", {"slug": "auditor", "name_ru": "Аудитор", "name_en": "Auditor"})
    assert response.status_code == 302
    assert response["Location"] == "/rights/roles/auditor/"
    role = Role.objects.get(slug="auditor")
    page = admin.get("/rights/roles/auditor/")
    assert page.status_code == 200
    assert 'name="grant__deal__read"' in page.content.decode()

    response = admin.post(
        "/rights/roles/auditor/",
        {"name_ru": "Аудитор продаж", "name_en": "Auditor", "grant__deal__read": "all", "grant__deal__export": "own"},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.name_ru == "Аудитор продаж"
    wide = {(g.action, g.level) for g in Grant.objects.filter(role=role, pipeline=None, stage=None)}
    assert wide == {("read", "all"), ("export", "own")}

    stage = _deal_stage()
    response = admin.post(
        "/rights/roles/auditor/grants/add/",
        {
            "specific-type": "deal",
            "specific-place": f"{stage.pipeline.slug}/{stage.slug}",
            "specific-action": "update",
            "specific-level": "department",
        },
    )
    assert response.status_code == 302
    specific = Grant.objects.get(role=role, stage=stage)
    assert (specific.action, specific.level, specific.pipeline_id) == ("update", "department", stage.pipeline_id)
    assert Grant.objects.filter(role=role).count() == 3  # the type-wide grants are kept

    # Saving the table again keeps the stage grant; removing it leaves the others.
    admin.post("/rights/roles/auditor/", {"name_ru": "Аудитор", "grant__deal__read": "all"})
    assert Grant.objects.filter(role=role, stage=stage).exists()
    assert not Grant.objects.filter(role=role, action="export").exists()
    specific = Grant.objects.get(role=role, stage=stage)  # saving the whole list makes new rows
    assert admin.post(f"/rights/roles/auditor/grants/{specific.pk}/remove/").status_code == 302
    assert list(Grant.objects.filter(role=role).values_list("action", "level")) == [("read", "all")]


def test_a_bad_stage_grant_is_shown_next_to_the_place(people: People) -> None:
    do_create_role(people.admin, {"slug": "r1", "name_ru": "R1"})
    response = _logged_in(people.admin).post(
        "/rights/roles/r1/grants/add/",
        {"specific-type": "deal", "specific-place": "nope/x", "specific-action": "read", "specific-level": "all"},
    )
    assert response.status_code == 200
    assert error_codes(response.context["specific_form"], "place") == ["not_found"]
    assert not Grant.objects.filter(role__slug="r1").exists()


def test_admin_adds_and_removes_a_field_rule(people: People) -> None:
    role = do_create_role(people.admin, {"slug": "r2", "name_ru": "R2"})
    admin = _logged_in(people.admin)
    response = admin.post(
        "/rights/roles/r2/field-rules/add/", {"rule-type": "deal", "rule-field": "amount", "rule-access": "hidden"}
    )
    assert response.status_code == 302
    rule = FieldRule.objects.get(role=role)
    assert (rule.entity_type.slug, rule.field, rule.access) == ("deal", "amount", "hidden")

    bad = admin.post(
        "/rights/roles/r2/field-rules/add/", {"rule-type": "deal", "rule-field": "nosuch", "rule-access": "read"}
    )
    assert bad.status_code == 200
    assert error_codes(bad.context["rule_form"], "field") == ["not_found"]

    assert admin.post(f"/rights/roles/r2/field-rules/{rule.pk}/remove/").status_code == 302
    assert not FieldRule.objects.filter(role=role).exists()


def test_admin_assigns_and_unassigns_a_role(people: People) -> None:
    role = do_create_role(people.admin, {"slug": "r3", "name_ru": "R3"})
    admin = _logged_in(people.admin)
    response = admin.post("/rights/roles/r3/assignments/add/", {"assign-user": str(people.boris.pk)})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(role=role)
    assert assignment.user_id == people.boris.pk
    assert admin.post("/rights/roles/r3/assignments/add/", {"assign-group": "Юристы"}).status_code == 302
    assert RoleAssignment.objects.filter(role=role, group__name="Юристы").exists()

    none = admin.post("/rights/roles/r3/assignments/add/", {})
    assert none.status_code == 200
    assert error_codes(none.context["assign_form"], None) == ["one_target"]

    assert admin.post(f"/rights/roles/r3/assignments/{assignment.pk}/remove/").status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_role_is_deleted_after_confirming(people: People) -> None:
    do_create_role(people.admin, {"slug": "r4", "name_ru": "R4"})
    admin = _logged_in(people.admin)
    assert admin.get("/rights/roles/r4/delete/").status_code == 200
    assert Role.objects.filter(slug="r4").exists()
    assert admin.post("/rights/roles/r4/delete/").status_code == 302
    assert not Role.objects.filter(slug="r4").exists()


def test_a_bad_slug_is_shown_next_to_the_field(people: People) -> None:
    response = _logged_in(people.admin).post("/rights/new/", {"slug": "Bad Slug", "name_ru": "X"})
    assert response.status_code == 200
    assert error_codes(response.context["form"], "slug") == ["invalid_slug"]
    assert 'id="id_slug_error"' in response.content.decode()
    assert not Role.objects.filter(name_ru="X").exists()


def test_the_rights_link_is_for_administrators_only(people: People) -> None:
    assert 'href="/rights/"' in _logged_in(people.admin).get("/").content.decode()
    assert 'href="/rights/"' not in _logged_in(people.anna).get("/").content.decode()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/rights/", {}),
        ("get", "/rights/new/", {}),
        ("post", "/rights/new/", {"slug": "sneaky", "name_ru": "S"}),
        ("get", "/rights/roles/victim/", {}),
        ("post", "/rights/roles/victim/", {"name_ru": "Hacked", "grant__deal__read": "all"}),
        (
            "post",
            "/rights/roles/victim/grants/add/",
            {"specific-type": "deal", "specific-place": "", "specific-action": "read", "specific-level": "all"},
        ),
        ("post", "/rights/roles/victim/grants/GRANT/remove/", {}),
        ("post", "/rights/roles/victim/field-rules/add/", {"rule-type": "deal", "rule-field": "amount"}),
        ("post", "/rights/roles/victim/assignments/add/", {"assign-group": "anna"}),
        ("post", "/rights/roles/victim/assignments/ASSIGNMENT/remove/", {}),
        ("get", "/rights/roles/victim/delete/", {}),
        ("post", "/rights/roles/victim/delete/", {}),
    ],
)
def test_a_manager_gets_403_and_nothing_changes(people: People, method: str, path: str, data: dict[str, str]) -> None:
    role = do_create_role(people.admin, {"slug": "victim", "name_ru": "Victim"})
    grant = do_set_grants(people.admin, role, [{"type": "deal", "action": "read", "level": "own"}])[0]
    assignment = RoleAssignment.objects.create(role=role, user=people.boris)
    path = path.replace("GRANT", str(grant.pk)).replace("ASSIGNMENT", str(assignment.pk))
    before = (
        list(Role.objects.values_list("slug", "name_ru")),
        list(Grant.objects.values_list("pk", "level")),
        list(RoleAssignment.objects.values_list("pk", flat=True)),
        list(FieldRule.objects.values_list("pk", flat=True)),
    )
    response = getattr(_logged_in(people.anna), method)(path, data)
    assert response.status_code == 403
    after = (
        list(Role.objects.values_list("slug", "name_ru")),
        list(Grant.objects.values_list("pk", "level")),
        list(RoleAssignment.objects.values_list("pk", flat=True)),
        list(FieldRule.objects.values_list("pk", flat=True)),
    )
    assert after == before


def test_the_explainer_shows_the_denial_for_anna_and_allowed_for_boris(people: People) -> None:
    deal = make_item(people.boris, "deal", title="x")
    admin = _logged_in(people.admin)
    denied = admin.get(
        "/rights/explain/", {"user": str(people.anna.pk), "type": "deal", "item": str(deal.pk), "action": "update"}
    )
    assert denied.status_code == 200
    result = denied.context["result"]
    assert result["allowed"] is False
    body = denied.content.decode()
    assert str(result["rule"]) in body.replace("&#x27;", "'").replace("&quot;", '"')
    assert "anna" in result["rule"]

    allowed = admin.get(
        "/rights/explain/", {"user": str(people.boris.pk), "type": "deal", "item": str(deal.pk), "action": "update"}
    )
    assert allowed.context["result"]["allowed"] is True

    # Boris may ask about himself; a field is explained as well.
    own = _logged_in(people.boris).get(
        "/rights/explain/", {"user": str(people.boris.pk), "type": "deal", "item": str(deal.pk), "action": "read"}
    )
    assert own.status_code == 200
    assert own.context["result"]["allowed"] is True
    field = _logged_in(people.anna).get(
        "/rights/explain/", {"user": str(people.anna.pk), "type": "deal", "field": "amount"}
    )
    assert field.status_code == 200
    assert "amount" in field.context["result"]["rule"]


def test_a_manager_may_not_explain_somebody_else(people: People) -> None:
    deal = make_item(people.boris, "deal", title="x")
    anna = _logged_in(people.anna)
    assert anna.get("/rights/explain/").status_code == 200
    response = anna.get(
        "/rights/explain/", {"user": str(people.boris.pk), "type": "deal", "item": str(deal.pk), "action": "read"}
    )
    assert response.status_code == 403


def test_the_explainer_puts_a_missing_item_next_to_the_field(people: People) -> None:
    response = _logged_in(people.admin).get(
        "/rights/explain/", {"user": str(people.anna.pk), "type": "deal", "item": "99999999", "action": "read"}
    )
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "item" in response.context["form"].errors
