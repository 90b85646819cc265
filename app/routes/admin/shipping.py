"""Admin: Shipping & tax — the owner's zones, methods and rates, tax rates and return windows.

Saved as one versioned document (shop.shipping.config): the form carries the version it was based
on, so a save over someone else's newer save is refused instead of undoing it. The page warns when the
configuration and the policy texts customers read disagree (shop.shipping.policy_check), before and
after a save: the save still goes through (the owner may be about to edit the text), but the warning
says exactly which sentence no longer matches.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import redirect_with_notice
from app.deps import AdminCall, AdminPage, AdminWrite
from shop.core.errors import Conflict, InvalidFields
from shop.shipping.config import CommerceConfig
from shop.shipping.config_form import MAX_METHODS, MAX_TAX_RATES, MAX_ZONES, config_from_form, flatten, layout
from shop.shipping.policy_check import policy_problems, read_policies

router = APIRouter(tags=["admin"], include_in_schema=False)

MAX_FIELDS = 20 + MAX_ZONES * (4 + MAX_METHODS * 7) + MAX_TAX_RATES * 3
"""Inputs the form can have; a post with more is not this form."""


def _page(
    admin: AdminCall,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    config = admin.services.commerce.get()
    warnings = policy_problems(config, read_policies(admin.services.settings.resolved_policies_dir))
    context = {
        "values": values,
        "layout": layout(values),
        "errors": errors or {},
        "error": error,
        "warnings": warnings,
        "config": config,
    }
    return admin.render("admin/shipping.html", context, status_code=status_code)


@router.get("/admin/shipping", response_class=HTMLResponse)
def shipping_page(admin: AdminPage) -> HTMLResponse:
    return _page(admin, flatten(admin.services.commerce.get()))


@router.post("/admin/shipping", response_class=HTMLResponse)
async def save_shipping(admin: AdminWrite, request: Request) -> Response:
    form = await request.form()
    if len(form) > MAX_FIELDS:
        return _page(
            admin, flatten(admin.services.commerce.get()), error="The form has too many fields.", status_code=422
        )
    values = {key: value for key, value in form.items() if isinstance(value, str) and len(value) <= 2000}
    try:
        based_on = int(values.get("version", ""))
    except ValueError:
        return _page(admin, values, error="The form is missing its version; please reload the page.", status_code=422)
    try:
        config = config_from_form(values)
    except InvalidFields as exc:
        return _page(admin, values, errors=exc.errors, status_code=422)
    try:
        await run_in_threadpool(_save, admin, config, based_on)
    except Conflict as exc:
        return _page(admin, values, error=exc.message, status_code=409)
    return redirect_with_notice("/admin/shipping", "saved")


def _save(admin: AdminCall, config: CommerceConfig, based_on: int) -> None:
    admin.services.commerce.save(config, based_on=based_on, owner=admin.owner.email)


@router.post("/admin/shipping/reset", response_class=HTMLResponse)
def reset_shipping(admin: AdminWrite, version: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Back to the defaults in code (which match the policy texts the shop ships with)."""
    try:
        admin.services.commerce.reset(based_on=int(version), owner=admin.owner.email)
    except ValueError:
        return _page(admin, flatten(admin.services.commerce.get()), error="Please reload the page.", status_code=422)
    except Conflict as exc:
        return _page(admin, flatten(admin.services.commerce.get()), error=exc.message, status_code=409)
    return redirect_with_notice("/admin/shipping", "saved")
