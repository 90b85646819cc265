"""What the agent costs per turn outside the language model, and (optionally) what a turn takes with it.

Part 1, always: a scripted chat model that answers instantly drives the real agent (understanding
stage, executor, reply check, conversation storage) over the demo shop in a throwaway embedded
database, through a typical conversation: a search (a list code writes), a question about the first
product shown (worded by the model), a cart change, an order summary, the "yes" that places the order
(a real transaction), a policy question. Everything measured is overhead: target < 50 ms per turn
(median).

Part 2, with --llm and when the endpoint answers (the embedded model by default): the same kind of
turns against the real model; time to the first streamed token and whole-turn time, median and p95.

    .venv/bin/python bench/agent_overhead.py [--conversations 20] [--catalog-refresh 0]
    .venv/bin/python bench/agent_overhead.py --llm [--llm-conversations 3] [--base-url URL --model NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.agent_common import demo_shop, endpoint_alive
from shop.conversations.store import new_key
from shop.core.settings import Settings
from tests.support.scripted_model import ScriptedChatModel, last_tool_result, understood

ANN = "I'm Ann Lee, ann@example.com, 5 Oak Road, Springfield. Please order it."
FLOW = [
    ("search", "Do you have a floral light roast coffee?"),
    ("details", "tell me more about the first one"),
    ("cart", "add it to my cart"),
    ("summary", ANN),
    ("confirm", "yes"),
    ("policy", "What is your return policy?"),
]
_LINE = re.compile(r"^(P\d+) \| ([^|]+) \| (\$[\d.,]+)", re.MULTILINE)


def _answer_from_result(messages: list[Any]) -> str:
    """What a good model says: the first product of the latest result, with its real price."""
    match = _LINE.search(last_tool_result(messages))
    if match:
        return f"The {match.group(2).strip()} ({match.group(3)}) is a lovely choice."
    return "Unopened items can be returned within 30 days."


def _script() -> list[Any]:
    """Per turn of FLOW: the request the model would fill, then its words where the reply is worded."""
    return [
        understood("find", query="floral light roast coffee", category="coffee"),  # a list code writes
        understood("product", items=[{"product": "#1"}]),
        _answer_from_result,
        understood("add", items=[{"product": "it"}]),
        understood("checkout", name="Ann Lee", email="ann@example.com", address="5 Oak Road, Springfield"),
        # "yes" is executed by code: no model call
        understood("policy", policy="Returning an item"),  # English: the owner's text as written
    ]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def conversation(
    agent: Any, timings: dict[str, list[float]], *, measure_first: dict[str, list[float]] | None = None
) -> None:
    key = new_key()
    for kind, message in FLOW:
        started = time.perf_counter()
        first = None
        async for event in agent.stream(
            role="customer", conversation_key=key, channel="api", cart_id=key, message=message
        ):
            if event["type"] == "token" and first is None:
                first = time.perf_counter() - started
            if event["type"] == "done":
                outcome = event["outcome"]
        elapsed = time.perf_counter() - started
        timings.setdefault(kind, []).append(elapsed)
        if measure_first is not None and first is not None:
            measure_first.setdefault(kind, []).append(first)
        if kind == "confirm" and not outcome.order_id:
            print(f"  (no order placed: {outcome.reply[:80]!r})", file=sys.stderr)


def report(title: str, timings: dict[str, list[float]], unit: float = 1000, label: str = "ms") -> None:
    print(f"\n{title}")
    every = [v for values in timings.values() for v in values]
    for kind, values in timings.items():
        print(
            f"  {kind:8} n={len(values):3}  median {statistics.median(values) * unit:8.1f} {label}  p95 {pct(values, 0.95) * unit:8.1f} {label}"
        )
    if every:
        print(
            f"  {'all':8} n={len(every):3}  median {statistics.median(every) * unit:8.1f} {label}  p95 {pct(every, 0.95) * unit:8.1f} {label}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--llm", action="store_true", help="also time turns against the real model")
    parser.add_argument("--llm-conversations", type=int, default=3)
    parser.add_argument("--base-url", default=os.environ.get("OPENAI_BASE_URL"))
    parser.add_argument("--model", default=os.environ.get("OPENAI_MODEL"))
    parser.add_argument(
        "--catalog-refresh",
        type=float,
        default=Settings.model_fields["catalog_refresh_seconds"].default,
        help="seconds between catalog refreshes (default: the app's); 0 re-reads on every lookup",
    )
    args = parser.parse_args(argv)
    from agent.service import ChatAgent

    overrides: dict[str, Any] = {"catalog_refresh_seconds": args.catalog_refresh}
    if args.base_url:
        overrides["openai_base_url"] = args.base_url
    if args.model:
        overrides["openai_model"] = args.model
    print("Seeding the demo shop (products, inventory, reviews) ...", file=sys.stderr)
    with demo_shop(orders=False, **overrides) as services:
        timings: dict[str, list[float]] = {}
        warm = ChatAgent(services, model=ScriptedChatModel(script=_script()))
        asyncio.run(conversation(warm, {}))  # first-use costs (imports, graph compile, caches) excluded
        for _ in range(args.conversations):
            agent = ChatAgent(services, model=ScriptedChatModel(script=_script()))
            asyncio.run(conversation(agent, timings))
        report(
            f"Agent overhead per turn, scripted model ({args.conversations} conversations; target median < 50 ms):",
            timings,
        )

        if args.llm:
            settings = services.settings
            base = settings.llm_base_url or "https://api.openai.com/v1"
            key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
            if not endpoint_alive(base, key):
                print(f"\nNo model answers at {base}: skipping the real-model timings.", file=sys.stderr)
                return 0
            agent = ChatAgent(services)
            print(f"\nWarming up {settings.llm_model} at {base} ...", file=sys.stderr)
            started = time.perf_counter()
            agent.warm_up()
            print(f"  warm-up (system prompts + tool schemas read once): {time.perf_counter() - started:.1f} s")
            totals: dict[str, list[float]] = {}
            firsts: dict[str, list[float]] = {}
            for _ in range(args.llm_conversations):
                asyncio.run(conversation(agent, totals, measure_first=firsts))
            report("Real model: time to first streamed token", firsts, 1, "s")
            report("Real model: whole turn", totals, 1, "s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
