"""The storefront chat widget: streamed replies (SSE over POST), confirmations, history, and a fresh start.

The conversation and the cart are the visitor's session (cookie), so the widget on every page and the
cart page share one cart and one conversation that survives page changes. Replies stream as Server-Sent
Events read with `fetch` (a POST, so messages never land in URLs or server logs); what they carry is
built in app/chat_http.py, shared with the owner's chat.

A message waits in the shop's fair line for the model (agent/turn_queue.py, one place per session): the
stream tells the visitor their place until the turn starts, and a second message while the first is
in line or being answered gets a 429 with "please wait for the answer". The Confirm / Cancel buttons
skip the line: code executes them without the model, so they never wait behind other customers.
Messages and confirmations count against the chat limits per visitor and per address
(LIMIT_CHAT_PER_*), a confirmed order against the order limits too, and one address holds at most
CHAT_TURNS_PER_IP places in the line: past any of them, a 429 with Retry-After and a sentence.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.turn_queue import SHARE_MESSAGE
from app.chat_http import (
    ACTION_ID_PATTERN,
    STREAM_HEADERS,
    ChatInput,
    busy_response,
    event_stream,
    history_payload,
    in_line,
    read_body,
)
from app.deps import Agent, Services, SessionId, TurnLine
from app.limits import check_limit_async, client_ip
from shop.security.limits import RateLimited

router = APIRouter(tags=["chat"], include_in_schema=False)


class ConfirmInput(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    action_id: str = Field(pattern=ACTION_ID_PATTERN)
    decision: str = Field(default="confirm", pattern=r"^(confirm|cancel)$")


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------


@router.post("/chat/stream", response_model=None)
async def chat_stream(
    request: Request, services: Services, agent: Agent, line: TurnLine, session_id: SessionId
) -> StreamingResponse | JSONResponse:
    body = await read_body(request, ChatInput)
    ip = client_ip(request)
    if line.busy(session_id):
        return busy_response()
    if line.over_share(ip):
        return busy_response(SHARE_MESSAGE)
    try:
        await check_limit_async(request, services, "chat", visitor=session_id)
    except RateLimited as exc:
        return busy_response(exc.message, exc.retry_after)
    turn = agent.stream(
        role="customer", conversation_key=session_id, channel="web", cart_id=session_id, message=body.message
    )
    events = in_line(line, session_id, turn, group=ip)
    return StreamingResponse(
        event_stream(request, services, events, cart_id=session_id),
        media_type="text/event-stream",
        headers=STREAM_HEADERS,
    )


@router.post("/chat/confirm", response_model=None)
async def chat_confirm(
    request: Request, services: Services, agent: Agent, session_id: SessionId
) -> StreamingResponse | JSONResponse:
    """The Confirm / Cancel buttons of a pending order card: executed by code, never by the model."""
    body = await read_body(request, ConfirmInput)
    try:
        await check_limit_async(request, services, "chat", visitor=session_id)
        if body.decision == "confirm":
            await check_limit_async(request, services, "orders", visitor=session_id)
    except RateLimited as exc:
        return busy_response(exc.message, exc.retry_after)
    events = agent.stream(
        role="customer",
        conversation_key=session_id,
        channel="web",
        cart_id=session_id,
        confirm_action=body.action_id if body.decision == "confirm" else None,
        decline_action=body.action_id if body.decision == "cancel" else None,
    )
    return StreamingResponse(
        event_stream(request, services, events, cart_id=session_id),
        media_type="text/event-stream",
        headers=STREAM_HEADERS,
    )


@router.get("/chat/history")
def chat_history(request: Request, services: Services, agent: Agent, session_id: SessionId) -> JSONResponse:
    payload = history_payload(request, services, agent, session_id, role="customer", channel="web", cart_id=session_id)
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


@router.post("/chat/reset")
def chat_reset(agent: Agent, session_id: SessionId) -> JSONResponse:
    """Start over: forget the conversation (the cart stays)."""
    agent.reset(session_id, role="customer", channel="web")
    return JSONResponse({"ok": True})
