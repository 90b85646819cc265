"""The shop's services wired together once per process, shared by the pages, the API and the agent.

One container means the storefront and the chat use the very same catalog snapshot, cart rules and
order transaction: chat can do what the pages can, with the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.database import Database

from shop.cart import CartService
from shop.catalog import Catalog
from shop.db import ensure_indexes
from shop.mail import Mailer
from shop.orders import OrderService
from shop.settings import Settings


@dataclass
class ShopServices:
    db: Database
    settings: Settings
    catalog: Catalog
    carts: CartService
    orders: OrderService
    mailer: Mailer

    @classmethod
    def build(cls, db: Database, settings: Settings, *, background_mail: bool = True) -> ShopServices:
        ensure_indexes(db)
        catalog = Catalog(db, refresh_seconds=settings.catalog_refresh_seconds)
        mailer = Mailer(db, settings, background=background_mail)
        return cls(
            db=db,
            settings=settings,
            catalog=catalog,
            carts=CartService(db, catalog),
            orders=OrderService(db, settings, mailer, on_stock_change=catalog.invalidate),
            mailer=mailer,
        )

    def close(self) -> None:
        self.mailer.shutdown()
