"""The layout: navigation, the user's language, escaping of user text."""

from __future__ import annotations

from django.test import Client

from tests.factories import People, api_client
from voronka.accounts.models import User
from voronka.accounts.services import do_update_user


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_russian_user_gets_russian_pages(people: People) -> None:
    assert people.anna.language == "ru"
    body = _logged_in(people.anna).get("/people/").content.decode()
    assert '<html lang="ru">' in body
    assert "Сотрудники" in body
    assert "Выйти" in body


def test_an_english_user_gets_english_pages(people: People) -> None:
    assert people.boris.language == "en"
    body = _logged_in(people.boris).get("/people/").content.decode()
    assert '<html lang="en">' in body
    assert ">People<" in body
    assert "Log out" in body


def test_a_validation_message_is_in_the_users_language(people: People) -> None:
    response = _logged_in(people.admin).post(f"/people/{people.admin.pk}/block/")
    assert response.status_code == 200
    assert "Нельзя заблокировать самого себя." in response.content.decode()


def test_navigation_marks_the_current_page_and_shows_the_user(people: People) -> None:
    body = _logged_in(people.boris).get("/departments/").content.decode()
    assert 'href="/departments/" aria-current="page"' in body
    assert people.boris.display_name in body
    assert 'aria-label="Main menu"' in body


def test_user_text_is_escaped(people: People) -> None:
    do_update_user(people.admin, people.boris, {"first_name": "<script>alert(1)</script>"})
    body = _logged_in(people.admin).get("/people/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_stylesheet_is_served_by_the_app(people: People) -> None:
    body = _logged_in(people.boris).get("/").content.decode()
    assert 'href="/static/web/voronka.css"' in body
    response = Client().get("/static/web/voronka.css")
    assert response.status_code == 200


def test_api_errors_speak_the_language_of_the_token_owner(people: People) -> None:
    russian = api_client(people.anna).post("/api/v1/users", {"username": "x"}, content_type="application/json")
    assert russian.status_code == 403
    assert russian.json()["errors"][0]["message"] == "Это может сделать только администратор."
    english = api_client(people.boris).post("/api/v1/users", {"username": "x"}, content_type="application/json")
    assert english.json()["errors"][0]["message"] == "Only an administrator can do this."
