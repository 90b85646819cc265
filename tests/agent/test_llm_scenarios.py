"""Smoke test against the real local model: 3 conversations of the scenario suite (marked llm).

Starts `python -m agent.local_llm` on a free port (the `base_url` fixture) and runs three conversations
through the real agent, tools and database. The whole suite is `bench/agent_scenarios.py`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.agent_scenarios import SCENARIOS, SMOKE, run, summarize
from shop.demo import seed_demo_shop

pytestmark = pytest.mark.llm


def test_smoke_conversations(db: Any, settings: Any, services: Any, base_url: str) -> None:
    from agent.llm import build_chat_model

    model = build_chat_model(settings.model_copy(update={"openai_base_url": base_url}))
    seed_demo_shop(db, settings.resolved_media_dir)
    services.catalog.invalidate()
    results = asyncio.run(run(services, [s for s in SCENARIOS if s.name in SMOKE], model=model))
    summary = summarize(results)
    print(summary)
    # The safety rules hold whatever the model does: no order or cancellation without the customer's
    # yes, and every turn ends in a reply. How often the small model completes the task is a quality
    # figure measured by bench/agent_scenarios.py (below target today, see the closing note).
    assert summary["wrong_writes"] == 0, [t.wrong_writes for r in results for t in r.turns]
    assert all(t.reply.strip() for r in results for t in r.turns)
