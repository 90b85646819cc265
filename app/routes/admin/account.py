"""Admin: the signed-in owner's own account — changing the password without a shell on the server.

The CLI (`create-owner --reset`) stays the way back in for an owner who forgot the password; this page
is for the one who knows it and wants a new one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import redirect_with_notice
from app.deps import OWNER_COOKIE, AdminCall, AdminPage, AdminWrite
from app.routes.admin.auth import client_address
from shop.backoffice.owners import MIN_PASSWORD_LENGTH, LoginThrottled, PasswordChangeInvalid, change_password

router = APIRouter(tags=["admin"], include_in_schema=False)

Password = Annotated[str, Form(max_length=1024)]


def _page(admin: AdminCall, errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    # The form is never refilled: passwords do not travel back to the browser in a page.
    context = {"errors": errors, "min_length": MIN_PASSWORD_LENGTH}
    return admin.render("admin/account.html", context, status_code=status_code)


@router.get("/admin/account", response_class=HTMLResponse)
def account_page(admin: AdminPage) -> HTMLResponse:
    return _page(admin, {})


@router.post("/admin/account/password", response_class=HTMLResponse)
def change_own_password(
    admin: AdminWrite, current: Password = "", new: Password = "", confirmation: Password = ""
) -> Response:
    try:
        change_password(
            admin.services.db,
            admin.owner,
            current_password=current,
            new_password=new,
            confirmation=confirmation,
            client=client_address(admin.request),
            keep_session=admin.request.cookies.get(OWNER_COOKIE, ""),
        )
    except PasswordChangeInvalid as exc:
        return _page(admin, exc.errors, 422)
    except LoginThrottled as exc:
        response = _page(admin, {"current": exc.message}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return redirect_with_notice("/admin/account", "password")
