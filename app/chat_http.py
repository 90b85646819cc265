"""The chat over HTTP, shared by the storefront widget (routes/storefront/chat.py), the owner's chat
(routes/admin/chat.py) and the JSON API (routes/api/chat.py): the agent's warm-up at start-up, the
request body, a turn's events as Server-Sent Events, and the history.

The final event of a turn carries the reply checked by the agent, the product cards rendered with the
storefront's own add-to-cart form, and the summary card of a pending order with its Confirm / Cancel
buttons. For a storefront visitor it also carries the cart as it is after the turn (`cartCount` for the
header badge, `inCart` for the cards), read once from the database: the route knows the session's cart,
so the page needs no second request to learn what the chat changed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Collection
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.service import ChatAgent, TurnOutcome
from agent.turn_queue import BUSY_MESSAGE, RETRY_AFTER_SECONDS, ClientBusy, TurnQueue, position_text
from app.templating import templates
from shop.catalog.snapshot import Product
from shop.conversations.store import ChatMessage
from shop.core.errors import InvalidInput
from shop.core.validation import Text, describe_errors
from shop.services import ShopServices
from tools.actions import public_action

log = logging.getLogger(__name__)

ACTION_ID_PATTERN = r"^act_[A-Za-z0-9_-]{8,40}$"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def start_warm_up(app: Any) -> threading.Thread | None:
    """Build the agent at start-up and, for the embedded model, have it read the prompts once in the
    background (first chat ~1 s to the first token instead of 30-50 s). A model that is not running
    yet only costs a log line; the chat then answers that it is offline until it is."""
    services = app.state.services
    if not services.settings.llm_is_local:
        return None
    agent = app.state.chat_agent = getattr(app.state, "chat_agent", None) or ChatAgent(services)

    def work() -> None:
        try:
            agent.warm_up()
            log.info("chat model warmed up")
        except Exception as exc:
            log.info("chat model not warmed up (%s); is `python -m agent.local_llm` running?", exc)

    thread = threading.Thread(target=work, name="chat-warm-up", daemon=True)
    thread.start()
    return thread


class ChatInput(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    message: Text = Field(min_length=1, max_length=2000)


async def read_body(request: Request, model: type[BaseModel]) -> Any:
    """JSON or form body validated by `model` (the widget sends JSON; a plain form works too)."""
    content_type = request.headers.get("content-type", "")
    try:
        raw: Any = await request.json() if "json" in content_type else dict(await request.form())
    except ValueError:
        raise InvalidInput("The request body is not valid JSON.") from None
    try:
        return model.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        raise InvalidInput(next(iter(errors.values()), "Invalid input."), field=next(iter(errors), None)) from None


# --------------------------------------------------------------------------------------------------
# The line in front of the model (agent/turn_queue.py)
# --------------------------------------------------------------------------------------------------


def busy_response(message: str = BUSY_MESSAGE, retry_after: int = RETRY_AFTER_SECONDS) -> JSONResponse:
    """429 for a client whose previous message is still in line or being answered (or whose address
    holds its share of the line, or is over a chat limit): JSON with a sentence the widget shows, on
    the storefront's paths too (whose errors are otherwise pages)."""
    return JSONResponse({"detail": message}, status_code=429, headers={"Retry-After": str(retry_after)})


async def in_line(
    queue: TurnQueue, key: str, events: AsyncIterator[dict[str, Any]], group: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """A turn's events once its place in the line comes; until then `status` events with the place
    ("You are number 2 in line…"), each time it changes.

    The place is taken here, when the response starts streaming, not in the route: a response whose
    body never starts (the visitor left at once) then holds no place, and whatever ends the stream
    (the answer, an error, a closed tab) gives it back. The route refuses a busy client with a 429
    beforehand; a second request of the same client that slips in between gets the same sentence as
    an error event.
    """
    try:
        ticket = queue.join(key, group)
    except ClientBusy as exc:
        yield {"type": "error", "message": exc.message}
        return
    try:
        waited = False
        async for position in queue.wait(ticket):
            waited = True
            yield {"type": "status", "text": position_text(position), "position": position}
        if waited:
            yield {"type": "status", "text": "Thinking…", "position": 0}
        async for event in events:
            yield event
    finally:
        queue.release(ticket)
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


# --------------------------------------------------------------------------------------------------
# A turn's events and the history, with the cards and the pending order rendered in
# --------------------------------------------------------------------------------------------------


def cards_html(request: Request, products: list[Product], in_cart: Collection[str] = ()) -> str:
    """The cards of a reply; a product already in the cart shows "In cart" and a link to the cart
    instead of a second Add button (the same markup on a live reply and on a history reload)."""
    if not products:
        return ""
    return templates.get_template("_chat_products.html").render(
        request=request, products=products, in_cart=frozenset(in_cart)
    )


def cart_state(services: ShopServices, cart_id: str | None) -> dict[str, Any]:
    """`cartCount` and `inCart` (product ids) of the visitor's cart right now; nothing without a cart
    (the owner's chat). Fresh from the database, not the header's cached count: the turn may just
    have changed it."""
    if cart_id is None:
        return {}
    quantities = services.carts.quantities(cart_id)
    return {"cartCount": sum(quantities.values()), "inCart": sorted(quantities)}


def action_html(request: Request, action: dict[str, Any] | None) -> str:
    if not action:
        return ""
    summary = action["summary"]
    view = {
        **summary,
        "lines": [
            {**line, "unitPrice": Decimal(line["unitPrice"]), "lineTotal": Decimal(line["lineTotal"])}
            for line in summary.get("lines", [])
        ],
        "total": Decimal(summary["total"]) if "total" in summary else None,
        # shipping (SHIPPING): the summary's money lines, for the confirm card
        **{key: Decimal(summary[key]) if key in summary else None for key in ("subtotal", "shipping", "tax")},
        "price": Decimal(summary["price"]) if "price" in summary else None,
    }
    return templates.get_template("_chat_action.html").render(request=request, action=action, summary=view)


def done_payload(
    request: Request, services: ShopServices, outcome: TurnOutcome, cart_id: str | None = None
) -> dict[str, Any]:
    body = outcome.to_json(services)
    cart = cart_state(services, cart_id)
    body.update(cart)
    body["cardsHtml"] = cards_html(request, outcome.products, cart.get("inCart", ()))
    body["actionHtml"] = action_html(request, outcome.pending_action)
    return body


def cards_payload(
    request: Request, services: ShopServices, products: list[Product], cart_id: str | None = None
) -> dict[str, Any]:
    """The product cards of a turn, sent before its reply is written (the done event sends them again)."""
    cart = cart_state(services, cart_id)
    return {"cardsHtml": cards_html(request, products, cart.get("inCart", ())), **cart}


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def event_stream(
    request: Request,
    services: ShopServices,
    events: AsyncIterator[dict[str, Any]],
    cart_id: str | None = None,
) -> AsyncIterator[str]:
    """The agent's events as SSE; failures end in an `error` event with a sentence, never a trace.
    `cart_id`: the visitor's cart, whose new state the done event carries."""
    try:
        async for event in events:
            kind = event["type"]
            if kind == "done":
                payload = await asyncio.to_thread(done_payload, request, services, event["outcome"], cart_id)
                yield sse("done", payload)
            elif kind == "cards":
                payload = await asyncio.to_thread(cards_payload, request, services, event["products"], cart_id)
                yield sse("cards", payload)
            else:
                yield sse(kind, {k: v for k, v in event.items() if k != "type"})
    except Exception:
        log.exception("chat stream failed")
        yield sse("error", {"message": "Sorry, something went wrong. Please try again."})


def history_payload(
    request: Request,
    services: ShopServices,
    agent: ChatAgent,
    key: str,
    *,
    role: Any,
    channel: Any,
    cart_id: str | None = None,
) -> dict[str, Any]:
    conversation, messages = agent.history(key, role=role, channel=channel)
    cart = cart_state(services, cart_id)
    in_cart = cart.get("inCart", ())
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "text": message.content}
        if isinstance(message, ChatMessage) and message.products:
            found = [services.catalog.get(pid) for pid in message.products]
            item["cardsHtml"] = cards_html(request, [p for p in found if p is not None], in_cart)
        out.append(item)
    pending = None
    if conversation is not None and conversation.pending is not None:
        pending = public_action(services, conversation.pending)
        if out and out[-1]["role"] == "assistant":
            out[-1]["actionHtml"] = action_html(request, pending)
    return {"messages": out, "pendingAction": pending, **cart}
