"""The JSON API (documented at /docs): catalog, recommendations, orders, the health check and chat."""

from fastapi import APIRouter

from app.routes.api import chat, discovery, health, orders, payments, products, returns

routers: tuple[APIRouter, ...] = (
    products.router,
    discovery.router,
    orders.router,
    returns.router,  # RETURNS (issue 14): POST /api/orders/{id}/returns
    health.router,
    chat.router,
    payments.router,
)
