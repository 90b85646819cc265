"""The owner's admin: sign-in, products, orders, reviews, inbox, inventory, analytics and the owner's chat."""

from fastapi import APIRouter

from app.routes.admin import account, analytics, auth, chat, dashboard, inbox, inventory, orders, products, reviews

routers: tuple[APIRouter, ...] = (
    auth.router,
    account.router,
    dashboard.router,
    products.router,
    orders.router,
    reviews.router,
    inbox.router,
    inventory.router,  # stock, forecasts, purchase orders
    analytics.router,
    chat.router,
)
