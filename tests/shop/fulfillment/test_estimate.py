"""The delivery estimate: working days from the day the order leaves, the dispatch rule, weekends skipped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shop.fulfillment.estimate import (
    DEFAULT_DELIVERY_DAYS,
    DISPATCH_CUTOFF,
    add_working_days,
    delivery_days,
    dispatch_day,
    estimate,
)

NEW_YORK = ZoneInfo("America/New_York")
POLICY = Path(__file__).resolve().parents[3] / "docs" / "policies" / "shipping.md"


def order(created: datetime, **fields: Any) -> dict[str, Any]:
    return {"_id": "ORD-TEST0000", "status": "pending", "createdAt": created, **fields}


def test_working_days_skip_the_weekend() -> None:
    friday = date(2026, 12, 4)
    assert add_working_days(friday, 0) == friday
    assert add_working_days(friday, 1) == date(2026, 12, 7)  # Monday
    assert add_working_days(friday, 5) == date(2026, 12, 11)
    assert add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)  # from a Saturday


@pytest.mark.parametrize(
    ("local", "leaves"),
    [
        (datetime(2026, 12, 2, 13, 59), date(2026, 12, 2)),  # Wednesday before 2 pm: the same day
        (datetime(2026, 12, 2, 14, 0), date(2026, 12, 3)),  # at 2 pm: the next working day
        (datetime(2026, 12, 4, 16, 0), date(2026, 12, 7)),  # Friday afternoon: Monday
        (datetime(2026, 12, 5, 9, 0), date(2026, 12, 7)),  # Saturday morning: Monday
    ],
)
def test_dispatch_rule_in_shop_time(local: datetime, leaves: date) -> None:
    placed = local.replace(tzinfo=NEW_YORK).astimezone(UTC)
    assert dispatch_day(placed, NEW_YORK) == leaves


def test_estimate_before_shipping_counts_from_the_dispatch_day() -> None:
    # Friday 4 Dec, 3 pm in New York (20:00 UTC): leaves Monday 7 Dec; 2-5 working days.
    placed = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    found = estimate(order(placed), NEW_YORK, now=placed)
    assert found is not None and not found.shipped
    assert (found.earliest, found.latest) == (date(2026, 12, 9), date(2026, 12, 14))
    assert found.text() == "Wed 9 Dec – Mon 14 Dec"
    # In UTC the same moment is Friday 8 pm too: still after the cut-off, so the same answer.
    assert estimate(order(placed), ZoneInfo("UTC"), now=placed) == found


def test_estimate_from_the_ship_date_and_the_orders_own_delivery_days() -> None:
    placed = datetime(2026, 12, 1, 9, tzinfo=UTC)
    shipped = {"shippedAt": datetime(2026, 12, 3, 15, tzinfo=UTC), "status": "shipped"}  # Thursday
    doc = order(placed, status="shipped", shipments=[shipped], deliveryDays={"min": 1, "max": 3})
    found = estimate(doc, ZoneInfo("UTC"), now=datetime(2026, 12, 20, tzinfo=UTC))
    assert found is not None and found.shipped
    assert (found.earliest, found.latest) == (date(2026, 12, 4), date(2026, 12, 8))  # Fri, then Tue
    assert found.to_json() == {"earliest": "2026-12-04", "latest": "2026-12-08", "shipped": True}


def test_a_late_unshipped_order_is_estimated_from_today_not_the_past() -> None:
    placed = datetime(2026, 11, 2, 9, tzinfo=UTC)
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)  # a month later, Wednesday morning
    found = estimate(order(placed, status="confirmed"), ZoneInfo("UTC"), now=now)
    assert found is not None and found.earliest == date(2026, 12, 4)


def test_no_estimate_once_delivered_or_cancelled() -> None:
    placed = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert estimate(order(placed, status="completed"), NEW_YORK) is None
    assert estimate(order(placed, status="cancelled"), NEW_YORK) is None


@pytest.mark.parametrize(
    "stored",
    [None, {}, {"min": 5, "max": 2}, {"min": -1, "max": 2}, {"min": True, "max": 3}, {"min": "2", "max": "5"},
     {"min": 1, "max": 1000}, "2-5"],
)  # fmt: skip
def test_missing_or_nonsense_delivery_days_fall_back_to_the_default(stored: Any) -> None:
    assert delivery_days({"deliveryDays": stored}) == DEFAULT_DELIVERY_DAYS


def test_the_shipping_policy_states_the_rule_the_code_applies() -> None:
    text = POLICY.read_text(encoding="utf-8")
    hour = DISPATCH_CUTOFF.hour % 12 or 12
    assert re.search(rf"before {hour} ?pm", text), "the policy's dispatch cut-off differs from DISPATCH_CUTOFF"
    low, high = DEFAULT_DELIVERY_DAYS
    assert re.search(rf"{low}\s*[-–]\s*{high} working days", text), "the policy's delivery days differ"
