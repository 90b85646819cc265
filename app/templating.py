"""Jinja2 set-up and the one `render` every page goes through, so each page gets the same globals.

Nothing here belongs to one shop: the settings, the product card cache and the page caches are the
app's (app.state), so two shops in one process (tests/app/test_two_shops.py) never mix.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import HTMLResponse

from app.static_files import STATIC_ASSETS
from shop.catalog.snapshot import Product
from shop.core.money import format_money
from shop.core.settings import PROJECT_ROOT, Settings
from vectorstore.single_flight import CacheStats, SingleFlightCache


def _shop_settings(request: Request) -> dict[str, Any]:
    """`settings` in every template: the settings of the shop (app) that answers the request."""
    return {"settings": request.app.state.services.settings}


# One environment for every app in the process: it holds the compiled templates, which are files
# shipped with the code, and nothing of a shop (its settings come with each request, above).
templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"), context_processors=[_shop_settings])
# Templates change with a deploy, which restarts the app; checking each file's mtime on every render
# and import was a measurable share of a page under load.
templates.env.auto_reload = False


@pass_context
def _money(context: Context, amount: Decimal) -> str:
    """`amount|money` in the currency of the shop the template is rendered for."""
    settings = context.get("settings")
    if settings is None:  # a fragment rendered outside a TemplateResponse (the chat's cards)
        settings = context["request"].app.state.services.settings
    return format_money(amount, settings.currency_symbol)


templates.env.filters["money"] = _money
# `static_url('css/shop.css')`: the file's URL with its content hash, cached for a year (app.static_files).
templates.env.globals["static_url"] = STATIC_ASSETS.url


def compile_templates() -> None:
    """Compile every template once at start-up: compiling on first use put 5-10 ms on the first
    visitors of each page, and while templates are read once (above) the result is kept."""
    for name in templates.env.list_templates(
        filter_func=lambda name: name.endswith(".html") and not name.startswith("emails/")
    ):
        templates.env.get_template(name)


class ProductCardCache:
    """Product cards rendered once per product version and wishlist state, then reused.

    Cards are most of the work of every listing page (home, catalog, search, the product page's
    rows), and a card only changes when its product does. The two per-page parts of a card, the
    page a no-JavaScript wishlist form returns to and the toggle's element id, are left as markers
    and filled in per use, which costs two string replaces instead of a template render.

    One per app (app.state.product_cards): a card shows its shop's prices in its shop's currency.
    """

    HERE = "\x1ehere\x1e"
    UID = "\x1euid\x1e"
    LIMIT = 8192  # ~3 KB each: a few versions of every card of a 2,000-product shop

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cards: dict[tuple[Any, ...], Markup] = {}
        self._macro: Any = None  # looked up once: get_template checks the file's mtime on each call
        self._uids = itertools.count(1)
        self.stats = CacheStats()  # bumped without a lock: a lost count under a race is harmless

    def render(
        self, product: Product, heading: str, wished: bool, here: str, offer: FamilyOffer | None = None
    ) -> Markup:
        key = (product.version, heading, wished, offer)
        html = self._cards.get(key)
        if html is None:
            self.stats.misses += 1
            if self._macro is None:
                module = templates.env.get_template("macros.html").make_module({"settings": self.settings})
                self._macro = module.product_card  # type: ignore[attr-defined]
            html = self._macro(product, heading, wished, self.UID, self.HERE, offer)
            if len(self._cards) >= self.LIMIT:
                self._cards.clear()  # old versions pile up only after many edits: start over
            self._cards[key] = html
        else:
            self.stats.hits += 1
        uid = f"wish-{product.id}-{next(self._uids)}"  # unique on the page, as the toggle's focus needs
        # Markup.replace escapes what it inserts.
        return html.replace(self.HERE, here).replace(self.UID, uid)


# VARIANTS (issue 14) -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FamilyOffer:
    """What a listing card of a family shows beyond its main product: "from $X" when a member is
    cheaper than the main (`from_price`, else None), and whether any member is in stock."""

    from_price: Decimal | None
    in_stock: bool


def family_offer(family: list[Product]) -> FamilyOffer | None:
    """The card's offer for a family of several members (main first: Catalog.family); None for a
    single product, whose card shows just itself."""
    if len(family) < 2:
        return None
    cheapest = min(member.price for member in family)
    return FamilyOffer(cheapest if cheapest < family[0].price else None, any(m.in_stock for m in family))


_LAZY_IMAGE = Markup(' loading="lazy" decoding="async"')
_FIRST_IMAGE = Markup(' loading="eager" fetchpriority="high"')


@pass_context
def cached_product_card(context: Context, product: Product, heading: str = "h3", eager: bool = False) -> Markup:
    """A product card from the cache of the app answering the request. `eager` for the first cards
    of a page: their pictures are in the first screen (the page's largest paint on the catalog),
    so they are fetched at once and first rather than lazily once the layout is known."""
    request: Request = context["request"]
    here = current_path(request)
    cards: ProductCardCache = request.app.state.product_cards
    services = getattr(request.app.state, "services", None)
    offer = family_offer(services.catalog.family(product)) if services is not None else None
    html = cards.render(product, heading, product.id in context.get("wishlist_ids", ()), here, offer)
    return html.replace(_LAZY_IMAGE, _FIRST_IMAGE, 1) if eager else html


templates.env.globals["cached_product_card"] = cached_product_card


def current_path(request: Request) -> str:
    """The path and query of this request: where a form or link on the page comes back to."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (errors and sign-in redirects are answered differently then).
    Which template answers is `wants_fragment`'s question."""
    return request.headers.get("HX-Request") == "true"


def wants_fragment(request: Request, target: str | None = None) -> bool:
    """Whether to answer with the fragment htmx swaps in, rather than the full page (or the redirect
    to it a plain form gets): the one rule every route follows.

    An htmx request asks for the fragment, unless it is a history restore (htmx fetching a page it no
    longer holds, which needs all of it); `target` is for pages with several swappable parts: only a
    request aimed at that element id gets that fragment.
    """
    return (
        is_htmx(request)
        and not request.headers.get("HX-History-Restore-Request")
        and (target is None or request.headers.get("HX-Target") == target)
    )


def canonical(request: Request, path: str | None = None) -> str:
    settings = request.app.state.services.settings
    return settings.base_url.rstrip("/") + (path if path is not None else request.url.path)


class PageCache:
    """Rendered pages (listings: catalog, filters, search; home; product pages), reused while nothing
    they show can differ. Listings, first-time visitors' home pages, product pages and the product
    list API's answers each have their own (app.state).

    The key holds everything such a page is made of: the URL, which template answers (full page or
    HTMX fragment), the visitor's cart count and wishlist (most visitors have none, so they share
    pages); product pages add the visitor's own review and the versions of the products they show.
    The version stamps what all the pages show (compared by value): for listings the catalog's
    version with the search index's, for the home page with the best sellers'; product pages, whose
    keys carry their products' versions, use the search index's and the co-purchase statistics'. A
    new version starts an empty cache, so a price or stock change shows on the next request.
    """

    def __init__(self, limit: int = 2048) -> None:
        self.limit = limit
        """Pages kept; beyond it the least recently used goes (old versions of changed pages first)."""
        self._version: Hashable = None
        self.stats = CacheStats()  # over every version's cache
        self._pages: SingleFlightCache[tuple[Any, ...], bytes] = SingleFlightCache(limit, self.stats)
        self._lock = threading.Lock()

    def page(self, version: Hashable, key: tuple[Any, ...], build: Callable[[], bytes]) -> bytes:
        """The stored page, or `build()`'s; concurrent misses of one page wait for a single build (a
        popular search arriving from many visitors at once would otherwise be rendered by each).
        Read `version` before anything the page shows, so a page is never older than its stamp: a
        new version starts a new cache, and a build for the old one lands in the discarded cache."""
        with self._lock:
            if version != self._version:
                self._version, self._pages = version, SingleFlightCache(self.limit, self.stats)
            pages = self._pages
        return pages.get(key, build)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    services = request.app.state.services
    session_id = getattr(request.state, "session_id", None)
    page: dict[str, Any] = {
        "cart_count": services.carts.count(session_id) if session_id else 0,
        # Product cards show a pressed heart for products on the visitor's wishlist.
        "wishlist_ids": services.wishlist.ids(session_id) if session_id else frozenset(),
        "categories": services.catalog.categories(),
        "canonical_url": canonical(request),
    }
    page.update(context or {})
    return templates.TemplateResponse(request, template, page, status_code=status_code)
