"""JSON API: orders. Placing one counts against the order limits per visitor (the session cookie, for
a client that keeps it) and per client address (LIMIT_ORDERS_PER_*): past them, 429 with Retry-After.
A retry with the same Idempotency-Key counts too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from app.deps import Services, SessionId
from app.limits import order_limit
from app.schemas import ERROR_RESPONSES, Order
from shop.core.validation import Email
from shop.ordering.orders import OrderRequest

router = APIRouter(prefix="/api/orders", tags=["orders"], responses=ERROR_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="Any unique string per order attempt; a retry with the same key returns the same order.",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Order)
def place_order(
    body: OrderRequest,
    request: Request,
    services: Services,
    session_id: SessionId,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    limit = order_limit(request, services, visitor=session_id)
    order = services.checkout.place(body, channel="api", key=idempotency_key, limit=limit)
    if order.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    body = order.to_json()
    estimate = services.fulfillment.estimate(order)  # TRACKING: when it should arrive, known at once
    body["estimatedDelivery"] = estimate.to_json() if estimate else None
    return body


@router.get("/{order_id}", response_model=Order)
def get_order(order_id: str, services: Services, email: Annotated[Email, Query()]) -> dict[str, object]:
    order = services.orders.lookup(order_id, email)
    body = {**order.to_json(), **services.fulfillment.tracking(order).to_json()}  # TRACKING
    body["returns"] = [r.to_json() for r in services.returns.for_order(order.id)]  # RETURNS (issue 14)
    return body
