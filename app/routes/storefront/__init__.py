"""The storefront: pages for browsing and buying, discovery, the chat widget, sitemap and robots."""

from fastapi import APIRouter

from app.routes.storefront import cart, catalog, chat, discovery, info, policies, seo

routers: tuple[APIRouter, ...] = (
    catalog.router,
    cart.router,
    discovery.router,
    info.router,
    policies.router,  # policy pages (SHIPPING, issue 14)
    seo.router,
    chat.router,
)
