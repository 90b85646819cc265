"""Owner sign-in and sign-out. The dependencies the other admin routes stand on (`CurrentOwner`,
`CsrfChecked`) are in app/deps.py.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from app.admin_ui import render_admin
from app.deps import CSRF_FAILED, LOGIN_PATH, OWNER_COOKIE, CsrfChecked, Services, safe_next
from app.limits import client_ip
from shop.backoffice.owners import (
    SESSION_LIFETIME,
    InvalidCredentials,
    LoginThrottled,
    create_session,
    end_session,
    get_session,
)
from shop.backoffice.owners import authenticate as authenticate_owner
from shop.security.limits import RateLimited

router = APIRouter(tags=["admin"], include_in_schema=False)


class LoginForm(BaseModel):
    """The sign-in form's fields, each with a bound (a longer one is refused before any hashing)."""

    email: str = Field("", max_length=254)
    password: str = Field("", max_length=1024)
    csrf_token: str = Field("", max_length=128)
    next: str = Field("", max_length=2000)


# Double-submit token for the sign-in form itself, which has no session yet to hold a CSRF token.
LOGIN_CSRF_COOKIE = "aishop_owner_login"


def client_address(request: Request) -> str:
    """The client's address (trusted proxies honoured: app.limits.client_ip), which the sign-in lock counts by."""
    return client_ip(request)


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.app.state.services.settings.cookie_secure,
    )


def _login_page(
    request: Request,
    *,
    next_url: str,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if len(token) < 32 or status_code == 403:
        token = secrets.token_urlsafe(32)
    response = render_admin(
        request,
        "admin/login.html",
        {"login_csrf": token, "next": next_url, "email": email, "error": error, "notice": notice},
        status_code=status_code,
    )
    _set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 60 * 60, LOGIN_PATH)
    return response


@router.get("/admin/login", response_class=HTMLResponse)
def login_page(request: Request, services: Services, next: str = "", signed_out: str = "") -> Response:
    token = request.cookies.get(OWNER_COOKIE, "")
    if token and get_session(services.db, token) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = "You are signed out." if signed_out else None
    return _login_page(request, next_url=safe_next(next), notice=notice)


@router.post("/admin/login", response_class=HTMLResponse)
def login(request: Request, services: Services, form: Annotated[LoginForm, Form()]) -> Response:
    next_url, email = safe_next(form.next), form.email
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    submitted = form.csrf_token
    if not cookie_token or not submitted or not secrets.compare_digest(cookie_token.encode(), submitted.encode()):
        return _login_page(request, next_url=next_url, email=email, error=CSRF_FAILED, status_code=403)
    try:
        # Every attempt counts per address and per account (LIMIT_LOGIN_PER_*), on top of the lock of
        # five failures per email and address: guessing across many accounts, or one account from
        # many addresses, hits one of them.
        services.security.limits.hit("login", ip=client_address(request), account=email)
        owner = authenticate_owner(services.db, email, form.password, client=client_address(request))
    except (LoginThrottled, RateLimited) as exc:
        response = _login_page(request, next_url=next_url, email=email, error=exc.message, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except InvalidCredentials as exc:
        return _login_page(request, next_url=next_url, email=email, error=exc.message, status_code=401)
    token, _ = create_session(services.db, owner)
    response = RedirectResponse(next_url, status_code=303)
    _set_cookie(response, request, OWNER_COOKIE, token, int(SESSION_LIFETIME.total_seconds()), "/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/admin/logout")
def logout(request: Request, services: Services, owner: CsrfChecked) -> Response:
    end_session(services.db, request.cookies.get(OWNER_COOKIE, ""))
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    response.delete_cookie(OWNER_COOKIE, path="/")
    return response
