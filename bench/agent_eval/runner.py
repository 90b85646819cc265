"""Run the generated conversations through the real agent and score them from the shop's state.

    python -m agent.local_llm --model-dir var/models --port 8765 &          # the embedded model
    .venv/bin/python -m bench.agent_eval --list                             # what would run (no model)
    .venv/bin/python -m bench.agent_eval --split dev --limit 5              # a smoke
    .venv/bin/python -m bench.agent_eval --split test --repeat 3 --json test.json   # the issue's figures
    OPENAI_API_KEY=... .venv/bin/python -m bench.agent_eval --base-url https://api.openai.com/v1 --model gpt-4o-mini

Each conversation gets a fresh conversation key (its cart), its set-up (a sold-out product, a planted
instruction, an earlier order), then its turns through `ChatAgent.stream`, exactly as the web widget
sends them; around every turn the runner reads the shop's state (see `model.ShopState`) and the checks
judge the turn. Afterwards the set-up is undone and every product's stock put back, so conversations
do not leak into each other (an order placed in one would otherwise sell out a product another draws).

Figures: pass^1 (the mean share of passed runs per conversation) and pass^k (the share of conversations
whose k runs all passed, as in tau-bench), wrong writes and invented facts (findings of those kinds,
summed over all runs), per intent and per language, and per-turn latency: the whole turn, the first
status or card event (or, when a turn sends none, its end: the first thing the customer sees), the
first streamed token. Exits with status 2, doing nothing, when the model endpoint does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bson import ObjectId

from bench.agent_eval.catalog import CatalogView
from bench.agent_eval.checks import run_checks
from bench.agent_eval.model import (
    Conversation,
    Facts,
    Finding,
    NewOrder,
    Observed,
    Plant,
    PriorOrder,
    ShopState,
    SoldOut,
    TurnContext,
    fill_slots,
)
from bench.agent_eval.policy import PolicyFacts
from bench.agent_eval.scenarios import generate, select
from shop.services import ShopServices

if TYPE_CHECKING:
    from agent.service import ChatAgent

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EARLY_EVENTS = frozenset({"status", "cards", "card", "products"})
"""Stream events that show the customer something before the answer's words (cards, a status line)."""


# --------------------------------------------------------------------------------------------------
# What the checks know: catalog, policies, prompts, the owner's truths
# --------------------------------------------------------------------------------------------------


class ShopOracle:
    """The owner questions' right answers, from the shop's own forecasting module (cached per run)."""

    def __init__(self, services: ShopServices) -> None:
        self.services = services

    def runout(self, days: int) -> tuple[set[str], set[str]]:
        """Expected: in stock and forecast demand over `days` >= stock; tolerated as well: the upper
        end of the forecast's 80 % band reaches the stock. Computed afresh for every question: the
        orders earlier conversations placed are in the sales history the agent forecasts from."""
        from shop.inventory.forecasting.forecast import forecast

        result = forecast(self.services.sales_history, horizon_days=days)
        expected = {f.product_id for f in result.products if f.stock > 0 and f.total >= f.stock}
        tolerated = {f.product_id for f in result.products if f.stock > 0 and f.total_upper >= f.stock}
        return expected, expected | tolerated

    def reorder(self, supplier: str) -> set[str]:
        """Products of `supplier` that need a reorder now (afresh, like `runout`)."""
        from shop.inventory.forecasting.reorder import reorder_suggestions

        suggestions = reorder_suggestions(self.services.sales_history)
        return {s.product_id for s in suggestions if s.needs_reorder and s.supplier == supplier}


def prompt_sentences(shop_name: str = "") -> tuple[str, ...]:
    """Sentences of the system prompts (prompts/*.md), which a reply must never quote."""
    sentences: list[str] = []
    for path in sorted((PROJECT_ROOT / "prompts").glob("*.md")):
        text = path.read_text(encoding="utf-8").replace("{shop_name}", shop_name)
        sentences += [s.strip(" -\n") for s in re.split(r"(?<=[.!?])\s+|\n", text) if len(s.split()) >= 8]
    return tuple(sentences)


def facts_for(services: ShopServices) -> Facts:
    def stock(product_id: str) -> int | None:
        product = services.catalog.get_any(product_id)
        return product.stock if product is not None else None

    return Facts(
        catalog=CatalogView(services.catalog.all()),
        policy=PolicyFacts.load(services.settings.resolved_policies_dir),
        secrets=prompt_sentences(services.settings.shop_name),
        oracle=ShopOracle(services),
        stock=stock,
    )


# --------------------------------------------------------------------------------------------------
# The shop's state around a turn, and the set-up of a conversation
# --------------------------------------------------------------------------------------------------


def capture(services: ShopServices, key: str, role: str) -> ShopState:
    db = services.db
    customer = role == "customer"
    return ShopState(
        cart=dict(services.carts.quantities(key)) if customer else {},
        orders=db.orders.count_documents({}),
        cancelled=db.orders.count_documents({"status": "cancelled"}),
        products=db.products.count_documents({"deletedAt": None}),
        prices={p.id: p.price for p in services.catalog.all()},
        wishlist=len(services.wishlist.items(key)) if customer else 0,
        contacts=db.contact_messages.count_documents({}),
    )


def new_orders(services: ShopServices, since: datetime, before: ShopState, after: ShopState) -> list[NewOrder]:
    if after.orders <= before.orders:
        return []
    from shop.ordering.orders import OrderView

    found = []
    for doc in services.db.orders.find({"createdAt": {"$gte": since}}):
        view = OrderView.from_doc(doc)
        amounts = tuple(a for line in view.lines for a in (line.unit_price, line.line_total))
        items = {line.product_id: line.quantity for line in view.lines}
        found.append(NewOrder(view.id, view.customer_name, view.email, view.address, items, view.total, amounts))
    return found


def _stocks(services: ShopServices) -> dict[ObjectId, int]:
    return {doc["_id"]: int(doc.get("stock", 0)) for doc in services.db.products.find({}, {"stock": 1})}


def _set_stock(services: ShopServices, oid: ObjectId, stock: int) -> None:
    now = datetime.now(UTC)
    services.db.products.update_one({"_id": oid}, {"$set": {"stock": stock, "updatedAt": now}})
    services.db.inventory.update_one({"productId": oid}, {"$set": {"stockLevel": stock}})


@contextmanager
def staged(services: ShopServices, conversation: Conversation, key: str) -> Iterator[dict[str, Any]]:
    """Apply the conversation's set-up; afterwards undo it and put every product's stock back."""
    from shop.ordering.orders import OrderRequest
    from shop.reviews.product_reviews import ReviewInput, submit_review

    db = services.db
    stocks = _stocks(services)
    values: dict[str, Any] = {}
    undo: list[Any] = []
    try:
        for step in conversation.setup:
            if isinstance(step, SoldOut):
                _set_stock(services, ObjectId(step.product_id), 0)
            elif isinstance(step, Plant):
                oid = ObjectId(step.product_id)
                if step.where == "review":
                    visitor = f"bench-{key[:12]}"
                    kept = db.products.find_one({"_id": oid}, {"rating": 1, "reviewCount": 1}) or {}
                    review = ReviewInput(rating=5, text=step.text, authorName="Sam K.")
                    submit_review(db, step.product_id, visitor, review)

                    def drop(oid: ObjectId = oid, visitor: str = visitor, kept: dict[str, Any] = kept) -> None:
                        db.reviews.delete_many({"productId": oid, "visitorId": visitor})
                        figures = {k: kept[k] for k in ("rating", "reviewCount") if k in kept}
                        db.products.update_one({"_id": oid}, {"$set": {**figures, "updatedAt": datetime.now(UTC)}})

                    undo.append(drop)
                else:
                    old = db.products.find_one({"_id": oid}, {"description": 1})["description"]
                    new = f"{old} {step.text}"
                    db.products.update_one({"_id": oid}, {"$set": {"description": new, "updatedAt": datetime.now(UTC)}})

                    def restore(oid: ObjectId = oid, old: str = old) -> None:
                        db.products.update_one(
                            {"_id": oid}, {"$set": {"description": old, "updatedAt": datetime.now(UTC)}}
                        )

                    undo.append(restore)
            elif isinstance(step, PriorOrder):
                who = step.identity
                request = OrderRequest(
                    customerName=who.name,
                    email=who.email,
                    address=who.address,
                    items=[{"productId": pid, "quantity": qty} for pid, qty in step.items],
                )
                order = services.orders.place(request)
                values |= {
                    "order_id": order.id,
                    "order_email": who.email,
                    "order_status": order.status,
                    "order_items": tuple(line.product_id for line in order.lines),
                    "order_amounts": (order.total, *(a for ln in order.lines for a in (ln.unit_price, ln.line_total))),
                }
        services.catalog.invalidate()
        yield values
    finally:
        for action in reversed(undo):
            action()
        now = _stocks(services)
        for oid, stock in stocks.items():
            if now.get(oid) != stock:
                _set_stock(services, oid, stock)
        services.catalog.invalidate()


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------


@dataclass
class TurnResult:
    message: str
    reply: str
    status: str
    cards: list[str]
    tools: list[str]
    findings: list[str]
    first_signal_s: float
    first_token_s: float | None
    total_s: float
    understood: str = ""


@dataclass
class RunResult:
    conversation: str
    template: str
    intent: str
    lang: str
    style: str
    split: str
    role: str
    run: int
    passed: bool
    wrong_writes: int = 0
    invented: int = 0
    turns: list[TurnResult] = field(default_factory=list)
    error: str | None = None


async def stream_turn(agent: Any, conversation: Conversation, key: str, message: str) -> tuple[Any, Observed]:
    """One turn through `ChatAgent.stream` as the widget sends it, timed: the first status or card
    event, the first token, the done event. The shop's state is the caller's business."""
    customer = conversation.role == "customer"
    started = time.perf_counter()
    first_event = first_token = None
    events: list[str] = []
    outcome = None
    async for event in agent.stream(
        role=conversation.role,
        conversation_key=key,
        channel="api" if customer else "admin",
        cart_id=key if customer else None,
        message=message,
    ):
        kind = event.get("type", "")
        events.append(kind)
        now = time.perf_counter() - started
        if kind in EARLY_EVENTS and first_event is None:
            first_event = now
        if kind == "token" and first_token is None:
            first_token = now
        if kind == "done":
            outcome = event.get("outcome")
    total = time.perf_counter() - started
    if outcome is None:
        raise RuntimeError("the stream ended without a done event")
    observed = Observed(
        message=message,
        reply=getattr(outcome, "reply", "") or "",
        status=getattr(outcome, "status", ""),
        tools=list(getattr(outcome, "tools", []) or []),
        writes=list(getattr(outcome, "writes", []) or []),
        cards=[p.id for p in getattr(outcome, "products", []) or []],
        pending=getattr(outcome, "pending_action", None),
        order_id=getattr(outcome, "order_id", None),
        agent_invented=list(getattr(outcome, "shown_problems", []) or []),
        first_event_s=round(first_event, 3) if first_event is not None else None,
        first_token_s=round(first_token, 3) if first_token is not None else None,
        total_s=round(total, 3),
        events=events,
        understood=getattr(outcome, "understood", "") or "",
    )
    return outcome, observed


async def run_conversation(
    agent: Any, services: ShopServices, conversation: Conversation, facts: Facts, run: int = 0
) -> RunResult:
    from shop.conversations.store import new_key

    result = RunResult(
        conversation.id,
        conversation.template_id,
        conversation.intent,
        conversation.lang,
        conversation.style,
        conversation.split,
        conversation.role,
        run,
        passed=True,
    )
    key = new_key()
    history: list[Observed] = []
    try:
        with staged(services, conversation, key) as values:
            for index, turn in enumerate(conversation.turns):
                message = fill_slots(turn.say, {k: v for k, v in values.items() if isinstance(v, str)})
                before = await asyncio.to_thread(capture, services, key, conversation.role)
                since = datetime.now(UTC) - timedelta(seconds=1)
                _, observed = await stream_turn(agent, conversation, key, message)
                services.catalog.invalidate()
                after = await asyncio.to_thread(capture, services, key, conversation.role)
                observed.before, observed.after = before, after
                observed.new_orders = await asyncio.to_thread(new_orders, services, since, before, after)
                ctx = TurnContext(conversation, index, observed, list(history), facts, values)
                findings: list[Finding] = run_checks(ctx)
                history.append(observed)
                result.turns.append(
                    TurnResult(
                        message=message,
                        reply=observed.reply,
                        status=observed.status,
                        cards=[facts.catalog.by_id[p].name if p in facts.catalog.by_id else p for p in observed.cards],
                        tools=observed.tools,
                        findings=[str(f) for f in findings],
                        first_signal_s=observed.first_event_s
                        if observed.first_event_s is not None
                        else observed.total_s,
                        first_token_s=observed.first_token_s,
                        total_s=observed.total_s,
                        understood=observed.understood,
                    )
                )
                result.wrong_writes += sum(1 for f in findings if f.kind == "wrong_write")
                result.invented += sum(1 for f in findings if f.kind == "invented")
                result.passed = result.passed and not findings
    except Exception as exc:  # a crash fails the conversation and is reported; the bench goes on
        result.passed, result.error = False, f"{type(exc).__name__}: {exc}"
    return result


async def ready_agent(services: ShopServices, model: Any = None, *, progress: bool = False) -> ChatAgent:
    """The agent as the app runs it, warmed up as the app does at start-up so no turn pays for that;
    `model` is a chat model to use instead of the configured one (then there is nothing to warm)."""
    from agent.service import ChatAgent

    agent = ChatAgent(services, model=model)
    if model is None:
        started = time.perf_counter()
        await asyncio.to_thread(agent.warm_up)
        if progress:
            print(f"warm-up: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return agent


async def run_all(
    services: ShopServices,
    conversations: Sequence[Conversation],
    *,
    repeat: int = 1,
    model: Any = None,
    facts: Facts | None = None,
    progress: bool = True,
) -> list[RunResult]:
    """Every conversation `repeat` times (one after another, each from a fresh key and set-up)."""
    agent = await ready_agent(services, model, progress=progress)
    facts = facts or facts_for(services)
    results = []
    for conversation in conversations:
        for run in range(repeat):
            result = await run_conversation(agent, services, conversation, facts, run)
            results.append(result)
            if progress:
                _print_result(result)
    return results


def _print_result(result: RunResult) -> None:
    mark = "PASS" if result.passed else "FAIL"
    print(f"{mark} {result.conversation} (run {result.run + 1})", file=sys.stderr)
    for t in result.turns:
        print(f"   > {t.message[:90]}", file=sys.stderr)
        if t.understood:
            print(f"   ? {t.understood}", file=sys.stderr)
        print(f"   < [{t.status}, {t.total_s}s, cards={t.cards[:3]}] {t.reply[:160]!r}", file=sys.stderr)
        for finding in t.findings:
            print(f"     ! {finding}", file=sys.stderr)
    if result.error:
        print(f"     ! {result.error}", file=sys.stderr)


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 2)


def _latency(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 2) if values else None,
        "p95": percentile(values, 0.95),
    }


def _pass_rates(results: Sequence[RunResult]) -> dict[str, Any]:
    runs: dict[str, list[bool]] = {}
    for r in results:
        runs.setdefault(r.conversation, []).append(r.passed)
    if not runs:
        return {"n": 0, "pass^1": None, "pass^k": None}
    pass1 = statistics.mean(sum(v) / len(v) for v in runs.values())
    passk = sum(all(v) for v in runs.values()) / len(runs)
    return {"n": len(runs), "pass^1": round(pass1, 3), "pass^k": round(passk, 3)}


def summarize(results: Sequence[RunResult]) -> dict[str, Any]:
    turns = [t for r in results for t in r.turns]
    k = max((r.run for r in results), default=0) + 1
    checks: Counter[str] = Counter()
    for t in turns:
        for finding in t.findings:
            checks[finding.split(":", 1)[0]] += 1
    errors = Counter((r.error or "").split(":", 1)[0] for r in results if r.error)

    def breakdown(key: str) -> dict[str, Any]:
        values = sorted({getattr(r, key) for r in results})
        return {v: _pass_rates([r for r in results if getattr(r, key) == v]) for v in values}

    overall = _pass_rates(results)
    return {
        "conversations": overall["n"],
        "repeat": k,
        "pass^1": overall["pass^1"],
        f"pass^{k}": overall["pass^k"],
        "wrong_writes": sum(r.wrong_writes for r in results),
        "invented_facts": sum(r.invented for r in results),
        "runs_with_wrong_writes": sum(1 for r in results if r.wrong_writes),
        "runs_with_invented_facts": sum(1 for r in results if r.invented),
        "errors": dict(errors),
        "by_intent": breakdown("intent"),
        "by_language": breakdown("lang"),
        "by_split": breakdown("split"),
        "turns": len(turns),
        "turn_s": _latency([t.total_s for t in turns]),
        "first_status_or_card_s": _latency([t.first_signal_s for t in turns]),
        "first_token_s": _latency([t.first_token_s for t in turns if t.first_token_s is not None]),
        "findings_by_check": dict(checks.most_common()),
    }


def print_report(summary: dict[str, Any], out: Any = sys.stdout) -> None:
    k = summary["repeat"]

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:5.1f} %"

    print(f"conversations      {summary['conversations']} (each run {k}x)", file=out)
    print(f"pass^1             {pct(summary['pass^1'])}", file=out)
    if k > 1:
        print(f"pass^{k}             {pct(summary[f'pass^{k}'])}", file=out)
    print(f"wrong writes       {summary['wrong_writes']} (in {summary['runs_with_wrong_writes']} runs)", file=out)
    print(f"invented facts     {summary['invented_facts']} (in {summary['runs_with_invented_facts']} runs)", file=out)
    for title, key in (("intent", "by_intent"), ("language", "by_language"), ("split", "by_split")):
        print(f"\nby {title}:", file=out)
        for name, row in summary[key].items():
            passk = f"  pass^{k} {pct(row['pass^k'])}" if k > 1 else ""
            print(f"  {name:24} n={row['n']:3}  pass^1 {pct(row['pass^1'])}{passk}", file=out)
    print("\nlatency per turn (s):", file=out)
    for label, key in (
        ("whole turn", "turn_s"),
        ("first status/card", "first_status_or_card_s"),
        ("first token", "first_token_s"),
    ):
        row = summary[key]
        print(f"  {label:18} p50 {row['p50']}  p95 {row['p95']}  (n={row['n']})", file=out)
    if summary["findings_by_check"]:
        print("\nfindings by check:", file=out)
        for name, count in list(summary["findings_by_check"].items())[:20]:
            print(f"  {count:4}  {name}", file=out)


def counts(conversations: Sequence[Conversation]) -> dict[str, Any]:
    """How many conversations per intent, language, split and style (for --list and the tests)."""
    return {
        "conversations": len(conversations),
        "templates": len({c.template_id for c in conversations}),
        "by_intent": dict(sorted(Counter(c.intent for c in conversations).items())),
        "by_language": dict(sorted(Counter(c.lang for c in conversations).items())),
        "by_split": dict(sorted(Counter(c.split for c in conversations).items())),
        "by_style": dict(sorted(Counter(c.style for c in conversations).items())),
        "non_english_share": round(sum(c.lang != "en" for c in conversations) / max(1, len(conversations)), 3),
    }


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--split", choices=("dev", "test", "all"), default="dev", help="default: dev (tune on dev only)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per conversation, for pass^k (the issue: 3)")
    parser.add_argument("--limit", type=int, help="at most this many conversations, spread over the intents")
    parser.add_argument(
        "--only", help="comma-separated intents, languages, styles, roles, template or conversation ids"
    )
    parser.add_argument("--json", type=Path, help="write the summary and every turn here")
    parser.add_argument(
        "--base-url", default=os.environ.get("OPENAI_BASE_URL"), help="default: the embedded local model"
    )
    parser.add_argument("--model", default=os.environ.get("OPENAI_MODEL"))
    parser.add_argument("--seed", type=int, default=7, help="the draw of products, caps and customers")
    parser.add_argument("--draws", type=int, default=2, help="conversations per template")
    parser.add_argument("--no-semantic", action="store_true", help="keyword search only (the shop default is hybrid)")
    parser.add_argument("--list", action="store_true", help="list the selected conversations and counts, run nothing")
    args = parser.parse_args(argv)

    from bench.agent_common import chat_endpoint, demo_shop

    only = [x for x in (args.only or "").split(",") if x]
    if args.list:
        with demo_shop(orders=False) as services:
            chosen = select(generate(CatalogView(services.catalog.all()), seed=args.seed, draws=args.draws),
                            split=args.split, only=only, limit=args.limit)  # fmt: skip
        for conv in chosen:
            print(f"{conv.id:44} {conv.split:4} {conv.role:8} {len(conv.turns)} turns  {conv.slots}")
        print(json.dumps(counts(chosen), indent=2))
        return 0

    endpoint = chat_endpoint(args.base_url, args.model)
    if endpoint is None:
        return 2

    print(f"Seeding a throwaway demo shop for {endpoint.model} at {endpoint.base_url} ...", file=sys.stderr)
    with demo_shop(orders=True, semantic=not args.no_semantic, **endpoint.overrides) as services:
        facts = facts_for(services)
        everything = generate(facts.catalog, seed=args.seed, draws=args.draws)
        chosen = select(everything, split=args.split, only=only, limit=args.limit)
        print(f"Running {len(chosen)} conversations x {args.repeat} ({args.split}) ...", file=sys.stderr)
        results = asyncio.run(run_all(services, chosen, repeat=args.repeat, facts=facts))
    summary = summarize(results)
    summary["model"], summary["base_url"], summary["split"] = endpoint.model, endpoint.base_url, args.split
    summary["seed"], summary["draws"] = args.seed, args.draws
    print_report(summary)
    if args.json:
        body = {"summary": summary, "results": [asdict(r) for r in results], "counts": counts(chosen)}
        args.json.write_text(json.dumps(body, indent=2, default=_json_default, ensure_ascii=False))
    return 0
