"""A year of orders sampled day by day from the hidden demand (demo.demand).

Each day's order count follows a Poisson around ORDERS_PER_DAY with weekday, growth and December
factors; each order draws 1-4 products by that day's demand, and a planted partner often tags along.
Statuses follow the order's age, so the last days are still moving through fulfilment.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from demo.demand import DemandPlan, day_weight
from demo.products import shelf_price
from demo.recipes.spec import ProductSpec
from demo.sampling import cumulative, pick, poisson
from shop.ordering.orders import new_order_id

ORDERS_PER_DAY = 30.0
"""Mean orders per day before weekday/holiday factors; ~11k orders a year, seeded in ~20 s."""

WEEKDAY_FACTORS = (0.86, 0.84, 0.9, 0.95, 1.06, 1.36, 1.24)  # Monday .. Sunday: weekend peaks
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 12, 14, 12, 10, 9, 9, 10, 12, 14, 14, 11, 7, 3)
LINE_COUNT_WEIGHTS = (48, 30, 15, 7)  # 1..4 distinct products per order
QUANTITY_WEIGHTS = (72, 21, 7)  # 1..3 units per line
PAIR_PROBABILITY = 0.6
"""How often a planted partner joins an order that has its pair: strong enough to find, not a rule."""

_LINE_COUNT_CUM = cumulative(LINE_COUNT_WEIGHTS)
_QUANTITY_CUM = cumulative(QUANTITY_WEIGHTS)


def build_orders(
    rng: random.Random,
    specs: Sequence[ProductSpec],
    plans: Sequence[DemandPlan],
    customers: Sequence[dict[str, Any]],
    start: datetime,
    days: int,
    today: datetime,
) -> tuple[list[dict[str, Any]], dict[int, list[tuple[int, datetime]]]]:
    """Sample the order history day by day; products are resolved into lines later (link_orders).

    Also returns who bought what when (product index -> [(customer index, time)]), which the reviews
    are drawn from.
    """
    customer_cum = cumulative(rng.lognormvariate(0.0, 1.0) for _ in customers)
    customer_since = [c["createdAt"] for c in customers]
    hour_cum = cumulative(HOUR_WEIGHTS)
    base_prices = [shelf_price(s.price) for s in specs]
    used_ids: set[str] = set()
    orders: list[dict[str, Any]] = []
    buyers: dict[int, list[tuple[int, datetime]]] = {}
    for day in range(days):
        date = start + timedelta(days=day)
        t = day / max(1, days - 1)
        doy = date.timetuple().tm_yday
        weights = [day_weight(plan, day, t, doy) for plan in plans]
        product_cum = cumulative(weights)
        if product_cum[-1] <= 0:
            continue
        holiday = 1.3 if date.month == 12 and date.day <= 22 else 1.0
        expected = ORDERS_PER_DAY * WEEKDAY_FACTORS[date.weekday()] * (0.9 + 0.2 * t) * holiday
        active_customers = bisect.bisect_right(customer_since, date)  # only people who had signed up by then
        if active_customers == 0:
            continue
        for _ in range(poisson(rng, expected)):
            created = date + timedelta(hours=pick(rng, hour_cum), seconds=rng.randrange(3600))
            customer_index = pick(rng, customer_cum, active_customers)
            lines = _order_lines(rng, plans, product_cum, weights)
            status, updated = _status(rng, created, today)
            customer = customers[customer_index]
            order = {
                "_id": _order_id(rng, used_ids),
                "customerName": customer["name"],
                "email": customer["email"],
                "address": customer["address"],
                "products": [
                    {"productId": idx, "quantity": qty, "unitPrice": _unit_price(plans[idx], base_prices[idx], day)}
                    for idx, qty in lines
                ],
                "totalAmount": Decimal("0.00"),
                "status": status,
                "sessionId": None,
                "createdAt": created,
                "updatedAt": updated,
            }
            if status == "completed":  # completed is delivered: the return windows count from deliveredAt
                order["deliveredAt"] = updated
            order["totalAmount"] = sum(
                (line["unitPrice"] * line["quantity"] for line in order["products"]), Decimal("0.00")
            )
            orders.append(order)
            if status != "cancelled":
                for idx, _qty in lines:
                    buyers.setdefault(idx, []).append((customer_index, created))
    orders.sort(key=lambda o: (o["createdAt"], o["_id"]))
    return orders, buyers


def link_orders(orders: list[dict[str, Any]], products: Sequence[dict[str, Any]]) -> None:
    """Orders were sampled with product indices; swap them for ids and names now that both exist."""
    for order in orders:
        lines = []
        for line in order["products"]:
            product = products[line["productId"]]
            lines.append(
                {
                    "productId": product["_id"],
                    "name": product["name"],
                    "quantity": line["quantity"],
                    "unitPrice": line["unitPrice"],
                }
            )
        order["products"] = lines


def _order_lines(
    rng: random.Random, plans: Sequence[DemandPlan], product_cum: list[float], weights: Sequence[float]
) -> list[tuple[int, int]]:
    """1-4 distinct products drawn by today's demand; a planted partner often tags along."""
    want = pick(rng, _LINE_COUNT_CUM) + 1
    picked: list[int] = []
    attempts = 0
    while len(picked) < want and attempts < want * 6:
        attempts += 1
        idx = pick(rng, product_cum)
        if idx in picked:
            continue
        picked.append(idx)
        for partner in plans[idx].partners:
            if partner not in picked and weights[partner] > 0 and rng.random() < PAIR_PROBABILITY:
                picked.append(partner)
    picked = picked[:4]
    return [(idx, 1 if plans[idx].sparse else pick(rng, _QUANTITY_CUM) + 1) for idx in picked]


def _status(rng: random.Random, created: datetime, today: datetime) -> tuple[str, datetime]:
    """Old orders are done (a few cancelled); the last days are still moving through fulfilment."""
    age_days = (today - created).total_seconds() / 86400
    if age_days < 1.5:
        status = "pending" if rng.random() < 0.55 else "confirmed"
    elif age_days < 3.5:
        status = "confirmed" if rng.random() < 0.35 else "shipped"
    elif age_days < 7:
        status = "shipped" if rng.random() < 0.5 else "completed"
    else:
        status = "cancelled" if rng.random() < 0.05 else "completed"
    hours = {"pending": (0, 0), "confirmed": (0, 2), "shipped": (20, 48), "cancelled": (1, 30), "completed": (72, 160)}
    lo, hi = hours[status]
    updated = created + timedelta(seconds=rng.randrange(lo * 3600, hi * 3600 + 1))
    if updated >= today:
        updated = today - timedelta(seconds=60)
    return status, max(updated, created)


def _unit_price(plan: DemandPlan, price: Decimal, day: int) -> Decimal:
    """Before a planned price rise the product sold at its old, lower price."""
    if plan.price_change_day is not None and day < plan.price_change_day:
        return shelf_price(float(price) * plan.price_factor)
    return price


def _order_id(rng: random.Random, used: set[str]) -> str:
    while True:
        candidate = new_order_id(rng.choice)  # the shop's own id format, drawn from the seed
        if candidate not in used:
            used.add(candidate)
            return candidate
