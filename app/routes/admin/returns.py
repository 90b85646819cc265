"""Admin: return requests (RMA) — the list (by status, or one order's), a request's page, and the
owner's steps along the lifecycle: approve (the customer is emailed the label), reject (with a reason
the customer reads), mark received (stock back and the refund, in shop.returns.service), and issue a
refund again if the payment provider failed the first time. Plain forms, CSRF-checked; each posts and
redirects back with a notice, or shows the request again with the reason it could not be done."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice
from app.deps import AdminCall, AdminPage, AdminWrite, FormText
from app.routes.storefront.returns import pdf_response
from shop.core.errors import Conflict, ShopError
from shop.returns.label import return_label
from shop.returns.service import STATUSES

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/returns", response_class=HTMLResponse)
def returns_page(admin: AdminPage) -> HTMLResponse:
    params = clean_params(admin.request)
    status = params.get("status") if params.get("status") in STATUSES else None
    order = (params.get("order") or "")[:40]
    page = int(params["page"]) if params.get("page", "").isdigit() and len(params["page"]) < 6 else 1
    result = admin.services.returns.list(status=status, order_id=order or None, page=max(1, page))
    context = {"result": result, "statuses": STATUSES, "status": status, "order": order}
    return admin.render("admin/returns/list.html", context)


@router.get("/admin/returns/{rma_id}", response_class=HTMLResponse)
def return_page(rma_id: str, admin: AdminPage) -> HTMLResponse:
    return _detail(admin, rma_id)


def _detail(admin: AdminCall, rma_id: str, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    found = admin.services.returns.get(rma_id)
    context = {"ret": found, "error": error, "label_url": admin.services.returns.label_url(found)}
    return admin.render("admin/returns/detail.html", context, status_code=status_code)


def _step(admin: AdminCall, rma_id: str, notice: str, action: str, reason: str = "") -> Response:
    returns, owner = admin.services.returns, admin.owner.email
    try:
        if action == "approve":
            done = returns.approve(rma_id, owner=owner)
        elif action == "reject":
            done = returns.reject(rma_id, reason, owner=owner)
        elif action == "receive":
            done = returns.receive(rma_id, owner=owner)
        else:
            done = returns.issue_refund(rma_id, owner=owner)
    except ShopError as exc:
        return _detail(admin, rma_id, error=exc.message, status_code=exc.status_code)
    return redirect_with_notice(f"/admin/returns/{done.id}", notice)


@router.post("/admin/returns/{rma_id}/approve")
def approve(rma_id: str, admin: AdminWrite) -> Response:
    return _step(admin, rma_id, "return-approved", "approve")


@router.post("/admin/returns/{rma_id}/reject")
def reject(rma_id: str, admin: AdminWrite, reason: FormText = "") -> Response:
    return _step(admin, rma_id, "return-rejected", "reject", reason[:2000])


@router.post("/admin/returns/{rma_id}/receive")
def receive(rma_id: str, admin: AdminWrite) -> Response:
    return _step(admin, rma_id, "return-received", "receive")


@router.post("/admin/returns/{rma_id}/refund")
def refund(rma_id: str, admin: AdminWrite) -> Response:
    return _step(admin, rma_id, "return-refunded", "refund")


@router.get("/admin/returns/{rma_id}/label.pdf")
def label(rma_id: str, admin: AdminPage) -> Response:
    found = admin.services.returns.get(rma_id)
    if found.status in ("requested", "rejected"):
        raise Conflict(f"Return {found.id} is {found.status}: a label is made once it is approved.")
    return pdf_response(return_label(found, admin.services.settings), found.id)
