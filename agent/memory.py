"""What the model remembers of a conversation: the latest turns, plus a short summary written by code.

Only user and assistant texts go back into the prompt (not earlier tool calls and results): they are
what a person would remember, and tool results are re-fetched when needed, fresh from the database.

The window is trimmed in steps: when it holds more than `max_turns` turns, it is cut back to the
latest half of them at once. Between two cuts every prompt extends the previous one, so the local
model's prefix cache covers all but the newest message; sliding one turn at a time would change the
prefix on every turn and make the model re-read the whole history each time. What falls out of the
window is folded into the summary: the products discussed (by ref and name, never prices: a price is
only quoted from a fresh tool result) and what the customer asked about.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent import prompts
from agent.understanding.request import TOOL_NAME
from shop.catalog.snapshot import Catalog
from shop.conversations.store import ChatMessage, Conversation

MESSAGE_CHARS = 700
ANSWER_CHARS = 240
"""An earlier answer goes back into the prompt as its first paragraph, at most this long: the cart,
the products shown and the focus reach the model in the note before each message, and every token
of history is ~40 ms of prompt reading on the 2-core machine (a cart summary is ~100 tokens)."""

SUMMARY_CHARS = 600


def prompt_history(conversation: Conversation) -> list[BaseMessage]:
    """The summary (if any) and the window's messages, as chat messages for the model."""
    messages: list[BaseMessage] = []
    if conversation.summary:
        messages.append(SystemMessage(prompts.render("summary", summary=conversation.summary)))
    for message in conversation.window:
        text = message.content[:MESSAGE_CHARS]
        if message.role == "user":
            if message.context:
                messages.append(SystemMessage(message.context))
            messages.append(HumanMessage(text))
            continue
        text = _first_paragraph(text)
        call = _call(message)
        if call is not None:
            # The request the model wrote, as it wrote it: the prompt of the next turn then extends
            # the one the local model has cached, up to the data that followed the call.
            messages += [AIMessage("", tool_calls=[call]), ToolMessage("done", tool_call_id=call["id"])]
        messages.append(AIMessage(text))
    return messages


def _first_paragraph(text: str) -> str:
    head = text.strip().split("\n\n", 1)[0]
    return head if len(head) <= ANSWER_CHARS else head[: ANSWER_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _call(message: ChatMessage) -> dict[str, object] | None:
    args = request_args(message)
    return {"name": TOOL_NAME, "args": args, "id": f"call_{message.n}"} if args is not None else None


def request_args(message: ChatMessage) -> dict[str, object] | None:
    """The request the understanding stage wrote for the message this answer answers, if any."""
    if message.role != "assistant" or not message.context:
        return None
    try:
        args = json.loads(message.context)
    except ValueError:
        return None
    return args if isinstance(args, dict) else None


def record_turn(
    conversation: Conversation,
    user_text: str,
    reply: str,
    product_ids: list[str],
    *,
    max_turns: int,
    catalog: Catalog,
    note: str = "",
    request_json: str = "",
    lang: str = "",
) -> list[ChatMessage]:
    """The turn's two messages (numbered), with the window trimmed and the summary updated if needed."""
    now = datetime.now(UTC)
    n = conversation.next_n
    new = [
        ChatMessage("user", user_text, now, n, context=note, lang=lang),
        ChatMessage("assistant", reply, now, n + 1, products=product_ids, context=request_json),
    ]
    conversation.next_n = n + 2
    everything = [*conversation.messages, *new]
    window = [m for m in everything if m.n >= conversation.window_start]
    if len(window) > 2 * max_turns:
        keep = max(1, max_turns // 2)
        start = window[-2 * keep].n
        dropped = [m for m in everything if conversation.window_start <= m.n < start]
        conversation.summary = _summarize(conversation, dropped, catalog)
        conversation.window_start = start
    return new


def _summarize(conversation: Conversation, dropped: list[ChatMessage], catalog: Catalog) -> str:
    """Code-built: products discussed (refs and names) and the customer's requests, most recent last."""
    refs = {pid: ref for ref, pid in conversation.refs.items()}
    products: list[str] = []
    for message in dropped:
        for pid in message.products:
            product = catalog.get_any(pid)
            ref = refs.get(pid)
            if product is not None and ref is not None:
                entry = f"{ref} {product.name}"
                if entry not in products:
                    products.append(entry)
    asks = [m.content.strip().replace("\n", " ")[:80] for m in dropped if m.role == "user"]
    parts = []
    previous = conversation.summary
    if previous:
        parts.append(previous[-SUMMARY_CHARS // 2 :])
    if products:
        parts.append("products shown: " + ", ".join(products[-8:]))
    if asks:
        parts.append("the customer asked: " + "; ".join(f'"{a}"' for a in asks[-4:]))
    return ". ".join(parts)[-SUMMARY_CHARS:]
