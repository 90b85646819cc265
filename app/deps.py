"""Typed dependencies for the routes: every `Annotated` alias a route stands on, and what builds it.

`Services` and `SessionId` are for every route; `CurrentOwner` admits only a live owner session (the
storefront's visitor cookie never counts) and `CsrfChecked` additionally requires the session's CSRF
token on every write. The owner's session cookie is HttpOnly and SameSite=Strict, so another site can
neither read it nor make the browser send it with a forged form; the CSRF token is the second lock on
the same door. `Agent` is the chat agent the storefront widget, the JSON API and the owner's chat share,
and `TurnLine` the fair line their turns wait in for the model (agent/turn_queue.py);
`ProductForm` and `CategoryForm` are the admin's product and category forms, field by field.
`AdminPage` and `AdminWrite` bundle what every admin handler stands on (the request, the services and
the signed-in owner; for a write, CSRF-checked) into one `AdminCall`.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, HTTPException, Request
from starlette.responses import HTMLResponse

from agent.service import ChatAgent
from agent.turn_queue import TurnQueue
from app.admin_ui import render_admin
from app.templating import current_path, is_htmx
from shop.backoffice.owners import Owner, csrf_matches, get_session
from shop.catalog.category_admin import CATEGORY_FORM_KEYS
from shop.services import ShopServices

OWNER_COOKIE = "aishop_owner"
LOGIN_PATH = "/admin/login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
CSRF_FAILED = "This form has expired or did not come from the admin. Reload the page and try again."

# Both are `async` although they never wait: FastAPI runs a plain `def` dependency in its thread
# pool, two thread hand-offs on every request for an attribute read (py-spy under bench/load.py's
# 20 clients: 30% of the server's samples on the "Recommended for you" fragment).


async def get_services(request: Request) -> ShopServices:
    return request.app.state.services


async def get_session_id(request: Request) -> str:
    """The visitor's session id, assigned by the session middleware (never taken from a form or the model)."""
    return request.state.session_id


Services = Annotated[ShopServices, Depends(get_services)]
SessionId = Annotated[str, Depends(get_session_id)]
FormText = Annotated[str, Form()]


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
            target = current_path(request)
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


@dataclass(frozen=True)
class AdminCall:
    """One admin request: the request, the shop's services and the signed-in owner.

    Every admin handler needs all three, so it takes this one parameter instead of repeating three,
    and its signature says only what it adds (the path's id, the form's fields); the page helpers
    take it whole instead of a request and the services side by side.
    """

    request: Request
    services: ShopServices
    owner: Owner

    def render(self, template: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
        """`render_admin` for this request."""
        return render_admin(self.request, template, context, status_code)


async def admin_page(request: Request, services: Services, owner: CurrentOwner) -> AdminCall:
    return AdminCall(request, services, owner)


async def admin_write(request: Request, services: Services, owner: CsrfChecked) -> AdminCall:
    return AdminCall(request, services, owner)


AdminPage = Annotated[AdminCall, Depends(admin_page)]
"""A page or read: a signed-in owner required."""
AdminWrite = Annotated[AdminCall, Depends(admin_write)]
"""A write: a signed-in owner and this session's CSRF token required."""


def get_chat_agent(request: Request) -> ChatAgent:
    """One agent per app, built on first use (tests put a scripted one on app.state beforehand)."""
    agent = getattr(request.app.state, "chat_agent", None)
    if agent is None:
        agent = request.app.state.chat_agent = ChatAgent(request.app.state.services)
    return agent


Agent = Annotated[ChatAgent, Depends(get_chat_agent)]


async def get_turn_queue(request: Request) -> TurnQueue:
    """One line per app, shared by every chat surface, sized by CHAT_CONCURRENT_TURNS, with
    CHAT_TURNS_PER_IP places per client address (tests put their own on app.state beforehand). `async`: built on the event loop, never twice by two threads."""
    queue = getattr(request.app.state, "turn_queue", None)
    if queue is None:
        settings = request.app.state.services.settings
        per_ip = settings.chat_turns_per_ip if settings.rate_limits else 0
        queue = request.app.state.turn_queue = TurnQueue(settings.chat_turn_slots, per_ip)
    return queue


TurnLine = Annotated[TurnQueue, Depends(get_turn_queue)]


PRODUCT_FORM_DEFAULTS: dict[str, str] = {
    "name": "",
    "slug": "",
    "description": "",
    "category": "",
    "price": "",
    "stock": "0",
    "stock_seen": "",
    "featured": "",
    "tags": "",
    "attributes": "",
    "supplier": "",
    "leadTimeDays": "7",
    "imageUrl": "",
    "weightGrams": "",  # shipping (SHIPPING, issue 14): empty is the shop's default weight
    "sku": "",  # VARIANTS (issue 14): the owner's SKU, empty for none
    "options": "",  # VARIANTS: "size=1 kg; grind=ground"
}
"""The admin's product form fields and what an empty one means."""


async def _form_strings(request: Request, defaults: dict[str, str]) -> dict[str, str]:
    """The named form fields as sent, as strings; a missing or empty one takes its default (as a
    `Form()` parameter's would). Why not one parameter per field: the forms re-render exactly what
    was typed, so a field list here is all each form needs."""
    form = await request.form()
    return {
        key: value if isinstance(value := form.get(key), str) and value else default
        for key, default in defaults.items()
    }


async def product_form(request: Request) -> dict[str, Any]:
    """The admin's product form as sent, as strings (the edit form re-renders exactly what was typed)."""
    values: dict[str, Any] = await _form_strings(request, PRODUCT_FORM_DEFAULTS)
    values["featured"] = values["featured"] in ("on", "1", "true", "yes")
    return values


ProductForm = Annotated[dict[str, Any], Depends(product_form)]


async def category_form(request: Request) -> dict[str, str]:
    """The admin's category form as sent, as strings (re-rendered as typed), keyed as the categories file is."""
    return await _form_strings(request, dict.fromkeys(CATEGORY_FORM_KEYS, ""))


CategoryForm = Annotated[dict[str, str], Depends(category_form)]
