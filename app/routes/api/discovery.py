"""JSON API: similar products, frequently bought together, and recommendations for the visitor.

The same shop/ recommender serves the product pages and (later) the agent's tools; this is the
machine-readable door to it. Unknown products are 404, out-of-range limits 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from app.deps import Services, SessionId
from app.schemas import ERROR_RESPONSES, RecommendationList
from shop.catalog.snapshot import Product
from shop.services import ShopServices

router = APIRouter(prefix="/api", tags=["discovery"], responses=ERROR_RESPONSES)

Limit = Annotated[int, Query(ge=1, le=24, description="How many products to return (1-24)")]


def _product(services: ShopServices, product_id: str) -> Product:
    product = services.catalog.get(product_id) if len(product_id) == 24 else None
    product = product or services.catalog.by_slug(product_id)
    if product is None:
        raise HTTPException(404, f"No product with id {product_id[:40]!r}.")
    return product


@router.get("/products/{product_id}/similar", response_model=RecommendationList)
def similar(product_id: str, services: Services, limit: Limit = 6) -> dict[str, object]:
    """Products closest in meaning (embedding neighbours), in-stock ones first. Accepts an id or a slug."""
    product = _product(services, product_id)
    items = services.recommender.similar(product.id, limit)
    return {"items": [p.to_summary() for p in items], "strategy": "similar"}


@router.get("/products/{product_id}/bought-together", response_model=RecommendationList)
def bought_together(product_id: str, services: Services, limit: Limit = 4) -> dict[str, object]:
    """Products that share orders with this one unusually often (co-purchase cosine)."""
    product = _product(services, product_id)
    items = services.recommender.bought_together(product.id, limit)
    return {"items": [p.to_summary() for p in items], "strategy": "bought-together"}


@router.get("/recommendations", response_model=RecommendationList)
def recommendations(
    services: Services,
    session_id: SessionId,
    limit: Limit = 8,
    product_id: Annotated[str | None, Query(max_length=100, description="Product being viewed (excluded)")] = None,
) -> dict[str, object]:
    """Picks for the visitor of this session (cookie) from their views, searches, cart and purchases;
    what is trending when we know nothing about them yet."""
    context = _product(services, product_id).id if product_id else None
    cart = services.carts.quantities(session_id)
    result = services.recommender.for_visitor(session_id, limit, cart=cart, context=context)
    return {
        "items": [p.to_summary() for p in result.items],
        "strategy": "personal" if result.personal else "trending",
    }
