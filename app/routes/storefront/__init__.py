"""The storefront: pages for browsing and buying, discovery, the chat widget, sitemap and robots."""

from fastapi import APIRouter

from app.routes.storefront import cart, catalog, chat, discovery, info, payments, returns, seo

routers: tuple[APIRouter, ...] = (
    catalog.router,
    cart.router,
    discovery.router,
    info.router,
    seo.router,
    chat.router,
    returns.router,  # RETURNS (issue 14): the order page's return form and the return label
    payments.router,  # payments (issue 14)
)
