"""The stored shape of stock per location, for every writer of `products.stock` (shop.inventory.locations
explains the design): `locationStock` = {locationId: units} for every location but the default one,
which holds the rest of `stock`. In shop.core because the catalog's writers (the product form, the
CSV import) guard their removals with it, and shop.inventory already stands on shop.catalog.
"""

from __future__ import annotations

from typing import Any

LOCATION_STOCK = "locationStock"
DEFAULT_LOCATION_ID = "main"


def explicit_stock(product: dict[str, Any]) -> dict[str, int]:
    """`locationStock` as stored: the units at every location but the default one."""
    return {str(k): int(v) for k, v in (product.get(LOCATION_STOCK) or {}).items()}


def stock_by_location(product: dict[str, Any]) -> dict[str, int]:
    """Units per location, the default location's being the rest of `stock`."""
    explicit = explicit_stock(product)
    return {DEFAULT_LOCATION_ID: int(product.get("stock") or 0) - sum(explicit.values()), **explicit}


def default_location_guard(product: dict[str, Any], removed: int) -> dict[str, Any]:
    """Filter terms under which removing `removed` units from the default location of `product` (as
    read) leaves it at 0 or more: the other locations' figures unchanged and the total large enough.
    For a product that never had units elsewhere: only that it still has none (`stock >= n` suffices)."""
    explicit = explicit_stock(product)
    if not explicit:
        return {LOCATION_STOCK: None}  # still none: a transfer meanwhile makes the update miss
    terms: dict[str, Any] = {f"{LOCATION_STOCK}.{k}": v for k, v in explicit.items()}
    terms["stock"] = {"$gte": removed + sum(explicit.values())}
    return terms
