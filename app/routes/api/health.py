"""Liveness and database state, for the operator and the load balancer."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from app.deps import Services

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request, services: Services) -> JSONResponse:
    started = time.perf_counter()
    try:
        services.db.command("ping")
    except PyMongoError as exc:
        return JSONResponse(
            {"status": "unavailable", "database": {"ok": False, "error": type(exc).__name__}}, status_code=503
        )
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return JSONResponse(
        {
            "status": "ok",
            "database": {"ok": True, "name": services.db.name, "latencyMs": latency_ms},
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
