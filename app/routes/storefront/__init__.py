"""The storefront: pages for browsing and buying, discovery, the chat widget, sitemap and robots."""

from fastapi import APIRouter

from app.routes.storefront import cart, catalog, chat, discovery, info, payments, policies, returns, seo

routers: tuple[APIRouter, ...] = (
    catalog.router,
    cart.router,
    discovery.router,
    info.router,
    policies.router,  # policy pages (SHIPPING, issue 14)
    seo.router,
    chat.router,
    returns.router,  # RETURNS (issue 14): the order page's return form and the return label
    payments.router,  # payments (issue 14)
)
