"""JSON API: chat for clients that do not stream (apps, scripts, the scenario bench).

`session_id` is the conversation key the API handed out on a previous call, never a browser's cookie:
API conversations live under their own channel, so a key that belongs to a storefront visitor (or the
owner) is refused instead of opening that person's cart and chat. Omit it to start a conversation.
The same rules hold as in the widget: a pending order is placed only by an explicit "yes" (or by
sending its id as `confirm`), with the action id as idempotency key.

A turn waits in the shop's fair line for the model (agent/turn_queue.py) without reporting its place:
the call just takes longer. A second call for a session whose previous call is still in line or being
answered gets 429 (`Retry-After`), not a second place; so does a call from an address that already
holds CHAT_TURNS_PER_IP places (new conversations too), or that is over the chat limits
(LIMIT_CHAT_PER_*: the session counts as the visitor).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from agent.turn_queue import RETRY_AFTER_SECONDS, ClientBusy
from app.chat_http import ACTION_ID_PATTERN
from app.deps import Agent, Services, TurnLine
from app.limits import check_limit_async, client_ip
from app.schemas import ERROR_RESPONSES, ErrorBody
from shop.conversations.store import new_key
from shop.core.errors import NotFound
from shop.core.validation import Text

router = APIRouter(
    prefix="/api/chat",
    tags=["chat"],
    responses={
        **ERROR_RESPONSES,
        429: {
            "model": ErrorBody,
            "description": "This session's previous message is still being answered, this address holds its "
            "share of the line, or it is over the chat limit (see Retry-After)",
        },
    },
)

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{32}$"


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    message: Text = Field(min_length=1, max_length=2000, description="What the customer says.")
    session_id: str | None = Field(
        default=None, pattern=SESSION_ID_PATTERN, description="The session_id of a previous reply; omit to start."
    )
    confirm: str | None = Field(
        default=None, pattern=ACTION_ID_PATTERN, description="Confirm this pending action (same as answering yes)."
    )


class ChatProduct(BaseModel):
    id: str
    name: str
    price: str
    priceText: str
    imageUrl: str
    url: str
    inStock: bool
    stock: int
    category: str


class PendingActionOut(BaseModel):
    id: str
    kind: str
    summary: dict[str, Any]
    text: str


class ChatResponse(BaseModel):
    reply: str
    session_id: str
    products: list[ChatProduct]
    pendingAction: PendingActionOut | None = None
    orderId: str | None = None
    status: str


@router.post("", response_model=ChatResponse, response_model_exclude_none=True)
async def chat(
    request: Request, body: Annotated[ChatRequest, Body()], services: Services, agent: Agent, line: TurnLine
) -> dict[str, Any]:
    if body.session_id is None:
        key = new_key()
    else:
        key = body.session_id
        if not await asyncio.to_thread(services.conversations.exists, key, role="customer", channel="api"):
            raise NotFound("Unknown session_id. Omit it to start a new conversation.", field="session_id")
    ip = client_ip(request)
    if not (line.busy(key) or line.over_share(ip)):  # a call the line refuses below is not counted
        await check_limit_async(request, services, "chat", visitor=body.session_id)
    try:
        ticket = await line.acquire(key, ip)
    except ClientBusy as exc:
        raise HTTPException(429, exc.message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
    try:
        outcome = await agent.run(
            role="customer",
            conversation_key=key,
            channel="api",
            cart_id=key,
            message=body.message,
            confirm_action=body.confirm,
        )
    finally:
        line.release(ticket)
    return outcome.to_json(services)
