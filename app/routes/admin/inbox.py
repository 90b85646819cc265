"""Admin: the inbox of contact messages (mark handled) and the outbox of every email the shop sent."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice
from app.deps import AdminPage, AdminWrite, FormText, safe_next
from app.middleware.security_headers import EMAIL_PREVIEW_POLICY
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
def inbox_page(admin: AdminPage) -> HTMLResponse:
    query = InboxQuery.model_validate(clean_params(admin.request))
    return admin.render(
        "admin/inbox.html",
        {
            "result": list_messages(admin.services.db, query),
            "query": query,
            "return_to": current_path(admin.request),
        },
    )


@router.post("/admin/inbox/{message_id}/handled")
def mark_handled(message_id: str, admin: AdminWrite, handled: FormText = "1", return_to: FormText = "") -> Response:
    message = set_handled(admin.services.db, message_id, handled not in ("0", "false", "no"), owner=admin.owner.email)
    if wants_fragment(admin.request):
        return admin.render(
            "admin/_message.html", {"message": message, "return_to": safe_next(return_to), "changed": True}
        )
    return redirect_with_notice(safe_next(return_to or "/admin/inbox"), "message")


@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox_page(admin: AdminPage) -> HTMLResponse:
    db = admin.services.db
    query = OutboxQuery.model_validate(clean_params(admin.request))
    return admin.render(
        "admin/outbox/list.html", {"result": list_outbox(db, query), "query": query, "kinds": outbox_kinds(db)}
    )


@router.get("/admin/outbox/{email_id}", response_class=HTMLResponse)
def outbox_email_page(email_id: str, admin: AdminPage) -> HTMLResponse:
    """The e-mail's HTML is shown in a sandboxed srcdoc frame, which takes this page's policy: e-mails
    style with style attributes, so this one page allows inline styles (never scripts: the frame's
    sandbox and script-src both refuse them)."""
    response = admin.render("admin/outbox/detail.html", {"email": get_outbox_email(admin.services.db, email_id)})
    response.headers["content-security-policy"] = EMAIL_PREVIEW_POLICY
    return response
