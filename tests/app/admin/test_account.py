"""The owner changes their own password in the admin: checks, inline errors, sessions and the log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from shop.services import ShopServices
from tests.support.admin_login import OwnerAccount, login

NEW_PASSWORD = "a much longer new password"


def change(client: Any, current: str, new: str, confirmation: str | None = None, **extra: str) -> Response:
    data = {"csrf_token": client.csrf, "current": current, "new": new, "confirmation": new, **extra}
    if confirmation is not None:
        data["confirmation"] = confirmation
    return client.post("/admin/account/password", data=data, follow_redirects=False)


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="field__error" id="field-{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def password_works(client: TestClient, owner: OwnerAccount, password: str) -> bool:
    fresh = TestClient(client.app)
    response = login(fresh, owner.email, password)
    assert response.status_code in (303, 401), response.text[:300]
    return response.status_code == 303


def test_account_page_has_the_form_with_the_session_token(owner_client: Any, owner: OwnerAccount) -> None:
    page = owner_client.get("/admin/account")
    assert page.status_code == 200
    assert f'name="csrf_token" value="{owner_client.csrf}"' in page.text
    for name, autocomplete in (
        ("current", "current-password"),
        ("new", "new-password"),
        ("confirmation", "new-password"),
    ):
        assert re.search(rf'name="{name}" type="password" value=""[^>]*autocomplete="{autocomplete}"', page.text)
    assert 'href="/admin/account"' in owner_client.get("/admin").text  # reachable from every admin page


def test_password_change_signs_out_other_sessions_only_and_is_logged(
    owner_client: Any, client: TestClient, services: ShopServices, owner: OwnerAccount
) -> None:
    assert login(client, owner.email, owner.password).status_code == 303  # the owner on a second browser
    assert client.get("/admin", follow_redirects=False).status_code == 200

    response = change(owner_client, owner.password, NEW_PASSWORD)

    assert response.status_code == 303 and response.headers["location"] == "/admin/account?notice=password"
    assert "every other session was signed out" in owner_client.get(response.headers["location"]).text
    assert owner_client.get("/admin", follow_redirects=False).status_code == 200  # this browser stays in
    other = client.get("/admin", follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"].startswith("/admin/login")
    assert services.db.owner_sessions.count_documents({}) == 1
    assert password_works(owner_client, owner, NEW_PASSWORD)
    assert not password_works(owner_client, owner, owner.password)
    entries = list(services.db.activity_log.find({"action": "owner.password"}))
    assert len(entries) == 1
    entry = entries[0]
    assert entry["owner"] == owner.email and entry["entity"] == "owner" and entry["entityId"] == owner.id
    assert entry["after"] == {"otherSessionsEnded": 1}
    stored_hash = services.db.owners.find_one({})["passwordHash"]
    for secret in (NEW_PASSWORD, owner.password, stored_hash, "argon2"):
        assert secret not in str(entry)
    assert "owner.password" in owner_client.get("/admin/activity?entity=owner").text


@pytest.mark.parametrize(
    ("current", "new", "confirmation", "field", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "current", "That is not your current password."),
        (None, "too short", None, "new", "The password must be at least 12 characters."),
        (None, NEW_PASSWORD, NEW_PASSWORD + "!", "confirmation", "The two new passwords do not match."),
        (None, None, None, "new", "Choose a password different from the current one."),
    ],
)
def test_a_refused_change_says_why_next_to_the_field_and_changes_nothing(
    owner_client: Any,
    services: ShopServices,
    owner: OwnerAccount,
    current: str | None,
    new: str | None,
    confirmation: str | None,
    field: str,
    message: str,
) -> None:
    stored = services.db.owners.find_one({})["passwordHash"]

    response = change(owner_client, current or owner.password, new or owner.password, confirmation)

    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert 'aria-invalid="true"' in response.text
    assert owner.password not in response.text and NEW_PASSWORD not in response.text  # never echoed back
    assert services.db.owners.find_one({})["passwordHash"] == stored
    assert services.db.activity_log.count_documents({}) == 0
    assert owner_client.get("/admin", follow_redirects=False).status_code == 200


def test_every_problem_is_reported_at_once(owner_client: Any) -> None:
    response = change(owner_client, "wrong", "short", "other")
    assert response.status_code == 422
    assert field_error(response.text, "current") and field_error(response.text, "new")
    assert field_error(response.text, "confirmation")


def test_change_without_the_csrf_token_is_refused(owner_client: Any, services: ShopServices) -> None:
    stored = services.db.owners.find_one({})["passwordHash"]
    for token in ("", "forged"):
        response = change(owner_client, "x", NEW_PASSWORD, csrf_token=token)
        assert response.status_code == 403
    assert services.db.owners.find_one({})["passwordHash"] == stored


def test_guessing_the_current_password_is_rate_limited_like_sign_in(
    owner_client: Any, services: ShopServices, owner: OwnerAccount
) -> None:
    stored = services.db.owners.find_one({})["passwordHash"]
    for _ in range(5):
        assert change(owner_client, "a wrong guess", NEW_PASSWORD).status_code == 422
    locked = change(owner_client, owner.password, NEW_PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many failed password checks" in (field_error(locked.text, "current") or "")
    assert services.db.owners.find_one({})["passwordHash"] == stored
    # One count for sign-in and the change form: the sign-in page is locked for this email too.
    assert login(TestClient(owner_client.app), owner.email, owner.password).status_code == 429
