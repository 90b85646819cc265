"""The storefront chat widget: streamed replies (SSE over POST), confirmations, history, and a fresh start.

The conversation and the cart are the visitor's session (cookie), so the widget on every page and the
cart page share one cart and one conversation that survives page changes. Replies stream as Server-Sent
Events read with `fetch` (a POST, so messages never land in URLs or server logs); what they carry is
built in app/chat_http.py, shared with the owner's chat.

A message waits in the shop's fair line for the model (agent/turn_queue.py, one place per session): the
stream tells the visitor their place until the turn starts, and a second message while the first is
in line or being answered gets a 429 with "please wait for the answer". The Confirm / Cancel buttons
skip the line: code executes them without the model, so they never wait behind other customers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

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
    if line.busy(session_id):
        return busy_response()
    turn = agent.stream(
        role="customer", conversation_key=session_id, channel="web", cart_id=session_id, message=body.message
    )
    events = in_line(line, session_id, turn)
    return StreamingResponse(
        event_stream(request, services, events, cart_id=session_id),
        media_type="text/event-stream",
        headers=STREAM_HEADERS,
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
