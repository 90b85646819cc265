"""The owner's side of orders: listing with filters, and status changes along a fixed lifecycle.

    pending -> confirmed -> shipped -> completed
    pending / confirmed -> cancelled   (the ordered units go back on the shelf)

"completed" is the delivered order: becoming completed records `deliveredAt` (the returns windows count
from it) and marks every parcel delivered. A separate "delivered" status would say the same thing twice:
the customer already reads "completed" as "delivered" (tools/phrases.json), and analytics, the
forecasts and the demo count it as a finished sale. Shipping with a carrier and tracking number
(shop/fulfillment) moves an order to shipped through `transition` here, in its own transaction.

A status change is one transaction: the order moves only from the status it was read in (a
compare-and-set), the stock of a cancelled order is returned in the same transaction, and the activity
log entry is written with it. Two cancels racing therefore return the stock once: the second finds the
order already cancelled and is refused. The customer is emailed after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.pagination import ListQuery, Page, newest_page
from shop.core.settings import Settings
from shop.core.transactions import run_transaction
from shop.core.validation import line
from shop.inventory.locations import (
    allocated_location_ids,
    read_locations,
    return_increments,
    returnable_locations,
    unshipped_locations,
)
from shop.messaging.mail import Email, Mailer, render
from shop.ordering.orders import STATUSES, OrderView, OrderWriter, normalize_order_id

log = logging.getLogger(__name__)

Status = Literal["pending", "confirmed", "shipped", "completed", "cancelled"]

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("confirmed", "cancelled"),
    "confirmed": ("shipped", "cancelled"),
    "shipped": ("completed",),
    "completed": (),
    "cancelled": (),
}

# What the owner's buttons say for each target status.
ACTION_LABELS = {
    "confirmed": "Confirm order",
    "shipped": "Mark as shipped",
    "completed": "Mark as delivered",
    "cancelled": "Cancel order",
}


def can_change(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, ())


class OrderListQuery(ListQuery):
    status: Status | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: line(100, min_length=0) | None = None  # type: ignore[valid-type]
    # Without dates the list shows the last RECENT_DAYS: a date range is answered from the createdAt
    # index, while "all time" makes SecantusDB sort every order (seconds with ~10k orders).
    period: Literal["recent", "all"] = "recent"

    @property
    def recent_only(self) -> bool:
        return self.period == "recent" and not (self.date_from or self.date_to or self.q)


RECENT_DAYS = 30


@dataclass(frozen=True)
class StatusChange:
    status: str
    previous: str | None
    at: datetime
    by: str | None


@dataclass
class AdminOrder:
    order: OrderView
    history: list[StatusChange]

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> AdminOrder:
        return _admin_order(doc)


StatusEmail = Callable[[OrderView, Settings], Email | None]
"""The email for an order that just changed status, or None for the plain status email (the shipped
and delivered emails with tracking and the estimate come from shop/fulfillment)."""


class OrderAdmin(OrderWriter):
    def __init__(
        self,
        db: Database,
        settings: Settings,
        mailer: Mailer,
        *,
        on_stock_change: Callable[[], None] | None = None,
        status_email: StatusEmail | None = None,
    ) -> None:
        super().__init__(db, settings, mailer, on_stock_change=on_stock_change)
        self.status_email = status_email

    def _zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.settings.shop_timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def list(self, query: OrderListQuery) -> Page[OrderView]:
        """Newest first. Dates are the shop's calendar days (SHOP_TIMEZONE), both ends included."""
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise InvalidInput("The start date is after the end date.", field="date_from")
        filters: dict[str, Any] = {}
        if query.status:
            filters["status"] = query.status
        zone = self._zone()
        created: dict[str, datetime] = {}
        if query.date_from:
            created["$gte"] = datetime.combine(query.date_from, time.min, zone).astimezone(UTC)
        if query.date_to:
            created["$lt"] = datetime.combine(query.date_to + timedelta(days=1), time.min, zone).astimezone(UTC)
        if query.recent_only:
            today = datetime.now(zone).date()
            created["$gte"] = datetime.combine(today - timedelta(days=RECENT_DAYS - 1), time.min, zone).astimezone(UTC)
        if created:
            filters["createdAt"] = created
        if query.q:
            text = query.q.strip()
            order_id = normalize_order_id(text) if "@" not in text else None
            if order_id:
                filters["_id"] = order_id
            else:
                filters["email"] = text.lower()
        return newest_page(self.db.orders, filters, query.page, query.page_size).map(OrderView.from_doc)

    def get(self, order_id: str) -> AdminOrder:
        normalized = normalize_order_id(order_id)
        doc = self.db.orders.find_one({"_id": normalized}) if normalized else None
        if doc is None:
            raise NotFound("There is no order with that number.")
        return _admin_order(doc)

    def change_status(
        self,
        order_id: str,
        new_status: str,
        *,
        owner: str,
        expect: dict[str, Any] | None = None,
        notify: bool = True,
    ) -> AdminOrder:
        """Move the order to `new_status` if the lifecycle allows it from its current status.

        `expect` (payments: the release of unpaid orders) adds conditions to the compare-and-set, so a
        payment that arrives meanwhile stops the cancel; `notify=False` leaves the email to the caller."""
        if new_status not in STATUSES:
            raise InvalidInput(f"Unknown status {new_status!r}.", field="status")
        normalized = normalize_order_id(order_id)
        if normalized is None:
            raise NotFound("There is no order with that number.")

        def work(session: ClientSession) -> tuple[dict[str, Any], bool]:
            current = self.db.orders.find_one({"_id": normalized}, session=session)
            if current is None:
                raise NotFound("There is no order with that number.")
            updated, returned = self.transition(
                session, current, new_status, owner=owner, now=datetime.now(UTC), expect=expect
            )
            return updated, bool(returned)

        doc, stock_changed = run_transaction(self.db, work)
        if stock_changed:
            self._stock_changed()
        admin_order = _admin_order(doc)
        if notify:
            self.notify(admin_order.order)
        return admin_order

    def transition(
        self,
        session: ClientSession,
        current: dict[str, Any],
        new_status: str,
        *,
        owner: str,
        now: datetime,
        push: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
        expect: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Move `current` (read in `session`) to `new_status` inside the caller's transaction: the
        lifecycle check, the compare-and-set, the stock of a cancel, the activity log entry. `push`
        adds to the order's arrays in the same update (a shipment), `details` to the log entry, `expect`
        conditions to the compare-and-set (payments: a payment arriving meanwhile stops a release).
        Returns the order as updated and the stock returned. The caller emails after the commit."""
        normalized = current["_id"]
        previous = current["status"]
        if previous == new_status:
            raise Conflict(f"Order {normalized} is already {new_status}.", field="status")
        if not can_change(previous, new_status):
            raise Conflict(f"A {previous} order cannot become {new_status}.", field="status")
        if new_status == "completed":  # SPLIT SHIPMENTS (issue 14): every location's parcel first
            _refuse_unshipped(self.db, session, current)
        fields: dict[str, Any] = {"status": new_status, "updatedAt": now}
        if new_status == "completed":  # completed is delivered (module docstring)
            fields["deliveredAt"] = now
            for index, shipment in enumerate(current.get("shipments") or []):
                if shipment.get("status") != "delivered":
                    fields[f"shipments.{index}.status"] = "delivered"
                    fields[f"shipments.{index}.deliveredAt"] = now
        pushed: dict[str, Any] = {"statusHistory": {"status": new_status, "from": previous, "at": now, "by": owner}}
        pushed.update(push or {})
        # Compare-and-set on the status read above: if another request moved the order meanwhile,
        # nothing matches and the change is refused rather than applied twice.
        matched = self.db.orders.update_one(
            {"_id": normalized, "status": previous, **(expect or {})},
            {"$set": fields, "$push": pushed},
            session=session,
        ).matched_count
        updated = self.db.orders.find_one({"_id": normalized}, session=session) if matched else None
        if updated is None:
            raise Conflict(f"Order {normalized} was changed by someone else; reload and try again.")
        returned: list[dict[str, Any]] = []
        if new_status == "cancelled":
            returned = self._return_stock(session, updated, now)
        after: dict[str, Any] = {"status": new_status, **(details or {})}
        if returned:
            after["stockReturned"] = returned
        log_activity(self.db, owner, "order.status", "order", normalized, {"status": previous}, after, session=session)
        return updated, returned

    def _return_stock(self, session: ClientSession, order: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
        returned: list[dict[str, Any]] = []
        active = returnable_locations(self.db, order, session)  # LOCATIONS: back where they came from
        for item in sorted(order["products"], key=lambda p: p["productId"]):
            quantity = int(item["quantity"])
            back = return_increments(order, item["productId"], quantity, active)  # LOCATIONS
            product = self.db.products.find_one_and_update(
                {"_id": item["productId"]},
                {"$inc": {"stock": quantity} | back, "$set": {"updatedAt": now}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if product is None:  # removed from the database entirely: nothing to put back
                continue
            self.db.inventory.update_one(
                {"productId": item["productId"]},
                {
                    "$set": {
                        "stockLevel": product["stock"],
                        "restockAlert": product["stock"] <= self.settings.low_stock_threshold,
                        "updatedAt": now,
                    }
                },
                session=session,
            )
            returned.append({"productId": str(item["productId"]), "name": item["name"], "quantity": quantity})
        return returned

    def notify(self, order: OrderView) -> None:
        """Email the customer about the order's new status; called after the commit, never raises."""
        try:
            email = self.status_email(order, self.settings) if self.status_email is not None else None
            if email is None:
                text, html = render("order_status", order=order, settings=self.settings)
                subject = f"Your order {order.id} is {order.status}"
                email = Email([order.email], subject, text, html, f"order_{order.status}")
            self.mailer.send(email)
        except Exception:  # the change is committed; a mail problem must not undo or hide it
            log.exception("could not queue the status email for %s", order.id)


def _refuse_unshipped(db: Database, session: ClientSession, order: dict[str, Any]) -> None:
    """A split order (one parcel per stock location) is delivered only once every location has sent
    its parcel: marking it delivered earlier would tell the customer everything arrived."""
    missing = unshipped_locations(order)
    if not missing:
        return
    names = {loc.id: loc.name for loc in read_locations(db, session)}
    where = ", ".join(names.get(location_id, location_id) for location_id in missing)
    total = len(allocated_location_ids(order))
    raise Conflict(
        f"{len(missing)} of {total} parcels of order {order['_id']} has not shipped yet (from {where}): "
        "ship it before marking the order delivered.",
        field="status",
    )


def _admin_order(doc: dict[str, Any]) -> AdminOrder:
    history = [StatusChange("pending", None, doc["createdAt"], None)]
    for entry in doc.get("statusHistory") or []:
        history.append(StatusChange(entry["status"], entry.get("from"), entry["at"], entry.get("by")))
    return AdminOrder(OrderView.from_doc(doc), history)
