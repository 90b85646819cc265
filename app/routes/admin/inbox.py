"""Admin: the inbox of contact messages (mark handled) and the outbox of every email the shop sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice, render_admin
from app.deps import CsrfChecked, CurrentOwner, Services, safe_next
from app.templating import current_path, wants_fragment
from shop.messaging.inbox import (
    InboxQuery,
    OutboxQuery,
    get_outbox_email,
    list_messages,
    list_outbox,
    outbox_kinds,
    set_handled,
)

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    query = InboxQuery.model_validate(clean_params(request))
    return render_admin(
        request,
        "admin/inbox.html",
        {
            "result": list_messages(services.db, query),
            "query": query,
            "return_to": current_path(request),
        },
    )


@router.post("/admin/inbox/{message_id}/handled")
def mark_handled(
    message_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    handled: Annotated[str, Form()] = "1",
    return_to: Annotated[str, Form()] = "",
) -> Response:
    message = set_handled(services.db, message_id, handled not in ("0", "false", "no"), owner=owner.email)
    if wants_fragment(request):
        return render_admin(
            request, "admin/_message.html", {"message": message, "return_to": safe_next(return_to), "changed": True}
        )
    return redirect_with_notice(safe_next(return_to or "/admin/inbox"), "message")


@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    query = OutboxQuery.model_validate(clean_params(request))
    return render_admin(
        request,
        "admin/outbox/list.html",
        {"result": list_outbox(services.db, query), "query": query, "kinds": outbox_kinds(services.db)},
    )


@router.get("/admin/outbox/{email_id}", response_class=HTMLResponse)
def outbox_email_page(email_id: str, request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    return render_admin(request, "admin/outbox/detail.html", {"email": get_outbox_email(services.db, email_id)})
