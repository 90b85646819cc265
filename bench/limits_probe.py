"""The abuse probes of issue 13, run again with the default limits: how many of a burst get through.

Starts its own embedded database and serves the app in-process (TestClient; nothing of yours is
touched), with the settings' defaults except that each probe uses its own client address. Prints, per
probe, how many requests were accepted and what the first refused one answered, and the cost of one
limit check (two counters, one round trip) on this database.

    .venv/bin/python bench/limits_probe.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from app.embedded_mongo import EmbeddedMongo
from app.main import create_app
from shop.backoffice.owners import create_owner
from shop.core.db import connect, database
from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.products import make_product


def report(name: str, statuses: list[int], refused: object) -> None:
    accepted = sum(1 for s in statuses if s < 400)
    print(f"{name}: {accepted}/{len(statuses)} accepted; first refusal: {refused}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedMongo(Path(tmp) / "db")
        server.start()
        client = connect(server.uri)
        try:
            settings = Settings(_env_file=None, mongodb_uri=server.uri, data_dir=Path(tmp) / "var", seed_demo=False)  # type: ignore[call-arg]
            db = database(client, settings.mongodb_db)
            services = ShopServices.build(db, settings, background_mail=False)
            product = make_product(db, slug="probe", stock=10_000)
            create_owner(db, "owner@example.com", "a long enough password")
            app = create_app(settings, services)

            def browser(ip: str) -> TestClient:
                return TestClient(app, client=(ip, 40000))

            order = {
                "customerName": "Probe",
                "email": "probe@example.com",
                "address": "1 Probe Street, Testville",
                "items": [{"productId": str(product["_id"]), "quantity": 1}],
            }
            with browser("203.0.113.1") as one:
                started = time.perf_counter()
                answers = [one.post("/api/orders", json=order) for _ in range(30)]
                took = time.perf_counter() - started
            refused = next(
                (
                    f"{a.status_code} Retry-After={a.headers.get('retry-after')} {a.json()}"
                    for a in answers
                    if a.status_code == 429
                ),
                None,
            )
            report(
                f"30 API orders from one client (cookie kept) in {took:.1f} s",
                [a.status_code for a in answers],
                refused,
            )

            statuses = []
            for _ in range(30):
                with browser("203.0.113.2") as fresh:
                    statuses.append(fresh.post("/api/orders", json=order).status_code)
            report("30 API orders from one address, a fresh visitor each", statuses, None)

            review = {"rating": "1", "text": "One star from a fresh visitor.", "authorName": "Mallory"}
            statuses = []
            for _ in range(15):
                with browser("203.0.113.3") as fresh:
                    statuses.append(
                        fresh.post("/products/probe/reviews", data=review, follow_redirects=False).status_code
                    )
            report("15 one-star reviews from fresh visitors", statuses, None)

            message = {"name": "Flood", "email": "flood@example.com", "subject": "Hi", "message": "Flooding you."}
            with browser("203.0.113.4") as one:
                statuses = [one.post("/contact", data=message).status_code for _ in range(15)]
            report(
                "15 contact messages from one visitor",
                statuses,
                f"e-mails to the owner: {db.outbox.count_documents({'kind': 'contact_notification'})}",
            )

            statuses = []
            with browser("127.0.0.1") as attacker:
                for n in range(10):
                    page = attacker.get("/admin/login").text
                    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
                    assert token is not None
                    attacker.headers["X-Forwarded-For"] = f"10.0.{n}.1"
                    form = {
                        "email": "owner@example.com",
                        "password": f"guess number {n}!",
                        "csrf_token": token.group(1),
                    }
                    statuses.append(attacker.post("/admin/login", data=form, follow_redirects=False).status_code)
            report("10 wrong passwords with a rotating X-Forwarded-For", statuses, statuses)

            limits = services.security.limits
            started = time.perf_counter()
            for n in range(200):
                limits.hit("chat", visitor=f"visitor-{n}", ip=f"198.51.{n}.9")
            print(f"one limit check (visitor + address): {(time.perf_counter() - started) / 200 * 1000:.1f} ms")
            services.close()
        finally:
            client.close()
            server.stop()


if __name__ == "__main__":
    main()
