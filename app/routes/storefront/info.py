"""About and contact pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.deps import Services
from app.templating import render
from shop.core.validation import describe_errors
from shop.messaging.contact import ContactRequest, submit_contact

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
) -> HTMLResponse:
    form = {"name": name, "email": email, "subject": subject, "message": message}
    try:
        contact_request = ContactRequest(**form)
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        return render(request, "pages/contact.html", {"form": form, "errors": errors, "sent": False}, 422)
    submit_contact(services.db, services.mailer, services.settings, contact_request)
    return render(request, "pages/contact.html", {"form": {}, "errors": {}, "sent": True})
