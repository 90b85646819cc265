"""How far an order's parcels are, derived from its allocations and parcels (nothing stored).

A split order (allocated at several stock locations, shop/inventory/locations.py) expects one parcel
per location (more if the owner sends a location's items in several); any other order expects the
parcels recorded (at least one). Why "partly shipped" is
derived here rather than a status: shop/fulfillment/shipments.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shop.inventory.locations import allocated_location_ids, unshipped_locations


@dataclass(frozen=True)
class ParcelProgress:
    """How far an order's parcels are: `expected` is one per allocated location for a split order
    (module docstring), else the parcels recorded (at least one)."""

    expected: int
    shipped: int
    delivered: int

    @property
    def state(self) -> str:
        """not_shipped | partially_shipped | shipped | partially_delivered | delivered"""
        if self.delivered and self.delivered >= self.expected:
            return "delivered"
        if not self.shipped:
            return "not_shipped"
        if self.shipped < self.expected:
            return "partially_shipped"  # said first: a location still to ship matters more than arrivals
        return "partially_delivered" if self.delivered else "shipped"

    @property
    def split(self) -> bool:
        return self.expected > 1

    def text(self) -> str:
        """What the owner and the customer read: "1 of 2 parcels shipped"."""
        if self.state == "partially_shipped":
            return f"{self.shipped} of {self.expected} parcels shipped"
        if self.state == "partially_delivered":
            return f"{self.delivered} of {self.expected} parcels delivered"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "parcels": self.expected, "shipped": self.shipped, "delivered": self.delivered}


def parcel_progress(order: dict[str, Any]) -> ParcelProgress:
    parcels = [p for p in order.get("shipments") or [] if isinstance(p.get("shippedAt"), datetime)]
    allocated = allocated_location_ids(order)
    if len(allocated) > 1 and not parcels:
        expected = len(allocated)
    elif len(allocated) > 1 and any(p.get("locationId") for p in parcels):
        # A location still holding unshipped units owes (at least) one more parcel.
        expected = len(parcels) + len(unshipped_locations(order))
    else:
        expected = max(1, len(parcels))
    shipped = len(parcels)
    delivered = sum(1 for p in parcels if p.get("status") == "delivered")
    if not parcels and order.get("status") in ("shipped", "completed"):
        shipped = expected  # the owner's plain "Mark as shipped": everything left, untracked
    if order.get("status") == "completed":
        delivered = expected
    return ParcelProgress(expected, shipped, delivered)
