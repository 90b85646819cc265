"""Admin: block and unblock client addresses (an IP or a CIDR network) with a reason and an expiry.

A blocked address gets 403 on every route of the shop, the admin's sign-in included, from every app
process within IP_BLOCK_CACHE_SECONDS (shop/security/ip_blocks.py, app/middleware/client_address.py).
The owner cannot block the address they are using: that would lock them out of this very page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError

from app.admin_ui import redirect_with_notice
from app.deps import AdminPage, AdminWrite
from app.limits import client_ip
from shop.core.errors import ShopError
from shop.core.validation import describe_errors
from shop.security.ip_blocks import EXPIRIES, BlockRequest

router = APIRouter(tags=["admin"], include_in_schema=False)

EXPIRY_LABELS = {"1h": "1 hour", "1d": "1 day", "7d": "7 days", "30d": "30 days", "never": "Never"}


class BlockForm(BaseModel):
    """The block form as typed (shown again as typed when something is wrong)."""

    network: str = Field("", max_length=100)
    reason: str = Field("", max_length=400)
    expires: str = Field("never", max_length=10)


def _page(admin: AdminPage, form: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    return admin.render(
        "admin/blocks.html",
        {
            "blocks": admin.services.security.blocks.list(),
            "form": form or {"expires": "1d"},
            "errors": errors or {},
            "expiries": [(key, EXPIRY_LABELS[key]) for key in EXPIRIES],
            "own_ip": client_ip(admin.request),
        },
        status_code=422 if errors else 200,
    )


@router.get("/admin/blocks", response_class=HTMLResponse)
def blocks_page(admin: AdminPage) -> HTMLResponse:
    return _page(admin)


@router.post("/admin/blocks", response_model=None)
def block(admin: AdminWrite, typed: Annotated[BlockForm, Form()]) -> Response:
    form = typed.model_dump()
    try:
        request = BlockRequest.model_validate(form)
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        if "network" in errors:
            errors["network"] = "Enter an IP address such as 203.0.113.7 or a network such as 203.0.113.0/24."
        return _page(admin, form, errors)
    try:
        admin.services.security.blocks.block(request, owner=admin.owner.email, own_ip=client_ip(admin.request))
    except ShopError as exc:
        return _page(admin, form, {exc.field or "network": exc.message})
    return redirect_with_notice("/admin/blocks", "blocked")


@router.post("/admin/blocks/{block_id}/remove")
def unblock(block_id: str, admin: AdminWrite) -> Response:
    admin.services.security.blocks.unblock(block_id, owner=admin.owner.email)
    return redirect_with_notice("/admin/blocks", "unblocked")
