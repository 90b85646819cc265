"""Signing in to the admin the way a browser does: the sign-in form's CSRF token, the POST, the session's token."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx import Response
from pymongo.database import Database

from shop.backoffice.owners import Owner

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class OwnerAccount:
    """An owner with the password kept beside it, so a test can sign in as them."""

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
