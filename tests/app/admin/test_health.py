"""The admin's System health page through the real app, after real requests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from shop.core.settings import Settings
from shop.services import ShopServices


def test_the_health_page_charts_the_requests_just_served(
    owner_client: TestClient, services: ShopServices, settings: Settings, product_factory: Any
) -> None:
    product = product_factory(name="Yirgacheffe", stock=4)
    # Another process's app: it saves its figures when it stops (and once a minute while it serves).
    with TestClient(create_app(settings, services)) as visitor:
        for _ in range(5):
            assert visitor.get(f"/products/{product['slug']}").status_code == 200
        assert visitor.get("/products/not-here").status_code == 404
    saved = list(services.db.system_health.find())
    assert sum(doc["requests"] for doc in saved) >= 6 and sum(doc["rejected"] for doc in saved) >= 1

    page = owner_client.get("/admin/health")
    assert page.status_code == 200
    text = page.text
    assert "<h1>System health</h1>" in text and 'href="/admin/health" aria-current="page"' in text
    assert 'id="response-times-title"' in text and 'id="error-rate-title"' in text
    assert text.count('class="chart__line"') + text.count("<circle") >= 2  # p50 and p95 drawn
    assert "No requests recorded" not in text
    assert "database ping" in text and "ms</strong> database ping" in text
    assert "chat turns waiting" in text and "this process has been up" in text
    assert "Product pages" in text and "Hit rate" in text
    assert "Processes that reported in the last 10 minutes: " in text


def test_the_health_page_is_for_the_owner_only(client: TestClient) -> None:
    response = client.get("/admin/health", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
