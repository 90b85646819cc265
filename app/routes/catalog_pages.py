"""Storefront pages for browsing: home, catalog listing and product pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.deps import Services, SessionId
from app.routes.discovery_pages import product_extras
from app.templating import PageCache, canonical, is_htmx, render
from shop.catalog import SORT_OPTIONS, CatalogQuery, Product, query_from_params
from shop.recommendations import Recommendations
from shop.reviews import ReviewSort
from shop.services import ShopServices

router = APIRouter(tags=["storefront"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: Services, session_id: SessionId) -> HTMLResponse:
    # Returning visitors (we remember something they did) get their own picks; others what sells now.
    if services.interactions.has_history(session_id):
        cart = services.carts.recent_quantities(session_id)
        picks = services.recommender.for_visitor(session_id, 8, cart=cart)
    else:
        picks = Recommendations(services.recommender.trending(8), personal=False)
    return render(
        request,
        "pages/home.html",
        {
            "featured": services.catalog.featured(8),
            "new_arrivals": services.catalog.new_arrivals(8),
            "picks": picks,
        },
    )


def _page_url(query: CatalogQuery) -> Callable[[int], str]:
    base = query.model_dump(exclude={"page", "page_size"}, exclude_defaults=True)

    def page_url(page: int) -> str:
        params = {k: ("true" if v is True else v) for k, v in base.items()}
        if page > 1:
            params["page"] = page
        return "/products" + (f"?{urlencode(params)}" if params else "")

    return page_url


@router.get("/products", response_class=HTMLResponse)
def catalog_page(request: Request, services: Services, session_id: SessionId) -> HTMLResponse:
    query = query_from_params(dict(request.query_params), page_size=services.settings.page_size)
    if query.q and query.page == 1:
        services.interactions.record(session_id, "search", query=query.q)
    template = (
        "partials/catalog_results.html"
        if is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        else "pages/catalog.html"
    )
    # Read before rendering: a refresh during the render then only makes the stored page's stamp old.
    snapshot, version = services.catalog.all(), services.search.vectors_version()
    pages: PageCache = request.app.state.page_cache
    key = (
        template,
        is_htmx(request),  # a history restore gets the full page, which then reads the header too
        request.url.path,
        request.url.query,
        services.carts.count(session_id),
        services.wishlist.ids(session_id),
    )
    body = pages.page(snapshot, version, key, lambda: bytes(_catalog_page(request, services, query, template).body))
    return HTMLResponse(body)


def _catalog_page(request: Request, services: ShopServices, query: CatalogQuery, template: str) -> HTMLResponse:
    found = services.search.search(services.catalog, query)
    result = found.page
    page_url = _page_url(query)
    context = {
        "result": result,
        "query": query,
        "understood": found.filters,
        "sort_options": SORT_OPTIONS,
        "page_url": page_url,
        "canonical_url": canonical(request, page_url(query.page)),
    }
    return render(request, template, context)


def product_jsonld(product: Product, base_url: str, currency: str) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.description,
        "image": base_url + product.image_url,
        "sku": product.slug,
        "category": product.category_name,
        "url": base_url + product.url,
        "offers": {
            "@type": "Offer",
            "price": str(product.price),
            "priceCurrency": currency,
            "availability": "https://schema.org/InStock" if product.in_stock else "https://schema.org/OutOfStock",
            "url": base_url + product.url,
        },
    }
    if product.review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": round(product.rating, 2),
            "reviewCount": product.review_count,
        }
    # "</" inside a <script> would end it early; JSON allows the escaped form.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@router.get("/products/{slug}", response_class=HTMLResponse)
def product_page(
    slug: str, request: Request, services: Services, session_id: SessionId, reviews: ReviewSort = "newest"
) -> HTMLResponse:
    """The product page, reused while nothing it shows can differ (app.state.product_page_cache).

    What it shows comes from the catalog snapshot (the product, the cards of its rows, its version
    naming one state of its reviews: shop.reviews.ProductReviews), the vector index (similar
    products) and the co-purchase statistics (bought together): those make the stamp. What is the
    visitor's own is in the key: the cart badge, the hearts, and their own review, which prefills
    the form (a frozen ReviewView, so an edit is a new key; few visitors review a product, and the
    one who did still gets their page reused). "Recommended for you" is not in the page at all but
    loaded after it (discovery_pages.for_you). The form's error re-render (422) and its "saved"
    answer are separate routes and never cached.
    """
    # Read the stamp before the product: a refresh meanwhile then only makes the stored page's stamp
    # old, never an old page current.
    snapshot = services.catalog.all()
    version = (services.search.vectors_version(), services.recommender.related_version())
    product = services.catalog.by_slug(slug)
    if product is None:
        raise HTTPException(404, "We could not find that product. It may have been removed.")
    services.interactions.record(session_id, "view", product_id=product.id)
    key = (
        request.url.path,
        request.url.query,  # the review order, and where no-JavaScript wishlist forms return to
        services.carts.count(session_id),
        services.wishlist.ids(session_id),
        services.reviews.by_visitor(product, session_id),
    )
    pages: PageCache = request.app.state.product_page_cache

    def build() -> bytes:
        context = product_context(request, services, product, session_id, reviews)
        return bytes(render(request, "pages/product.html", context).body)

    return HTMLResponse(pages.page(snapshot, version, key, build))


def product_context(
    request: Request,
    services: ShopServices,
    product: Product,
    session_id: str,
    review_sort: str = "newest",
    **extra: Any,
) -> dict[str, Any]:
    """Everything the product page shows (also re-rendered with errors by the review form)."""
    base = services.settings.base_url.rstrip("/")
    return {
        "product": product,
        "jsonld": product_jsonld(product, base, services.settings.currency),
        "canonical_url": base + product.url,
        "og_image": base + product.image_url,
        **product_extras(services, product, session_id, review_sort=review_sort, **extra),
    }
