"""Stock locations: where a product's units are, which location an order takes them from, transfers.

How stock is stored, and why. `products.stock` stays the total available: every reader (the pages,
the search, the agent, the reorder advice) keeps using it. The units held at a location other than
the default one are kept on the product itself, `products.locationStock` = {locationId: units}; the
default location holds the rest (`stock - sum(locationStock)`). So:

- a shop with one location has no `locationStock` at all, and its orders write exactly what they
  wrote before (no extra read, no extra write: the order gets its `allocations` field, that is all);
- the per-location figures and the total live in ONE document, so an order's decrement, a transfer
  or a receipt changes them together in one conditional update (the per-location figures always sum
  to the total; no second write per order, whatever the number of locations);
- every other writer of `stock` (the product form, the CSV import, returns, an unpaid order's
  release) adds to or removes from the default location without knowing about locations; a removal
  is guarded so the default location never goes below 0 (`default_location_guard`).

Allocation rule (`allocate`), applied inside the order transaction to the stock it read there:
locations are taken in priority order (priority 1 first; ties by name), inactive ones never;
1. the first location that can fill EVERY line of the order ships the whole order (one parcel);
2. otherwise each line comes from the first location that can fill that line;
3. a line no single location can fill is split: each location in priority order gives what it has.
The decrement of each location is conditional (`locationStock.<id> >= n`, and for the default
location the other locations' figures as read plus `stock >= n + their sum`): two buyers of the last
units at two locations can never both get them; a stale read only makes the transaction run again.

A location is deactivated only when it holds no units (transfer them first), so `stock` never counts
units that cannot be sold; the default location cannot be deactivated.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.location_stock import (
    DEFAULT_LOCATION_ID,
    LOCATION_STOCK,
    default_location_guard,
    explicit_stock,
    stock_by_location,
)
from shop.core.text import slugify
from shop.core.transactions import run_transaction
from shop.core.validation import parse_object_id
from shop.core.versions import SharedVersions

LOCATIONS = "locations"
"""Also the kind in `versions` (shop.core.versions) that the in-process list of locations follows."""
DEFAULT_LOCATION_NAME = "Main store"
MAX_UNITS = 1_000_000
MAX_PRIORITY = 1000
NO_SUCH_PRODUCT = "No such product."
NO_SUCH_LOCATION = "No such location."
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    address: str
    priority: int
    active: bool

    @property
    def default(self) -> bool:
        return self.id == DEFAULT_LOCATION_ID

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Location:
        return cls(
            id=str(doc["_id"]),
            name=str(doc.get("name") or doc["_id"]),
            address=str(doc.get("address") or ""),
            priority=int(doc.get("priority") or 1),
            active=bool(doc.get("active", True)) or doc["_id"] == DEFAULT_LOCATION_ID,
        )


DEFAULT_LOCATION = Location(DEFAULT_LOCATION_ID, DEFAULT_LOCATION_NAME, "", 1, True)


def _sort_key(location: Location) -> tuple[int, str, str]:
    return (location.priority, location.name.lower(), location.id)


def ensure_default_location(db: Database) -> None:
    """The default location, created once (idempotent: a second start or process changes nothing).
    Existing products need no migration: a product without `locationStock` holds all at the default."""
    now = datetime.now(UTC)
    db.locations.update_one(
        {"_id": DEFAULT_LOCATION_ID},
        {
            "$setOnInsert": {
                "name": DEFAULT_LOCATION_NAME,
                "address": "",
                "priority": 1,
                "active": True,
                "createdAt": now,
                "updatedAt": now,
            }
        },
        upsert=True,
    )


def read_locations(db: Database, session: ClientSession | None = None) -> list[Location]:
    """Every location in priority order, the default one included even before it is stored."""
    found = [Location.from_doc(doc) for doc in db.locations.find({}, session=session)]
    if not any(location.default for location in found):
        found.append(DEFAULT_LOCATION)
    return sorted(found, key=_sort_key)


# --------------------------------------------------------------------------------------------------
# Per-location figures of one product (pure)
# --------------------------------------------------------------------------------------------------


Line = tuple[Any, int]
"""(product id, units)"""


def allocate(
    lines: Sequence[Line], stock: dict[Any, dict[str, int]], locations: Sequence[Location]
) -> list[tuple[Any, str, int]] | None:
    """The allocation rule (module docstring): [(product id, location id, units)], or None when the
    active locations together cannot fill a line. `stock`: product id -> location id -> units left."""
    order = [loc.id for loc in sorted(locations, key=_sort_key) if loc.active]
    for location_id in order:
        if all(stock.get(pid, {}).get(location_id, 0) >= qty for pid, qty in lines):
            return [(pid, location_id, qty) for pid, qty in lines]
    allocations: list[tuple[Any, str, int]] = []
    for pid, qty in lines:
        held = stock.get(pid, {})
        whole = next((loc for loc in order if held.get(loc, 0) >= qty), None)
        if whole is not None:
            allocations.append((pid, whole, qty))
            continue
        needed = qty
        for location_id in order:
            take = min(needed, max(0, held.get(location_id, 0)))
            if take:
                allocations.append((pid, location_id, take))
                needed -= take
            if not needed:
                break
        if needed:
            return None
    return allocations


# --------------------------------------------------------------------------------------------------
# Allocation inside the order transaction (used by shop.ordering.orders._BatchWriter)
# --------------------------------------------------------------------------------------------------


class BatchAllocation:
    """One run of an order batch's transaction, as far as locations go.

    For products whose units are all at the default location (a one-location shop's every product)
    it reads nothing more: their allocation is the default location, and their decrement only gains
    the condition that they still have no units elsewhere. Otherwise it reads
    the locations once, in the transaction's session, and tracks what each location has left as the
    batch's orders take from it.
    """

    def __init__(self, db: Database, session: ClientSession, products: dict[Any, dict[str, Any]]) -> None:
        self.db = db
        self.session = session
        self.products = products
        self.left = {pid: stock_by_location(doc) for pid, doc in products.items()}
        self.taken: dict[Any, dict[str, int]] = {}
        self._locations: list[Location] | None = None

    def _spread(self, pid: Any) -> bool:
        return any(explicit_stock(self.products[pid]).values())

    def allocate(self, lines: Sequence[Line]) -> list[dict[str, Any]] | None:
        """The order's `allocations` [{productId, locationId, quantity}], its units taken from what is
        left; None if the active locations cannot fill it (units at a location being deactivated)."""
        if not any(self._spread(pid) for pid, _ in lines):
            chosen: list[tuple[Any, str, int]] | None = [(pid, DEFAULT_LOCATION_ID, qty) for pid, qty in lines]
        else:
            if self._locations is None:
                self._locations = read_locations(self.db, self.session)
            chosen = allocate(lines, self.left, self._locations)
        if chosen is None:
            return None
        for pid, location_id, qty in chosen:
            self.left[pid][location_id] = self.left[pid].get(location_id, 0) - qty
            taken = self.taken.setdefault(pid, {})
            taken[location_id] = taken.get(location_id, 0) + qty
        return [{"productId": pid, "locationId": loc, "quantity": qty} for pid, loc, qty in chosen]

    def conditions(self, pid: Any) -> dict[str, Any]:
        """Extra filter terms of the product's conditional decrement (module docstring)."""
        return default_location_guard(self.products[pid], self.taken.get(pid, {}).get(DEFAULT_LOCATION_ID, 0))

    def increments(self, pid: Any) -> dict[str, int]:
        """Extra `$inc` terms: the units taken from locations other than the default one."""
        return {
            f"{LOCATION_STOCK}.{loc}": -qty
            for loc, qty in self.taken.get(pid, {}).items()
            if loc != DEFAULT_LOCATION_ID and qty
        }


def return_increments(order: dict[str, Any], product_id: Any, quantity: int, active: Iterable[str]) -> dict[str, int]:
    """`$inc` terms (besides `stock`) that put `quantity` units of an order's product back where they
    came from (its `allocations`); units from a location no longer active, and orders placed before
    locations existed, go back to the default location. For cancellations, releases and returns."""
    open_ids = set(active)
    increments: dict[str, int] = {}
    left = quantity
    for entry in order.get("allocations") or []:
        if entry.get("productId") != product_id or not left:
            continue
        units = min(left, int(entry.get("quantity") or 0))
        location_id = str(entry.get("locationId"))
        left -= units
        if location_id != DEFAULT_LOCATION_ID and location_id in open_ids and units:
            key = f"{LOCATION_STOCK}.{location_id}"
            increments[key] = increments.get(key, 0) + units
    return increments


def allocated_location_ids(order: dict[str, Any]) -> list[str]:
    """The distinct locations an order's units were allocated at, as recorded; an order placed before
    locations existed ships from the default location. More than one: a split shipment, one parcel
    per location (shop/fulfillment/shipments.py)."""
    found: list[str] = []
    for entry in order.get("allocations") or []:
        location_id = str(entry.get("locationId") or DEFAULT_LOCATION_ID)
        if location_id not in found:
            found.append(location_id)
    return found or [DEFAULT_LOCATION_ID]


def units_to_ship(order: dict[str, Any]) -> dict[str, dict[str, int]]:
    """location id -> product id (as text) -> units allocated there that no parcel from there holds
    yet (a parcel's `items`; one that names its location but not its items took all of it)."""
    allocations = order.get("allocations") or [
        {"productId": line["productId"], "locationId": DEFAULT_LOCATION_ID, "quantity": line["quantity"]}
        for line in order.get("products") or []
    ]
    left: dict[str, dict[str, int]] = {}
    for entry in allocations:
        at = left.setdefault(str(entry.get("locationId") or DEFAULT_LOCATION_ID), {})
        pid = str(entry["productId"])
        at[pid] = at.get(pid, 0) + int(entry.get("quantity") or 0)
    for parcel in order.get("shipments") or []:
        at = left.get(str(parcel.get("locationId") or ""))
        if at is None:
            continue
        if not parcel.get("items"):
            at.clear()
        for item in parcel.get("items") or []:
            pid = str(item.get("productId"))
            if pid in at:
                at[pid] = max(0, at[pid] - int(item.get("quantity") or 0))
    return {location_id: {pid: n for pid, n in at.items() if n > 0} for location_id, at in left.items()}


def unshipped_locations(order: dict[str, Any]) -> list[str]:
    """The allocated locations of a split order with units no parcel holds yet: while any is left the
    order cannot be delivered (shop/ordering/admin.py, shop/fulfillment/shipments.py). Empty for an
    order from one location, and for one whose parcels do not name their location (shipped before
    parcels recorded it, or with the plain status button): those keep the rule they were shipped under."""
    expected = allocated_location_ids(order)
    located = any(p.get("locationId") for p in order.get("shipments") or [])
    if len(expected) <= 1 or not located:
        return []
    left = units_to_ship(order)
    return [location_id for location_id in expected if left.get(location_id)]


def returnable_locations(db: Database, order: dict[str, Any], session: ClientSession | None = None) -> set[str]:
    """The active locations an order's units may go back to (`return_increments`); no query for an
    order that was all allocated at the default location."""
    elsewhere = any(e.get("locationId") != DEFAULT_LOCATION_ID for e in order.get("allocations") or [])
    if not elsewhere:
        return set()
    return {str(doc["_id"]) for doc in db.locations.find({"active": True}, {"_id": 1}, session=session)}


# --------------------------------------------------------------------------------------------------
# The owner's side: locations, stock per location, transfers, availability
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    location_id: str
    name: str
    quantity: int

    def to_json(self) -> dict[str, Any]:
        return {"locationId": self.location_id, "name": self.name, "quantity": self.quantity}


@dataclass
class ShipmentGroup:
    """What of an order ships from one location (the owner's ship form is per location)."""

    location_id: str
    name: str
    items: list[dict[str, Any]] = field(default_factory=list)
    """[{productId, name, quantity}]"""


def _whole(value: Any, what: str, field_name: str, *, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} must be a whole number.", field=field_name) from exc
    if not low <= number <= high:
        raise InvalidInput(f"{what} must be between {low:,} and {high:,}.", field=field_name)
    return number


def _text(value: Any, what: str, field_name: str, *, max_length: int, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise InvalidInput(f"Enter the {what}.", field=field_name)
    if len(text) > max_length:
        raise InvalidInput(f"The {what} is at most {max_length} characters.", field=field_name)
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidInput(f"The {what} contains characters that cannot be saved.", field=field_name)
    return text


class LocationService:
    """Locations and per-location stock. The list of locations is kept in memory and follows the
    shared "locations" version (shop.core.versions), so the product page costs no query for it and
    every process sees an owner's change within a poll interval."""

    def __init__(
        self,
        db: Database,
        *,
        versions: SharedVersions | None = None,
        on_stock_change: Any = None,
    ) -> None:
        self.db = db
        self.versions = versions
        self.on_stock_change = on_stock_change
        self._lock = threading.Lock()
        self._cached: tuple[int, list[Location]] | None = None

    # --- the list ---------------------------------------------------------------------------
    def version(self) -> int:
        return self.versions.get(LOCATIONS) if self.versions is not None else 0

    def all(self) -> list[Location]:
        seen = self.version()
        cached = self._cached
        if cached is not None and cached[0] == seen and self.versions is not None:
            return cached[1]
        locations = read_locations(self.db)
        with self._lock:
            self._cached = (seen, locations)
        return locations

    def active(self) -> list[Location]:
        return [loc for loc in self.all() if loc.active]

    def get(self, location_id: str) -> Location:
        for location in read_locations(self.db):
            if location.id == location_id:
                return location
        raise NotFound(NO_SUCH_LOCATION)

    def _changed(self) -> None:
        self._cached = None
        if self.versions is not None:
            self.versions.bump(LOCATIONS)

    def save(
        self,
        location_id: str | None,
        *,
        name: Any,
        address: Any,
        priority: Any,
        active: bool,
        owner: str,
    ) -> Location:
        """Create (`location_id` None) or edit a location. Deactivating needs the location empty."""
        clean_name = _text(name, "location's name", "name", max_length=80, required=True)
        clean_address = _text(address, "address", "address", max_length=300, required=False)
        rank = _whole(priority, "The priority", "priority", low=1, high=MAX_PRIORITY)
        now = datetime.now(UTC)
        fields = {"name": clean_name, "address": clean_address, "priority": rank, "active": active, "updatedAt": now}
        others = [loc for loc in read_locations(self.db) if loc.id != location_id]
        if any(loc.name.lower() == clean_name.lower() for loc in others):
            raise InvalidInput(f"There is already a location called {clean_name}.", field="name")
        if location_id is None:
            new_id = slugify(clean_name, max_length=40) or "location"
            if not _ID.match(new_id):
                new_id = "location"
            taken = {loc.id for loc in others}
            base, n = new_id, 2
            while new_id in taken:
                new_id, n = f"{base}-{n}", n + 1
            doc = {"_id": new_id, **fields, "createdAt": now}
            try:
                self.db.locations.insert_one(doc)
            except DuplicateKeyError as exc:
                raise Conflict("Another location was just created with that name; try again.") from exc
            log_activity(self.db, owner, "location.create", "location", new_id, None, _log(doc))
            self._changed()
            return Location.from_doc(doc)

        def work(session: ClientSession) -> dict[str, Any]:
            before = self.db.locations.find_one({"_id": location_id}, session=session)
            if before is None:
                if location_id != DEFAULT_LOCATION_ID:
                    raise NotFound(NO_SUCH_LOCATION)
                ensure_default_location(self.db)
                before = self.db.locations.find_one({"_id": location_id}, session=session) or {}
            if not active:
                if location_id == DEFAULT_LOCATION_ID:
                    raise InvalidInput("The default location cannot be deactivated.", field="active")
                held = self.db.products.find_one(
                    {f"{LOCATION_STOCK}.{location_id}": {"$gt": 0}}, {"name": 1}, session=session
                )
                if held is not None:
                    raise Conflict(
                        f"{clean_name} still holds units of {held['name']}; transfer them before deactivating it.",
                        field="active",
                    )
            self.db.locations.update_one({"_id": location_id}, {"$set": fields}, session=session)
            log_activity(
                self.db, owner, "location.update", "location", location_id, _log(before), _log(fields), session=session
            )
            return {"_id": location_id, **fields}

        doc = run_transaction(self.db, work)
        self._changed()
        return Location.from_doc(doc)

    # --- stock per location -----------------------------------------------------------------
    def product_stock(self, product_id: str | ObjectId) -> tuple[dict[str, Any], list[tuple[Location, int]]]:
        """The product and its units at each location (every location holding units, and every
        active one), in priority order."""
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        product = self.db.products.find_one({"_id": oid}, {"name": 1, "stock": 1, LOCATION_STOCK: 1, "deletedAt": 1})
        if product is None:
            raise NotFound(NO_SUCH_PRODUCT)
        held = stock_by_location(product)
        rows = [(loc, held.get(loc.id, 0)) for loc in self.all() if loc.active or held.get(loc.id, 0)]
        return product, rows

    def availability(self, product_id: str, total: int) -> list[Availability]:
        """Units per active location holding some (`GET /api/products/{id}`, the product page). A shop
        with one location answers from `total` (the catalog's figure) without reading the product."""
        active = self.active()
        if len(active) <= 1:
            location = active[0] if active else DEFAULT_LOCATION
            return [Availability(location.id, location.name, max(0, total))]
        _, rows = self.product_stock(product_id)
        return [Availability(loc.id, loc.name, qty) for loc, qty in rows if loc.active and qty > 0]

    def adjust(self, product_id: str, location_id: str, new_quantity: Any, seen: Any, *, owner: str) -> int:
        """Set a location's units of a product to `new_quantity`, applied as the difference from `seen`
        (the figure the form showed) so units sold meanwhile stay sold; the total follows. Returns the
        product's new total."""
        target = _whole(new_quantity, "The quantity", "quantity", low=0, high=MAX_UNITS)
        shown = _whole(seen, "The quantity shown", "seen", low=-MAX_UNITS, high=MAX_UNITS)
        delta = target - shown
        location = self.get(location_id)
        if delta > 0 and not location.active:
            raise InvalidInput(f"{location.name} is not active; activate it before adding stock.", field="quantity")
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        if delta == 0:
            return int((self.db.products.find_one({"_id": oid}, {"stock": 1}) or {}).get("stock", 0))

        def work(session: ClientSession) -> int:
            product = _read_product(self.db, oid, session)
            query: dict[str, Any] = {"_id": oid}
            inc: dict[str, int] = {"stock": delta}
            if location.default:
                if delta < 0:
                    query.update(default_location_guard(product, -delta))
                    query.setdefault("stock", {"$gte": -delta})
            else:
                inc[f"{LOCATION_STOCK}.{location.id}"] = delta
                if delta < 0:
                    query[f"{LOCATION_STOCK}.{location.id}"] = {"$gte": -delta}
            now = datetime.now(UTC)
            result = self.db.products.update_one(query, {"$inc": inc, "$set": {"updatedAt": now}}, session=session)
            if result.matched_count != 1:
                raise Conflict(
                    f"{location.name} has fewer units of {product['name']} than that change removes; nothing was saved.",
                    field="quantity",
                )
            after = _read_product(self.db, oid, session)
            _sync_inventory(self.db, session, oid, int(after["stock"]), restocked=delta > 0, now=now)
            log_activity(
                self.db,
                owner,
                "inventory.adjust",
                "products",
                oid,
                {"location": location.id, "units": shown},
                {"location": location.id, "units": target, "stock": int(after["stock"])},
                session=session,
            )
            return int(after["stock"])

        total = run_transaction(self.db, work)
        self._stock_changed()
        return total

    def transfer(self, product_id: str, source: str, destination: str, quantity: Any, *, owner: str) -> None:
        """Move units of a product from one location to another: one conditional update (the source
        never goes below 0, the total does not change) and its activity-log entry, in one transaction."""
        units = _whole(quantity, "The number of units", "quantity", low=1, high=MAX_UNITS)
        if source == destination:
            raise InvalidInput("Choose two different locations.", field="to")
        origin, target = self.get(source), self.get(destination)
        if not target.active:
            raise InvalidInput(f"{target.name} is not active.", field="to")
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))

        def work(session: ClientSession) -> None:
            product = _read_product(self.db, oid, session)
            query: dict[str, Any] = {"_id": oid}
            inc: dict[str, int] = {}
            if origin.default:
                query.update(default_location_guard(product, units))
                query.setdefault("stock", {"$gte": units})
            else:
                query[f"{LOCATION_STOCK}.{origin.id}"] = {"$gte": units}
                inc[f"{LOCATION_STOCK}.{origin.id}"] = -units
            if not target.default:
                inc[f"{LOCATION_STOCK}.{target.id}"] = units
            result = self.db.products.update_one(
                query, {"$inc": inc, "$set": {"updatedAt": datetime.now(UTC)}}, session=session
            )
            if result.matched_count != 1:
                held = stock_by_location(product).get(origin.id, 0)
                raise Conflict(
                    f"{origin.name} has only {max(held, 0)} of {product['name']}; nothing was moved.", field="quantity"
                )
            log_activity(
                self.db,
                owner,
                "inventory.transfer",
                "products",
                oid,
                None,
                {"from": origin.id, "to": target.id, "units": units},
                session=session,
            )

        run_transaction(self.db, work)
        self._stock_changed()

    def shipments(self, order: dict[str, Any]) -> list[ShipmentGroup]:
        """An order's allocation grouped by location, in priority order (orders placed before
        locations existed ship from the default location)."""
        names = {str(line["productId"]): line.get("name", "") for line in order.get("products") or []}
        allocations = order.get("allocations") or [
            {"productId": line["productId"], "locationId": DEFAULT_LOCATION_ID, "quantity": line["quantity"]}
            for line in order.get("products") or []
        ]
        known = {loc.id: loc for loc in self.all()}
        groups: dict[str, ShipmentGroup] = {}
        for entry in allocations:
            location_id = str(entry["locationId"])
            location = known.get(location_id)
            group = groups.setdefault(
                location_id, ShipmentGroup(location_id, location.name if location else location_id)
            )
            pid = str(entry["productId"])
            group.items.append({"productId": pid, "name": names.get(pid, pid), "quantity": int(entry["quantity"])})
        rank = {loc.id: n for n, loc in enumerate(self.all())}
        return sorted(groups.values(), key=lambda g: rank.get(g.location_id, len(rank)))

    def _stock_changed(self) -> None:
        if self.on_stock_change is not None:
            self.on_stock_change()


def _read_product(db: Database, oid: ObjectId, session: ClientSession) -> dict[str, Any]:
    product = db.products.find_one({"_id": oid}, {"name": 1, "stock": 1, LOCATION_STOCK: 1}, session=session)
    if product is None:
        raise NotFound(NO_SUCH_PRODUCT)
    return product


def _sync_inventory(
    db: Database, session: ClientSession, oid: ObjectId, stock: int, *, restocked: bool, now: datetime
) -> None:
    """`inventory.stockLevel` mirrors `products.stock` (shop.catalog.admin keeps both in one transaction)."""
    fields: dict[str, Any] = {"stockLevel": stock, "updatedAt": now}
    if restocked:
        fields["lastRestocked"] = now
    db.inventory.update_one(
        {"productId": oid},
        {"$set": fields, "$setOnInsert": {"predictedDemand": None, "restockAlert": False}},
        upsert=True,
        session=session,
    )


def _log(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc.get(k) for k in ("name", "address", "priority", "active")}
