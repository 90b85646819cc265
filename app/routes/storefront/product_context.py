"""What the product page shows besides the product itself: reviews, the two recommendation rows and
the search engines' JSON-LD. Used by the page (catalog.py) and by the routes that re-render a part of
it (discovery.py: the reviews section and its form's errors).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from shop.catalog.snapshot import Product
from shop.reviews.product_reviews import REVIEW_SORTS, family_rating
from shop.services import ShopServices

REVIEWS_SHOWN = 20


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
    # VARIANTS (issue 14): a family's page is one page, whichever member its URL selects; search
    # engines are sent to the main product's URL (family[0]). From the snapshot: no database read.
    family = services.catalog.family(product)
    return {
        "product": product,
        "family": family if len(family) > 1 else [],
        "jsonld": product_jsonld(product, base, services.settings.currency, family=family),
        "canonical_url": base + family[0].url,
        "og_image": base + product.image_url,
        # LOCATIONS (issue 14): "In stock at ..." when the shop has several locations.
        "availability": services.locations.availability(product.id, product.stock)
        if len(services.locations.active()) > 1
        else [],
        **product_extras(services, product, session_id, review_sort=review_sort, **extra),
    }


def product_jsonld(product: Product, base_url: str, currency: str, *, family: list[Product] | None = None) -> str:
    """schema.org data of the page: a Product, or for a family of several members (VARIANTS) a
    ProductGroup whose `hasVariant` holds one Product per member, each with its SKU and offer."""
    members = family if family and len(family) > 1 else [product]
    main = members[0]
    if len(members) == 1:
        data = _product_ld(product, base_url, currency)
    else:
        data = {
            **_described("ProductGroup", main, base_url),
            "productGroupID": main.stock_code,
            "variesBy": sorted({key for member in members for key in member.options}),
            "hasVariant": [
                {k: v for k, v in _product_ld(member, base_url, currency).items() if k != "@context"}
                for member in members
            ],
        }
    rating, count = family_rating(members)  # VARIANTS: the family's reviews, whichever member has them
    if count:
        data["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": rating, "reviewCount": count}
    # "</" inside a <script> would end it early; JSON allows the escaped form.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _described(kind: str, product: Product, base_url: str) -> dict[str, Any]:
    """What a schema.org Product and a ProductGroup both say of `product`: name, text, image, category, page."""
    return {
        "@context": "https://schema.org",
        "@type": kind,
        "name": product.name,
        "description": product.description,
        "image": base_url + product.image_url,
        "category": product.category_name,
        "url": base_url + product.url,
    }


def _product_ld(product: Product, base_url: str, currency: str) -> dict[str, Any]:
    """One product with its offer, as schema.org describes it."""
    data: dict[str, Any] = {
        **_described("Product", product, base_url),
        "sku": product.stock_code,
        "offers": {
            "@type": "Offer",
            "price": str(product.price),
            "priceCurrency": currency,
            "availability": "https://schema.org/InStock" if product.in_stock else "https://schema.org/OutOfStock",
            "url": base_url + product.url,
        },
    }
    if product.options:
        data["additionalProperty"] = [
            {"@type": "PropertyValue", "name": key, "value": value} for key, value in product.options.items()
        ]
    return data


def product_extras(
    services: ShopServices,
    product: Product,
    session_id: str | None,
    *,
    rows: tuple[list[Product], list[Product]] | None = None,
    **review_options: Any,
) -> dict[str, Any]:
    """Reviews (`review_context`, given `review_options`), frequently bought together and similar
    products (`rows`, when the caller already has them). Not "Recommended for you": that row is the
    visitor's own while the rest of the page is shared, so it is loaded after the page (`for_you`)
    and the page can be cached."""
    together, similar = rows or product_rows(services, product)
    return {
        **review_context(services, product, session_id, **review_options),
        "similar": similar,
        "bought_together": together,
    }


def review_context(
    services: ShopServices,
    product: Product,
    session_id: str | None,
    *,
    review_sort: str = "newest",
    review_form: dict[str, str] | None = None,
    review_errors: dict[str, str] | None = None,
    review_saved: bool = False,
    review_error: str | None = None,
) -> dict[str, Any]:
    """What the reviews section (pages/_reviews.html) shows, with the visitor's own review prefilled.
    VARIANTS: the reviews and the score (`score`) are the whole family's."""
    mine = services.reviews.by_visitor(product, session_id) if session_id else None
    rating, count = family_rating(services.catalog.family(product))
    form = review_form
    if form is None:
        form = {"rating": str(mine.rating), "text": mine.text, "authorName": mine.author_name} if mine else {}
    return {
        "reviews": services.reviews.visible(product, REVIEWS_SHOWN, review_sort),  # type: ignore[arg-type]
        "score": {"rating": rating, "review_count": count},
        "review_sort": review_sort,
        "review_sorts": REVIEW_SORTS,
        "review_summary": services.reviews.summary(product),
        "my_review": mine,
        "review_form": form,
        "review_errors": review_errors or {},
        "review_saved": review_saved,
        "review_error": review_error,
    }


def product_rows(services: ShopServices, product: Product) -> tuple[list[Product], list[Product]]:
    """(frequently bought together, similar products): the same for every visitor. Similar leaves out
    what the other row shows."""
    together = services.recommender.bought_together(product.id, 4)
    paired = {p.id for p in together}
    similar = [p for p in services.recommender.similar(product.id, 8) if p.id not in paired][:4]
    return together, similar
