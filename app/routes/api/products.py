"""JSON API: the catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from app.deps import Services
from app.middleware.compression import Precompressed, stored_response
from app.schemas import ERROR_RESPONSES, ProductDetail, ProductList
from app.templating import PageCache
from shop.catalog.snapshot import CatalogQuery, Product, SortKey
from shop.services import ShopServices

router = APIRouter(prefix="/api/products", tags=["products"], responses=ERROR_RESPONSES)


@router.get("", response_model=ProductList)
def list_products(
    request: Request,
    services: Services,
    q: Annotated[str | None, Query(max_length=100, description="Keywords")] = None,
    category: Annotated[str | None, Query(max_length=40, description="One of the shop's category slugs")] = None,
    min_price: Annotated[Decimal | None, Query(ge=0, le=100000)] = None,
    max_price: Annotated[Decimal | None, Query(ge=0, le=100000)] = None,
    in_stock: bool = False,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    sort: SortKey = "relevance",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 24,
) -> Response:
    """One answer per question, reused until the catalog or the vector index changes (the same
    stamp as the listing pages: app.state.api_cache); answering means ranking and validating a page
    of products, several times the cost of sending the stored answer. An unknown category is a 422,
    like any other bad parameter."""
    values = {
        "q": q or None,
        "category": category,
        "min_price": min_price,
        "max_price": max_price,
        "in_stock": in_stock,
        "min_rating": min_rating,
        "sort": sort,
        "page": page,
        "page_size": page_size,
    }
    query = CatalogQuery.validated(values, services.catalog.all_categories())
    version = (services.catalog.version, services.search.vectors_version())
    answers: PageCache = request.app.state.api_cache
    body = answers.page(version, (query.model_dump_json(),), lambda: Precompressed(_product_list(services, query)))
    return stored_response(request, body, media_type="application/json")


def _product_list(services: ShopServices, query: CatalogQuery) -> bytes:
    result = services.search.search(services.catalog, query).page
    answer = {
        "items": [p.to_summary() for p in result.items],
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "pageSize": result.page_size,
    }
    return ProductList.model_validate(answer).model_dump_json().encode()


@router.get("/{product_id}", response_model=ProductDetail)
def get_product(product_id: str, services: Services) -> dict[str, object]:
    product = services.catalog.get(product_id) or services.catalog.by_slug(product_id)
    if product is None:
        raise HTTPException(404, f"No product with id {product_id[:40]!r}.")
    # LOCATIONS (issue 14): units per active location (one entry for a one-location shop).
    availability = [a.to_json() for a in services.locations.availability(product.id, product.stock)]
    # VARIANTS (issue 14): the family's members from the catalog snapshot (no database read).
    family = services.catalog.family(product)
    variants = [_variant(member) for member in family] if len(family) > 1 else []
    return {**product.to_detail(), "availability": availability, "variants": variants}


def _variant(product: Product) -> dict[str, object]:
    """One member of a family as GET /api/products/{id} lists it (app.schemas.VariantSummary)."""
    return {
        "id": product.id,
        "slug": product.slug,
        "name": product.name,
        "sku": product.stock_code,
        "options": product.options,
        "price": float(product.price),
        "stock": product.stock,
        "inStock": product.in_stock,
    }
