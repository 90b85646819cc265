"""The JSON API (documented at /docs): catalog, recommendations, orders, the health check and chat."""

from fastapi import APIRouter

from app.routes.api import chat, discovery, health, orders, payments, products

routers: tuple[APIRouter, ...] = (
    products.router,
    discovery.router,
    orders.router,
    health.router,
    chat.router,
    payments.router,
)
