"""Fixtures for the admin: an owner account with a known password and a client signed in as it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pymongo.database import Database

from shop.backoffice.owners import Owner, create_owner
from shop.core.settings import Settings
from shop.services import ShopServices

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class OwnerAccount:
    account: Owner
    email: str
    password: str

    @property
    def id(self) -> str:
        return self.account.id


def login_form_token(client: TestClient) -> str:
    page = client.get("/admin/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the sign-in form has a CSRF field"
    return match.group(1)


def login(client: TestClient, email: str, password: str) -> Response:
    token = login_form_token(client)
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def session_csrf(db: Database, client: TestClient) -> str:
    """The CSRF token of the client's owner session (what every admin page puts in its forms)."""
    cookie = client.cookies.get("aishop_owner")
    assert cookie, "signed in"
    doc = db.owner_sessions.find_one({"_id": hashlib.sha256(cookie.encode()).hexdigest()})
    assert doc is not None
    return str(doc["csrf"])


@pytest.fixture
def owner(db: Database) -> OwnerAccount:
    return OwnerAccount(create_owner(db, OWNER_EMAIL, OWNER_PASSWORD), OWNER_EMAIL, OWNER_PASSWORD)


@pytest.fixture
def owner_client(services: ShopServices, settings: Settings, owner: OwnerAccount) -> Iterator[TestClient]:
    """A second client (its own cookies) signed in as the owner; `owner_client.csrf` holds the token."""
    from app.main import create_app

    with TestClient(create_app(settings, services)) as test_client:
        response = login(test_client, owner.email, owner.password)
        assert response.status_code == 303, response.text
        test_client.csrf = session_csrf(services.db, test_client)  # type: ignore[attr-defined]
        yield test_client
