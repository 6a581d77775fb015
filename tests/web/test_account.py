"""Logging in and out, blocked users, the own password and the own profile."""

from __future__ import annotations

from django.test import Client

from tests.factories import People, api_client
from voronka.accounts.models import User
from voronka.accounts.services import do_update_user
from voronka.demo.people import DEMO_PASSWORD

NEW_PASSWORD = "Kettle-Orbit-42"


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_with_right_password_opens_the_home_page(people: People) -> None:
    client = Client()
    response = client.post("/login/", {"username": "anna", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert people.anna.display_name in home.content.decode()


def test_login_with_wrong_password_is_refused(people: People) -> None:
    client = Client()
    response = client.post("/login/", {"username": "anna", "password": "not-her-password"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get("/").status_code == 302  # still anonymous: sent to the login page


def test_blocked_user_cannot_log_in_nor_use_a_token(people: People) -> None:
    token_client = api_client(people.anna)
    assert token_client.get("/api/v1/me").status_code == 200
    do_update_user(people.admin, people.anna, {"is_active": False})

    client = Client()
    response = client.post("/login/", {"username": "anna", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert token_client.get("/api/v1/me").status_code == 401


def test_blocking_ends_an_open_session(people: People) -> None:
    client = _logged_in(people.anna)
    assert client.get("/people/").status_code == 200
    do_update_user(people.admin, people.anna, {"is_active": False})
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logout_is_a_post_and_ends_the_session(people: People) -> None:
    client = _logged_in(people.anna)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_anonymous_visitor_is_sent_to_login(db: None) -> None:
    response = Client().get("/people/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/people/"


def test_password_change_with_wrong_old_password_shows_the_error_on_that_field(people: People) -> None:
    client = _logged_in(people.boris)
    response = client.post(
        "/profile/password/",
        {"old_password": "wrong", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["The current password is wrong."]
    body = response.content.decode()
    assert 'id="id_old_password_error"' in body
    assert 'aria-invalid="true"' in body
    people.boris.refresh_from_db()
    assert people.boris.check_password(DEMO_PASSWORD)


def test_password_change_refuses_two_different_new_passwords(people: People) -> None:
    client = _logged_in(people.boris)
    response = client.post(
        "/profile/password/",
        {"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert "new_password_again" in response.context["form"].errors


def test_password_change_refuses_a_weak_password(people: People) -> None:
    client = _logged_in(people.boris)
    response = client.post(
        "/profile/password/", {"old_password": DEMO_PASSWORD, "new_password": "short", "new_password_again": "short"}
    )
    assert response.status_code == 200
    assert "new_password" in response.context["form"].errors


def test_password_change_keeps_the_session_and_the_new_password_logs_in(people: People) -> None:
    client = _logged_in(people.boris)
    response = client.post(
        "/profile/password/",
        {"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200  # this session survives the change

    fresh = Client()
    assert fresh.post("/login/", {"username": "boris", "password": DEMO_PASSWORD}).status_code == 200
    assert fresh.post("/login/", {"username": "boris", "password": NEW_PASSWORD}).status_code == 302


def test_profile_changes_own_language_and_time_zone(people: People) -> None:
    client = _logged_in(people.anna)
    response = client.post("/profile/", {"language": "en", "time_zone": "Asia/Yekaterinburg"})
    assert response.status_code == 302
    people.anna.refresh_from_db()
    assert (people.anna.language, people.anna.time_zone) == ("en", "Asia/Yekaterinburg")
    assert "Your settings are saved." in client.get("/profile/").content.decode()


def test_profile_shows_an_unknown_time_zone_next_to_its_field(people: People) -> None:
    client = _logged_in(people.boris)
    response = client.post("/profile/", {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"] == ["Unknown time zone."]
    people.boris.refresh_from_db()
    assert people.boris.time_zone == "Europe/Moscow"


def test_profile_cannot_make_oneself_an_administrator(people: People) -> None:
    client = _logged_in(people.anna)
    client.post("/profile/", {"language": "ru", "time_zone": "Europe/Moscow", "is_administrator": "on"})
    people.anna.refresh_from_db()
    assert not people.anna.is_administrator
