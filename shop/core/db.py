"""MongoDB connection, codecs, document keys and indexes.

Money is stored as Decimal128 and handled as `decimal.Decimal` in Python, so no amount ever passes
through a float. Datetimes come back tz-aware in UTC so comparisons never mix naive and aware values.
Stored documents name their keys in camelCase (as the JSON API does); Python names them in snake_case.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128
from pydantic.alias_generators import to_camel
from pymongo import ASCENDING, DESCENDING, IndexModel, MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, ExecutionTimeout

from shop.core.metrics import COMMAND_TIMER


class DecimalCodec(TypeCodec):
    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return Decimal128(value)

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


def codec_options() -> CodecOptions:
    return CodecOptions(tz_aware=True, tzinfo=UTC, type_registry=TypeRegistry([DecimalCodec()]))


CLIENT_DEFAULTS: dict[str, Any] = {
    # How long an operation waits for a database that is not answering (dead, restarting, electing a
    # primary) before it fails; pymongo re-checks the server every 0.5 s meanwhile, so a database
    # that is back within the wait serves the request. 2 s keeps a request while the database is
    # down under 5 s even when a read is retried once (2 + 2 s); 30 s (pymongo's default) let an
    # order hang for minutes.
    "serverSelectionTimeoutMS": 2000,
    "connectTimeoutMS": 2000,
    # A database that stops answering without closing the connection (a frozen process, a lost
    # network) frees the request after this; the longest operation the shop sends (a seeding or
    # restore batch on SecantusDB) takes a few seconds.
    "socketTimeoutMS": 30000,
    "maxPoolSize": 50,
}


def connect(uri: str, **kwargs: Any) -> MongoClient:
    """A client tuned for a web app: a dead database fails a request within seconds (CLIENT_DEFAULTS).

    An option written in the URI (`?serverSelectionTimeoutMS=5000`) wins over the default here, so
    the operator tunes them in MONGODB_URI; keyword arguments win over both. The client reconnects by
    itself once the database answers again.
    """
    in_uri = {key.lower() for key, _ in parse_qsl(urlsplit(uri).query)}
    options: dict[str, Any] = {key: value for key, value in CLIENT_DEFAULTS.items() if key.lower() not in in_uri}
    options.update(kwargs)
    options["event_listeners"] = [*options.get("event_listeners", ()), COMMAND_TIMER]  # monitoring
    return MongoClient(uri, **options)


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database did not answer (down, restarting, unreachable, too slow):
    every other operation would fail the same way right now, and the answer is a 503, not a 500."""
    return isinstance(exc, ConnectionFailure | ExecutionTimeout)


def database(client: MongoClient, name: str) -> Database:
    return client.get_database(name, codec_options=codec_options())


def camel_doc(record: object, *names: str) -> dict[str, Any]:
    """The document of `record`'s attributes `names`, stored as they are under camelCase keys
    (created_at -> createdAt). For records stored without any conversion; one that turns a value
    (a price to a float, a figure rounded) spells its document out."""
    return {to_camel(name): getattr(record, name) for name in names}


CACHE_READ_TIMEOUT_SECONDS = 0.5
"""The most a cache's refresh read may wait (the shared versions poll, the IP blocks). Such a read runs
inside whichever request finds the cache stale, and with the database down it waited the 2 s of server
selection before the request's own work: an order got its 503 after 5.5 s and the health check after
5.0 s, past the 5 s the operations issue asks. A healthy read takes milliseconds; a failed one keeps
the cached copy until the next refresh."""


def known_down(client: MongoClient) -> bool:
    """Whether the client's last look found no server to read from: every server it knows failed its
    last check or operation (a dead or restarting database; a replica set with no primary yet).

    A cache refresh (CACHE_READ_TIMEOUT_SECONDS) then keeps its copy at once instead of waiting: with the
    embedded database killed, the versions poll and the IP-block read each still took ~1 s (pymongo's
    selection wakes every 0.5 s, so a 0.5 s bound waits up to 1 s) before the request's own work, and an
    order got its 503 after 4.5 s, 5.0 s on a busy machine, against the 5 s promised. Before the first
    operation no server has failed, so a fresh process still reads. The request's own operation still
    waits for the database (serverSelectionTimeoutMS), and finding it wakes the client's monitor, so the
    caches read again within their interval once it is back."""
    description = client.topology_description
    servers = description.server_descriptions().values()
    return bool(servers) and not description.has_readable_server() and any(s.error is not None for s in servers)


IN_CHUNK = 100


def find_in(
    collection: Collection, field: str, values: Sequence[Any], projection: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The documents whose `field` is one of `values`, asked for IN_CHUNK values at a time.

    SecantusDB matches "$in" in time quadratic in the list (1,000 ids: 0.9 s in one list, 0.17 s in
    chunks of 100) and other queries wait behind it; for real MongoDB the chunks are only a few
    more round trips.
    """
    for start in range(0, len(values), IN_CHUNK):
        yield from collection.find({field: {"$in": list(values[start : start + IN_CHUNK])}}, projection)


INDEXES: dict[str, list[IndexModel]] = {
    "products": [
        IndexModel([("slug", ASCENDING)], unique=True, name="slug_unique"),
        IndexModel([("updatedAt", ASCENDING)], name="updated_at"),
    ],
    "inventory": [IndexModel([("productId", ASCENDING)], unique=True, name="product_unique")],
    "customers": [IndexModel([("email", ASCENDING)], unique=True, name="email_unique")],
    "orders": [
        IndexModel([("email", ASCENDING), ("createdAt", DESCENDING)], name="email_created"),
        IndexModel([("createdAt", DESCENDING)], name="created"),
        IndexModel([("status", ASCENDING), ("createdAt", DESCENDING)], name="status_created"),
        # The co-purchase statistics follow new and changed orders by updatedAt (shop.discovery.recommendations).
        IndexModel([("updatedAt", ASCENDING)], name="updated_at"),
    ],
    "reviews": [
        IndexModel([("productId", ASCENDING), ("createdAt", DESCENDING)], name="product_created"),
        # One review per visitor and product; reviews without a visitor id (imported) are exempt.
        IndexModel(
            [("productId", ASCENDING), ("visitorId", ASCENDING)],
            unique=True,
            partialFilterExpression={"visitorId": {"$type": "string"}},
            name="product_visitor_unique",
        ),
    ],
    "userInteractions": [
        IndexModel([("visitorId", ASCENDING), ("at", DESCENDING)], name="visitor_at"),
        IndexModel(
            [("customerEmail", ASCENDING), ("at", DESCENDING)],
            partialFilterExpression={"customerEmail": {"$type": "string"}},
            name="email_at",
        ),
        IndexModel([("at", ASCENDING)], expireAfterSeconds=60 * 60 * 24 * 180, name="at_ttl"),
    ],
    "wishlists": [
        IndexModel([("visitorId", ASCENDING), ("productId", ASCENDING)], unique=True, name="visitor_product_unique"),
        IndexModel([("productId", ASCENDING)], name="product"),
    ],
    "wishlist_contacts": [
        IndexModel(
            [("token", ASCENDING)], unique=True, partialFilterExpression={"token": {"$type": "string"}}, name="token"
        )
    ],
    "carts": [IndexModel([("updatedAt", ASCENDING)], expireAfterSeconds=60 * 60 * 24 * 30, name="cart_ttl")],
    "contact_messages": [IndexModel([("createdAt", DESCENDING)], name="created")],
    "outbox": [IndexModel([("createdAt", DESCENDING)], name="created")],
    # Chats are kept for 90 days after their last message.
    "conversation_history": [
        IndexModel([("updatedAt", ASCENDING)], expireAfterSeconds=60 * 60 * 24 * 90, name="conversation_ttl")
    ],
    "owners": [IndexModel([("email", ASCENDING)], unique=True, name="email_unique")],
    "owner_sessions": [IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0, name="session_ttl")],
    "login_failures": [
        IndexModel([("key", ASCENDING), ("at", DESCENDING)], name="key_at"),
        IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0, name="failure_ttl"),
    ],
    # Request limits' counters and the admin's IP blocks (shop/security/): gone when they expire.
    "rate_limits": [IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0, name="window_ttl")],
    "ip_blocks": [IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0, name="block_ttl")],
    # Monitoring: each process's request figures per 5 minutes (shop.backoffice.system_health), kept 3 days.
    "system_health": [IndexModel([("at", ASCENDING)], expireAfterSeconds=60 * 60 * 24 * 3, name="at_ttl")],
    # Return requests (issue 14, RETURNS: shop/returns/): per order, and the admin's list by status.
    "returns": [
        IndexModel([("orderId", ASCENDING), ("createdAt", ASCENDING)], name="order_created"),
        IndexModel([("status", ASCENDING), ("createdAt", DESCENDING)], name="status_created"),
        IndexModel([("createdAt", DESCENDING)], name="created"),
    ],
    # LOCATIONS (issue 14): suppliers by name (shop.inventory.suppliers), purchase orders newest first.
    "suppliers": [IndexModel([("nameKey", ASCENDING)], unique=True, name="name_unique")],
    "purchase_orders": [IndexModel([("createdAt", DESCENDING)], name="created")],
    "activity_log": [
        IndexModel([("at", DESCENDING)], name="at"),
        IndexModel([("entity", ASCENDING), ("entityId", ASCENDING), ("at", DESCENDING)], name="entity_at"),
    ],
}


OBSOLETE_INDEXES: dict[str, list[str]] = {
    # Listings are served from the in-memory catalog, so no query used it, and every stock change
    # paid for it: ~0.6 ms of each order's product write on SecantusDB, which rewrites every index.
    "products": ["category_price"],
}


def ensure_indexes(db: Database) -> None:
    """Create every index the shop relies on and drop those it no longer uses; safe to run at each
    start-up (create_indexes is idempotent, and an index already gone is skipped)."""
    for collection, models in INDEXES.items():
        db[collection].create_indexes(models)
    for collection, names in OBSOLETE_INDEXES.items():
        existing = set(db[collection].index_information())
        for name in names:
            if name in existing:
                db[collection].drop_index(name)
