"""The monitoring middleware through the real app: /metrics, its access rule, request ids in logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.logs import ACCESS_LOG
from app.main import create_app
from shop.core.settings import Settings
from shop.services import ShopServices

LOCAL = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly `labels` (in any order), 0 when there is none."""
    for match in re.finditer(r"^(\w+)(?:\{(.*)\})? (\S+)$", text, re.MULTILINE):
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if match.group(1) == name and found == labels:
            return float(match.group(3))
    return 0.0


@pytest.fixture
def local(services: ShopServices, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services), client=LOCAL) as test_client:
        yield test_client


def test_metrics_expose_route_histograms_db_and_order_figures(
    local: TestClient, product_factory: Any, services: ShopServices
) -> None:
    product = product_factory(name="Kenya AA", stock=5)
    before = local.get("/metrics").text
    for _ in range(3):
        assert local.get(f"/products/{product['slug']}").status_code == 200
    assert local.get("/products/no-such-product").status_code == 404
    after = local.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    route = {"method": "GET", "route": "/products/{slug}"}
    count = "aishop_http_request_duration_seconds_count"
    assert sample(text, count, **route) - sample(before, count, **route) == 4
    assert sample(text, "aishop_http_request_duration_seconds_bucket", **route, le="+Inf") >= 4
    requests = "aishop_http_requests_total"
    assert sample(text, requests, **route, status="2xx") - sample(before, requests, **route, status="2xx") == 3
    assert sample(text, requests, **route, status="4xx") - sample(before, requests, **route, status="4xx") == 1
    assert "kenya" not in text.lower()  # raw paths never become labels
    assert sample(text, "aishop_db_command_duration_seconds_count", command="find") > 0
    assert 'aishop_cache_hits_total{cache="product_pages"}' in text
    assert sample(text, "aishop_chat_queue_waiting") == 0


def test_metrics_are_refused_to_other_clients_without_the_token(
    services: ShopServices, settings: Settings, local: TestClient
) -> None:
    with TestClient(create_app(settings, services), client=REMOTE) as remote:
        assert remote.get("/metrics").status_code == 404
    # A proxy on the same machine makes every visitor look local: its forwarding header refuses.
    assert local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 404
    guarded = settings.model_copy(update={"metrics_token": SecretStr("s3cret-token")})
    with TestClient(create_app(guarded, services), client=REMOTE) as remote:
        refused = remote.get("/metrics")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        allowed = remote.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert allowed.status_code == 200 and "aishop_http_request_duration_seconds" in allowed.text


def test_a_safe_request_id_goes_round_trip_and_into_every_log_record(
    services: ShopServices, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, services)
    shop_log = logging.getLogger("shop.test")

    def logs_in_the_thread_pool() -> dict[str, str]:  # a plain def: FastAPI runs it in a worker thread
        shop_log.warning("working on it")
        return {"ok": "yes"}

    app.add_api_route("/test-logging", logs_in_the_thread_pool)
    caplog.set_level(logging.INFO)
    with TestClient(app) as client:
        response = client.get("/test-logging", headers={"X-Request-ID": "edge-42.abc"})
        assert response.status_code == 200 and response.headers["x-request-id"] == "edge-42.abc"
        records = [r for r in caplog.records if getattr(r, "request_id", None) == "edge-42.abc"]
        assert {r.name for r in records} >= {"shop.test", ACCESS_LOG}
        access = next(r for r in records if r.name == ACCESS_LOG)
        assert access.route == "/test-logging" and access.status == 200 and access.method == "GET"  # type: ignore[attr-defined]
        assert access.duration_ms >= 0  # type: ignore[attr-defined]
        assert access.getMessage().startswith("GET /test-logging 200 ") and access.getMessage().endswith(
            " ms (/test-logging)"
        )

        for unsafe in ("x" * 65, "two words", "<script>"):
            echoed = client.get("/test-logging", headers={"X-Request-ID": unsafe}).headers["x-request-id"]
            assert echoed != unsafe and re.fullmatch(r"[0-9a-f]{16}", echoed)
        fresh = client.get("/test-logging").headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{16}", fresh)
    outside = logging.getLogger("shop.test").makeRecord("shop.test", logging.INFO, "f", 1, "m", (), None)
    assert outside.request_id == "-"  # type: ignore[attr-defined]
