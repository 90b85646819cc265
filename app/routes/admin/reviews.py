"""Admin: review moderation — hide and show reviews; the product's rating follows in the same write."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice, render_admin
from app.deps import CsrfChecked, CurrentOwner, FormText, Services, safe_next
from app.templating import current_path, wants_fragment
from shop.reviews.moderation import ReviewListQuery

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


def _visibility_route(hidden: bool) -> Callable[..., Response]:
    """The hide and show routes: the same moderation write, one with hidden=True, one with False."""

    def set_visibility(
        review_id: str, request: Request, services: Services, owner: CsrfChecked, return_to: FormText = ""
    ) -> Response:
        review = services.review_moderation.set_hidden(review_id, hidden, owner=owner.email)
        if wants_fragment(request):
            context = {"review": review, "return_to": safe_next(return_to)}
            return render_admin(request, "admin/reviews/_row.html", context)
        return redirect_with_notice(safe_next(return_to or "/admin/reviews"), "review")

    return set_visibility


for _action, _hidden in (("hide", True), ("show", False)):
    router.add_api_route(
        f"/admin/reviews/{{review_id}}/{_action}",
        _visibility_route(_hidden),
        methods=["POST"],
        name=f"{_action}_review",
    )
