"""Stored purchase orders: draft -> sent -> received, or cancelled.

    draft --send--> sent --receive (all)--> received
      |               |  --receive (part)--> sent, lines partly received
      +---cancel------+---cancel--> cancelled        (units already received stay received)

The CSV export of shop.inventory.purchase_orders stays for the owner who orders by spreadsheet; this
module keeps an order once the owner saves the reorder advice's quantities (`create`), one per
supplier, numbered like the CSV's reference (PO-YYYYMMDD-SUPPLIER, with -2, -3 for a second one the
same day).

Every change is a compare-and-set on the order's `revision` (and status): the page the owner acts on
carries the revision it showed, so a receipt submitted twice (a double click, a retried request, two
tabs) is recorded once and the second gets a clear "already recorded"; the stock a receipt adds, the
order's new received figures and the activity-log entry are written in one transaction. Sending
stores the supplier's email in the outbox in the same transaction as the status change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.location_stock import DEFAULT_LOCATION_ID, LOCATION_STOCK
from shop.core.pagination import Page
from shop.core.settings import Settings
from shop.core.transactions import run_transaction
from shop.inventory.locations import read_locations
from shop.inventory.purchase_orders import MAX_QUANTITY, NO_SUPPLIER, build_purchase_orders
from shop.inventory.suppliers import get_supplier
from shop.messaging.mail import Email, Mailer, render

STATUSES = ("draft", "sent", "received", "cancelled")
NO_SUCH_ORDER = "There is no purchase order with that number."
_ID = re.compile(r"^PO-\d{8}-[A-Z0-9-]{1,60}$")


@dataclass
class POLine:
    product_id: str
    name: str
    sku: str
    """The product's stock code when the order was made (older orders stored the slug as "slug")."""
    quantity: int
    received: int

    @property
    def outstanding(self) -> int:
        return max(0, self.quantity - self.received)


@dataclass
class StoredPurchaseOrder:
    id: str
    supplier: str
    status: str
    lines: list[POLine]
    revision: int
    created_at: datetime
    expected_by: datetime | None
    sent_at: datetime | None
    receipts: list[dict[str, Any]]
    history: list[dict[str, Any]]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def received_units(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def can_send(self) -> bool:
        return self.status == "draft"

    @property
    def can_receive(self) -> bool:
        return self.status == "sent"

    @property
    def can_cancel(self) -> bool:
        return self.status in ("draft", "sent")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> StoredPurchaseOrder:
        return cls(
            id=doc["_id"],
            supplier=doc["supplier"],
            status=doc["status"],
            lines=[
                POLine(
                    str(ln["productId"]),
                    ln["name"],
                    ln.get("sku") or ln.get("slug", ""),
                    int(ln["quantity"]),
                    int(ln["received"]),
                )
                for ln in doc["lines"]
            ],
            revision=int(doc.get("revision", 0)),
            created_at=doc["createdAt"],
            expected_by=doc.get("expectedBy"),
            sent_at=doc.get("sentAt"),
            receipts=list(doc.get("receipts") or []),
            history=list(doc.get("history") or []),
        )


def _revision(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput("Reload the purchase order and try again.", field="revision") from exc


class PurchaseOrders:
    def __init__(self, db: Database, settings: Settings, mailer: Mailer, *, on_stock_change: Any = None) -> None:
        self.db = db
        self.settings = settings
        self.mailer = mailer
        self.on_stock_change = on_stock_change

    # --- reads ------------------------------------------------------------------------------
    def list(self, *, status: str | None = None, page: int = 1, page_size: int = 50) -> Page[StoredPurchaseOrder]:
        query: dict[str, Any] = {"status": status} if status in STATUSES else {}
        total = self.db.purchase_orders.count_documents(query)
        docs = self.db.purchase_orders.find(query).sort("createdAt", -1).skip((page - 1) * page_size).limit(page_size)
        return Page([StoredPurchaseOrder.from_doc(d) for d in docs], total, page, page_size)

    def get(self, po_id: str) -> StoredPurchaseOrder:
        doc = self.db.purchase_orders.find_one({"_id": po_id}) if _ID.match(po_id or "") else None
        if doc is None:
            raise NotFound(NO_SUCH_ORDER)
        return StoredPurchaseOrder.from_doc(doc)

    # --- create -----------------------------------------------------------------------------
    def create(self, quantities: Mapping[str, int], *, supplier: str | None = None, owner: str) -> list[str]:
        """Drafts from chosen quantities (product id -> units), one per supplier; their numbers."""
        orders = build_purchase_orders(self.db, quantities, supplier=supplier)
        created: list[str] = []
        now = datetime.now(UTC)
        for order in orders:
            record = get_supplier(self.db, order.supplier) if order.supplier != NO_SUPPLIER else None
            lead = (
                record.lead_time_days
                if record and record.lead_time_days is not None
                else max(ln.lead_time_days for ln in order.lines)
            )
            doc: dict[str, Any] = {
                "supplier": order.supplier,
                "status": "draft",
                "lines": [
                    {
                        "productId": ObjectId(ln.product_id),
                        "name": ln.name,
                        "sku": ln.sku,
                        "quantity": ln.quantity,
                        "received": 0,
                    }
                    for ln in order.lines
                ],
                "revision": 0,
                "leadTimeDays": lead,
                "expectedBy": now + timedelta(days=lead),
                "createdAt": now,
                "updatedAt": now,
                "createdBy": owner,
                "receipts": [],
                "history": [{"status": "draft", "from": None, "at": now, "by": owner}],
            }
            for n in range(1, 100):
                doc["_id"] = order.reference if n == 1 else f"{order.reference}-{n}"
                try:
                    self.db.purchase_orders.insert_one(doc)
                    break
                except DuplicateKeyError:
                    continue
            else:
                raise Conflict("Too many purchase orders for this supplier today.")
            log_activity(
                self.db,
                owner,
                "purchase_order.create",
                "purchase_orders",
                doc["_id"],
                None,
                {
                    "supplier": order.supplier,
                    "lines": [{"productId": ln.product_id, "quantity": ln.quantity} for ln in order.lines],
                },
            )
            created.append(doc["_id"])
        return created

    # --- lifecycle --------------------------------------------------------------------------
    def _move(
        self,
        session: ClientSession,
        po_id: str,
        revision: int,
        allowed: tuple[str, ...],
        new_status: str,
        owner: str,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The compare-and-set every change goes through; returns the order as read before it."""
        doc = self.db.purchase_orders.find_one({"_id": po_id}, session=session)
        if doc is None:
            raise NotFound(NO_SUCH_ORDER)
        if int(doc.get("revision", 0)) != revision:
            raise Conflict(
                f"Purchase order {po_id} was changed meanwhile (it is now {doc['status']}); nothing was recorded twice."
            )
        if doc["status"] not in allowed:
            raise Conflict(f"A {doc['status']} purchase order cannot become {new_status}.")
        now = datetime.now(UTC)
        update: dict[str, Any] = {
            "$set": {"status": new_status, "updatedAt": now, **(extra or {}).get("$set", {})},
            "$inc": {"revision": 1},
        }
        if new_status != doc["status"]:
            update["$push"] = {"history": {"status": new_status, "from": doc["status"], "at": now, "by": owner}}
        for key, value in (extra or {}).items():
            if key != "$set":
                update.setdefault(key, {}).update(value)
        result = self.db.purchase_orders.update_one(
            {"_id": po_id, "status": doc["status"], "revision": revision}, update, session=session
        )
        if result.matched_count != 1:
            raise Conflict(f"Purchase order {po_id} was changed meanwhile; reload it.")
        return doc

    def send(self, po_id: str, revision: Any, *, owner: str) -> None:
        """Email the order to the supplier (through the outbox) and mark it sent, together."""
        po = self.get(po_id)
        supplier = get_supplier(self.db, po.supplier)
        if supplier is None or not supplier.email:
            raise InvalidInput(
                f"Add an email address for {po.supplier} under Suppliers before sending this order.", field="supplier"
            )
        text, html = render("purchase_order", po=po, settings=self.settings)
        email = Email(
            [supplier.email], f"Purchase order {po.id} from {self.settings.shop_name}", text, html, "purchase_order"
        )
        outbox: list[Any] = []

        def work(session: ClientSession) -> None:
            self._move(
                session,
                po_id,
                _revision(revision),
                ("draft",),
                "sent",
                owner,
                {"$set": {"sentAt": datetime.now(UTC), "sentTo": supplier.email}},
            )
            outbox.append(self.db.outbox.insert_one(self.mailer.document(email), session=session).inserted_id)
            log_activity(
                self.db,
                owner,
                "purchase_order.send",
                "purchase_orders",
                po_id,
                {"status": "draft"},
                {"status": "sent", "to": supplier.email},
                session=session,
            )

        run_transaction(self.db, work)
        self.mailer.dispatch(outbox)

    def cancel(self, po_id: str, revision: Any, *, owner: str) -> None:
        def work(session: ClientSession) -> None:
            before = self._move(session, po_id, _revision(revision), ("draft", "sent"), "cancelled", owner)
            log_activity(
                self.db,
                owner,
                "purchase_order.cancel",
                "purchase_orders",
                po_id,
                {"status": before["status"]},
                {"status": "cancelled"},
                session=session,
            )

        run_transaction(self.db, work)

    def receive(
        self, po_id: str, quantities: Mapping[str, Any], location_id: str, revision: Any, *, owner: str
    ) -> StoredPurchaseOrder:
        """Record units received (product id -> units; all or part of what is outstanding) into
        `location_id`: the stock, the order's received figures and the log, once, in one transaction."""
        rev = _revision(revision)
        location = next((loc for loc in read_locations(self.db) if loc.id == location_id), None)
        if location is None or not location.active:
            raise InvalidInput("Choose an active location to receive the goods into.", field="location")
        wanted: dict[str, int] = {}
        for pid, value in quantities.items():
            text = str(value).strip()
            if not text:
                continue
            try:
                units = int(text)
            except ValueError as exc:
                raise InvalidInput("Received quantities must be whole numbers.", field="quantity") from exc
            if not 0 <= units <= MAX_QUANTITY:
                raise InvalidInput(f"Received quantities must be between 0 and {MAX_QUANTITY:,}.", field="quantity")
            if units:
                wanted[pid] = units
        if not wanted:
            raise InvalidInput("Enter the units received for at least one line.", field="quantity")

        def work(session: ClientSession) -> dict[str, Any]:
            doc = self.db.purchase_orders.find_one({"_id": po_id}, session=session)
            if doc is None:
                raise NotFound(NO_SUCH_ORDER)
            if int(doc.get("revision", 0)) != rev:  # a receipt submitted again: say so before judging it
                raise Conflict(
                    f"Purchase order {po_id} was changed meanwhile (it is now {doc['status']}); "
                    "nothing was recorded twice."
                )
            lines = {str(ln["productId"]): ln for ln in doc["lines"]}
            unknown = set(wanted) - set(lines)
            if unknown:
                raise InvalidInput("A received line is not on this purchase order.", field="quantity")
            for pid, units in wanted.items():
                line = lines[pid]
                outstanding = int(line["quantity"]) - int(line["received"])
                if units > outstanding:
                    raise InvalidInput(
                        f"Only {max(outstanding, 0)} of {line['name']} are still to come; {units} is too many.",
                        field="quantity",
                    )
            new_lines = [
                {**ln, "received": int(ln["received"]) + wanted.get(str(ln["productId"]), 0)} for ln in doc["lines"]
            ]
            complete = all(ln["received"] >= ln["quantity"] for ln in new_lines)
            now = datetime.now(UTC)
            receipt = {
                "at": now,
                "by": owner,
                "locationId": location.id,
                "lines": [{"productId": lines[pid]["productId"], "quantity": units} for pid, units in wanted.items()],
            }
            extra: dict[str, Any] = {"$set": {"lines": new_lines}, "$push": {"receipts": receipt}}
            if complete:
                extra["$set"]["receivedAt"] = now
            self._move(session, po_id, rev, ("sent",), "received" if complete else "sent", owner, extra)
            for pid, units in sorted(wanted.items()):
                oid = lines[pid]["productId"]
                inc: dict[str, int] = {"stock": units}
                if location.id != DEFAULT_LOCATION_ID:
                    inc[f"{LOCATION_STOCK}.{location.id}"] = units
                self.db.products.update_one({"_id": oid}, {"$inc": inc, "$set": {"updatedAt": now}}, session=session)
                product = self.db.products.find_one({"_id": oid}, {"stock": 1}, session=session)
                if product is not None:
                    self.db.inventory.update_one(
                        {"productId": oid},
                        {
                            "$set": {"stockLevel": int(product["stock"]), "lastRestocked": now, "updatedAt": now},
                            "$setOnInsert": {"predictedDemand": None, "restockAlert": False},
                        },
                        upsert=True,
                        session=session,
                    )
            log_activity(
                self.db,
                owner,
                "purchase_order.receive",
                "purchase_orders",
                po_id,
                {"status": doc["status"]},
                {
                    "status": "received" if complete else "sent",
                    "location": location.id,
                    "lines": [{"productId": pid, "quantity": units} for pid, units in wanted.items()],
                },
                session=session,
            )
            return doc

        run_transaction(self.db, work)
        if self.on_stock_change is not None:
            self.on_stock_change()
        return self.get(po_id)
