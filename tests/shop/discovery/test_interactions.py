"""The interaction log: cheap writes off the request path that never fail the caller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import ServerSelectionTimeoutError

from shop.discovery.interactions import COLLECTION, InteractionLog
from shop.services import ShopServices


def test_events_are_written_in_the_background_with_their_fields(services: ShopServices) -> None:
    log = services.interactions
    pid = str(ObjectId())
    log.record("visitor-1", "view", product_id=pid)
    log.record("visitor-1", "view", product_id=pid)  # a reload within a minute: one event
    log.record("visitor-1", "search", query="  dark   chocolate ")
    log.record("visitor-1", "cart", product_id=pid)
    log.record("visitor-1", "purchase", product_id=pid, customer_email="Ann@Example.com")
    log.record("visitor-1", "wishlist", product_id=pid)
    log.record("visitor-1", "view", product_id="$gt")  # not an id: ignored
    log.record(None, "view", product_id=pid)  # nobody: ignored
    assert log.flush()
    docs = list(services.db[COLLECTION].find({}, {"_id": 0}).sort("at", 1))
    assert [d["type"] for d in docs] == ["view", "search", "cart", "purchase", "wishlist"]
    assert docs[1]["query"] == "dark chocolate"
    assert docs[0]["productId"] == ObjectId(pid) and docs[0]["visitorId"] == "visitor-1"
    assert docs[3]["customerEmail"] == "ann@example.com"
    assert {"visitorId", "type", "at"} <= set(docs[0])


def test_history_follows_the_customer_email_across_devices(services: ShopServices) -> None:
    log = services.interactions
    phone, laptop = "phone-session", "laptop-session"
    a, b = str(ObjectId()), str(ObjectId())
    log.record(laptop, "purchase", product_id=a, customer_email="bo@example.com")
    log.record(phone, "purchase", product_id=b, customer_email="bo@example.com")
    log.flush()
    history = log.history(phone)
    assert {event.product_id for event in history} == {a, b}
    assert log.has_history(phone) and not log.has_history("stranger")
    assert log.counts(["purchase"], days=1) == {a: 1, b: 1}


def test_queued_events_are_part_of_the_history_before_they_are_written(services: ShopServices) -> None:
    log = services.interactions
    pid = str(ObjectId())
    # An event the writer has not stored yet (queued, as right after a page view).
    log._pending.append({"visitorId": "v", "type": "view", "productId": ObjectId(pid), "at": datetime.now(UTC)})
    assert services.db[COLLECTION].count_documents({"visitorId": "v"}) == 0
    assert [event.product_id for event in log.history("v")] == [pid]
    assert log.flush()
    assert services.db[COLLECTION].count_documents({"visitorId": "v"}) == 1


class _BrokenCollection:
    def insert_many(self, *_args: Any, **_kwargs: Any) -> None:
        raise ServerSelectionTimeoutError("database down")


class _BrokenDb:
    def __getitem__(self, _name: str) -> _BrokenCollection:
        return _BrokenCollection()


def test_a_database_failure_never_reaches_the_caller() -> None:
    log = InteractionLog(_BrokenDb())  # type: ignore[arg-type]
    log.record("v", "view", product_id=str(ObjectId()))
    log.record("v", "bogus-type")  # type: ignore[arg-type]
    assert log.flush()
    log.close()


def test_popular_searches_are_the_most_searched_recent_texts(services: ShopServices) -> None:
    log = services.interactions
    for visitor in ("a", "b", "c"):
        log.record(visitor, "search", query="green tea")
    for visitor in ("a", "b"):
        log.record(visitor, "search", query="Decaf")
    log.record("a", "search", query="honey")
    log.record("a", "view", product_id=str(ObjectId()))
    assert log.flush()
    services.db[COLLECTION].insert_one(
        {"visitorId": "old", "type": "search", "query": "last year", "at": datetime(2020, 1, 1, tzinfo=UTC)}
    )
    assert log.popular_searches(limit=2) == ["green tea", "Decaf"]
    assert log.popular_searches() == ["green tea", "Decaf", "honey"]  # the old search is out of the window
