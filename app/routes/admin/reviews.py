"""Admin: review moderation — hide and show reviews; the product's rating follows in the same write."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice
from app.deps import AdminPage, AdminWrite, FormText, safe_next
from app.templating import current_path, wants_fragment
from shop.reviews.moderation import ReviewListQuery

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/reviews", response_class=HTMLResponse)
def reviews_page(admin: AdminPage) -> HTMLResponse:
    query = ReviewListQuery.model_validate(clean_params(admin.request))
    product = admin.services.catalog.get_any(query.product) if query.product else None
    return admin.render(
        "admin/reviews/list.html",
        {
            "result": admin.services.review_moderation.list(query),
            "query": query,
            "product": product,
            "return_to": current_path(admin.request),
        },
    )


def _visibility_route(hidden: bool) -> Callable[..., Response]:
    """The hide and show routes: the same moderation write, one with hidden=True, one with False."""

    def set_visibility(review_id: str, admin: AdminWrite, return_to: FormText = "") -> Response:
        review = admin.services.review_moderation.set_hidden(review_id, hidden, owner=admin.owner.email)
        if wants_fragment(admin.request):
            context = {"review": review, "return_to": safe_next(return_to)}
            return admin.render("admin/reviews/_row.html", context)
        return redirect_with_notice(safe_next(return_to or "/admin/reviews"), "review")

    return set_visibility


for _action, _hidden in (("hide", True), ("show", False)):
    router.add_api_route(
        f"/admin/reviews/{{review_id}}/{_action}",
        _visibility_route(_hidden),
        methods=["POST"],
        name=f"{_action}_review",
    )
