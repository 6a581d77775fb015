"""The demo company: an administrator, a head of department and two managers in two departments."""

from __future__ import annotations

from voronka.accounts.models import Department, User
from voronka.accounts.services import do_create_department, do_create_user, do_set_department_members
from voronka.rights.defaults import ensure_default_roles
from voronka.rights.services import do_assign_role

DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password, demo mode only


def _user(username: str, first: str, last: str, *, admin: bool = False, language: str = "ru") -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = do_create_user(
        None,
        {
            "username": username,
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.com",
            "is_administrator": admin,
            "language": language,
        },
    )
    # The demo password is short on purpose and bypasses the password rules: demo mode only.
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


def create_demo_people() -> dict[str, User]:
    admin = _user("admin", "Алексей", "Админов", admin=True)
    head = _user("head", "Елена", "Руководова")
    anna = _user("anna", "Анна", "Смирнова")
    boris = _user("boris", "Борис", "Петров", language="en")
    company = Department.objects.filter(name="Компания", parent=None).first() or do_create_department(
        None, {"name": "Компания", "head": admin.pk}
    )
    sales1 = Department.objects.filter(name="Продажи 1").first() or do_create_department(
        None, {"name": "Продажи 1", "parent": company.pk, "head": head.pk}
    )
    sales2 = Department.objects.filter(name="Продажи 2").first() or do_create_department(
        None, {"name": "Продажи 2", "parent": company.pk}
    )
    do_set_department_members(None, sales1, [head.pk, anna.pk])
    do_set_department_members(None, sales2, [boris.pk])
    roles = ensure_default_roles()
    # Everyone in the company works their own items; the head sees and works the whole department.
    do_assign_role(None, roles["manager"], {"department": company.pk})
    do_assign_role(None, roles["head"], {"user": head.pk})
    return {"admin": admin, "head": head, "anna": anna, "boris": boris}
