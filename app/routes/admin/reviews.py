"""Admin: review moderation — hide and show reviews; the product's rating follows in the same write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice, render_admin
from app.deps import CsrfChecked, CurrentOwner, Services, safe_next
from app.templating import current_path, wants_fragment
from shop.reviews.moderation import ReviewListQuery
from shop.services import ShopServices

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    query = ReviewListQuery.model_validate(clean_params(request))
    product = services.catalog.get_any(query.product) if query.product else None
    return render_admin(
        request,
        "admin/reviews/list.html",
        {
            "result": services.review_moderation.list(query),
            "query": query,
            "product": product,
            "return_to": current_path(request),
        },
    )


def _set_hidden(
    request: Request, services: ShopServices, review_id: str, hidden: bool, owner_email: str, return_to: str
) -> Response:
    review = services.review_moderation.set_hidden(review_id, hidden, owner=owner_email)
    if wants_fragment(request):
        return render_admin(request, "admin/reviews/_row.html", {"review": review, "return_to": safe_next(return_to)})
    return redirect_with_notice(safe_next(return_to or "/admin/reviews"), "review")


@router.post("/admin/reviews/{review_id}/hide")
def hide_review(
    review_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    return_to: Annotated[str, Form()] = "",
) -> Response:
    return _set_hidden(request, services, review_id, True, owner.email, return_to)


@router.post("/admin/reviews/{review_id}/show")
def show_review(
    review_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    return_to: Annotated[str, Form()] = "",
) -> Response:
    return _set_hidden(request, services, review_id, False, owner.email, return_to)
