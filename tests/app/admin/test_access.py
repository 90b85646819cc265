"""Every admin route refuses anyone but a signed-in owner, and every admin write needs the CSRF token.

The routes are read from the app itself, so a route added later (by any area of the admin) is covered
without anyone remembering to add it here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from app.main import create_app
from shop.core.settings import Settings

PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login")}
HX = {"HX-Request": "true"}


def _admin_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(_env_file=None, seed_demo=False))  # type: ignore[call-arg]
    routes: set[tuple[str, str]] = set()
    # FastAPI keeps included routers as nested entries; iter_route_contexts flattens them with the
    # prefixes applied, so the paths are the ones a browser requests.
    for context in iter_route_contexts(app.routes):
        path, methods = context.path, context.methods
        if not isinstance(context.original_route, APIRoute) or not path or not methods:
            continue
        if path == "/admin" or path.startswith("/admin/"):
            routes.update((method, path) for method in methods - {"HEAD", "OPTIONS"} if (method, path) not in PUBLIC)
    return sorted(routes)


ADMIN_ROUTES = _admin_routes()
WRITE_ROUTES = [(method, path) for method, path in ADMIN_ROUTES if method != "GET"]


def _url(path: str) -> str:
    """Fill path parameters with well-formed ids that exist nowhere."""
    return re.sub(r"\{[^}]+\}", "5f0000000000000000000000", path)


def _call(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    return client.request(method, _url(path), follow_redirects=False, **kwargs)


def test_the_admin_has_routes_to_protect() -> None:
    paths = {path for _, path in ADMIN_ROUTES}
    assert {"/admin", "/admin/products", "/admin/orders/{order_id}/status", "/admin/logout"} <= paths
    assert {"/admin/categories", "/admin/categories/{slug}/edit", "/admin/categories/{slug}/delete"} <= paths
    assert len(WRITE_ROUTES) >= 8


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_anonymous_visitor_is_sent_to_sign_in(client: TestClient, method: str, path: str) -> None:
    response = _call(client, method, path, data={"csrf_token": "x"} if method != "GET" else None)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"].startswith("/admin/login")
    htmx = _call(client, method, path, headers=HX)
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/admin/login")


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_customer_session_is_not_an_owner_session(
    client: TestClient, product_factory: Any, owner: Any, method: str, path: str
) -> None:
    # A real storefront customer: visitor cookie, a cart, even a guessed owner cookie.
    product = product_factory()
    assert (
        client.post("/cart/items", data={"product_id": str(product["_id"])}, follow_redirects=False).status_code == 303
    )
    assert client.cookies.get("aishop_sid")
    client.cookies.set("aishop_owner", client.cookies["aishop_sid"])
    response = _call(client, method, path, headers=HX)
    assert response.status_code == 401
    page = _call(client, method, path)
    assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_owner_write_without_csrf_token_is_refused(owner_client: Any, method: str, path: str) -> None:
    missing = _call(owner_client, method, path, data={"status": "confirmed"})
    assert missing.status_code == 403, missing.text[:300]
    assert "expired or did not come from the admin" in missing.text
    wrong = _call(owner_client, method, path, data={"csrf_token": "not-the-token"})
    assert wrong.status_code == 403
    header = _call(
        owner_client,
        method,
        path,
        headers={**HX, "X-CSRF-Token": owner_client.csrf[:-1] + ("A" if owner_client.csrf[-1] != "A" else "B")},
    )
    assert header.status_code == 403


def test_csrf_token_of_another_session_is_refused(owner_client: Any, services: Any, owner: Any) -> None:
    from tests.support.admin_login import login, session_csrf

    other = TestClient(owner_client.app)
    login(other, owner.email, owner.password)
    other_token = session_csrf(services.db, other)
    assert other_token != owner_client.csrf
    response = owner_client.post("/admin/logout", data={"csrf_token": other_token}, follow_redirects=False)
    assert response.status_code == 403


def test_csrf_header_is_accepted_for_htmx(owner_client: Any) -> None:
    response = owner_client.post(
        "/admin/logout", headers={**HX, "X-CSRF-Token": owner_client.csrf}, follow_redirects=False
    )
    assert response.status_code == 303


def test_admin_pages_carry_the_token_and_are_not_cached(owner_client: Any) -> None:
    page = owner_client.get("/admin/products")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert f'"X-CSRF-Token": "{owner_client.csrf}"' in page.text
    forms = re.findall(r'<form method="post".*?</form>', page.text, re.S)
    assert forms and all(f'name="csrf_token" value="{owner_client.csrf}"' in form for form in forms)
