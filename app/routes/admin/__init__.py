"""The owner's admin: sign-in, products, categories, orders, reviews, inbox, inventory, analytics, chat."""

from fastapi import APIRouter

from app.routes.admin import (
    account,
    analytics,
    auth,
    blocks,
    categories,
    chat,
    dashboard,
    health,
    inbox,
    inventory,
    inventory_locations,
    orders,
    payments,
    products,
    returns,
    reviews,
    shipping,
)

routers: tuple[APIRouter, ...] = (
    auth.router,
    account.router,
    dashboard.router,
    products.router,
    categories.router,
    orders.router,
    returns.router,  # RETURNS (issue 14)
    payments.router,  # refunds and offline payments (payments, issue 14)
    reviews.router,
    inbox.router,
    # locations, suppliers, stored purchase orders (issue 14): before inventory, so their paths
    # come before /admin/inventory/{product_id}
    inventory_locations.router,
    inventory.router,  # stock, forecasts, purchase orders
    analytics.router,
    chat.router,
    blocks.router,  # blocked client addresses (ops-limits)
    health.router,  # monitoring: System health
    shipping.router,  # shipping & tax (SHIPPING, issue 14)
)
