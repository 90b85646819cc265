"""Smoke test against the real local model: a few generated conversations of bench/agent_eval (marked llm).

Starts `python -m agent.local_llm` on a free port (the `base_url` fixture) and runs SMOKE, a handful of
conversations of the bench's dev split, through the real agent, tools and database, scored by the
bench's own checks: a search in German with a hard constraint, two products with quantities in one
sentence, an order in French from the first request to the placed order, a policy question in
French and an owner's horizon question. The chat model is greedy and seeded (agent/llm.py), yet its
close calls still flip with the server's cache state: the same code read "je voudrais commander deux
<tea>" as a search with origin=china in one run and type=black in another, and as a purchase in a
third. So one conversation of the five may fail, with at most the one write the bench calls unasked
that such a misreading leads to; two failures, an invented fact or an empty reply fail the smoke. The
whole bench (`python -m bench.agent_eval`) is the measure.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.agent_eval.runner import facts_for, run_all, summarize
from bench.agent_eval.scenarios import generate
from demo.seed import seed_demo_shop
from shop.services import ShopServices

pytestmark = pytest.mark.llm

SMOKE = (
    "constraint/it/terse#0",
    "multi-item/en/terse#0",
    "order/fr/polite#0",
    "policy/fr/polite#0",
    "owner-runout/en/typo#0",
)


def test_smoke_conversations(db: Any, settings: Any, base_url: str) -> None:
    from agent.llm import build_chat_model

    model = build_chat_model(settings.model_copy(update={"openai_base_url": base_url}))
    # Seeded before the services start, as at a shop's first start: a catalog that is already
    # running picks up changes by `updatedAt`, and the demo's products are dated in the past.
    seed_demo_shop(db, settings.resolved_media_dir)
    services = ShopServices.build(db, settings, background_mail=False)
    try:
        facts = facts_for(services)
        chosen = [c for c in generate(facts.catalog) if c.id in SMOKE]
        assert sorted(c.id for c in chosen) == sorted(SMOKE), "the smoke conversations must exist in the bench"
        assert all(c.split == "dev" for c in chosen), "the smoke only uses the dev split (tuning happens there)"
        results = asyncio.run(run_all(services, chosen, model=model, facts=facts, progress=False))
    finally:
        services.close()
    summary = summarize(results)
    failed = {r.conversation: [f for t in r.turns for f in t.findings] or r.error for r in results if not r.passed}
    assert len(failed) <= 1, failed
    assert summary["wrong_writes"] <= len(failed) and summary["invented_facts"] == 0, failed
    assert all(t.reply.strip() for r in results for t in r.turns)
