"""bench/agent_eval's ShopOracle (the right answers to the owner's questions) against the owner's own
reports, on a seeded demo shop in the real database.

Why: the held-out suite scores the owner chat with this oracle. If it and the chat's reports computed
"runs out within N days" or "needs a reorder" differently, a right answer would be scored wrong (or a
wrong one right). Both stand on shop/inventory/forecasting, and this test holds them together: the
same products, the count in the reply equal to the oracle's, and the suite's own checks passing on
the reply code writes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bench.agent_eval.catalog import CatalogView
from bench.agent_eval.checks import owner_reorder, owner_runout
from bench.agent_eval.model import Check, Conversation, Facts, Turn
from bench.agent_eval.runner import ShopOracle
from demo.seed import build_demo_shop
from shop.inventory.purchase_orders import supplier_names
from tests.support.transcripts import facts_of, turn
from tools import owner


def _passes(check: Check, facts: Facts, message: str, reply: str) -> list[str]:
    """The suite's check of an owner turn whose reply is `reply` (empty: it passes)."""
    conv = Conversation("owner#0", "owner", check.name, "en", "terse", "owner", "dev", (Turn(message, (check,)),))
    ctx = turn(conv, facts, reply, message=message)
    return [str(finding) for finding in check(ctx)]


def test_the_oracle_agrees_with_the_owner_reports(services: Any, make_ctx: Any, monkeypatch: Any) -> None:
    """40 demo products with 7 months of orders up to today; one best seller sold out, so the sold-out
    line is exercised (the demo's stock levels may have none at this size)."""
    now = datetime.now(UTC)
    shop = build_demo_shop(n_products=40, months=7, now=now)
    db = services.db
    # Stamped now, as the seed's products are when they are written: the running catalog snapshot
    # picks up products by their `updatedAt`, and the demo's dates lie months back.
    db.products.insert_many([{**p, "updatedAt": now} for p in shop.products])
    db.inventory.insert_many(shop.inventory)
    db.orders.insert_many(shop.orders)
    busiest = max(
        shop.products,
        key=lambda p: sum(1 for o in shop.orders for line in o["products"] if line["productId"] == p["_id"]),
    )
    db.products.update_one({"_id": busiest["_id"]}, {"$set": {"stock": 0}})
    services.catalog.invalidate()
    oracle = ShopOracle(services)
    facts = facts_of(CatalogView(services.catalog.all()), oracle)

    monkeypatch.setattr(owner, "MAX_ROWS", 100)  # every row listed, to compare whole sets
    found: dict[int, set[str]] = {}
    for days in (7, 30):
        expected, _ = oracle.runout(days)
        ctx = make_ctx("owner")
        owner.will_run_out(ctx, days=days)
        reply = ctx.turn.direct_reply
        assert reply is not None
        found[days] = set(ctx.turn.products)
        assert found[days] == expected, days
        stated = re.match(r"(\d+) products? ", reply)
        assert stated is not None and int(stated.group(1)) == len(expected), reply
        assert busiest["name"] not in reply and "Already sold out, not counted above:" in reply
        assert _passes(owner_runout(days), facts, f"what runs out in the next {days} days?", reply) == []
    assert found[7] < found[30]  # a longer horizon, more products run out
    assert found[30], "the seeded shop should have products running out within 30 days"

    wanted = {name: oracle.reorder(name) for name in supplier_names(db)}
    busy = sorted((name for name in wanted if wanted[name]), key=lambda n: -len(wanted[n]))[:1]
    idle = [name for name in wanted if not wanted[name]][:1]
    assert busy, "the seeded shop should have suppliers with products to reorder"
    for name in busy + idle:
        ctx = make_ctx("owner")
        owner.reorder(ctx, supplier=name, limit=20)
        reply = ctx.turn.direct_reply
        assert reply is not None
        if len(wanted[name]) <= 20:
            assert set(ctx.turn.products) == wanted[name], name
        assert _passes(owner_reorder(name), facts, f"what should I reorder from {name}?", reply) == []
