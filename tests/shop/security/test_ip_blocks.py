"""IP blocks: kept in MongoDB, served from a copy a few seconds old, expiring, logged, never the owner's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pymongo.database import Database

from shop.core.db import ensure_indexes
from shop.core.errors import Conflict, NotFound
from shop.security.ip_blocks import COLLECTION, BlockRequest, IpBlocks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_block_covers_its_network_and_an_unblock_lifts_it(db: Database) -> None:
    blocks = IpBlocks(db)
    block = blocks.block(BlockRequest(network="203.0.113.0/24", reason="card testing"), owner="o@example.com")
    blocks.refresh()
    assert blocks.blocked("203.0.113.77") == block
    assert blocks.blocked("203.0.114.1") is None and blocks.blocked("2001:db8::1") is None
    assert db.activity_log.find_one({"action": "ip.block"})["after"]["network"] == "203.0.113.0/24"
    blocks.unblock(block.id, owner="o@example.com")
    blocks.refresh()
    assert blocks.blocked("203.0.113.77") is None
    assert db.activity_log.count_documents({"action": "ip.unblock"}) == 1
    with pytest.raises(NotFound):
        blocks.unblock(block.id, owner="o@example.com")
    with pytest.raises(NotFound):
        blocks.unblock("not-an-id", owner="o@example.com")


def test_another_process_sees_a_block_once_its_copy_is_stale(db: Database) -> None:
    clock = Clock()
    here, there = IpBlocks(db, cache_seconds=5, clock=clock), IpBlocks(db, cache_seconds=5, clock=clock)
    there.refresh()
    here.block(BlockRequest(network="198.51.100.7", reason="spam"), owner="o@example.com")
    assert not there.stale and there.blocked("198.51.100.7") is None  # its copy is fresh
    clock.now += 5
    assert there.stale
    there.refresh()
    assert there.blocked("198.51.100.7") is not None


def test_an_expired_block_no_longer_counts_and_has_a_ttl(db: Database) -> None:
    ensure_indexes(db)
    blocks = IpBlocks(db)
    block = blocks.block(BlockRequest(network="198.51.100.8", reason="x", expires="1h"), owner="o@example.com")
    assert block.expires_at is not None and block.expires_at > datetime.now(UTC) + timedelta(minutes=59)
    db[COLLECTION].update_one({}, {"$set": {"expiresAt": datetime.now(UTC) - timedelta(seconds=1)}})
    blocks.refresh()
    assert blocks.blocked("198.51.100.8") is None and blocks.list() == []
    ttl = db[COLLECTION].index_information()["block_ttl"]
    assert ttl["expireAfterSeconds"] == 0


def test_the_owner_cannot_block_their_own_address(db: Database) -> None:
    with pytest.raises(Conflict, match="lock you out"):
        IpBlocks(db).block(BlockRequest(network="10.0.0.0/8", reason="x"), owner="o", own_ip="10.1.2.3")
    assert db[COLLECTION].count_documents({}) == 0


@pytest.mark.parametrize("network", ["10.0.0.1/8", "somewhere", ""])
def test_an_unreadable_network_is_refused(network: str) -> None:
    with pytest.raises(ValueError):
        BlockRequest(network=network, reason="x")
