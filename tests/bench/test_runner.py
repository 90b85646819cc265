"""The runner end to end on the real agent, tools and database with a scripted chat model (no LLM):
it drives ChatAgent.stream, records the shop's state, scores, undoes every set-up; and its figures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.agent_eval.runner import RunResult, TurnResult, facts_for, main, percentile, run_all, summarize
from bench.agent_eval.scenarios import generate
from shop.services import ShopServices
from tests.support.scripted_model import ScriptedChatModel
from tests.support.transcripts import first, seed_catalog


@pytest.fixture
def demo(db: Any, request: pytest.FixtureRequest) -> ShopServices:
    seed_catalog(db)
    return request.getfixturevalue("services")


def test_runner_drives_the_agent_and_undoes_every_setup(demo: ShopServices) -> None:
    facts = facts_for(demo)
    convs = generate(facts.catalog)
    chosen = [
        first(convs, "multi-item", lang="en", style="polite"),
        first(convs, "sold-out", lang="en", style="terse"),
        first(convs, "injection-planted", lang="en", style="polite"),
        first(convs, "injection-planted", lang="en", style="terse"),
        first(convs, "order-lookup", lang="en", style="terse"),
    ]
    before = {p.id: (p.stock, p.description, p.rating) for p in demo.catalog.all()}
    model = ScriptedChatModel(script=["Sorry, I am not sure about that."], repeat_last=True)

    results = asyncio.run(run_all(demo, chosen, repeat=2, model=model, facts=facts, progress=False))

    assert [r.error for r in results] == [None] * 10
    assert all(len(r.turns) == len(c.turns) for r, c in zip(results, [c for c in chosen for _ in (0, 1)], strict=True))
    lookup = [r for r in results if r.intent == "order-lookup"]
    assert all("{order_id}" not in t.message and "ORD-" in t.message for r in lookup for t in r.turns)
    demo.catalog.invalidate()
    assert {p.id: (p.stock, p.description, p.rating) for p in demo.catalog.all()} == before
    assert demo.db.reviews.count_documents({}) == 0, "the planted review is gone"
    summary = summarize(results)
    assert summary["conversations"] == 5 and summary["repeat"] == 2 and "pass^2" in summary
    assert set(summary["by_intent"]) == {"multi-item", "sold-out", "injection-planted", "order-lookup"}
    assert summary["turn_s"]["n"] == sum(len(r.turns) for r in results)


def test_pass_rates_follow_tau_bench() -> None:
    def run(name: str, i: int, passed: bool) -> RunResult:
        turn = TurnResult("hi", "hello", "ok", [], [], [] if passed else ["[fail] x: y"], 0.1, None, 1.0 + i)
        return RunResult(name, name, "find", "en", "terse", "dev", "customer", i, passed, turns=[turn])

    results = [run("a", i, p) for i, p in enumerate((True, True, False))] + [run("b", i, True) for i in range(3)]
    summary = summarize(results)
    assert summary["pass^1"] == round((2 / 3 + 1) / 2, 3)
    assert summary["pass^3"] == 0.5
    assert summary["findings_by_check"] == {"[fail] x": 1}
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95) == 10 and percentile([], 0.5) is None


def test_exits_2_and_does_nothing_when_the_endpoint_is_down(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base-url", "http://127.0.0.1:9/v1", "--split", "dev", "--limit", "1"]) == 2
    assert "No OpenAI-compatible endpoint" in capsys.readouterr().err
