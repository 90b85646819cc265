"""JSON API: the payment providers' webhooks (payments, issue 14).

Register these at the providers:
    Stripe:  POST {BASE_URL}/api/payments/stripe/webhook   (signing secret -> STRIPE_WEBHOOK_SECRET)
    PayPal:  POST {BASE_URL}/api/payments/paypal/webhook   (webhook id     -> PAYPAL_WEBHOOK_ID)

A signature that does not verify is answered 400 and changes nothing. A verified event is answered
200 with what it did (applied, duplicate, ignored, flagged, recorded, unknown_order): a provider
resends anything else, and an event already seen must not be resent forever.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from app.deps import Services
from shop.payments.providers import BadSignature

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/payments", tags=["payments"])
MAX_BODY = 256 * 1024


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(status_code=413, detail="Webhook body too large.")
    return body


@router.post("/stripe/webhook")
async def stripe_webhook(request: Request, services: Services) -> dict[str, str]:
    payload = await _body(request)
    signature = request.headers.get("stripe-signature")
    try:
        outcome = await run_in_threadpool(services.payments.stripe_webhook, payload, signature)
    except BadSignature as exc:
        log.warning("stripe webhook refused: %s", exc)
        raise HTTPException(status_code=400, detail="Invalid signature.") from None
    return {"outcome": outcome}


@router.post("/paypal/webhook")
async def paypal_webhook(request: Request, services: Services) -> dict[str, str]:
    payload = await _body(request)
    try:
        event = json.loads(payload)
    except ValueError:
        raise HTTPException(status_code=400, detail="The body is not JSON.") from None
    if not isinstance(event, dict):
        raise HTTPException(status_code=400, detail="The body is not a webhook event.")
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        outcome = await run_in_threadpool(services.payments.paypal_webhook, event, headers)
    except BadSignature as exc:
        log.warning("paypal webhook refused: %s", exc)
        raise HTTPException(status_code=400, detail="Invalid signature.") from None
    return {"outcome": outcome}
