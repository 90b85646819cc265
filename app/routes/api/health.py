"""Liveness and database state, for the operator and the load balancer."""

from __future__ import annotations

import time

import pymongo
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from app.deps import Services
from app.errors import DATABASE_DOWN, RETRY_AFTER_SECONDS

router = APIRouter(tags=["health"])

PING_SECONDS = 2.0
"""How long /healthz waits for the database: a load balancer's check must answer before its own
timeout, and a database that takes longer to ping is not serving requests either."""


@router.get("/healthz")
def healthz(request: Request, services: Services) -> JSONResponse:
    # The embedded database's supervisor, when `python -m app run` started one (app/cli.py).
    supervisor = getattr(request.app.state, "database_supervisor", None)
    embedded = {"embedded": supervisor.status.to_json()} if supervisor is not None else {}
    started = time.perf_counter()
    try:
        with pymongo.timeout(PING_SECONDS):
            services.db.command("ping")
    except PyMongoError as exc:
        return JSONResponse(
            {
                "status": "unavailable",
                "detail": DATABASE_DOWN,
                "database": {"ok": False, "error": type(exc).__name__, **embedded},
            },
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return JSONResponse(
        {
            "status": "ok",
            "database": {"ok": True, "name": services.db.name, "latencyMs": latency_ms, **embedded},
            "products": len(services.catalog.all()),
            # False while the embedding model loads and the vector index syncs after start-up
            # (search then ranks by keywords only).
            "semanticSearch": services.search.store is not None
            and (services.search.ready is None or services.search.ready.is_set()),
            # False until the start-up work is done (vector index, likely searches, product pages
            # pre-rendered); the shop serves meanwhile, only slower.
            "warm": request.app.state.warm.is_set(),
        }
    )
