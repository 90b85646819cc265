"""Wishlists, and the emails that tell a visitor a wished-for product is back or cheaper.

Keyed by the visitor's session id (no accounts): one document per (visitor, product) in `wishlists`
(unique index), plus an optional contact in `wishlist_contacts` ({_id: visitor id, email, token}) when
the visitor asks to be told about restocks and price drops. The token makes the unsubscribe link in
every email work from any device.

Event detection must send each email once, however often and in however many processes the catalog
refreshes. So every wishlist entry remembers the state it last reported: `lastInStock` and
`lastPrice`. When the catalog reports changed products (Catalog.on_change: orders, the owner's edits,
restocks, imports all move `updatedAt`), the entries of those products are compared with the new
state, and a transition is claimed with a conditional update (`{_id, lastInStock: false}` -> true,
`{_id, lastPrice: old}` -> new). Only the process whose update matched sends the email; a repeated
refresh, a second worker or a restart finds nothing left to claim. Going out of stock or up in price
just moves the remembered state, so the NEXT restock or drop is news again. Because the state is in
the database, a change made while the shop was down is still noticed: start-up checks every entry
once.

Checks run on one background thread: the catalog refresh happens on whichever request thread
noticed it, and that request must not wait for wishlist queries and emails.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from shop.catalog.snapshot import Catalog, Product
from shop.core.db import find_in
from shop.core.errors import InvalidInput, NotFound
from shop.core.settings import Settings
from shop.core.validation import is_object_id
from shop.messaging.mail import Email, Mailer, render

log = logging.getLogger(__name__)

ITEMS = "wishlists"
CONTACTS = "wishlist_contacts"
MAX_ITEMS = 200
IDS_TTL_SECONDS = 2.0


@dataclass(frozen=True)
class WishlistEvent:
    """One email-worthy change of one wished-for product."""

    visitor_id: str
    product: Product
    restocked: bool
    old_price: Decimal | None  # set when the price dropped

    @property
    def kind(self) -> str:
        return "wishlist_restock" if self.restocked else "wishlist_price_drop"


class WishlistService:
    def __init__(self, db: Database, catalog: Catalog, mailer: Mailer, settings: Settings) -> None:
        self.db = db
        self.catalog = catalog
        self.mailer = mailer
        self.settings = settings
        # Every card on every page shows its heart; a short cache spares one read per page.
        self._ids: dict[str, tuple[float, frozenset[str]]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    # --- the list ---------------------------------------------------------------------------------
    def ids(self, visitor_id: str | None) -> frozenset[str]:
        if not visitor_id:
            return frozenset()
        cached = self._ids.get(visitor_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < IDS_TTL_SECONDS:
            return cached[1]
        found = frozenset(
            str(doc["productId"]) for doc in self.db[ITEMS].find({"visitorId": visitor_id}, {"productId": 1})
        )
        if len(self._ids) > 10_000:
            self._ids.clear()
        self._ids[visitor_id] = (now, found)
        return found

    def items(self, visitor_id: str) -> list[Product]:
        """Wished-for products still sold, newest wish first."""
        docs = self.db[ITEMS].find({"visitorId": visitor_id}, {"productId": 1, "addedAt": 1}).sort("addedAt", -1)
        return [p for p in (self.catalog.get(str(doc["productId"])) for doc in docs) if p is not None]

    def add(self, visitor_id: str, product_id: str) -> bool:
        """Add a product (idempotent); returns True when it was not on the list yet."""
        product = self._product(product_id)
        if len(self.ids(visitor_id)) >= MAX_ITEMS:
            raise InvalidInput(f"A wishlist holds at most {MAX_ITEMS} products.", field="product_id")
        now = datetime.now(UTC)
        try:
            result = self.db[ITEMS].update_one(
                {"visitorId": visitor_id, "productId": product.object_id},
                {
                    "$setOnInsert": {
                        "addedAt": now,
                        # The state the visitor saw: only a change from here on is news.
                        "lastInStock": product.in_stock,
                        "lastPrice": product.price,
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # a concurrent add won; same outcome
        finally:
            self._ids.pop(visitor_id, None)
        return result.upserted_id is not None

    def remove(self, visitor_id: str, product_id: str) -> bool:
        if not is_object_id(product_id):
            raise NotFound("That product is not on your wishlist.", field="product_id")
        try:
            return (
                self.db[ITEMS].delete_one({"visitorId": visitor_id, "productId": ObjectId(product_id)}).deleted_count
                > 0
            )
        finally:
            self._ids.pop(visitor_id, None)

    def toggle(self, visitor_id: str, product_id: str) -> bool:
        """Add when absent, remove when present; returns whether it is on the list afterwards."""
        if product_id in self.ids(visitor_id):
            self.remove(visitor_id, product_id)
            return False
        self.add(visitor_id, product_id)
        return True

    def _product(self, product_id: str) -> Product:
        product = self.catalog.get(product_id) if is_object_id(product_id) else None
        if product is None:
            raise NotFound("That product does not exist (any more).", field="product_id")
        return product

    # --- the contact ------------------------------------------------------------------------------
    def contact(self, visitor_id: str) -> str | None:
        doc = self.db[CONTACTS].find_one({"_id": visitor_id}, {"email": 1})
        return doc.get("email") if doc else None

    def set_email(self, visitor_id: str, email: str) -> None:
        """Remember where to send restock and price-drop news (`email` already validated)."""
        now = datetime.now(UTC)
        self.db[CONTACTS].update_one(
            {"_id": visitor_id},
            {
                "$set": {"email": email, "updatedAt": now},
                "$setOnInsert": {"token": secrets.token_urlsafe(24), "createdAt": now},
            },
            upsert=True,
        )

    def clear_email(self, visitor_id: str) -> None:
        self.db[CONTACTS].delete_one({"_id": visitor_id})

    def unsubscribe(self, token: str) -> bool:
        """Forget the email behind an unsubscribe link; the wishlist itself stays."""
        if not token or len(token) > 64:
            return False
        return self.db[CONTACTS].delete_one({"token": token}).deleted_count > 0

    # --- events -----------------------------------------------------------------------------------
    def attach(self, catalog: Catalog) -> None:
        """Follow catalog changes from now on (the initial load is checked by `check_all`)."""
        catalog.all()
        catalog.on_change(self._on_change)

    def _on_change(self, products: list[Product]) -> None:
        self.submit(self.check, products)

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wishlist")
            return self._executor.submit(self._guarded, fn, *args)

    @staticmethod
    def _guarded(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:  # the next change or start-up check retries; nothing may kill the worker
            log.exception("wishlist check failed")
            return 0

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until queued checks are done (tests, CLI)."""
        try:
            self.submit(lambda: None).result(timeout=timeout)
        except TimeoutError:
            return False
        return True

    def check_all(self) -> int:
        """Compare every wishlist entry with the catalog (start-up: changes made while we were down)."""
        product_ids = {str(doc["productId"]) for doc in self.db[ITEMS].find({}, {"productId": 1})}
        products = [p for p in (self.catalog.get_any(pid) for pid in product_ids) if p is not None]
        return self.check(products)

    def check(self, products: Iterable[Product]) -> int:
        """Claim and announce restocks and price drops of these products; returns emails sent."""
        by_id = {p.id: p for p in products if not p.deleted}
        if not by_id:
            return 0
        entries = list(
            find_in(
                self.db[ITEMS],
                "productId",
                [ObjectId(pid) for pid in by_id],  # a burst of orders changes hundreds of products
                {"visitorId": 1, "productId": 1, "lastInStock": 1, "lastPrice": 1},
            )
        )
        events: list[WishlistEvent] = []
        for entry in entries:
            product = by_id.get(str(entry["productId"]))
            if product is not None:
                event = self._claim(entry, product)
                if event is not None:
                    events.append(event)
        if not events:
            return 0
        visitors = sorted({event.visitor_id for event in events})
        contacts = {doc["_id"]: doc for doc in self.db[CONTACTS].find({"_id": {"$in": visitors}})}
        sent = 0
        for event in events:
            contact = contacts.get(event.visitor_id)
            if contact and contact.get("email"):
                sent += self._send(event, contact)
        return sent

    def _claim(self, entry: dict[str, Any], product: Product) -> WishlistEvent | None:
        """Move the entry's remembered state to the product's; return the news this process won."""
        restocked = False
        old_price: Decimal | None = None
        last_in_stock = bool(entry.get("lastInStock", True))
        if product.in_stock != last_in_stock:
            claimed = self.db[ITEMS].update_one(
                {"_id": entry["_id"], "lastInStock": last_in_stock}, {"$set": {"lastInStock": product.in_stock}}
            )
            restocked = product.in_stock and claimed.modified_count == 1
        last_price = entry.get("lastPrice")
        if last_price is not None and Decimal(last_price) != product.price:
            claimed = self.db[ITEMS].update_one(
                {"_id": entry["_id"], "lastPrice": Decimal(last_price)}, {"$set": {"lastPrice": product.price}}
            )
            if claimed.modified_count == 1 and product.price < Decimal(last_price):
                old_price = Decimal(last_price)
        # A price drop on a sold-out product is no use to anyone yet: the restock mail will show it.
        if restocked or (old_price is not None and product.in_stock):
            return WishlistEvent(entry["visitorId"], product, restocked, old_price)
        return None

    def _send(self, event: WishlistEvent, contact: dict[str, Any]) -> int:
        base = self.settings.base_url.rstrip("/")
        context = {
            "product": event.product,
            "old_price": event.old_price,
            "product_url": base + event.product.url,
            "wishlist_url": base + "/wishlist",
            "unsubscribe_url": f"{base}/wishlist/unsubscribe/{contact.get('token', '')}",
            "settings": self.settings,
        }
        template = "wishlist_restock" if event.restocked else "wishlist_price_drop"
        subject = (
            f"Back in stock: {event.product.name}"
            if event.restocked
            else f"Price drop: {event.product.name} is now {self.settings.currency_symbol}{event.product.price:,.2f}"
        )
        try:
            text, html = render(template, **context)
            self.mailer.send(Email([contact["email"]], subject, text, html, event.kind))
        except (PyMongoError, OSError, ValueError):
            log.exception("could not queue the %s email for %s", event.kind, event.product.slug)
            return 0
        return 1

    def close(self) -> None:
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
