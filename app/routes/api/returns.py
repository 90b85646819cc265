"""JSON API: return requests (RMA) of an order, checked by the order's email like the order lookup.

`POST /api/orders/{id}/returns?email=` decides the request by the shop's returns policy
(shop.returns.policy): 201 with the request's number, status and refund amount; 422 with the policy's
own sentence when the request falls outside it; 404 for a wrong number or email (the same answer for
both, so it cannot be used to learn which order numbers exist). Every attempt counts against the
returns limits (LIMIT_RETURNS_PER_*, per visitor and client address): past them, 429 with Retry-After."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from app.deps import Services, SessionId
from app.limits import check_limit
from app.schemas import ERROR_RESPONSES, ReturnCreated
from shop.core.validation import Email
from shop.returns.service import ReturnInput

router = APIRouter(prefix="/api/orders", tags=["returns"], responses=ERROR_RESPONSES)


@router.post("/{order_id}/returns", status_code=status.HTTP_201_CREATED, response_model=ReturnCreated)
def request_return(
    order_id: str,
    body: ReturnInput,
    request: Request,
    services: Services,
    session_id: SessionId,
    email: Annotated[Email, Query()],
) -> dict[str, object]:
    check_limit(request, services, "returns", visitor=session_id)  # before the lookup: a wrong email counts
    made = services.returns.request(order_id, email, body, channel="api")
    return {"id": made.id, "status": made.status, "refundAmount": float(made.refund_amount)}
