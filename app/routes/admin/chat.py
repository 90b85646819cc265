"""Admin: the owner's chat about stock, forecasts, reorders and sales (the owner tools).

The role comes from the owner session (`CurrentOwner`); a storefront cookie can never open this
conversation, and the customer's chat endpoints never build the owner's agent. The conversation is
keyed by the owner's email, so it follows the owner across sign-ins. Writes are CSRF-checked like every
other admin POST. The owner's turns wait in the same line as the customers' (as one more client):
there is one model.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

from app.admin_ui import render_admin
from app.chat_http import STREAM_HEADERS, ChatInput, busy_response, event_stream, history_payload, in_line, read_body
from app.deps import Agent, CsrfChecked, CurrentOwner, Services, TurnLine

router = APIRouter(tags=["admin"], include_in_schema=False)

SUGGESTIONS = (
    "What should I reorder this week?",
    "Which products are low on stock?",
    "What were the best sellers last month?",
    "Forecast demand for tea over the next 30 days.",
    "How were sales in the last 7 days?",
)


def owner_key(email: str) -> str:
    return f"owner:{email.lower()}"


@router.get("/admin/chat", response_class=HTMLResponse)
def admin_chat_page(request: Request, owner: CurrentOwner) -> HTMLResponse:
    return render_admin(request, "admin/chat.html", {"suggestions": SUGGESTIONS})


@router.post("/admin/chat/stream", response_model=None)
async def admin_chat_stream(
    request: Request, services: Services, agent: Agent, line: TurnLine, owner: CsrfChecked
) -> StreamingResponse | JSONResponse:
    body = await read_body(request, ChatInput)
    key = owner_key(owner.email)
    if line.busy(key):
        return busy_response()
    turn = agent.stream(role="owner", conversation_key=key, channel="admin", cart_id=None, message=body.message)
    events = in_line(line, key, turn)
    return StreamingResponse(
        event_stream(request, services, events), media_type="text/event-stream", headers=STREAM_HEADERS
    )


@router.get("/admin/chat/history")
def admin_chat_history(request: Request, services: Services, agent: Agent, owner: CurrentOwner) -> JSONResponse:
    payload = history_payload(request, services, agent, owner_key(owner.email), role="owner", channel="admin")
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


@router.post("/admin/chat/reset")
def admin_chat_reset(agent: Agent, owner: CsrfChecked) -> JSONResponse:
    agent.reset(owner_key(owner.email), role="owner", channel="admin")
    return JSONResponse({"ok": True})
