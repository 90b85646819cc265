"""Smoke test against the real local model: a few generated conversations of bench/agent_eval (marked llm).

Starts `python -m agent.local_llm` on a free port (the `base_url` fixture) and runs SMOKE, a handful of
conversations of the bench's dev split, through the real agent, tools and database, scored by the
bench's own checks: a search in German with a hard constraint, two products with quantities in one
sentence, an order in French from the first request to the placed order, a policy question in
French and an owner's horizon question. The chat model is greedy and seeded (agent/llm.py), so these
pass or fail the same way on every run; the whole bench (`python -m bench.agent_eval`) is the measure.
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
    assert not failed, failed
    assert summary["wrong_writes"] == 0 and summary["invented_facts"] == 0
    assert all(t.reply.strip() for r in results for t in r.turns)
