"""Security headers on every answer, and the templates and scripts that let the policy be strict."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.middleware.security_headers import CONTENT_SECURITY_POLICY
from shop.core.settings import PROJECT_ROOT, Settings
from shop.services import ShopServices

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_the_policy_allows_no_inline_or_evaluated_script() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY


def test_every_kind_of_answer_carries_the_headers(client: TestClient, product_factory: Any) -> None:
    product_factory(name="Kenya Peaberry", slug="kenya-peaberry", price=Decimal("9.00"))
    answers = {
        "page": client.get("/products/kenya-peaberry"),
        "fragment": client.get("/products", headers={"HX-Request": "true"}),
        "api": client.get("/api/products"),
        "static": client.get("/static/css/shop.css"),
        "not found": client.get("/products/no-such-thing"),
        "redirect": client.get("/admin", follow_redirects=False),
    }
    for kind, response in answers.items():
        assert response.status_code in (200, 303, 404), kind
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (kind, name)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, kind
        assert "camera=()" in response.headers["permissions-policy"], kind
        assert "strict-transport-security" not in response.headers, kind  # plain HTTP: COOKIE_SECURE off


@pytest.fixture
def secure_client(services: ShopServices, settings: Settings) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(settings.model_copy(update={"cookie_secure": True}), services)) as test_client:
        yield test_client


def test_hsts_only_behind_https(secure_client: TestClient) -> None:
    assert secure_client.get("/").headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_email_preview_alone_allows_inline_styles(
    owner_client: Any, client: TestClient, services: ShopServices
) -> None:
    sent = client.post(
        "/contact", data={"name": "Ann", "email": "ann@example.com", "subject": "Wrapping", "message": "Gift wrap?"}
    )
    assert sent.status_code == 200
    email_id = str(services.db.outbox.find_one({})["_id"])
    preview = directives(owner_client.get(f"/admin/outbox/{email_id}").headers["content-security-policy"])
    assert preview["style-src"] == ["'self'", "'unsafe-inline'"] and preview["script-src"] == ["'self'"]
    assert preview["frame-ancestors"] == ["'none'"]
    listing = owner_client.get("/admin/outbox").headers["content-security-policy"]
    assert listing == CONTENT_SECURITY_POLICY


# --- what the policy relies on: no inline script or style in what the pages are made of -------------

SERVED_TEMPLATES = sorted(
    path for path in (PROJECT_ROOT / "templates").rglob("*.html") if path.parent.name != "emails"
)  # e-mails are not pages: mail clients read them, and the admin previews them under their own policy

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "hx-on (evaluated)": re.compile(r"\bhx-on", re.I),
    "htmx event filter (evaluated)": re.compile(r"hx-trigger=\"[^\"]*\[", re.I),
    "js: in hx-vals (evaluated)": re.compile(r"hx-vals=['\"]js:", re.I),
}


def served_text(path: Path) -> str:
    """A template without its Jinja comments, which never reach the page."""
    return re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)


def test_templates_hold_no_inline_script_or_style() -> None:
    assert len(SERVED_TEMPLATES) > 40  # the scan sees the templates
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {what}: {match.group(0)[:80]}"
        for path in SERVED_TEMPLATES
        for what, pattern in INLINE.items()
        for match in pattern.finditer(served_text(path))
    ]
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    samples = {
        "inline <script>": "<script>alert(1)</script>",
        "event handler attribute": '<button type="button" onclick="go()">',
        "javascript: URL": '<a href="javascript:go()">',
        "<style> element": "<style>p{}</style>",
        "style attribute": '<p class="x" style="color:red">',
        "hx-on (evaluated)": '<form hx-on::after-request="x()">',
        "htmx event filter (evaluated)": "<form hx-trigger=\"change[target.id!='q']\">",
        "js: in hx-vals (evaluated)": "<div hx-vals='js:{a: 1}'>",
    }
    for what, sample in samples.items():
        assert INLINE[what].search(sample), what
    allowed = '<script src="/static/js/shop.js" defer></script><script type="application/ld+json">{}</script>'
    assert not any(pattern.search(allowed) for pattern in INLINE.values())


def test_our_scripts_do_not_evaluate_strings() -> None:
    for path in (PROJECT_ROOT / "static" / "js").glob("*.js"):
        text = path.read_text()
        assert not re.search(r"\beval\s*\(|new Function\s*\(|setTimeout\s*\(\s*['\"]", text), path.name
