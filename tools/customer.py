"""What the understanding stage's executor does for a customer beyond searching: product details, the
pending action a write waits on, policy text, the wishlist, a message to the shop team.

Plain functions of the `ToolContext` (whose cart and conversation come from the authenticated request,
never from the model). They record what they return in the turn (`ctx.remember`, `ctx.note`), so the
reply check and the cards see exactly what the customer is shown. Product descriptions and reviews are
other people's text: cleaned and fenced as data before a model reads them.

Writes: orders, cancellations and wishlist additions are only *prepared* here and need the customer's
explicit yes (see tools/actions.py).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pydantic import ValidationError

from shop.catalog.snapshot import Product
from shop.conversations.policies import PolicySection
from shop.core.errors import ShopError
from shop.core.validation import describe_errors
from shop.messaging.contact import ContactRequest, submit_contact
from tools import actions
from tools.common import (
    DESCRIPTION_CHARS,
    MAX_ITEMS,
    REVIEW_CHARS,
    clean,
    fence,
    money,
    plain_product,
    product_line,
    resolve_product,
    stock_text,
)
from tools.context import ToolContext

log = logging.getLogger(__name__)

HANDOFF_INTERVAL = timedelta(minutes=10)
MAX_VARIANTS = 8
"""Family members product details list (a family of more is the shop's to show on its page)."""
_MONEY_IN_TEXT = re.compile(r"\$\s?(\d{1,6}(?:,\d{3})*(?:\.\d{1,2})?)")


def _unknown_product(text: str) -> str:
    return f"No product matches {clean(text, 60)!r}. Search first, then use the product's ref (like P2)."


def need_cart(ctx: ToolContext) -> str:
    if ctx.cart_id is None:
        raise ShopError("This chat has no cart.")
    return ctx.cart_id


def details(ctx: ToolContext, product: str) -> str:
    found = resolve_product(ctx, product)
    if found is None:
        return _unknown_product(product)
    ctx.remember(found, card=True)
    body = [product_line(ctx, found, description_chars=DESCRIPTION_CHARS)]
    if found.attributes:
        attrs = "; ".join(f"{clean(k, 30)}: {clean(v, 60)}" for k, v in list(found.attributes.items())[:6])
        body.append("Attributes: " + attrs)
    family = ctx.services.catalog.family(found)
    if len(family) > 1:  # VARIANTS (issue 14): each member's options, price and stock may be quoted
        body.append("Variants: " + "; ".join(_member(ctx, member, found) for member in family[:MAX_VARIANTS]))
    for review in _reviews(ctx, found):
        body.append(review)
    ctx.note(plain_product(ctx, found))
    return fence("\n".join(body), "catalog")


def _member(ctx: ToolContext, member: Product, shown: Product) -> str:
    """ "1 kg: $49.00, in stock (this one)": a family member as product details list it (remembered,
    so its name and price may be quoted)."""
    ctx.remember(member)
    label = clean(member.option_label or member.name, 80)
    this = " (this one)" if member.id == shown.id else ""
    return f"{label}: {money(ctx, member.price)}, {stock_text(member)}{this}"


def _reviews(ctx: ToolContext, product: Product, limit: int = 1) -> list[str]:
    """A couple of recent reviews: customer-written text, so cleaned and trimmed like any other data."""
    try:
        from shop.reviews.product_reviews import visible_reviews

        family = [member.id for member in ctx.services.catalog.family(product)]  # VARIANTS: the family's
        reviews = visible_reviews(ctx.services.db, family, limit=limit)
    except Exception:  # reviews are a nice-to-have in an answer, never a reason to fail it
        log.exception("could not read reviews of %s", product.id)
        return []
    return [f"Review {r.rating}/5: {clean(r.text, REVIEW_CHARS)}" for r in reviews]


def pending(ctx: ToolContext, action: actions.PendingAction) -> str:
    ctx.turn.pending = action
    for line in action.summary.get("lines", []):  # the summary names them: they are this turn's data
        product = ctx.services.catalog.get_any(line.get("productId", ""))
        if product is not None:
            ctx.remember(product, card=True)
    if "orderId" in action.summary:
        ctx.turn.order_ids.add(action.summary["orderId"])
    ctx.allow_amounts(*actions.summary_amounts(action))
    text = actions.summary_text(ctx.services, action)
    ctx.turn.direct_reply = text
    ctx.note(text)
    return fence(text + "\nWaiting for the customer's yes.", "pending action")


def policy_text(ctx: ToolContext, section: PolicySection) -> str:
    """One policy section as the customer may be told it; its amounts may be quoted this turn."""
    text = clean(section.text, 500)
    for amount in _MONEY_IN_TEXT.findall(text):
        ctx.allow_amounts(Decimal(amount.replace(",", "")))
    ctx.note(text)
    return text


def wishlist(ctx: ToolContext, action: str = "list", product: str = "") -> str:
    visitor = need_cart(ctx)
    if action == "add":
        found = resolve_product(ctx, product)
        if found is None:
            return _unknown_product(product)
        ctx.remember(found, card=True)
        return pending(ctx, actions.prepare_wishlist(ctx.services, found))
    items = ctx.services.wishlist.items(visitor)[:MAX_ITEMS]
    if not items:
        text = "Your wishlist is empty."
    else:
        text = "Your wishlist:\n" + "\n".join(f"- {plain_product(ctx, p)}" for p in items)
        for item in items:
            ctx.remember(item, card=True)
    ctx.note(text)
    ctx.turn.direct_reply = text
    return fence(text, "wishlist")


def handoff(ctx: ToolContext, message: str, email: str, name: str = "") -> str:
    """A contact message for the owner's inbox, written from the customer's words; rate-limited per chat
    so a confused model (or a prompt injection) cannot flood the owner."""
    if not ctx.given_by_customer(email):
        return "Ask the customer for their email address, so the team can reply; never guess it."
    now = datetime.now(UTC)
    recent = [t for t in ctx.conversation.handoffs if now - t < HANDOFF_INTERVAL]
    if recent:
        text = "Your message is already with the shop team; they will reply by email."
        ctx.turn.direct_reply = text
        return text
    try:
        request = ContactRequest(
            name=clean(name, 100) or "Chat customer",
            email=email,
            subject="Chat: the customer asked for a person",
            message=clean(message, 4000) or "The customer asked to talk to a person.",
        )
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        if "email" in errors:
            return "Ask the customer for their email address, so the team can reply."
        return "Could not send: " + "; ".join(errors.values())
    submit_contact(ctx.services.db, ctx.services.mailer, ctx.services.settings, request)
    ctx.conversation.handoffs.append(now)
    ctx.turn.writes.append("handoff")
    text = f"I passed your message to the shop team. They will reply to {request.email} within one working day."
    ctx.turn.direct_reply = text
    ctx.note(text)
    return text
