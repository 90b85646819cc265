"""Smoke test against the real local model: 3 conversations of the scenario suite (marked llm).

Needs `python -m agent.local_llm` (or any OPENAI_BASE_URL) to answer; skipped otherwise. The whole
suite is `bench/agent_scenarios.py`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.agent_common import endpoint_alive
from bench.agent_scenarios import SCENARIOS, SMOKE, run, summarize
from shop.demo import seed_demo_shop

pytestmark = pytest.mark.llm


def test_smoke_conversations(db: Any, settings: Any, services: Any) -> None:
    base = settings.llm_base_url or "https://api.openai.com/v1"
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not endpoint_alive(base, key):
        pytest.skip(f"no model answers at {base}")
    seed_demo_shop(db, settings.resolved_media_dir)
    services.catalog.invalidate()
    results = asyncio.run(run(services, [s for s in SCENARIOS if s.name in SMOKE]))
    summary = summarize(results)
    print(summary)
    assert summary["wrong_writes"] == 0
    assert summary["task_success"] >= 2, [t.failures for r in results for t in r.turns]
