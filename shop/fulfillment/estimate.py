"""When an order should arrive: its delivery days counted in working days from the day it leaves.

The rule is the one docs/policies/shipping.md states (tests/shop/fulfillment/test_estimate.py checks
the text against these constants): an order placed before 2 pm shop time on a working day leaves the
same day, any other leaves the next working day; delivery then takes the order's `deliveryDays`
{min, max} working days (written at placement by the shipping rules), 2-5 when an order has none.
Working days are Monday to Friday in the shop's time zone (SHOP_TIMEZONE); public holidays are not
known to the shop and are not skipped.

Once a parcel has left, the count starts from the day it was shipped (the last parcel, for a split
order: the order is complete when it arrives). Before that, from the day the rule says it leaves,
or from today's if that day has passed without a shipment: an estimate in the past helps no one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DISPATCH_CUTOFF = time(14, 0)
"""Orders placed before this (shop time) on a working day leave the same day."""
DEFAULT_DELIVERY_DAYS = (2, 5)
"""Working days in transit when the order does not say (orders placed before shipping methods)."""
MAX_DELIVERY_DAYS = 60


@dataclass(frozen=True)
class DeliveryEstimate:
    earliest: date
    latest: date
    shipped: bool
    """Counted from a real ship date (True) or from the day the dispatch rule expects (False)."""

    def to_json(self) -> dict[str, Any]:
        return {"earliest": self.earliest.isoformat(), "latest": self.latest.isoformat(), "shipped": self.shipped}

    def text(self) -> str:
        """ "Tue 9 Dec" or "Tue 9 Dec – Fri 12 Dec": the dates a customer reads in an email."""
        if self.earliest == self.latest:
            return _day(self.earliest)
        return f"{_day(self.earliest)} – {_day(self.latest)}"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def shop_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The working day `days` working days after `start` (`start` itself when days is 0)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def dispatch_day(placed: datetime, zone: ZoneInfo) -> date:
    """The day an order placed at `placed` leaves by the shop's rule."""
    local = placed.astimezone(zone)
    if is_working_day(local.date()) and local.time() < DISPATCH_CUTOFF:
        return local.date()
    return next_working_day(local.date())


def delivery_days(order: dict[str, Any]) -> tuple[int, int]:
    """The order's {min, max} working days, or the default when absent or not two sensible numbers."""
    stored = order.get("deliveryDays")
    if isinstance(stored, dict):
        low, high = stored.get("min"), stored.get("max")
        if (
            isinstance(low, int)
            and isinstance(high, int)
            and not isinstance(low, bool)
            and not isinstance(high, bool)
            and 0 <= low <= high <= MAX_DELIVERY_DAYS
        ):
            return low, high
    return DEFAULT_DELIVERY_DAYS


def estimate(order: dict[str, Any], zone: ZoneInfo, *, now: datetime | None = None) -> DeliveryEstimate | None:
    """The delivery window of a stored order; None once it is delivered or cancelled."""
    if order.get("status") in ("completed", "cancelled") or order.get("deliveredAt"):
        return None
    low, high = delivery_days(order)
    shipped = [s["shippedAt"] for s in order.get("shipments") or [] if isinstance(s.get("shippedAt"), datetime)]
    if not shipped:  # marked shipped without a tracked parcel: the day of that status change
        shipped = [h["at"] for h in order.get("statusHistory") or [] if h.get("status") == "shipped"]
    if shipped:
        start = _aware(max(shipped)).astimezone(zone).date()
    else:
        start = dispatch_day(_aware(order["createdAt"]), zone)
        start = max(start, dispatch_day(now or datetime.now(UTC), zone))
    return DeliveryEstimate(add_working_days(start, low), add_working_days(start, high), bool(shipped))


def _aware(moment: datetime) -> datetime:
    """pymongo returns naive UTC datetimes unless the client is tz-aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
