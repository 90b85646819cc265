"""JSON API: the catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from app.deps import Services
from app.schemas import ERROR_RESPONSES, ProductDetail, ProductList
from shop.catalog import CatalogQuery, Category, SortKey

router = APIRouter(prefix="/api/products", tags=["products"], responses=ERROR_RESPONSES)


@router.get("", response_model=ProductList)
def list_products(
    services: Services,
    q: Annotated[str | None, Query(max_length=100, description="Keywords")] = None,
    category: Category | None = None,
    min_price: Annotated[Decimal | None, Query(ge=0, le=100000)] = None,
    max_price: Annotated[Decimal | None, Query(ge=0, le=100000)] = None,
    in_stock: bool = False,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    sort: SortKey = "relevance",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 24,
) -> dict[str, object]:
    query = CatalogQuery(
        q=q or None,
        category=category,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        min_rating=min_rating,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    result = services.search.search(services.catalog, query).page
    return {
        "items": [p.to_summary() for p in result.items],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "pageSize": result.page_size,
    }


@router.get("/{product_id}", response_model=ProductDetail)
def get_product(product_id: str, services: Services) -> dict[str, object]:
    product = services.catalog.get(product_id) or services.catalog.by_slug(product_id)
    if product is None:
        raise HTTPException(404, f"No product with id {product_id[:40]!r}.")
    return product.to_detail()
