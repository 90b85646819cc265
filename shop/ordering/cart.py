"""Carts, one per visitor session, stored in MongoDB so they survive restarts and follow the chat.

Each write reads the cart, computes the new lines and writes them back only if nobody changed the cart
in between (a version number), so two tabs adding at once never lose an item. The cart as this
process last wrote it is kept, so a visitor's next change needs no read unless someone else wrote.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.catalog.snapshot import Catalog, Product
from shop.core.errors import Conflict, InvalidInput, NotFound, OutOfStock
from shop.core.validation import MAX_QUANTITY, is_object_id

MAX_LINES = 50


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass
class CartView:
    lines: list[CartLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def empty(self) -> bool:
        return not self.lines

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [
                {**line.product.to_summary(), "quantity": line.quantity, "lineTotal": float(line.line_total)}
                for line in self.lines
            ],
            "subtotal": float(self.subtotal),
            "count": self.count,
            "problems": self.problems,
        }


COUNT_TTL_SECONDS = 2.0


class CartService:
    def __init__(self, db: Database, catalog: Catalog) -> None:
        self.db = db
        self.catalog = catalog
        # Every page shows the cart badge and the recommendation rows leave out what is in the cart;
        # caching the quantities spares the database one read per page. Writes through this process
        # replace the entry at once; the TTL bounds what another process's write can leave stale.
        self._counts: dict[str, tuple[float, dict[str, int]]] = {}
        # The lines and version of each cart as this process last wrote it. A change starts from
        # it instead of a read; if another tab, process or checkout wrote since, the versioned write
        # fails and the change is made again from a fresh read, as under any contention.
        self._written: dict[str, tuple[list[dict[str, Any]], int]] = {}

    def _items(self, session_id: str) -> tuple[list[dict[str, Any]], int | None]:
        doc = self.db.carts.find_one({"_id": session_id})
        if doc is None:
            return [], None
        return list(doc.get("items", [])), int(doc.get("version", 0))

    def quantities(self, session_id: str) -> dict[str, int]:
        items, _ = self._items(session_id)
        return {str(item["productId"]): int(item["quantity"]) for item in items}

    def view(self, session_id: str) -> CartView:
        """The cart joined with the catalog; lines whose product vanished or ran short are explained."""
        return self._view_of(self.quantities(session_id))

    def _view_of(self, quantities: dict[str, int]) -> CartView:
        cart = CartView()
        for product_id, quantity in quantities.items():
            product = self.catalog.get(product_id)
            if product is None:
                cart.problems.append("An item in your cart is no longer sold and was left out.")
                continue
            if not product.in_stock:
                cart.problems.append(f"{product.name} is sold out.")
            elif quantity > product.stock:
                cart.problems.append(f"Only {product.stock} left of {product.name}.")
            cart.lines.append(CartLine(product, quantity))
        return cart

    def count(self, session_id: str) -> int:
        return sum(self.recent_quantities(session_id).values())

    def recent_quantities(self, session_id: str) -> dict[str, int]:
        """`quantities`, possibly COUNT_TTL_SECONDS old: for display, never for checkout."""
        cached = self._counts.get(session_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < COUNT_TTL_SECONDS:
            return cached[1]
        quantities = self.quantities(session_id)
        if len(self._counts) > 10_000:
            self._counts.clear()
        self._counts[session_id] = (now, quantities)
        return quantities

    def add(self, session_id: str, product_id: str, quantity: int) -> CartView:
        product = self._product(product_id)
        return self._change(session_id, product.id, lambda current: current + quantity)

    def set_quantity(self, session_id: str, product_id: str, quantity: int) -> CartView:
        """Set a line's quantity (0 removes it), bounded by stock and by 99 per line."""
        return self._change(session_id, product_id, lambda _current: quantity)

    def _change(self, session_id: str, product_id: str, new_quantity: Callable[[int], int]) -> CartView:
        """Read the cart, change one line, write it if nobody wrote in between (else again), and
        answer with the cart as written: one write when this process wrote the cart last, one read
        and one write otherwise."""
        oid = ObjectId(product_id)
        known: tuple[list[dict[str, Any]], int | None] | None = self._written.pop(session_id, None)
        for attempt in range(30):
            if known is None:
                if attempt:
                    # Another tab or request of this visitor wrote in between: back off a little,
                    # with jitter so the writers do not collide again in lockstep.
                    time.sleep(random.uniform(0, 0.005 * attempt))
                known = self._items(session_id)
            items, version = known
            known = None
            current = next((int(item["quantity"]) for item in items if item["productId"] == oid), 0)
            quantity = new_quantity(current)
            self._check(product_id, quantity)
            items = [item for item in items if item["productId"] != oid]
            if quantity > 0:
                items.append({"productId": oid, "quantity": quantity})
            if len(items) > MAX_LINES:
                raise InvalidInput(f"A cart holds at most {MAX_LINES} different items.")
            if self._write(session_id, items, version):
                quantities = {str(item["productId"]): int(item["quantity"]) for item in items}
                if len(self._written) > 10_000:
                    self._written.clear()
                self._written[session_id] = (items, (version or 0) + 1)
                self._counts[session_id] = (time.monotonic(), quantities)  # the badge needs no read either
                return self._view_of(quantities)
        raise Conflict("Your cart was changing too quickly; please try again.")

    def _check(self, product_id: str, quantity: int) -> None:
        if quantity < 0:
            raise InvalidInput("Quantity cannot be negative.", field="quantity")
        if quantity > 0:
            product = self._product(product_id)
            if not product.in_stock:
                raise OutOfStock(f"Sorry, {product.name} is sold out.")
            if quantity > MAX_QUANTITY:
                raise InvalidInput(f"You can order at most {MAX_QUANTITY} of one item.", field="quantity")
            if quantity > product.stock:
                raise OutOfStock(f"Only {product.stock} of {product.name} left in stock.")

    def clear(self, session_id: str) -> None:
        self.db.carts.delete_one({"_id": session_id})
        self._forget(session_id)

    def remove_products(self, session_id: str, product_ids: set[str]) -> None:
        """Drop ordered items from the cart (after checkout), keeping anything added meanwhile."""
        oids = [ObjectId(pid) for pid in product_ids]
        self.db.carts.update_one(
            {"_id": session_id},
            {"$pull": {"items": {"productId": {"$in": oids}}}, "$inc": {"version": 1}},
        )
        self._forget(session_id)

    def _forget(self, session_id: str) -> None:
        self._counts.pop(session_id, None)
        self._written.pop(session_id, None)

    def _product(self, product_id: str) -> Product:
        product = self.catalog.get(product_id) if is_object_id(product_id) else None
        if product is None:
            raise NotFound("That product does not exist (any more).", field="product_id")
        return product

    def _write(self, session_id: str, items: list[dict[str, Any]], version: int | None) -> bool:
        try:
            return self._write_versioned(session_id, items, version)
        finally:
            self._forget(session_id)

    def _write_versioned(self, session_id: str, items: list[dict[str, Any]], version: int | None) -> bool:
        now = datetime.now(UTC)
        if version is None:
            try:
                self.db.carts.insert_one({"_id": session_id, "items": items, "version": 1, "updatedAt": now})
                return True
            except DuplicateKeyError:
                return False
        result = self.db.carts.update_one(
            {"_id": session_id, "version": version},
            {"$set": {"items": items, "updatedAt": now}, "$inc": {"version": 1}},
        )
        return result.modified_count == 1
