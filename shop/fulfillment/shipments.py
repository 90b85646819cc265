"""The owner ships an order (carrier, tracking number, the link built by code) and marks it delivered.

A shipment is one parcel, kept in the order's `shipments` array: {id, carrier, carrierName,
trackingNumber, trackingUrl, status (shipped | delivered), shippedAt, deliveredAt?, items?,
locationId?}. An order may have several (a split shipment from several stock locations passes `items`
and `location_id`). The first shipment of a confirmed order moves it to shipped through the order
lifecycle (OrderAdmin.transition: compare-and-set on the status, status history and activity log in
the same transaction), so two owners pressing "Ship" at once record one transition: the second finds
the order already shipped by someone else and is refused. A further parcel of a shipped order is a
compare-and-set on the number of parcels read, for the same reason. The same tracking number twice on
one order is refused (a double submit). The customer is emailed after the commit.

Delivered: the whole order (OrderAdmin's "completed", which records `deliveredAt` and marks every
parcel delivered), or one parcel at a time; the last parcel delivered completes the order.

Split shipments (issue 14). An order allocated at several stock locations (its `allocations`,
shop/inventory/locations.py) ships in one parcel per location: `ship` takes the location (required
for such an order, refused with a 422 if the order has nothing there, 409 once everything from there
is in a parcel) and records the parcel's items (by default all that location still has to send; the
owner may send them in several parcels) with the location's id and name. While some location has not shipped, the order is partly shipped, and why that is NOT a new
status: the order keeps "shipped" from its first parcel and `ParcelProgress` (derived from the
allocations and the parcels, never stored) says "1 of 2 parcels shipped" on the timeline, in the
email of each parcel, on the admin page and in the API (`fulfillment`). A new status would have to be
taught to every reader of STATUSES (list filters, analytics and forecasts that count shipped sales,
the agent's phrases, the returns and payment rules keyed on "shipped") for a state that only the
parcels distinguish; and the one thing that must not happen early, delivered, is guarded where it is
decided: `deliver` completes the order only when every allocated location's parcel is delivered, and
OrderAdmin refuses "completed" while a location has not shipped (its plain "Mark as delivered" too).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.client_session import ClientSession

from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.transactions import run_transaction
from shop.fulfillment.carriers import TrackingInput
from shop.fulfillment.estimate import DeliveryEstimate, estimate, shop_zone
from shop.fulfillment.progress import ParcelProgress, parcel_progress
from shop.fulfillment.timeline import TimelineEvent, build_timeline, order_returns
from shop.inventory.locations import allocated_location_ids, read_locations, units_to_ship, unshipped_locations
from shop.ordering.admin import AdminOrder, OrderAdmin
from shop.ordering.orders import ORDER_ID_ALPHABET, OrderView, normalize_order_id

MAX_SHIPMENTS = 20
"""Parcels per order: far more than a small shop splits one order into, few enough to show on a page."""


def new_shipment_id() -> str:
    return "SHP-" + "".join(secrets.choice(ORDER_ID_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class ShipmentView:
    id: str
    carrier: str
    carrier_name: str
    tracking_number: str
    tracking_url: str | None
    status: str
    shipped_at: datetime
    delivered_at: datetime | None = None
    location_id: str | None = None
    location_name: str | None = None
    items: tuple[dict[str, Any], ...] = ()
    """[{productId, name, quantity}] of a parcel recorded with its location; empty for older parcels."""

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ShipmentView:
        return cls(
            id=str(doc.get("id", "")),
            carrier=str(doc.get("carrier", "other")),
            carrier_name=str(doc.get("carrierName") or doc.get("carrier") or "Carrier"),
            tracking_number=str(doc.get("trackingNumber", "")),
            tracking_url=doc.get("trackingUrl"),
            status=str(doc.get("status", "shipped")),
            shipped_at=doc["shippedAt"],
            delivered_at=delivered_at(doc) if doc else None,
            location_id=str(doc["locationId"]) if doc.get("locationId") is not None else None,
            location_name=str(doc["locationName"]) if doc.get("locationName") is not None else None,
            items=tuple(_item_json(item) for item in doc.get("items") or [] if isinstance(item, dict)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "carrier": self.carrier,
            "carrierName": self.carrier_name,
            "trackingNumber": self.tracking_number,
            "trackingUrl": self.tracking_url,
            "status": self.status,
            "shippedAt": self.shipped_at.isoformat(),
            "deliveredAt": self.delivered_at.isoformat() if self.delivered_at else None,
            "location": {"id": self.location_id, "name": self.location_name or self.location_id}
            if self.location_id
            else None,
            "items": [dict(item) for item in self.items],
        }


def _item_json(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "productId": str(item.get("productId", "")),
        "name": str(item.get("name") or ""),
        "quantity": int(item.get("quantity") or 0),
    }


def shipments_of(order: dict[str, Any]) -> list[ShipmentView]:
    return [ShipmentView.from_doc(s) for s in order.get("shipments") or [] if isinstance(s.get("shippedAt"), datetime)]


def delivered_at(order: dict[str, Any]) -> datetime | None:
    """When the order was delivered: `deliveredAt`, or for an order completed before it was recorded,
    the time it became completed; None while it is on its way. The return windows count from here."""
    stored = order.get("deliveredAt")
    if isinstance(stored, datetime):
        return stored
    if order.get("status") != "completed":
        return None
    changes = [h.get("at") for h in order.get("statusHistory") or [] if h.get("status") == "completed"]
    return next((at for at in reversed(changes) if isinstance(at, datetime)), None)


@dataclass(frozen=True)
class OrderTracking:
    """What the customer sees of an order's way to them: on the order page, in the API and the chat."""

    shipments: list[ShipmentView]
    estimate: DeliveryEstimate | None
    delivered_at: datetime | None
    timeline: list[TimelineEvent]
    progress: ParcelProgress | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "shipments": [s.to_json() for s in self.shipments],
            "fulfillment": self.progress.to_json() if self.progress else None,
            "estimatedDelivery": self.estimate.to_json() if self.estimate else None,
            "deliveredAt": self.delivered_at.isoformat() if self.delivered_at else None,
            "timeline": [event.to_json() for event in self.timeline],
        }


class Fulfillment:
    def __init__(self, order_admin: OrderAdmin) -> None:
        self.admin = order_admin
        self.db = order_admin.db
        self.settings = order_admin.settings

    # --- what the customer sees -------------------------------------------------------------------
    def tracking(self, order: OrderView, *, now: datetime | None = None) -> OrderTracking:
        """Shipments, estimate and timeline of `order`, from its stored document and its returns."""
        doc = order.source
        zone = shop_zone(self.settings.shop_timezone)
        return OrderTracking(
            shipments=shipments_of(doc),
            estimate=estimate(doc, zone, now=now) if doc else None,
            delivered_at=doc.get("deliveredAt"),
            timeline=build_timeline(doc, order_returns(self.db, order.id)) if doc else [],
            progress=parcel_progress(doc) if doc else None,
        )

    def estimate(self, order: OrderView, *, now: datetime | None = None) -> DeliveryEstimate | None:
        return estimate(order.source, shop_zone(self.settings.shop_timezone), now=now) if order.source else None

    # --- the owner's actions ----------------------------------------------------------------------
    def ship(
        self,
        order_id: str,
        tracking: TrackingInput,
        *,
        owner: str,
        items: Sequence[dict[str, Any]] | None = None,
        location_id: str | None = None,
    ) -> AdminOrder:
        """Record a parcel with its tracking; the first one moves a confirmed order to shipped. For an
        order allocated at several locations, `location_id` says which one this parcel leaves from;
        its items default to what the order has there (`items`, if given, must be among them)."""
        normalized = _order_id(order_id)

        def work(session: ClientSession) -> dict[str, Any]:
            current = _read(self.db, normalized, session)
            status = current["status"]
            parcels = current.get("shipments") or []
            if status == "pending":
                raise Conflict(f"Order {normalized} is not confirmed yet: confirm it before shipping.", field="status")
            if status not in ("confirmed", "shipped"):
                raise Conflict(f"A {status} order cannot be shipped.", field="status")
            if any(
                p.get("carrier") == tracking.carrier and p.get("trackingNumber") == tracking.tracking_number
                for p in parcels
            ):
                raise Conflict(
                    f"Tracking number {tracking.tracking_number} is already recorded on this order.",
                    field="trackingNumber",
                )
            if len(parcels) >= MAX_SHIPMENTS:
                raise Conflict(f"An order can have at most {MAX_SHIPMENTS} shipments.")
            origin = self._origin(session, current, location_id, items)  # SPLIT SHIPMENTS (issue 14)
            now = datetime.now(UTC)
            shipment: dict[str, Any] = {
                "id": new_shipment_id(),
                "carrier": tracking.carrier,
                "carrierName": tracking.carrier_name,
                "trackingNumber": tracking.tracking_number,
                "trackingUrl": tracking.tracking_url,
                "status": "shipped",
                "shippedAt": now,
                "by": owner,
            }
            shipment.update(origin)
            logged = {k: shipment[k] for k in ("id", "carrier", "trackingNumber", "trackingUrl")}
            if "locationId" in shipment:
                logged["locationId"] = shipment["locationId"]
            if status == "confirmed":
                updated, _ = self.admin.transition(
                    session, current, "shipped", owner=owner, now=now,
                    push={"shipments": shipment}, details={"shipment": logged},
                )  # fmt: skip
                return updated
            # Another parcel of a shipped order: compare-and-set on the parcels read above.
            matched = self.db.orders.update_one(
                {"_id": normalized, "status": "shipped", f"shipments.{len(parcels)}": {"$exists": False}},
                {"$push": {"shipments": shipment}, "$set": {"updatedAt": now}},
                session=session,
            ).matched_count
            if not matched:
                raise Conflict(f"Order {normalized} was changed by someone else; reload and try again.")
            log_activity(
                self.db, owner, "order.shipment", "order", normalized,
                {"shipments": len(parcels)}, {"shipments": len(parcels) + 1, "shipment": logged}, session=session,
            )  # fmt: skip
            return _read(self.db, normalized, session)

        admin_order = AdminOrder.from_doc(run_transaction(self.db, work))
        self.admin.notify(admin_order.order)
        return admin_order

    def deliver(self, order_id: str, shipment_id: str | None = None, *, owner: str) -> AdminOrder:
        """Mark the order delivered, or one parcel of it; the last parcel delivered completes the order."""
        if shipment_id is None:
            return self.admin.change_status(order_id, "completed", owner=owner)
        normalized = _order_id(order_id)

        def work(session: ClientSession) -> tuple[dict[str, Any], bool]:
            current = _read(self.db, normalized, session)
            parcels = current.get("shipments") or []
            index = next((i for i, p in enumerate(parcels) if p.get("id") == shipment_id), None)
            if index is None:
                raise NotFound("This order has no shipment with that number.")
            if parcels[index].get("status") == "delivered":
                raise Conflict(f"Shipment {shipment_id} is already marked delivered.", field="shipment")
            if current["status"] != "shipped":
                raise Conflict(f"A {current['status']} order has no parcel on its way.", field="status")
            now = datetime.now(UTC)
            # The last parcel completes the order only if no allocated location is still to ship.
            rest_delivered = all(p.get("status") == "delivered" for i, p in enumerate(parcels) if i != index)
            if rest_delivered and not unshipped_locations(current):
                updated, _ = self.admin.transition(
                    session, current, "completed", owner=owner, now=now, details={"shipment": shipment_id}
                )
                return updated, True
            matched = self.db.orders.update_one(
                {
                    "_id": normalized,
                    "status": "shipped",
                    f"shipments.{index}.id": shipment_id,
                    f"shipments.{index}.status": {"$ne": "delivered"},
                },
                {
                    "$set": {
                        f"shipments.{index}.status": "delivered",
                        f"shipments.{index}.deliveredAt": now,
                        "updatedAt": now,
                    }
                },
                session=session,
            ).matched_count
            if not matched:
                raise Conflict(f"Order {normalized} was changed by someone else; reload and try again.")
            log_activity(
                self.db, owner, "order.shipment", "order", normalized,
                {"shipment": shipment_id, "status": "shipped"}, {"shipment": shipment_id, "status": "delivered"},
                session=session,
            )  # fmt: skip
            return _read(self.db, normalized, session), False

        doc, completed = run_transaction(self.db, work)
        admin_order = AdminOrder.from_doc(doc)
        if completed:
            self.admin.notify(admin_order.order)
        return admin_order

    def _origin(
        self,
        session: ClientSession,
        order: dict[str, Any],
        location_id: str | None,
        items: Sequence[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        """The parcel's location fields {locationId, locationName, items}, checked against the order's
        allocations; {} for an order from one location shipped without naming it (as before)."""
        allocated = allocated_location_ids(order)
        if location_id is None:
            if len(allocated) > 1:
                raise InvalidInput(
                    f"This order ships from {len(allocated)} locations: choose the one this parcel leaves from.",
                    field="location",
                )
            if items is None:
                return {}
            location_id = allocated[0]  # items of a one-location order: they leave from there
        if location_id not in allocated:
            raise InvalidInput("This order has nothing to ship from that location.", field="location")
        names = {loc.id: loc.name for loc in read_locations(self.db, session)}
        name = names.get(location_id, location_id)
        lines = {str(line["productId"]): line for line in order.get("products") or []}
        held = units_to_ship(order).get(location_id, {})
        if not held:
            raise Conflict(f"Everything this order has at {name} has already shipped.", field="location")
        chosen: dict[str, int] = {}
        for item in items if items is not None else [{"productId": p, "quantity": q} for p, q in held.items()]:
            pid = str(item.get("productId", ""))
            try:
                quantity = int(str(item.get("quantity")).strip())  # "1.5", True, None: not a count
            except ValueError:
                quantity = 0
            if pid not in held or not 1 <= quantity <= held[pid] - chosen.get(pid, 0):
                raise InvalidInput(
                    f"A parcel from {name} can hold only what the order still has to send from there.", field="items"
                )
            chosen[pid] = chosen.get(pid, 0) + quantity
        if not chosen:
            raise InvalidInput("A parcel needs at least one item.", field="items")
        return {
            "locationId": location_id,
            "locationName": name,
            "items": [
                {"productId": pid, "name": str(lines.get(pid, {}).get("name") or ""), "quantity": quantity}
                for pid, quantity in chosen.items()
            ],
        }


def _order_id(order_id: str) -> str:
    normalized = normalize_order_id(order_id)
    if normalized is None:
        raise NotFound("There is no order with that number.")
    return normalized


def _read(db: Any, order_id: str, session: ClientSession) -> dict[str, Any]:
    doc = db.orders.find_one({"_id": order_id}, session=session)
    if doc is None:
        raise NotFound("There is no order with that number.")
    return doc
