"""Rights screens: roles with their grants, field rules and assignments (administrators), and the explainer.

Who sees what: only administrators manage roles; every one of those screens answers 403 to anyone else
(the services refuse as well). The explainer is open to every logged-in user about themselves, and to
administrators about anyone — the same rule as ``GET /api/v1/rights/explain``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from voronka.accounts.models import Department, User
from voronka.common.errors import AccessDenied, NotFound, VoronkaError
from voronka.entities.models import EntityType, Pipeline, Stage
from voronka.rights import services
from voronka.rights.explainer import explain
from voronka.rights.models import Action, FieldRule, Grant, Role, RoleAssignment
from voronka.web.forms import ConfirmForm
from voronka.web.helpers import acting_user, administrator_required, parse_optional_id, posted, show_problems
from voronka.web.rights_forms import (
    AssignmentForm,
    ExplainForm,
    FieldRuleForm,
    RoleCreateForm,
    RoleForm,
    SpecificGrantForm,
    grant_field_name,
    place_choices,
)

SECTION = "rights"


def _types() -> list[EntityType]:
    return list(EntityType.objects.order_by("pk"))


def _role_or_404(slug: str) -> Role:
    try:
        return services.get_role(slug)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _grants(role: Role) -> list[Grant]:
    return list(Grant.objects.filter(role=role).select_related("entity_type", "pipeline", "stage").order_by("pk"))


def _grant_spec(grant: Grant) -> dict[str, Any]:
    return {
        "type": grant.entity_type.slug,
        "pipeline": grant.pipeline.slug if grant.pipeline else None,
        "stage": grant.stage.slug if grant.stage else None,
        "action": grant.action,
        "level": grant.level,
    }


def _is_specific(grant: Grant) -> bool:
    return grant.pipeline_id is not None or grant.stage_id is not None


def _rules(role: Role) -> list[FieldRule]:
    return list(FieldRule.objects.filter(role=role).select_related("entity_type").order_by("pk"))


def _show_list_problems(form: forms.Form, error: VoronkaError, field_for: Callable[[str], str | None]) -> None:
    """Problems of a whole-list service (``grants[3].level``) go next to the input that caused them."""
    if isinstance(error, AccessDenied):
        raise PermissionDenied(str(error)) from error
    if isinstance(error, NotFound):
        raise Http404(str(error)) from error
    for problem in error.problems:
        field = field_for(problem.field) if problem.field else None
        form.add_error(
            field if field in form.fields else None, forms.ValidationError(problem.message, code=problem.code)
        )


def _suffix(path: str) -> str | None:
    """``grants[3].level`` → ``level``: the added row is the only one the administrator just typed."""
    return path.rpartition(".")[2] if "." in path else None


def _role_form(request: HttpRequest | None, role: Role, types: list[EntityType]) -> RoleForm:
    initial: dict[str, Any] = {"name_ru": role.name_ru, "name_en": role.name_en}
    for grant in _grants(role):
        if not _is_specific(grant):
            initial[grant_field_name(grant.entity_type.slug, grant.action)] = grant.level
    return RoleForm(posted(request) if request else None, initial=initial, types=types)


def _role_page(request: HttpRequest, role: Role, **bound: forms.Form) -> HttpResponse:
    """The role screen; a form refused by a service comes in ``bound`` to show its problems."""
    types = _types()
    pipelines = list(Pipeline.objects.order_by("entity_type_id", "sort", "pk"))
    stages = list(Stage.objects.order_by("pipeline_id", "sort", "pk"))
    places = place_choices(types, stages, pipelines)
    context = {
        "role": role,
        "actions": Action.choices,
        "form": bound.get("form") or _role_form(None, role, types),
        "specific_form": bound.get("specific_form") or SpecificGrantForm(types=types, places=places),
        "rule_form": bound.get("rule_form") or FieldRuleForm(types=types),
        "assign_form": bound.get("assign_form")
        or AssignmentForm(
            users=list(User.objects.order_by("last_name", "first_name", "pk")),
            departments=list(Department.objects.order_by("path")),
        ),
        "specific_grants": [g for g in _grants(role) if _is_specific(g)],
        "field_rules": _rules(role),
        "assignments": RoleAssignment.objects.filter(role=role).select_related("user", "department", "group"),
        "section": SECTION,
    }
    return render(request, "web/rights/role.html", context)


@administrator_required
def role_list(request: HttpRequest) -> HttpResponse:
    roles = Role.objects.annotate(
        grant_count=Count("grants", distinct=True), assignment_count=Count("assignments", distinct=True)
    ).order_by("pk")
    return render(request, "web/rights/list.html", {"roles": roles, "section": SECTION})


@administrator_required
@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest) -> HttpResponse:
    form = RoleCreateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            role = services.do_create_role(acting_user(request), dict(form.cleaned_data))
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            messages.success(request, _("Role %(name)s is created.") % {"name": role.name})
            return redirect("web:role_edit", slug=role.slug)
    return render(request, "web/rights/create.html", {"form": form, "section": SECTION})


@administrator_required
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, slug: str) -> HttpResponse:
    role = _role_or_404(slug)
    if request.method != "POST":
        return _role_page(request, role)
    types = _types()
    form = _role_form(request, role, types)
    if form.is_valid():
        actor = acting_user(request)
        type_wide = form.type_wide_grants()
        grants = type_wide + [_grant_spec(g) for g in _grants(role) if _is_specific(g)]

        def field_for(path: str) -> str | None:
            index = path.partition("[")[2].partition("]")[0]
            if index.isdigit() and int(index) < len(type_wide):
                spec = type_wide[int(index)]
                return grant_field_name(spec["type"], spec["action"])
            return None

        try:
            with transaction.atomic():
                names = {key: form.cleaned_data[key] for key in ("name_ru", "name_en")}
                services.do_update_role(actor, role, names)
                services.do_set_grants(actor, role, grants)
        except VoronkaError as exc:
            role.refresh_from_db()
            _show_list_problems(form, exc, lambda path: path if path in form.fields else field_for(path))
        else:
            messages.success(request, _("Role %(name)s is saved.") % {"name": role.name})
            return redirect("web:role_edit", slug=role.slug)
    return _role_page(request, role, form=form)


@administrator_required
@require_POST
def grant_add(request: HttpRequest, slug: str) -> HttpResponse:
    role = _role_or_404(slug)
    types = _types()
    pipelines = list(Pipeline.objects.order_by("entity_type_id", "sort", "pk"))
    stages = list(Stage.objects.order_by("pipeline_id", "sort", "pk"))
    form = SpecificGrantForm(request.POST, types=types, places=place_choices(types, stages, pipelines))
    if form.is_valid():
        new = form.grant()
        try:
            services.do_set_grants(acting_user(request), role, [_grant_spec(g) for g in _grants(role)] + [new])
        except VoronkaError as exc:
            _show_list_problems(
                form, exc, lambda path: "place" if _suffix(path) in {"pipeline", "stage"} else _suffix(path)
            )
        else:
            messages.success(request, _("The grant is added."))
            return redirect("web:role_edit", slug=role.slug)
    return _role_page(request, role, specific_form=form)


@administrator_required
@require_POST
def grant_remove(request: HttpRequest, slug: str, grant_id: int) -> HttpResponse:
    role = _role_or_404(slug)
    grants = _grants(role)
    if not any(g.pk == grant_id for g in grants):
        raise Http404(_("No such grant."))
    services.do_set_grants(acting_user(request), role, [_grant_spec(g) for g in grants if g.pk != grant_id])
    messages.success(request, _("The grant is removed."))
    return redirect("web:role_edit", slug=role.slug)


def _rule_spec(rule: FieldRule) -> dict[str, Any]:
    return {"type": rule.entity_type.slug, "field": rule.field, "access": rule.access}


@administrator_required
@require_POST
def rule_add(request: HttpRequest, slug: str) -> HttpResponse:
    role = _role_or_404(slug)
    form = FieldRuleForm(request.POST, types=_types())
    if form.is_valid():
        new = form.rule()
        # The rule for the same field is replaced rather than refused as a duplicate.
        rules = [_rule_spec(r) for r in _rules(role) if (r.entity_type.slug, r.field) != (new["type"], new["field"])]
        try:
            services.do_set_field_rules(acting_user(request), role, [*rules, new])
        except VoronkaError as exc:
            _show_list_problems(form, exc, _suffix)
        else:
            messages.success(request, _("The field rule is saved."))
            return redirect("web:role_edit", slug=role.slug)
    return _role_page(request, role, rule_form=form)


@administrator_required
@require_POST
def rule_remove(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    role = _role_or_404(slug)
    rules = _rules(role)
    if not any(r.pk == rule_id for r in rules):
        raise Http404(_("No such field rule."))
    services.do_set_field_rules(acting_user(request), role, [_rule_spec(r) for r in rules if r.pk != rule_id])
    messages.success(request, _("The field rule is removed."))
    return redirect("web:role_edit", slug=role.slug)


@administrator_required
@require_POST
def assign(request: HttpRequest, slug: str) -> HttpResponse:
    role = _role_or_404(slug)
    form = AssignmentForm(
        request.POST,
        users=list(User.objects.order_by("last_name", "first_name", "pk")),
        departments=list(Department.objects.order_by("path")),
    )
    if form.is_valid():
        try:
            values: dict[str, Any] = {}
            user_id = parse_optional_id("user", form.cleaned_data["user"])
            department_id = parse_optional_id("department", form.cleaned_data["department"])
            if user_id is not None:
                values["user"] = user_id
            if department_id is not None:
                values["department"] = department_id
            if form.cleaned_data["group"].strip():
                values["group"] = form.cleaned_data["group"]
            services.do_assign_role(acting_user(request), role, values)
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            messages.success(request, _("The role is assigned."))
            return redirect("web:role_edit", slug=role.slug)
    return _role_page(request, role, assign_form=form)


@administrator_required
@require_POST
def unassign(request: HttpRequest, slug: str, assignment_id: int) -> HttpResponse:
    role = _role_or_404(slug)
    assignment = RoleAssignment.objects.filter(pk=assignment_id, role=role).select_related("role").first()
    if assignment is None:
        raise Http404(_("No such assignment."))
    services.do_unassign_role(acting_user(request), assignment)
    messages.success(request, _("The assignment is removed."))
    return redirect("web:role_edit", slug=role.slug)


@administrator_required
@require_http_methods(["GET", "POST"])
def role_delete(request: HttpRequest, slug: str) -> HttpResponse:
    role = _role_or_404(slug)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.do_delete_role(acting_user(request), role)
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            messages.success(request, _("Role %(name)s is deleted.") % {"name": role.name})
            return redirect("web:rights")
    context = {
        "form": form,
        "role": role,
        "assignment_count": RoleAssignment.objects.filter(role=role).count(),
        "section": SECTION,
    }
    return render(request, "web/rights/delete.html", context)


@login_required
def explain_view(request: HttpRequest) -> HttpResponse:
    asking = acting_user(request)
    users = list(User.objects.order_by("last_name", "first_name", "pk")) if asking.is_administrator else [asking]
    bound = request.GET if "type" in request.GET else None
    form = ExplainForm(bound, initial={"user": str(asking.pk)}, users=users, types=_types())
    result: dict[str, Any] | None = None
    if bound is not None and form.is_valid():
        data = form.cleaned_data
        try:
            user_id = parse_optional_id("user", data["user"]) or asking.pk
            if user_id != asking.pk and not asking.is_administrator:
                raise PermissionDenied
            field = data["field"].strip() or None
            item = parse_optional_id("item", data["item"].strip()) if field is None else None
            result = explain(
                asking,
                user_id,
                data["type"],
                action=data["action"] or "read",
                item=item,
                field=field,
                stage=data["stage"].strip() or None,
            )
        except VoronkaError as exc:
            # A missing or unreadable item is a problem of the question, not a page to refuse.
            for problem in exc.problems:
                name = problem.field if problem.field in form.fields else None
                if name is None and isinstance(exc, AccessDenied | NotFound) and data["item"]:
                    name = "item"
                form.add_error(name, forms.ValidationError(problem.message, code=problem.code))
    context = {"form": form, "result": result, "section": SECTION}
    return render(request, "web/rights/explain.html", context)
