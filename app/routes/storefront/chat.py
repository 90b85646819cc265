"""The storefront chat: streamed replies (SSE over POST), confirmations, history, and a fresh start.

The conversation and the cart are the visitor's session (cookie), so the widget on every page and the
cart page share one cart and one conversation that survives page changes. Replies stream as Server-Sent
Events read with `fetch` (a POST, so messages never land in URLs or server logs). The final event
carries the reply checked by the agent, the product cards rendered with the storefront's own
add-to-cart form, and the summary card of a pending order with its Confirm / Cancel buttons.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.service import ChatAgent, TurnOutcome
from app.deps import Services, SessionId
from app.templating import templates
from shop.catalog.snapshot import Product
from shop.conversations.store import ChatMessage
from shop.core.errors import InvalidInput
from shop.core.validation import describe_errors
from shop.services import ShopServices

log = logging.getLogger(__name__)

router = APIRouter(tags=["chat"], include_in_schema=False)

ACTION_ID_PATTERN = r"^act_[A-Za-z0-9_-]{8,40}$"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def get_chat_agent(request: Request) -> ChatAgent:
    """One agent per app, built on first use (tests put a scripted one on app.state beforehand)."""
    agent = getattr(request.app.state, "chat_agent", None)
    if agent is None:
        agent = request.app.state.chat_agent = ChatAgent(request.app.state.services)
    return agent


Agent = Annotated[ChatAgent, Depends(get_chat_agent)]


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

    message: str = Field(min_length=1, max_length=2000)


class ConfirmInput(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    action_id: str = Field(pattern=ACTION_ID_PATTERN)
    decision: str = Field(default="confirm", pattern=r"^(confirm|cancel)$")


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
# Rendering of cards and the pending action
# --------------------------------------------------------------------------------------------------


def cards_html(request: Request, products: list[Product]) -> str:
    if not products:
        return ""
    return templates.get_template("_chat_products.html").render(request=request, products=products)


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
        "price": Decimal(summary["price"]) if "price" in summary else None,
    }
    return templates.get_template("_chat_action.html").render(request=request, action=action, summary=view)


def done_payload(request: Request, services: ShopServices, outcome: TurnOutcome) -> dict[str, Any]:
    body = outcome.to_json(services)
    body["cardsHtml"] = cards_html(request, outcome.products)
    body["actionHtml"] = action_html(request, outcome.pending_action)
    return body


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def event_stream(
    request: Request, services: ShopServices, events: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[str]:
    """The agent's events as SSE; failures end in an `error` event with a sentence, never a trace."""
    try:
        async for event in events:
            kind = event["type"]
            if kind == "done":
                yield sse("done", done_payload(request, services, event["outcome"]))
            else:
                yield sse(kind, {k: v for k, v in event.items() if k != "type"})
    except Exception:
        log.exception("chat stream failed")
        yield sse("error", {"message": "Sorry, something went wrong. Please try again."})


def history_payload(
    request: Request, services: ShopServices, agent: ChatAgent, key: str, *, role: Any, channel: Any
) -> dict[str, Any]:
    conversation, messages = agent.history(key, role=role, channel=channel)
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "text": message.content}
        if isinstance(message, ChatMessage) and message.products:
            found = [services.catalog.get(pid) for pid in message.products]
            item["cardsHtml"] = cards_html(request, [p for p in found if p is not None])
        out.append(item)
    pending = None
    if conversation is not None and conversation.pending is not None:
        from tools.actions import public_action

        pending = public_action(services, conversation.pending)
        if out and out[-1]["role"] == "assistant":
            out[-1]["actionHtml"] = action_html(request, pending)
    return {"messages": out, "pendingAction": pending}


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------


@router.post("/chat/stream")
async def chat_stream(request: Request, services: Services, agent: Agent, session_id: SessionId) -> StreamingResponse:
    body = await read_body(request, ChatInput)
    events = agent.stream(
        role="customer", conversation_key=session_id, channel="web", cart_id=session_id, message=body.message
    )
    return StreamingResponse(
        event_stream(request, services, events), media_type="text/event-stream", headers=STREAM_HEADERS
    )


@router.post("/chat/confirm")
async def chat_confirm(request: Request, services: Services, agent: Agent, session_id: SessionId) -> StreamingResponse:
    """The Confirm / Cancel buttons of a pending order card: executed by code, never by the model."""
    body = await read_body(request, ConfirmInput)
    events = agent.stream(
        role="customer",
        conversation_key=session_id,
        channel="web",
        cart_id=session_id,
        confirm_action=body.action_id if body.decision == "confirm" else None,
        decline_action=body.action_id if body.decision == "cancel" else None,
    )
    return StreamingResponse(
        event_stream(request, services, events), media_type="text/event-stream", headers=STREAM_HEADERS
    )


@router.get("/chat/history")
def chat_history(request: Request, services: Services, agent: Agent, session_id: SessionId) -> JSONResponse:
    payload = history_payload(request, services, agent, session_id, role="customer", channel="web")
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


@router.post("/chat/reset")
def chat_reset(agent: Agent, session_id: SessionId) -> JSONResponse:
    """Start over: forget the conversation (the cart stays)."""
    agent.reset(session_id, role="customer", channel="web")
    return JSONResponse({"ok": True})
