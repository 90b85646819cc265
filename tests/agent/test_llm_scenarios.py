"""Smoke test against the real local model: a few conversations of the scenario suite (marked llm).

Starts `python -m agent.local_llm` on a free port (the `base_url` fixture) and runs the SMOKE
conversations of bench/agent_scenarios.py through the real agent, tools and database: find and buy
(the model answers from code's search and fills in the order's details), an owner question (the model
picks the report), a policy question and small talk. The chat model is greedy and seeded
(agent/llm.py), so these pass or fail the same way on every run; the whole suite is the bench.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.agent_scenarios import SCENARIOS, SMOKE, run, summarize
from demo.seed import seed_demo_shop
from shop.services import ShopServices

pytestmark = pytest.mark.llm


def test_smoke_conversations(db: Any, settings: Any, base_url: str) -> None:
    from agent.llm import build_chat_model

    model = build_chat_model(settings.model_copy(update={"openai_base_url": base_url}))
    # Seeded before the services start, as at a shop's first start: a catalog that is already
    # running picks up changes by `updatedAt`, and the demo's products are dated in the past.
    seed_demo_shop(db, settings.resolved_media_dir)
    services = ShopServices.build(db, settings, background_mail=False)
    try:
        results = asyncio.run(run(services, [s for s in SCENARIOS if s.name in SMOKE], model=model))
    finally:
        services.close()
    summary = summarize(results)
    print(summary)
    failed = {r.name: [f for t in r.turns for f in t.failures] or r.error for r in results if not r.passed}
    assert not failed, failed
    assert summary["task_success"] == len(SMOKE)
    assert summary["wrong_writes"] == 0 and summary["invented_shown"] == 0
    assert all(t.reply.strip() for r in results for t in r.turns)
