"""The FastAPI application: routes per area, one error policy, a visitor session cookie."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie

from fastapi import FastAPI, Request
from pymongo import MongoClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.chat_http import start_warm_up
from app.errors import install_error_handlers
from app.limits import install_limit_errors
from app.middleware.client_address import ClientAddressMiddleware
from app.middleware.compression import CompressionMiddleware
from app.middleware.metrics import MetricsMiddleware
from app.middleware.request_limits import RequestLimitsMiddleware
from app.middleware.security_headers import SecurityHeadersMiddleware
from app.routes import admin, api, storefront
from app.routes.storefront.catalog import prerender_listing_pages, prerender_product_pages
from app.scheduler import start_scheduler
from app.static_files import FingerprintedStaticFiles, MediaFiles
from app.templating import PageCache, ProductCardCache, compile_templates
from shop.core.db import connect, database
from shop.core.settings import Settings, get_settings
from shop.discovery.index_sync import open_vector_store
from shop.services import ShopServices

log = logging.getLogger(__name__)

SESSION_COOKIE = "aishop_sid"
SESSION_MAX_AGE = 60 * 60 * 24 * 30


class VisitorSessionMiddleware:
    """Every visitor gets an opaque random session id: it keys the cart and the chat, never a login.
    Only ids the server issued are accepted (signed: shop.security.visitor_ids); any other cookie
    value, made up or from before the signatures, is replaced by a new id.

    Plain ASGI rather than BaseHTTPMiddleware: it runs on every request, and this way costs
    microseconds instead of an extra task per request.
    """

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        visitor_ids = scope["app"].state.services.security.visitor_ids
        session_id = Request(scope).cookies.get(SESSION_COOKIE, "")
        is_new = not visitor_ids.valid(session_id)
        if is_new:
            session_id = visitor_ids.new()
        scope.setdefault("state", {})["session_id"] = session_id
        if not is_new or scope["path"].startswith(("/static/", "/media/")):
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        cookie[SESSION_COOKIE] = session_id
        morsel = cookie[SESSION_COOKIE]
        morsel.update({"max-age": str(SESSION_MAX_AGE), "path": "/", "httponly": True, "samesite": "Lax"})
        if self.secure:
            morsel["secure"] = True
        header = morsel.OutputString().encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", header)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _warm_pages(app: FastAPI, index_sync: threading.Thread | None, stop: threading.Event) -> None:
    """Pre-render the listing and product pages once the vector index is in sync (searches and the
    "Similar products" row come from it), off the request path; a failure only leaves pages to be
    rendered on demand."""
    try:
        if index_sync is not None:
            index_sync.join()
        started = time.perf_counter()
        listings = prerender_listing_pages(app, stop)
        count = prerender_product_pages(app, stop)
        log.info(
            "pre-rendered %d listing and %d product pages in %.1f s", listings, count, time.perf_counter() - started
        )
    except Exception:
        log.warning("could not pre-render the product pages", exc_info=True)
    finally:
        # The model, the catalog, the vectors and the pages are here for the life of the process.
        # Python's full collections walked all of them, 200-450 ms each with every request waiting
        # (measured with gc.callbacks under bench/load.py); frozen, they are no longer walked.
        gc.collect()
        gc.freeze()
        app.state.warm.set()


def _connect(settings: Settings) -> MongoClient:
    """The app's own client of the settings' database (pymongo pools connections: one per app)."""
    if not settings.mongodb_uri:
        raise RuntimeError(
            "MONGODB_URI is not set. Start the shop with `make run` (or `python -m app run`), "
            "which starts the embedded database and passes its address on."
        )
    return connect(settings.mongodb_uri)


def create_app(settings: Settings | None = None, services: ShopServices | None = None) -> FastAPI:
    """Build the app for `settings` (by default from the environment); tests pass their own services
    (bound to a test database). Everything the app caches lives on app.state or its services."""
    settings = settings or (services.settings if services is not None else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        client: MongoClient | None = None
        if services is None:
            client = _connect(settings)
            app.state.services = ShopServices.build(
                database(client, settings.mongodb_db), settings, vector_store=open_vector_store(settings)
            )
        app.state.services.catalog.all()  # load the snapshot before the first visitor
        compile_templates()
        index_sync = app.state.services.start_background_work()
        app.state.services.mailer.retry_pending()
        # Owner jobs (forecast, backups, low-stock emails) only for a shop this app runs itself;
        # tests pass their own services and drive the scheduler directly.
        scheduler = start_scheduler(app.state.services) if owned else None
        stop = threading.Event()
        if owned:
            start_warm_up(app)  # the local model reads the chat prompts once, off the request path
            threading.Thread(
                target=_warm_pages, args=(app, index_sync, stop), name="page-prerender", daemon=True
            ).start()
        else:
            app.state.warm.set()
        try:
            yield
        finally:
            stop.set()
            if scheduler is not None:
                # ops-recovery: a job in the middle of a model fit finishes on its own (daemon thread);
                # the shop's shutdown does not wait for it (app/cli.py SHUTDOWN_SECONDS).
                scheduler.stop(timeout=1.0)
            if owned:
                app.state.services.close()
            if client is not None:
                client.close()

    app = FastAPI(
        title=f"{settings.shop_name} API",
        description="Catalog and orders of the shop. Prices are decimal numbers in the shop currency.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    app.state.product_cards = ProductCardCache(settings)
    app.state.page_cache = PageCache()
    app.state.home_page_cache = PageCache(limit=256)  # first-time visitors' home pages
    app.state.api_cache = PageCache()  # answers of GET /api/products
    # Product pages on their own, with room for every product's page (pre-rendered at start-up:
    # app/routes/storefront/catalog.py) and its visitor variants: ~35 KB a page.
    app.state.product_page_cache = PageCache(limit=4096)
    app.state.warm = threading.Event()  # start-up work done: /healthz says so

    app.add_middleware(VisitorSessionMiddleware, secure=settings.cookie_secure)
    app.add_middleware(RequestLimitsMiddleware)  # body size, JSON depth, unstorable text
    app.add_middleware(CompressionMiddleware)  # gzip for text answers (cached pages are stored compressed)
    # The session, the limits and the routes see the client's real address; IP blocks.
    app.add_middleware(ClientAddressMiddleware)
    # The security headers on every answer, a refusal of a blocked address's included.
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.cookie_secure)
    # Monitoring: outermost (added last), so it times and ids everything (app/middleware/metrics.py).
    token = settings.metrics_token
    app.add_middleware(MetricsMiddleware, metrics_token=token.get_secret_value() if token else None)
    install_error_handlers(app)
    install_limit_errors(app)  # 429 with Retry-After
    app.mount("/static", FingerprintedStaticFiles(), name="static")
    media_dir = settings.resolved_media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", MediaFiles(directory=media_dir), name="media")
    for router in (*storefront.routers, *api.routers, *admin.routers):
        app.include_router(router)
    return app
