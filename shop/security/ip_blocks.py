"""IP blocks: addresses and networks the owner shut out of the whole shop, with a reason and an expiry.

Kept in MongoDB (`ip_blocks`) so every app process refuses the same clients; each process serves its
copy for IP_BLOCK_CACHE_SECONDS (5 s by default) before reading the collection again, so checking a
request is a look-up in memory (no blocks: one attribute read) and an edit in the admin reaches every
process within those seconds. An expired block stops counting at once and is removed by a TTL index.
Every block and unblock is in the owner's activity log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pymongo
from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo import DESCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.core.activity import log_activity
from shop.core.db import CACHE_READ_TIMEOUT_SECONDS, known_down
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.transactions import run_transaction
from shop.core.validation import line, parse_object_id
from shop.security.addresses import Network, in_networks, parse_address, parse_network

log = logging.getLogger(__name__)

COLLECTION = "ip_blocks"
MAX_BLOCKS = 1000
EXPIRIES: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "never": None,
}
"""The admin form's expiry choices."""
Expiry = Literal["1h", "1d", "7d", "30d", "never"]


@dataclass(frozen=True)
class IpBlock:
    id: str
    network: str
    reason: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> IpBlock:
        return cls(
            str(doc["_id"]),
            doc["network"],
            doc.get("reason", ""),
            doc["createdAt"],
            doc.get("createdBy", ""),
            doc.get("expiresAt"),
        )


class BlockRequest(BaseModel):
    """The admin's block form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    network: str = Field(max_length=64)
    reason: line(200)  # type: ignore[valid-type]
    expires: Expiry = "never"

    @field_validator("network")
    @classmethod
    def _network(cls, value: str) -> str:
        return str(parse_network(value))


@dataclass(frozen=True)
class _Snapshot:
    networks: tuple[tuple[Network, IpBlock], ...]
    read_at: float


class IpBlocks:
    """The blocks, and `blocked(ip)` answered from a copy at most `cache_seconds` old."""

    def __init__(
        self, db: Database, *, cache_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.collection = db[COLLECTION]
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._snapshot = _Snapshot((), float("-inf"))
        self._refreshing = threading.Lock()

    # --- the admin ------------------------------------------------------------------------------
    def list(self) -> list[IpBlock]:
        """Every block still in force, newest first."""
        now = datetime.now(UTC)
        docs = self.collection.find({"$or": [{"expiresAt": None}, {"expiresAt": {"$gt": now}}]})
        blocks = [IpBlock.from_doc(doc) for doc in docs.sort("createdAt", DESCENDING).limit(MAX_BLOCKS)]
        return blocks

    def block(self, request: BlockRequest, *, owner: str, own_ip: str | None = None) -> IpBlock:
        """Block a network; refused (409) when it holds `own_ip`, the owner's own address, which would
        lock the owner out of the admin too."""
        network = parse_network(request.network)
        own = parse_address(own_ip) if own_ip else None
        if own is not None and in_networks(own, (network,)):
            raise Conflict(
                f"{network} includes your own address ({own}): blocking it would lock you out of the admin.",
                field="network",
            )
        if self.collection.count_documents({}) >= MAX_BLOCKS:
            raise InvalidInput(f"There are already {MAX_BLOCKS} blocks; remove some first.", field="network")
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as BSON stores it
        expiry = EXPIRIES[request.expires]
        doc = {
            "_id": ObjectId(),
            "network": str(network),
            "reason": request.reason,
            "createdAt": now,
            "createdBy": owner,
            "expiresAt": now + expiry if expiry is not None else None,
        }

        def work(session: ClientSession) -> None:
            self.collection.insert_one(doc, session=session)
            after = {k: doc[k] for k in ("network", "reason", "expiresAt")}
            log_activity(self.db, owner, "ip.block", "ip_block", doc["_id"], None, after, session=session)

        run_transaction(self.db, work)
        self.invalidate()
        return IpBlock.from_doc(doc)

    def unblock(self, block_id: str, *, owner: str) -> IpBlock:
        oid = parse_object_id(block_id, or_raise=NotFound("That block no longer exists."))

        def work(session: ClientSession) -> dict[str, Any] | None:
            doc = self.collection.find_one({"_id": oid}, session=session)
            if doc is None:
                return None
            self.collection.delete_one({"_id": oid}, session=session)
            before = {k: doc.get(k) for k in ("network", "reason", "expiresAt")}
            log_activity(self.db, owner, "ip.unblock", "ip_block", oid, before, None, session=session)
            return doc

        doc = run_transaction(self.db, work)
        if doc is None:
            raise NotFound("That block no longer exists.")
        self.invalidate()
        return IpBlock.from_doc(doc)

    # --- every request ----------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Read the blocks again on the next check (this process's own edits show at once)."""
        self._snapshot = _Snapshot(self._snapshot.networks, float("-inf"))

    @property
    def stale(self) -> bool:
        return self.clock() - self._snapshot.read_at >= self.cache_seconds

    def refresh(self) -> None:
        """Read the blocks (one refresh at a time; a failure keeps the last copy and is retried after
        the cache period, so a database hiccup neither blocks everyone nor lets anyone in for long)."""
        if not self._refreshing.acquire(blocking=False):
            return
        try:
            started = self.clock()
            if known_down(self.db.client):  # keep the copy at once; the request's own read reports it
                self._snapshot = _Snapshot(self._snapshot.networks, started)
                return
            try:
                with pymongo.timeout(CACHE_READ_TIMEOUT_SECONDS):
                    blocks = self.list()
            except Exception:
                log.warning("could not read the IP blocks; keeping the last copy", exc_info=True)
                self._snapshot = _Snapshot(self._snapshot.networks, started)
                return
            self._snapshot = _Snapshot(tuple((parse_network(b.network), b) for b in blocks), started)
        finally:
            self._refreshing.release()

    def blocked(self, ip: str) -> IpBlock | None:
        """The block that covers `ip` in this process's copy (call `refresh` when `stale`)."""
        networks = self._snapshot.networks
        if not networks:
            return None
        address = parse_address(ip)
        if address is None:
            return None
        now = datetime.now(UTC)
        for network, block in networks:
            live = block.expires_at is None or block.expires_at > now
            if live and address.version == network.version and address in network:
                return block
        return None
