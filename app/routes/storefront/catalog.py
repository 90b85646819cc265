"""Storefront pages for browsing: home, catalog listing and product pages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.deps import Services, SessionId
from app.middleware.compression import Precompressed, stored_response
from app.routes.storefront.product_context import product_context, product_rows
from app.templating import PageCache, canonical, is_htmx, render, wants_fragment
from shop.catalog.snapshot import SORT_OPTIONS, CatalogQuery, Product, query_from_params
from shop.discovery.recommendations import Recommendations
from shop.reviews.product_reviews import ReviewSort
from shop.services import ShopServices

router = APIRouter(tags=["storefront"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: Services, session_id: SessionId) -> HTMLResponse:
    """Returning visitors (we remember something they did) get their own picks, rendered for them.

    Everyone else sees what sells now, the same page for all with the same cart badge and hearts:
    it is reused (app.state.home_page_cache) until the catalog snapshot or the best sellers change.
    """
    if services.interactions.has_history(session_id):
        cart = services.carts.recent_quantities(session_id)
        return _home(request, services, services.recommender.for_visitor(session_id, 8, cart=cart))
    # Read before rendering: a change during the render then only makes the stored page's stamp old.
    version = (services.catalog.version, services.recommender.trending_version())
    key = (request.url.query, services.carts.count(session_id), services.wishlist.ids(session_id))

    def build() -> bytes:
        picks = Recommendations(services.recommender.trending(8), personal=False)
        return Precompressed(_home(request, services, picks).body)

    pages: PageCache = request.app.state.home_page_cache
    return stored_response(request, pages.page(version, key, build))


def _home(request: Request, services: ShopServices, picks: Recommendations) -> HTMLResponse:
    context = {"featured": services.catalog.featured(8), "new_arrivals": services.catalog.new_arrivals(8)}
    return render(request, "pages/home.html", {**context, "picks": picks})


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
    query = query_from_params(
        dict(request.query_params),
        page_size=services.settings.page_size,
        categories=services.catalog.all_categories(),
    )
    if query.q and query.page == 1:
        services.interactions.record(session_id, "search", query=query.q)
    return stored_response(request, _listing_page(request, services, query, session_id))


def _listing_page(request: Request, services: ShopServices, query: CatalogQuery, session_id: str | None) -> bytes:
    template = "pages/_catalog_results.html" if wants_fragment(request) else "pages/catalog.html"
    # Read before rendering: a refresh during the render then only makes the stored page's stamp old.
    version = (services.catalog.version, services.search.vectors_version())
    pages: PageCache = request.app.state.page_cache
    visitor = (services.carts.count(session_id), services.wishlist.ids(session_id)) if session_id else (0, frozenset())
    key = (
        template,
        is_htmx(request),  # a history restore gets the full page, which then reads the header too
        request.url.path,
        request.url.query,
        *visitor,
    )
    return pages.page(version, key, lambda: Precompressed(_catalog_page(request, services, query, template).body))


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


@router.get("/products/{slug}", response_class=HTMLResponse)
def product_page(
    slug: str, request: Request, services: Services, session_id: SessionId, reviews: ReviewSort = "newest"
) -> HTMLResponse:
    """The product page, reused while nothing it shows can differ (app.state.product_page_cache).

    The key holds the version of everything the page shows: the product (its version also names one
    state of its reviews: shop.reviews.product_reviews.ProductReviews), the products of its two rows, the category
    navigation; and what is the visitor's own: the cart badge, the hearts and their own review, which
    prefills the form (a frozen ReviewView, so an edit is a new key). So an order or an edit makes
    new pages only for the products it touched; the others stay. The stamp is what decides the rows
    themselves: the vector index (similar) and the co-purchase statistics (bought together).
    "Recommended for you" is not in the page but loaded after it (discovery.for_you). The
    form's error re-render (422) and its "saved" answer are separate routes and never cached.
    """
    product = services.catalog.by_slug(slug)
    if product is None:
        raise HTTPException(404, "We could not find that product. It may have been removed.")
    services.interactions.record(session_id, "view", product_id=product.id)
    return stored_response(request, _product_page(request, services, product, session_id, reviews))


def _product_page(
    request: Request, services: ShopServices, product: Product, session_id: str | None, reviews: str
) -> bytes:
    # Read the stamp before the rows: a change meanwhile then only makes the stored page's stamp old,
    # never an old page current.
    version = (services.search.vectors_version(), services.recommender.related_version())
    rows = product_rows(services, product)
    visitor = (
        (
            services.carts.count(session_id),
            services.wishlist.ids(session_id),
            services.reviews.by_visitor(product, session_id),
        )
        if session_id
        else (0, frozenset(), None)
    )
    key = (
        request.url.path,
        request.url.query,  # the review order, and where no-JavaScript wishlist forms return to
        *visitor,
        product.version,
        tuple(p.version for p in services.catalog.family(product)),  # VARIANTS: the picker's members
        tuple(p.version for row in rows for p in row),
        tuple(services.catalog.categories()),  # the navigation: names and order too, which the owner edits
        services.locations.version(),  # LOCATIONS: the locations' names in "In stock at ..."
    )
    pages: PageCache = request.app.state.product_page_cache

    def build() -> bytes:
        context = product_context(request, services, product, session_id, reviews, rows=rows)
        return Precompressed(render(request, "pages/product.html", context).body)

    return pages.page(version, key, build)


def _first_visit(app: FastAPI, path: str, query: str = "") -> Request:
    """A GET of `path` as a first-time visitor without JavaScript makes it (for pre-rendering)."""
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [],
        "server": ("127.0.0.1", 80),
        "app": app,
        "state": {},
    }
    return Request(scope)


def prerender_product_pages(app: FastAPI, stop: threading.Event | None = None) -> int:
    """Render every product's page as a first-time visitor sees it, before anyone asks (start-up).

    A product page takes 3-4 ms of CPU to render and a visitor arriving from a search engine is
    nearly always its first viewer in this process; reused, it is served in well under 1 ms. The
    pages are keyed on the versions of what they show, so an order or an edit later re-renders
    only the pages of the products it touched. Returns how many pages were rendered.
    """
    services: ShopServices = app.state.services
    count = 0
    for product in services.catalog.all():
        if stop is not None and stop.is_set():
            break
        if product.deleted:
            continue
        _product_page(_first_visit(app, product.url), services, product, None, "newest")
        count += 1
    return count


def prerender_listing_pages(app: FastAPI, stop: threading.Event | None = None, *, searches: int = 50) -> int:
    """Render the listing pages visitors open first, before anyone asks (start-up): every page of
    the whole catalog, each category's first page and the first page of the most asked searches.

    A listing takes 5-15 ms of CPU to rank and render, 50-100 ms for its first visitors when many
    arrive at once. The pages last until the catalog changes (an order, an edit), after which each
    is rendered again by its next visitor. Returns how many pages were rendered.
    """
    services: ShopServices = app.state.services
    size = services.settings.page_size
    whole = services.catalog.search(CatalogQuery(page_size=size)).pages
    urls = [urlencode({"page": page}) if page > 1 else "" for page in range(1, whole + 1)]
    urls += [urlencode({"category": category.slug}) for category in services.catalog.categories() if category.count]
    urls += [urlencode({"q": q}) for q in services.interactions.popular_searches(limit=searches)]
    count = 0
    for query_string in urls:
        if stop is not None and stop.is_set():
            break
        request = _first_visit(app, "/products", query_string)
        try:
            query = query_from_params(
                dict(request.query_params), page_size=size, categories=services.catalog.all_categories()
            )
        except ValidationError:  # a stored search the page itself would refuse (422)
            continue
        _listing_page(request, services, query, None)
        count += 1
    return count
