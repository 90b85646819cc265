"""The shop's services wired together once per shop, shared by the pages, the API and the agent.

One container means the storefront and the chat use the very same catalog snapshot, cart rules and
order transaction: chat can do what the pages can, with the same rules. Every service is built here,
once, with its callbacks (an order writer that moves stock invalidates the catalog), and so is every
cache whose lifetime is the shop's: two shops in one process (tests/app/test_two_shops.py) share none.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pymongo.database import Database

from shop.backoffice.analytics import ReportCache
from shop.catalog.admin import ProductAdmin
from shop.catalog.categories import ensure_categories
from shop.catalog.category_admin import CategoryAdmin
from shop.catalog.snapshot import Catalog
from shop.conversations.policies import PolicyLibrary
from shop.conversations.store import ConversationStore
from shop.core.db import ensure_indexes
from shop.core.settings import Settings
from shop.core.versions import SharedVersions
from shop.customers.wishlist import WishlistService
from shop.discovery.hybrid import HybridSearch
from shop.discovery.index_sync import ProductIndex
from shop.discovery.interactions import InteractionLog
from shop.discovery.recommendations import CoPurchaseIndex, Recommender
from shop.fulfillment.emails import status_email
from shop.fulfillment.shipments import Fulfillment
from shop.inventory.forecasting.sales_history import SalesHistory
from shop.inventory.locations import LocationService, ensure_default_location
from shop.inventory.purchasing import PurchaseOrders
from shop.messaging.mail import Mailer
from shop.ordering.admin import OrderAdmin
from shop.ordering.cart import CartService
from shop.ordering.checkout import Checkout
from shop.ordering.orders import OrderService
from shop.payments.service import PaymentService
from shop.returns.service import ReturnService
from shop.reviews.moderation import ReviewModeration
from shop.reviews.product_reviews import ProductReviews
from shop.security.guard import ShopSecurity
from shop.shipping.config import CommerceConfigStore

if TYPE_CHECKING:
    from vectorstore import ProductVectorStore

log = logging.getLogger(__name__)


@dataclass
class ShopServices:
    db: Database
    settings: Settings
    catalog: Catalog
    carts: CartService
    orders: OrderService
    mailer: Mailer
    search: HybridSearch
    interactions: InteractionLog
    copurchase: CoPurchaseIndex
    recommender: Recommender
    wishlist: WishlistService
    reviews: ProductReviews
    sales_history: SalesHistory
    checkout: Checkout
    order_admin: OrderAdmin
    product_admin: ProductAdmin
    category_admin: CategoryAdmin
    review_moderation: ReviewModeration
    conversations: ConversationStore
    policies: PolicyLibrary
    sales_reports: ReportCache
    """The admin's sales reports, kept a minute (see ReportCache)."""
    security: ShopSecurity
    """Request limits, IP blocks, visitor ids and trusted proxies (shop/security/)."""
    fulfillment: Fulfillment
    """Shipments with tracking, delivery, the delivery estimate and the order timeline (shop/fulfillment/)."""
    returns: ReturnService
    """Return requests (RMA), issue 14 (shop/returns/)."""
    payments: PaymentService
    """payments (issue 14): methods, providers, webhooks, refunds (shop/payments/)."""
    locations: LocationService
    """Stock locations, stock per location, transfers (shop/inventory/locations.py; issue 14)."""
    purchasing: PurchaseOrders
    """Stored purchase orders: draft, sent, received (shop/inventory/purchasing.py; issue 14)."""
    commerce: CommerceConfigStore
    """Shipping zones and rates, tax rates and return windows, cached; edited in the admin (shop/shipping/)."""
    product_index: ProductIndex | None = None
    versions: SharedVersions | None = None
    """The shared versions every in-process cache follows (shop.core.versions): several processes."""

    @classmethod
    def build(
        cls,
        db: Database,
        settings: Settings,
        *,
        background_mail: bool = True,
        vector_store: ProductVectorStore | None = None,
    ) -> ShopServices:
        """Wire the services. Without a `vector_store` search ranks by keywords only (tests that do
        not need embeddings stay fast); `shop.discovery.index_sync.open_vector_store` gives the configured one."""
        ensure_indexes(db)
        ensure_categories(db)
        ensure_default_location(db)  # LOCATIONS (issue 14): idempotent
        versions = SharedVersions(db, poll_seconds=settings.catalog_refresh_seconds)
        catalog = Catalog(db, refresh_seconds=settings.catalog_refresh_seconds, versions=versions)
        mailer = Mailer(db, settings, background=background_mail)
        product_index = None
        semantic_ready: threading.Event | None = None
        if vector_store is not None:
            # A Chroma server is shared by every process of the shop: one of them builds the index
            # (under a lock in the database) and the others follow its version.
            shared = settings.chroma_url is not None
            product_index = ProductIndex(vector_store, db=db if shared else None, versions=versions if shared else None)
            product_index.attach(catalog)
            semantic_ready = threading.Event()
        search = HybridSearch(vector_store, ready=semantic_ready, index=product_index)
        interactions = InteractionLog(db)
        copurchase = CoPurchaseIndex(db)
        wishlist = WishlistService(db, catalog, mailer, settings)
        wishlist.attach(catalog)
        carts = CartService(db, catalog)
        commerce = CommerceConfigStore(db, versions=versions)
        security = ShopSecurity.build(db, settings)
        orders = OrderService(
            db, settings, mailer, on_stock_change=catalog.invalidate, commerce=commerce, limits=security.limits
        )
        # TRACKING: the shipped and delivered emails carry the tracking link and the delivery estimate.
        order_admin = OrderAdmin(db, settings, mailer, on_stock_change=catalog.invalidate, status_email=status_email)
        payments = PaymentService(db, settings, mailer, orders)  # attaches itself to `orders`
        return cls(
            db=db,
            settings=settings,
            catalog=catalog,
            carts=carts,
            orders=orders,
            mailer=mailer,
            search=search,
            interactions=interactions,
            copurchase=copurchase,
            recommender=Recommender(catalog, search, copurchase, interactions),
            wishlist=wishlist,
            reviews=ProductReviews(db, catalog),  # VARIANTS: a family's reviews
            sales_history=SalesHistory(db),
            checkout=Checkout(carts, orders, interactions),
            order_admin=order_admin,
            product_admin=ProductAdmin(db, catalog, settings),
            category_admin=CategoryAdmin(db, on_change=catalog.invalidate),
            review_moderation=ReviewModeration(db, catalog),
            conversations=ConversationStore(db),
            policies=PolicyLibrary(
                settings.resolved_policies_dir, embedding=vector_store.embedding if vector_store is not None else None
            ),
            sales_reports=ReportCache(ttl=60),
            product_index=product_index,
            security=security,
            fulfillment=Fulfillment(order_admin),
            payments=payments,
            locations=LocationService(db, versions=versions, on_stock_change=catalog.invalidate),
            purchasing=PurchaseOrders(db, settings, mailer, on_stock_change=catalog.invalidate),
            commerce=commerce,
            versions=versions,
            # A received return is refunded through the payment service: back through Stripe or PayPal,
            # or recorded as a manual refund for an offline payment.
            returns=ReturnService(
                db,
                settings,
                mailer,
                catalog,
                payments,
                on_stock_change=catalog.invalidate,
                windows_config=commerce.get,  # the owner's return windows (Shipping & tax page)
            ),
        )

    def start_background_work(self) -> threading.Thread | None:
        """Bring the vector index up to date with the catalog (an empty or stale index is rebuilt)
        and load the embedding model, off the request path so the shop opens at once; semantic
        ranking joins keyword ranking when this is done. Also builds the co-purchase statistics and
        checks wishlists for restocks and price drops that happened while the shop was down."""
        self.copurchase.maybe_refresh()
        self.wishlist.submit(self.wishlist.check_all)
        products = self.catalog.all()  # before the reviews: see ProductReviews.warm

        def warm_reviews() -> None:
            try:
                self.reviews.warm(products)
            except Exception:  # the pages read them on demand instead
                log.warning("could not preload the reviews", exc_info=True)

        threading.Thread(target=warm_reviews, name="reviews-warm-up", daemon=True).start()
        if self.product_index is None:
            return None
        index = self.product_index

        def work() -> None:
            try:
                if self.search.store is not None:
                    # The model first: with a shared index the sync waits for the other processes'
                    # syncs (a lock in the database), and each should load its model meanwhile.
                    self.search.store.embedding.warm_up()
                report = index.sync(self.catalog)
                log.info("vector index in sync: %s", report)
                if self.search.store is not None:
                    self.search.store.warm_up()
                    self._warm_searches()
                if self.search.ready is not None:
                    self.search.ready.set()
            except Exception:
                log.exception("could not sync the vector index; search falls back to keywords")

        thread = threading.Thread(target=work, name="vector-index-sync", daemon=True)
        thread.start()
        return thread

    def _warm_searches(self) -> None:
        """Encode the searches the shop's own tag links make and its popular searches, so their first
        visitors after a start do not wait for the model (a failure only costs that wait)."""
        try:
            popular = self.interactions.popular_searches()
            tags = sorted({tag for product in self.catalog.all() for tag in product.tags})
            count = self.search.warm_queries(self.catalog, [*popular, *tags])
            log.info("encoded %d likely searches ahead of time", count)
        except Exception:
            log.warning("could not warm up the likely searches", exc_info=True)

    def close(self) -> None:
        self.wishlist.close()
        self.interactions.close()
        self.mailer.shutdown()
        self.payments.close()
