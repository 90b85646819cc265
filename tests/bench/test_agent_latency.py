"""bench/agent_latency.py: both phases run through ChatAgent.stream (scripted model, real database), the
figures are computed as documented, and a dead endpoint means exit 2 with nothing done."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench import agent_latency
from shop.services import ShopServices
from tests.support.scripted_model import ScriptedChatModel
from tests.support.transcripts import seed_catalog


@pytest.fixture
def demo(db: Any, request: pytest.FixtureRequest) -> ShopServices:
    seed_catalog(db)
    return request.getfixturevalue("services")


def test_both_phases_through_the_stream(demo: ShopServices) -> None:
    conversations = agent_latency.pick(demo, n=4, split="dev", seed=7)
    assert len(conversations) == 4 and all(not c.setup and c.role == "customer" for c in conversations)
    model = ScriptedChatModel(script=["Happy to help!"], repeat_last=True)
    result = asyncio.run(agent_latency.measure(demo, conversations, 3, model=model))
    turns = sum(len(c.turns) for c in conversations)
    assert result["one_at_a_time"]["turns"] == result["3_at_once"]["turns"] == turns
    assert result["one_at_a_time"]["reply_p95"] is not None


def test_figures_and_targets() -> None:
    rows = [{"first_signal_s": 0.2, "first_token_s": None, "reply_s": 5.0}] * 19
    rows += [{"first_signal_s": 0.9, "first_token_s": 1.0, "reply_s": 20.0}]
    result = agent_latency.figures(rows, 100.0)
    assert result["first_signal_p95"] == 0.2 and result["reply_p50"] == 5.0 and result["reply_p95"] == 5.0
    assert result["meets_targets"] and result["turns_with_status_or_card"] == 20
    worse = agent_latency.figures(rows + [rows[-1]] * 2, 100.0)
    assert worse["reply_p95"] == 20.0 and not worse["meets_targets"]


def test_exits_2_when_the_endpoint_is_down() -> None:
    assert agent_latency.main(["--base-url", "http://127.0.0.1:9/v1"]) == 2
