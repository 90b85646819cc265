"""The shop's limits and access rules as one service (`ShopServices.security`)."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.database import Database

from shop.core.settings import Settings
from shop.security.addresses import TrustedProxies
from shop.security.ip_blocks import IpBlocks
from shop.security.limits import RateLimits
from shop.security.visitor_ids import VisitorIds


@dataclass
class ShopSecurity:
    limits: RateLimits
    blocks: IpBlocks
    visitor_ids: VisitorIds
    proxies: TrustedProxies

    @classmethod
    def build(cls, db: Database, settings: Settings) -> ShopSecurity:
        """From the settings; an unreadable TRUSTED_PROXIES or limit stops the start with a ValueError."""
        return cls(
            limits=RateLimits(db, settings),
            blocks=IpBlocks(db, cache_seconds=settings.ip_block_cache_seconds),
            visitor_ids=VisitorIds(db, settings.session_secret),
            proxies=TrustedProxies.parse(settings.trusted_proxies),
        )
