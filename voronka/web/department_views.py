"""Department screens: the company tree, and the administrators' create / edit / delete steps.

Who sees what: every logged-in user may read the tree with heads and members — the company
structure is what staff use to know whom to ask and who decides. Only administrators see the
links to change it, and every screen that changes something answers 403 to anyone else (the
services refuse as well).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from voronka.accounts import services
from voronka.accounts.models import Department, DepartmentMembership, User
from voronka.common.errors import VoronkaError
from voronka.web.forms import ConfirmForm, DepartmentForm
from voronka.web.helpers import (
    acting_user,
    administrator_required,
    get_or_404,
    parse_ids,
    parse_optional_id,
    posted,
    show_problems,
)


def _people() -> list[User]:
    return list(User.objects.order_by("last_name", "first_name", "pk"))


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    # Ordered by materialised path, the list is the tree read top to bottom; depth gives the indent.
    departments = (
        Department.objects.order_by("path")
        .select_related("head")
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("last_name", "first_name", "pk")))
    )
    context = {
        "departments": departments,
        "can_manage": acting_user(request).is_administrator,
        "section": "departments",
    }
    return render(request, "web/departments/list.html", context)


def _save(request: HttpRequest, form: DepartmentForm, department: Department | None) -> Department | None:
    """Apply the form through the services; None when a problem was put on the form instead."""
    actor = acting_user(request)
    data = form.cleaned_data
    try:
        values: dict[str, Any] = {
            "name": data["name"],
            "parent": parse_optional_id("parent", data["parent"]),
            "head": parse_optional_id("head", data["head"]),
        }
        member_ids = parse_ids("members", data["members"])
        # The department and its members are one change: a refused member list must not leave it half-saved.
        with transaction.atomic():
            if department is None:
                department = services.do_create_department(actor, values)
            else:
                department = services.do_update_department(actor, department, values)
            services.do_set_department_members(actor, department, member_ids)
    except VoronkaError as exc:
        show_problems(form, exc)
        return None
    return department


@administrator_required
@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    parent_raw = request.GET.get("parent", "")
    form = DepartmentForm(
        posted(request),
        initial={"parent": parent_raw},
        parents=list(Department.objects.order_by("path")),
        users=_people(),
    )
    if request.method == "POST" and form.is_valid():
        department = _save(request, form, None)
        if department is not None:
            messages.success(request, _("Department %(name)s is created.") % {"name": department.name})
            return redirect("web:departments")
    return render(request, "web/departments/form.html", {"form": form, "creating": True, "section": "departments"})


@administrator_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    department = get_or_404(services.get_department, department_id)
    # Its own subtree is left out of the parents: the service would refuse the cycle anyway.
    parents = list(Department.objects.exclude(path__startswith=department.path).order_by("path"))
    member_ids = DepartmentMembership.objects.filter(department=department).values_list("user_id", flat=True)
    initial = {
        "name": department.name,
        "parent": str(department.parent_id or ""),
        "head": str(department.head_id or ""),
        "members": [str(pk) for pk in member_ids],
    }
    form = DepartmentForm(posted(request), initial=initial, parents=parents, users=_people())
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, department)
        if saved is not None:
            messages.success(request, _("Department %(name)s is saved.") % {"name": saved.name})
            return redirect("web:departments")
        department.refresh_from_db()  # the heading shows the stored name, not the refused one
    context = {"form": form, "creating": False, "department": department, "section": "departments"}
    return render(request, "web/departments/form.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def department_delete(request: HttpRequest, department_id: int) -> HttpResponse:
    department = get_or_404(services.get_department, department_id)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.do_delete_department(acting_user(request), department)
        except VoronkaError as exc:
            show_problems(form, exc)
        else:
            messages.success(request, _("Department %(name)s is deleted.") % {"name": department.name})
            return redirect("web:departments")
    context = {
        "form": form,
        "department": department,
        "children": department.children.order_by("path"),
        "member_count": DepartmentMembership.objects.filter(department=department).count(),
        "section": "departments",
    }
    return render(request, "web/departments/delete.html", context)
