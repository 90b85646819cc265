"""Shared versions: what lets several processes' caches follow one another's writes.

Two SharedVersions (or two Catalogs) on one database stand for two processes: each has its own
in-memory state and sees the other only through the `versions` collection.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.database import Database

from shop.catalog.snapshot import Catalog
from shop.core.versions import CATALOG, VERSIONS, SharedVersions
from tests.support.products import make_product


def test_a_bump_is_seen_by_another_process_after_its_poll_interval(db: Database) -> None:
    writer = SharedVersions(db, poll_seconds=0)
    reader = SharedVersions(db, poll_seconds=0.3)
    assert reader.get(CATALOG) == 0  # never bumped
    assert writer.bump(CATALOG) == 1
    assert writer.get(CATALOG) == 1
    assert reader.get(CATALOG) == 0  # polled a moment ago: the cheap answer, at most poll_seconds old
    time.sleep(0.35)
    assert reader.get(CATALOG) == 1
    assert db[VERSIONS].find_one({"_id": CATALOG})["n"] == 1


def test_concurrent_bumps_are_coalesced_and_the_last_write_is_always_announced(db: Database) -> None:
    versions = SharedVersions(db, poll_seconds=0)
    start = threading.Barrier(12)
    answers: list[int | None] = []

    def bump() -> None:
        start.wait()
        answers.append(versions.bump(CATALOG))

    threads = [threading.Thread(target=bump) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    done = db[VERSIONS].find_one({"_id": CATALOG})["n"]
    assert 1 <= done <= 12
    assert max(a for a in answers if a is not None) == done  # the in-flight bump did the last one
    assert versions.get(CATALOG) == done


def _reprice(db: Database, product: dict[str, Any], price: str) -> None:
    db.products.update_one({"_id": product["_id"]}, {"$set": {"price": Decimal(price), "updatedAt": datetime.now(UTC)}})


def test_a_catalog_follows_another_process_through_the_shared_version(db: Database) -> None:
    product = make_product(db, price=Decimal("10.00"))
    pid = str(product["_id"])
    writer = Catalog(db, refresh_seconds=0.2, versions=SharedVersions(db, poll_seconds=0.2))
    reader = Catalog(db, refresh_seconds=0.2, versions=SharedVersions(db, poll_seconds=0.2))
    assert writer.get(pid).price == reader.get(pid).price == Decimal("10.00")

    # A write nobody announces is only found by the slow full check (30 s by default) ...
    _reprice(db, product, "11.00")
    time.sleep(0.5)
    assert reader.get(pid).price == Decimal("10.00")
    version = reader.version

    # ... a write through the services announces itself (invalidate after commit) and shows at once.
    _reprice(db, product, "12.00")
    writer.invalidate()
    assert writer.get(pid).price == Decimal("12.00")
    deadline = time.monotonic() + 1.0
    while reader.get(pid).price != Decimal("12.00"):
        assert time.monotonic() < deadline, "the other catalog did not follow the shared version"
        time.sleep(0.02)
    assert reader.version > version  # and so every cache stamped with it starts afresh


def test_the_full_check_still_finds_writes_made_outside_the_shop(db: Database) -> None:
    product = make_product(db, price=Decimal("10.00"))
    pid = str(product["_id"])
    reader = Catalog(db, refresh_seconds=0.1, versions=SharedVersions(db, poll_seconds=0.1), full_check_seconds=0.4)
    assert reader.get(pid).price == Decimal("10.00")
    _reprice(db, product, "9.00")  # a script or a restore: no bump
    time.sleep(0.5)
    assert reader.get(pid).price == Decimal("9.00")
