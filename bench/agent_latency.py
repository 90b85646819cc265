"""Chat latency as customers feel it: one conversation at a time, then several at once.

Issue 12's targets on 2 cores with the embedded model: the first status line or product card within
0.7 s (p95), the whole reply within 8 s (p50) and 15 s (p95). A small local model writes ~7 tokens a
second, so the first sign of life must come from code (cards, a status line) and a conversation must
not wait behind another one's flood; this measures both, with the same conversations twice: first one
after another, then `--concurrency` (3) at a time, each in its own conversation and cart.

The conversations are the understanding bench's (bench/agent_eval), customer ones without a set-up
(no sold-out product, planted review or earlier order to arrange), taken round-robin over intents from
one split, so the mix of turns (searches, cart changes, orders, policies, small talk, six languages)
is the bench's, not a hand-picked fast path. Times per turn, from sending the message:
- first status/card: the first `status` or card event of `ChatAgent.stream`; a turn that sends none
  counts its end (the customer sees nothing earlier);
- first token: the first streamed word of the answer (turns code answered alone have none);
- full reply: the done event.

    python -m agent.local_llm --model-dir var/models --port 8765 &
    .venv/bin/python bench/agent_latency.py                        # 9 conversations, alone then 3 at once
    .venv/bin/python bench/agent_latency.py --conversations 6 --concurrency 3 --json latency.json
    OPENAI_API_KEY=... .venv/bin/python bench/agent_latency.py --base-url https://api.openai.com/v1 --model gpt-4o-mini

Exits with status 2, doing nothing, when the endpoint does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.agent_common import chat_endpoint, demo_shop
from bench.agent_eval.model import Conversation
from bench.agent_eval.runner import percentile, ready_agent, stream_turn
from bench.agent_eval.scenarios import generate, select
from shop.services import ShopServices

TARGETS = {"first_signal_p95": 0.7, "reply_p50": 8.0, "reply_p95": 15.0}


def pick(services: ShopServices, *, n: int, split: str, seed: int) -> list[Conversation]:
    from bench.agent_eval.catalog import CatalogView

    everything = generate(CatalogView(services.catalog.all()), seed=seed)
    plain = [c for c in everything if c.role == "customer" and not c.setup]
    return select(plain, split=split, limit=n)


async def run_conversation(agent: Any, conversation: Conversation) -> list[dict[str, Any]]:
    from shop.conversations.store import new_key

    key = new_key()
    rows = []
    for index, turn in enumerate(conversation.turns):
        _, observed = await stream_turn(agent, conversation, key, turn.say)
        rows.append(
            {
                "conversation": conversation.id,
                "turn": index,
                "first_signal_s": observed.first_event_s if observed.first_event_s is not None else observed.total_s,
                "first_token_s": observed.first_token_s,
                "reply_s": observed.total_s,
                "status": observed.status,
            }
        )
    return rows


async def phase(agent: Any, conversations: list[Conversation], concurrency: int) -> tuple[list[dict[str, Any]], float]:
    """All conversations with at most `concurrency` in flight (a worker takes the next when one ends)."""
    queue = list(conversations)
    rows: list[dict[str, Any]] = []

    async def worker() -> None:
        while queue:
            rows.extend(await run_conversation(agent, queue.pop(0)))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return rows, time.perf_counter() - started


def figures(rows: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    signal = [r["first_signal_s"] for r in rows]
    token = [r["first_token_s"] for r in rows if r["first_token_s"] is not None]
    reply = [r["reply_s"] for r in rows]
    out = {
        "turns": len(rows),
        "wall_s": round(wall_s, 1),
        "first_signal_p50": round(statistics.median(signal), 2) if signal else None,
        "first_signal_p95": percentile(signal, 0.95),
        "first_token_p50": round(statistics.median(token), 2) if token else None,
        "first_token_p95": percentile(token, 0.95),
        "reply_p50": round(statistics.median(reply), 2) if reply else None,
        "reply_p95": percentile(reply, 0.95),
        "turns_with_status_or_card": sum(1 for r in rows if r["first_signal_s"] < r["reply_s"]),
    }
    out["meets_targets"] = all(out[k] is not None and out[k] <= limit for k, limit in TARGETS.items())
    return out


async def measure(
    services: ShopServices, conversations: list[Conversation], concurrency: int, *, model: Any = None
) -> dict[str, Any]:
    """Both phases with one agent (`model`: a chat model to use instead of the configured one)."""
    agent = await ready_agent(services, model)
    alone, alone_s = await phase(agent, conversations, 1)
    together, together_s = await phase(agent, conversations, concurrency)
    return {
        "one_at_a_time": figures(alone, alone_s),
        f"{concurrency}_at_once": figures(together, together_s),
        "targets": TARGETS,
        "conversations": [c.id for c in conversations],
        "turns": {"one_at_a_time": alone, f"{concurrency}_at_once": together},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=9)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--base-url", default=os.environ.get("OPENAI_BASE_URL"), help="default: the embedded model")
    parser.add_argument("--model", default=os.environ.get("OPENAI_MODEL"))
    parser.add_argument("--no-semantic", action="store_true", help="keyword search only")
    parser.add_argument("--json", type=Path, help="write the figures and every turn here")
    args = parser.parse_args(argv)

    endpoint = chat_endpoint(args.base_url, args.model)
    if endpoint is None:
        return 2
    with demo_shop(orders=False, semantic=not args.no_semantic, **endpoint.overrides) as services:
        conversations = pick(services, n=args.conversations, split=args.split, seed=args.seed)
        print(
            f"{len(conversations)} conversations against {endpoint.model} at {endpoint.base_url} ...", file=sys.stderr
        )
        result = asyncio.run(measure(services, conversations, args.concurrency))
    for name in ("one_at_a_time", f"{args.concurrency}_at_once"):
        row = result[name]
        print(
            f"{name:14} turns {row['turns']:3}  first status/card p95 {row['first_signal_p95']} s  "
            f"first token p50 {row['first_token_p50']} s  reply p50 {row['reply_p50']} s  p95 {row['reply_p95']} s  "
            f"({'meets' if row['meets_targets'] else 'misses'} the targets)"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
