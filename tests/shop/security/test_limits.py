"""Request limits counted in MongoDB: per visitor, per address and per account, fixed windows, shared
by every process on the database, and off when RATE_LIMITS is."""

from __future__ import annotations

import threading

import pytest
from pymongo.database import Database

from app.embedded_mongo import EmbeddedMongo
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings
from shop.security.limits import COLLECTION, Rate, RateLimited, RateLimits, wait_text

LOW = {"limit_orders_per_visitor": "2/1m", "limit_orders_per_ip": "3/1h", "rate_limits": True}


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limits(db: Database, settings: Settings, clock: Clock, **changes: object) -> RateLimits:
    return RateLimits(db, settings.model_copy(update={**LOW, **changes}), clock=clock)


@pytest.mark.parametrize(
    ("text", "rate"),
    [("5/10m", Rate(5, 600)), ("5/600", Rate(5, 600)), ("3/m", Rate(3, 60)), (" 10 / 1d ", Rate(10, 86400))],
)
def test_a_rate_reads_count_per_period(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["5", "five/m", "5/0", "5/10w", "-1/m"])
def test_an_unreadable_rate_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Rate.parse(text)


def test_an_unreadable_limit_setting_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(ValueError):
        Settings(_env_file=None, limit_orders_per_ip="lots")  # type: ignore[call-arg]


def test_a_visitor_over_its_limit_is_refused_until_the_window_ends(db: Database, settings: Settings) -> None:
    ensure_indexes(db)
    clock = Clock(1_800_000_000.0)  # a multiple of 60: the minute window starts here
    rates = limits(db, settings, clock)
    rates.hit("orders", visitor="v1")
    clock.now += 10
    rates.hit("orders", visitor="v1")
    with pytest.raises(RateLimited) as refused:
        rates.hit("orders", visitor="v1")
    assert refused.value.status_code == 429
    assert refused.value.retry_after == 50 and refused.value.headers == {"Retry-After": "50"}
    assert "several orders" in refused.value.message and "50 seconds" in refused.value.message
    # A refused hit is not counted: the counter stays at the limit.
    assert db[COLLECTION].find_one({"_id": {"$regex": "^orders:visitor:v1:"}})["n"] == 2
    # This process remembers the full window: the next refusals cost no write.
    db[COLLECTION].delete_many({})
    with pytest.raises(RateLimited):
        rates.hit("orders", visitor="v1")
    assert db[COLLECTION].count_documents({}) == 0
    clock.now += 50
    rates.hit("orders", visitor="v1")  # a new window


def test_the_address_counts_every_visitor_behind_it(db: Database, settings: Settings) -> None:
    rates = limits(db, settings, Clock())
    for visitor in ("a", "b", "c"):
        rates.hit("orders", visitor=visitor, ip="203.0.113.9")
    with pytest.raises(RateLimited) as refused:
        rates.hit("orders", visitor="d", ip="203.0.113.9")  # a fresh visitor, the same address
    assert refused.value.retry_after > 60  # the hour window
    rates.hit("orders", visitor="d", ip="203.0.113.10")  # another address is not affected


def test_an_ipv6_client_counts_as_its_64_network(db: Database, settings: Settings) -> None:
    rates = limits(db, settings, Clock(), limit_orders_per_visitor="0/1m")
    for host in ("1", "2", "3"):
        rates.hit("orders", ip=f"2001:db8:1:2::{host}")
    with pytest.raises(RateLimited):
        rates.hit("orders", ip="2001:db8:1:2:ffff::1")
    rates.hit("orders", ip="2001:db8:1:3::1")


def test_a_count_of_zero_or_rate_limits_off_never_refuses(db: Database, settings: Settings) -> None:
    off = limits(db, settings, Clock(), rate_limits=False)
    zero = limits(db, settings, Clock(), limit_orders_per_visitor="0/1m", limit_orders_per_ip="0/1h")
    for _ in range(5):
        off.hit("orders", visitor="v", ip="203.0.113.1")
        zero.hit("orders", visitor="v", ip="203.0.113.1")
    assert db[COLLECTION].count_documents({}) == 0


def test_login_attempts_count_per_account_across_addresses(db: Database, settings: Settings) -> None:
    rates = limits(db, settings, Clock(), limit_login_per_account="2/15m", limit_login_per_ip="0/1m")
    rates.hit("login", ip="198.51.100.1", account="Owner@Example.com")
    rates.hit("login", ip="198.51.100.2", account="owner@example.com")
    with pytest.raises(RateLimited) as refused:
        rates.hit("login", ip="198.51.100.3", account="owner@example.com")
    assert "sign-in attempts" in refused.value.message
    assert not db[COLLECTION].find_one({"_id": {"$regex": "example"}})  # the counters hold no email


def test_two_processes_on_one_database_share_the_counts(
    db: Database, settings: Settings, mongo_server: EmbeddedMongo
) -> None:
    """Two RateLimits over two MongoClients (as two app processes have): one count."""
    other_client = connect(mongo_server.uri)
    try:
        clock = Clock()
        first = limits(db, settings, clock)
        second = limits(database(other_client, db.name), settings, clock)
        first.hit("orders", visitor="v", ip="203.0.113.5")
        second.hit("orders", visitor="v", ip="203.0.113.5")
        with pytest.raises(RateLimited):
            first.hit("orders", visitor="v", ip="203.0.113.5")
        with pytest.raises(RateLimited):
            second.hit("orders", visitor="v", ip="203.0.113.5")
    finally:
        other_client.close()


def test_concurrent_hits_share_writes_and_let_exactly_the_limit_through(db: Database, settings: Settings) -> None:
    """40 requests at once from 8 visitors behind one address (limit 3 per visitor, 20 per address):
    counted in shared bulk writes, yet exactly as many pass as one by one would let through, and
    each refused hit is taken back from the counter that had room."""
    ensure_indexes(db)
    rates = limits(db, settings, Clock(), limit_orders_per_visitor="3/1h", limit_orders_per_ip="20/1h")
    batches: list[int] = []
    count = rates._count

    def counting(hits: list) -> list[set[int]]:
        batches.append(len(hits))
        return count(hits)

    rates._group._write_batch = counting
    passed: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(40)

    def one(visitor: str) -> None:
        barrier.wait()
        try:
            rates.hit("orders", visitor=visitor, ip="203.0.113.9")
        except RateLimited:
            return
        with lock:
            passed.append(visitor)

    threads = [threading.Thread(target=one, args=(f"v{i % 8}",)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Never more than the address's 20. A hit its visitor refuses holds an address slot until it is
    # taken back, so a hit in the same instant may be refused at the boundary: conservative, never over.
    assert 17 <= len(passed) <= 20
    assert all(passed.count(f"v{i}") <= 3 for i in range(8))
    assert max(batches) > 1 and len(batches) < 40  # concurrent hits shared writes
    address = db[COLLECTION].find_one({"_id": {"$regex": ":ip:"}})
    assert address is not None and address["n"] == len(passed)  # refused hits were taken back
    visitors = sum(doc["n"] for doc in db[COLLECTION].find({"_id": {"$regex": ":visitor:"}}))
    assert visitors == len(passed)


def test_old_windows_are_removed_by_a_ttl_index(db: Database) -> None:
    ensure_indexes(db)
    ttl = [i for i in db[COLLECTION].index_information().values() if "expireAfterSeconds" in i]
    assert ttl and ttl[0]["key"] == [("expiresAt", 1)] and ttl[0]["expireAfterSeconds"] == 0


@pytest.mark.parametrize(
    ("seconds", "text"), [(1, "1 second"), (50, "50 seconds"), (600, "10 minutes"), (7200, "2 hours")]
)
def test_the_wait_in_words(seconds: int, text: str) -> None:
    assert wait_text(seconds) == text
