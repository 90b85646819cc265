"""The demo shop's public entry points: build it in memory (`build_demo_shop`) or seed a database.

`build_demo_shop` runs the pipeline in a fixed order, every step drawing from one `random.Random(seed)`:
assortment -> demand -> customers -> orders -> reviews -> product and inventory documents -> images.
Reordering the steps changes every draw after the move, so the shop would change too.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bson import Decimal128
from pymongo.database import Database

from demo.assortment import select_specs
from demo.customers import build_customers
from demo.demand import plan_demand, planted_pairs
from demo.images import render_svg
from demo.orders import build_orders, link_orders
from demo.products import build_inventory, build_products
from demo.reviews import build_reviews
from demo.variants import DemoVariants, build_variants
from shop.catalog.categories import Category, load_categories, save_categories


@dataclass
class DemoShop:
    """Everything the demo seed inserts, as plain documents in the shapes the shop stores.

    `products` as shop/catalog/snapshot.py's `Product` reads them; `inventory` one row per product
    (stockLevel, lastRestocked, restockAlert); `customers` (email, name, address); `reviews` (rating,
    text, a customerId or a visitorId, hidden); `orders` with their lines, totals and status;
    `images` maps a path under the media directory to its SVG bytes.

    `variants` (VARIANTS, issue 14): a few coffees' other sizes and grinds, product documents of
    their own with their inventory rows, and the `options`/`sku` their main products get; kept out
    of `products` (demo/variants.py says why) and inserted with them by `seed_demo_shop`.

    `truth` and `bought_together` are not stored anywhere: they are the hidden parameters of the
    generator, kept so tests of forecasting/recommendations can compare against what was planted.
    """

    products: list[dict[str, Any]]
    inventory: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    images: dict[str, bytes]
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)
    bought_together: list[tuple[str, str]] = field(default_factory=list)
    variants: DemoVariants = field(default_factory=DemoVariants)


class DemoShopError(RuntimeError):
    """Raised when seeding would mix demo data into a shop that already has products."""


def demo_categories() -> list[Category]:
    """The demo shop's four categories with their search vocabulary (demo/data/categories.json): the
    seed stores them, and tests and benchmarks that insert demo products by hand store them too."""
    return load_categories(Path(__file__).parent / "data" / "categories.json")


def build_demo_shop(*, n_products: int = 160, seed: int = 7, now: datetime | None = None, months: int = 12) -> DemoShop:
    """Build the whole demo shop in memory; same arguments always give equal output."""
    if n_products < 1:
        raise ValueError("n_products must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    today = _day_start(now)
    days = max(28, round(months * 365 / 12))
    start = today - timedelta(days=days)
    rng = random.Random(seed)

    specs = select_specs(rng, n_products)
    plans = plan_demand(rng, specs, days)
    customers = build_customers(rng, seed, start, today)
    orders, buyers = build_orders(rng, specs, plans, customers, start, days, today)
    reviews = build_reviews(rng, seed, specs, plans, customers, buyers, start, today)
    products = build_products(rng, seed, specs, plans, reviews, start, today)
    link_orders(orders, products)
    inventory = build_inventory(rng, seed, products, today)
    images = {f"products/{spec.slug}.svg": render_svg(spec) for spec in specs}
    truth = {p["slug"]: plan.as_truth(specs, start) for p, plan in zip(products, plans, strict=True)}
    pairs = [(specs[a].slug, specs[b].slug) for a, b in planted_pairs(plans)]
    variants = build_variants(seed, products, today)  # last: its own random stream (demo/variants.py)
    return DemoShop(products, inventory, customers, reviews, orders, images, truth, pairs, variants)


def seed_demo_shop(
    db: Database,
    media_dir: Path,
    *,
    n_products: int = 160,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Insert the demo shop into an EMPTY database and write its images under `media_dir/products`.

    Refuses a database that already has products: silently mixing demo orders into a real shop
    would corrupt its history. Indexes are not created here; `shop.core.db.ensure_indexes` owns them.
    """
    say = progress or (lambda _message: None)
    if db.products.find_one({}, {"_id": 1}) is not None:
        raise DemoShopError("The database already holds products; the demo shop is only seeded into an empty one.")
    say(f"Generating {n_products} demo products and 12 months of history ...")
    shop = build_demo_shop(n_products=n_products, seed=seed, now=now)

    counts: dict[str, int] = {"categories": save_categories(db, demo_categories())}
    # VARIANTS: the families' main products get their options and SKU; the variants are products too.
    products = [{**p, **shop.variants.mains.get(p["slug"], {})} for p in shop.products] + shop.variants.documents
    for name, docs in (
        ("products", products),
        ("inventory", shop.inventory + shop.variants.inventory),
        ("customers", shop.customers),
        ("reviews", shop.reviews),
        ("orders", shop.orders),
    ):
        counts[name] = _insert_all(db, name, docs)
        say(f"Inserted {counts[name]} {name}")

    media_root = Path(media_dir)
    for key, svg in shop.images.items():
        target = media_root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(svg)
    counts["variants"] = len(shop.variants.documents)
    counts["images"] = len(shop.images)
    say(f"Wrote {counts['images']} product images under {media_root / 'products'}")
    return counts


def _day_start(now: datetime | None) -> datetime:
    """Midnight UTC of `now` (default: today), so every date in the shop is relative to a whole day."""
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _to_bson(value: Any) -> Any:
    """Decimal -> Decimal128 so the seed works even on a database handle without the shop's codec."""
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, dict):
        return {k: _to_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_bson(v) for v in value]
    return value


def _insert_all(db: Database, collection: str, docs: Sequence[dict[str, Any]], batch: int = 1000) -> int:
    for offset in range(0, len(docs), batch):
        db[collection].insert_many([_to_bson(d) for d in docs[offset : offset + batch]], ordered=False)
    return len(docs)
