"""While the database is down every request fails fast with a 503 that says so; /healthz tells the truth
and recovers with it. A real embedded database under its supervisor, killed with SIGKILL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.embedded_mongo import EmbeddedMongo, Supervisor
from app.errors import DATABASE_DOWN
from demo.seed import demo_categories
from shop.catalog.categories import save_categories
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.products import make_product


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Supervisor]:
    """A database of this test's own (the session's is shared and must not be killed), restarted 15 s
    after it dies: long enough for the requests sent while it is down (an order up to ~4 s: its
    transaction's 3.5 s bound; the lookup and the health check ~2.5 s each). With 10 s, a fresh-clone
    run saw the restarted database answer the health check that was meant to find it down."""
    supervisor = Supervisor(EmbeddedMongo(tmp_path / "db"), backoff_seconds=(15.0,))
    supervisor.start()
    yield supervisor
    supervisor.stop()


@pytest.fixture
def shop(supervised: Supervisor, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, object]]]:
    from app.main import create_app

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_uri=supervised.uri,
        mongodb_db="shop",
        data_dir=tmp_path / "var",
        seed_demo=False,
        catalog_refresh_seconds=0,
    )
    client = connect(supervised.uri)
    db = database(client, "shop")
    ensure_indexes(db)
    save_categories(db, demo_categories())
    product = make_product(db, stock=50)
    services = ShopServices.build(db, settings, background_mail=False)
    app = create_app(settings, services)
    app.state.database_supervisor = supervised
    try:
        with TestClient(app) as test_client:
            yield test_client, product
    finally:
        services.close()
        client.close()


def order(product: dict[str, object]) -> dict[str, object]:
    return {
        "customerName": "Ada Lovelace",
        "email": "ada@example.com",
        "address": "12 Analytical Row, London",
        "items": [{"productId": str(product["_id"]), "quantity": 1}],
    }


def timed(send: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = send()  # type: ignore[operator]
    return response, time.monotonic() - started


def test_requests_while_the_database_is_down_get_a_503_within_5_s_then_it_recovers(
    shop: tuple[TestClient, dict[str, object]], supervised: Supervisor
) -> None:
    client, product = shop
    assert client.post("/api/orders", json=order(product), headers={"Idempotency-Key": "before"}).status_code == 201
    supervised.server.process.kill()  # type: ignore[union-attr] - kill -9
    supervised.server.process.wait()  # type: ignore[union-attr]

    answers = {
        "order": timed(lambda: client.post("/api/orders", json=order(product), headers={"Idempotency-Key": "down"})),
        "lookup": timed(lambda: client.get("/api/orders/12345678", params={"email": "ada@example.com"})),
        "health": timed(lambda: client.get("/healthz")),
    }
    for name, (response, seconds) in answers.items():
        assert response.status_code == 503, (name, response.text)
        assert seconds < 5, (name, seconds)
        assert response.headers["Retry-After"] == "5"
        assert response.json()["detail"] == DATABASE_DOWN
    assert answers["health"][0].json()["database"]["embedded"]["state"] == "restarting"

    deadline = time.monotonic() + 30
    while (health := client.get("/healthz")).status_code != 200 or health.json()["database"]["embedded"] != {
        "state": "running",
        "restarts": 1,
        "lastExitCode": -9,
        "downSeconds": None,
    }:
        assert time.monotonic() < deadline, health.text
        time.sleep(0.1)
    # The app's client reconnected by itself; the retried order is placed once, the first one kept.
    retried = client.post("/api/orders", json=order(product), headers={"Idempotency-Key": "down"})
    assert retried.status_code == 201, retried.text
    again = client.post("/api/orders", json=order(product), headers={"Idempotency-Key": "down"})
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["id"] == retried.json()["id"]
    first = client.get("/api/orders/" + retried.json()["id"], params={"email": "ada@example.com"})
    assert first.status_code == 200
    with connect(supervised.uri) as check:
        assert check.shop.orders.count_documents({}) == 2
