"""About and contact pages. A contact message is stored and e-mailed to the owner, so it counts against
the contact limits per visitor and per address (LIMIT_CONTACT_PER_*): a flood cannot fill the
owner's mailbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.deps import Services
from app.limits import check_limit, with_retry_after
from app.templating import render
from shop.core.validation import describe_errors
from shop.messaging.contact import ContactRequest, submit_contact
from shop.security.limits import RateLimited

router = APIRouter(tags=["storefront"], include_in_schema=False)


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    return render(request, "pages/about.html")


@router.get("/contact", response_class=HTMLResponse)
def contact_page(request: Request) -> HTMLResponse:
    return render(request, "pages/contact.html", {"form": {}, "errors": {}, "sent": False})


@router.post("/contact", response_class=HTMLResponse)
def contact(
    request: Request,
    services: Services,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "email": email, "subject": subject, "message": message}
    try:
        contact_request = ContactRequest(**form)
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        return render(request, "pages/contact.html", {"form": form, "errors": errors, "sent": False}, 422)
    try:
        check_limit(request, services, "contact", visitor=request.state.session_id)
    except RateLimited as exc:
        context = {"form": form, "errors": {}, "sent": False, "error": exc.message}
        return with_retry_after(render(request, "pages/contact.html", context, 429), exc)
    submit_contact(services.db, services.mailer, services.settings, contact_request)
    return render(request, "pages/contact.html", {"form": {}, "errors": {}, "sent": True})
