"""Owner sign-in, sign-out and the two dependencies every admin route stands on.

`CurrentOwner` admits only a live owner session (the storefront's visitor cookie never counts);
`CsrfChecked` additionally requires the session's CSRF token on every write. The session cookie is
HttpOnly and SameSite=Strict, so another site can neither read it nor make the browser send it with a
forged form; the CSRF token is the second lock on the same door.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.admin_ui import render_admin
from app.deps import Services
from app.templating import is_htmx
from shop.backoffice.owners import (
    SESSION_LIFETIME,
    InvalidCredentials,
    LoginThrottled,
    Owner,
    create_session,
    csrf_matches,
    end_session,
    get_session,
)
from shop.backoffice.owners import authenticate as authenticate_owner

router = APIRouter(tags=["admin"], include_in_schema=False)

OWNER_COOKIE = "aishop_owner"
# Double-submit token for the sign-in form itself, which has no session yet to hold a CSRF token.
LOGIN_CSRF_COOKIE = "aishop_owner_login"
LOGIN_PATH = "/admin/login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
CSRF_FAILED = "This form has expired or did not come from the admin. Reload the page and try again."


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a path inside the admin, never another site."""
    if not value or not value.startswith("/admin") or value.startswith("//") or "\\" in value:
        return "/admin"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/admin"
    return value


def _wants_html(request: Request) -> bool:
    if is_htmx(request):
        return False
    accept = request.headers.get("accept", "")
    return not ("application/json" in accept and "text/html" not in accept)


def require_owner(request: Request, services: Services) -> Owner:
    """The signed-in owner; otherwise a redirect to the sign-in page (pages) or 401 (htmx, JSON)."""
    token = request.cookies.get(OWNER_COOKIE, "")
    session = get_session(services.db, token) if token else None
    if session is None:
        login = LOGIN_PATH
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            login += "?next=" + quote(safe_next(target), safe="/")
        if _wants_html(request):
            raise HTTPException(status_code=303, detail="Please sign in.", headers={"Location": login})
        # htmx follows HX-Redirect even on an error status, so an expired session lands on the sign-in page.
        raise HTTPException(status_code=401, detail="Please sign in as the shop owner.", headers={"HX-Redirect": login})
    request.state.owner_session = session
    request.state.owner = session.owner
    return session.owner


CurrentOwner = Annotated[Owner, Depends(require_owner)]


async def require_csrf(request: Request, owner: CurrentOwner) -> Owner:
    """The owner, after checking the request carries this session's CSRF token (header or form field)."""
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not csrf_matches(request.state.owner_session, submitted):
        raise HTTPException(status_code=403, detail=CSRF_FAILED)
    return owner


CsrfChecked = Annotated[Owner, Depends(require_csrf)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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
def login(
    request: Request,
    services: Services,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    next_url = safe_next(next)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not csrf_token or not secrets.compare_digest(cookie_token.encode(), csrf_token.encode()):
        return _login_page(request, next_url=next_url, email=email, error=CSRF_FAILED, status_code=403)
    try:
        owner = authenticate_owner(services.db, email, password, client=client_address(request))
    except LoginThrottled as exc:
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
