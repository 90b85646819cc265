"""Owner sign-in, sessions, CSRF on the sign-in form, rate limiting and sign-out, through the real app."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import safe_next
from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.admin_login import OwnerAccount, login, login_form_token


def test_sign_in_sets_a_strict_http_only_session_cookie(client: TestClient, owner: OwnerAccount) -> None:
    response = login(client, owner.email, owner.password)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("aishop_owner="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # cookie_secure is off in tests (plain http)
    page = client.get("/admin")
    assert page.status_code == 200 and owner.email in page.text


def test_cookie_is_secure_when_configured(services: ShopServices, settings: Settings, owner: OwnerAccount) -> None:
    from app.main import create_app

    services.settings = settings.model_copy(update={"cookie_secure": True})
    with TestClient(create_app(services.settings, services), base_url="https://testserver") as secure_client:
        response = login(secure_client, owner.email, owner.password)
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("aishop_owner="))
    assert "Secure" in cookie


def test_session_is_stored_only_as_a_hash(client: TestClient, services: ShopServices, owner: OwnerAccount) -> None:
    login(client, owner.email, owner.password)
    token = client.cookies["aishop_owner"]
    session = services.db.owner_sessions.find_one({})
    assert session["_id"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(session)
    lifetime = session["expiresAt"] - session["createdAt"]
    assert timedelta(hours=11, minutes=59) < lifetime <= timedelta(hours=12)
    stored = services.db.owners.find_one({})
    assert stored["passwordHash"].startswith("$argon2id$") and owner.password not in stored["passwordHash"]


@pytest.mark.parametrize("email", ["owner@example.com", "nobody@example.com"])
def test_wrong_credentials_get_one_message_and_no_session(client: TestClient, owner: OwnerAccount, email: str) -> None:
    response = login(client, email, "not the password")
    assert response.status_code == 401
    assert "do not match an owner account" in response.text
    assert "aishop_owner" not in client.cookies


def test_sign_in_form_is_csrf_protected(client: TestClient, owner: OwnerAccount) -> None:
    login_form_token(client)  # sets the double-submit cookie
    forged = client.post(
        "/admin/login",
        data={"email": owner.email, "password": owner.password, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "aishop_owner" not in client.cookies
    fresh = TestClient(client.app)  # no cookie at all, e.g. a form posted from another site
    blind = fresh.post("/admin/login", data={"email": owner.email, "password": owner.password}, follow_redirects=False)
    assert blind.status_code == 403


def test_login_is_rate_limited_per_email_and_address(
    client: TestClient, services: ShopServices, owner: OwnerAccount
) -> None:
    for _ in range(5):
        assert login(client, owner.email, "wrong password").status_code == 401
    locked = login(client, owner.email, owner.password)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text and "15 minutes" in locked.text
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert "aishop_owner" not in client.cookies
    # Knocking again does not extend the lock, and another account is not affected.
    assert login(client, owner.email, owner.password).status_code == 429
    assert services.db.login_failures.count_documents({}) == 5
    assert login(client, "other@example.com", "whatever password").status_code == 401
    # Fifteen minutes later the lock has lifted.
    services.db.login_failures.update_many({}, {"$set": {"at": datetime.now(UTC) - timedelta(minutes=16)}})
    assert login(client, owner.email, owner.password).status_code == 303


def test_successful_login_clears_earlier_failures(
    client: TestClient, services: ShopServices, owner: OwnerAccount
) -> None:
    for _ in range(4):
        login(client, owner.email, "wrong password")
    assert login(client, owner.email, owner.password).status_code == 303
    assert services.db.login_failures.count_documents({}) == 0


def test_sign_in_returns_to_the_page_asked_for(client: TestClient, owner: OwnerAccount) -> None:
    first = client.get("/admin/orders?status=pending", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/admin/login?next=/admin/orders%3Fstatus%3Dpending"
    token = login_form_token(client)
    response = client.post(
        "/admin/login",
        data={
            "email": owner.email,
            "password": owner.password,
            "csrf_token": token,
            "next": "/admin/orders?status=pending",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/orders?status=pending"


@pytest.mark.parametrize(
    "target", ["https://evil.example/admin", "//evil.example/admin", "/products", "/admin\\@evil", "", None]
)
def test_next_never_leaves_the_admin(target: str | None) -> None:
    assert safe_next(target) == "/admin"


def test_expired_session_is_refused(owner_client: TestClient, services: ShopServices) -> None:
    services.db.owner_sessions.update_many({}, {"$set": {"expiresAt": datetime.now(UTC) - timedelta(seconds=1)}})
    response = owner_client.get("/admin/products", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


def test_logout_ends_the_session(owner_client: Any, services: ShopServices) -> None:
    refused = owner_client.post("/admin/logout", follow_redirects=False)
    assert refused.status_code == 403
    response = owner_client.post("/admin/logout", data={"csrf_token": owner_client.csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login?signed_out=1"
    assert services.db.owner_sessions.count_documents({}) == 0
    assert owner_client.get("/admin", follow_redirects=False).status_code == 303
    assert "You are signed out" in owner_client.get("/admin/login?signed_out=1").text


def test_signed_in_owner_skips_the_login_page(owner_client: TestClient) -> None:
    response = owner_client.get("/admin/login?next=/admin/orders", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/orders"


def test_password_reset_signs_out_every_session(owner_client: TestClient, services: ShopServices) -> None:
    from shop.backoffice.owners import set_password

    set_password(services.db, "owner@example.com", "a brand new password")
    assert owner_client.get("/admin", follow_redirects=False).status_code == 303
    entry = services.db.activity_log.find_one({"action": "owner.password_reset"})
    assert entry["owner"] == "owner@example.com" and entry["after"]["sessionsEnded"] == 1
