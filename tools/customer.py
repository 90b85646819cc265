"""The customer's tools: find products, manage the cart, prepare orders, look up orders, policies, help.

Designed for a small local model: few tools, flat arguments with plain defaults (no nullable unions,
which cost schema tokens), one cart tool with an `action`, products named by the short refs the
results carry ("P3") or by name. Each tool's logic is a plain function of the `ToolContext` (so code can
run it too, e.g. the agent's search before the model is asked); the `@tool` wrappers only unpack the
runtime context, which the model cannot see or fill.

Writes: cart changes happen at once (like the add-to-cart button); orders, cancellations and wishlist
additions are only *prepared* here and need the customer's explicit yes (see tools/actions.py).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from langchain.tools import ToolRuntime, tool
from pydantic import Field, ValidationError

from shop.catalog.snapshot import CatalogQuery, Product
from shop.conversations.policies import PolicySection
from shop.core.errors import ShopError
from shop.core.validation import describe_errors
from shop.messaging.contact import ContactRequest, submit_contact
from shop.ordering.orders import normalize_order_id
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
)
from tools.context import ToolContext

log = logging.getLogger(__name__)

HANDOFF_INTERVAL = timedelta(minutes=10)
_MONEY_IN_TEXT = re.compile(r"\$\s?(\d{1,6}(?:,\d{3})*(?:\.\d{1,2})?)")


def _unknown_product(text: str) -> str:
    return f"No product matches {clean(text, 60)!r}. Search first, then use the product's ref (like P2)."


def need_cart(ctx: ToolContext) -> str:
    if ctx.cart_id is None:
        raise ShopError("This chat has no cart.")
    return ctx.cart_id


def _price(value: float) -> Decimal | None:
    if not value or value <= 0:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


# --------------------------------------------------------------------------------------------------
# Plain functions (the tools' logic)
# --------------------------------------------------------------------------------------------------


def search(ctx: ToolContext, query: str, category: str = "", max_price: float = 0, min_price: float = 0) -> str:
    """Hybrid search (keywords + embeddings) with the storefront's own filters and ranking."""
    category = category.strip().lower()
    if ctx.services.catalog.category(category) is None:
        category = ""
    low, high = _price(min_price), _price(max_price)
    if low is not None and high is not None and low > high:
        low = None
    query_model = CatalogQuery(
        q=clean(query, 100) or None,
        category=category or None,
        min_price=low,
        max_price=high,
        page_size=MAX_ITEMS,
    )
    result = ctx.services.search.search(ctx.services.catalog, query_model)
    items = result.page.items[: MAX_ITEMS - 1] if result.page.total > MAX_ITEMS else result.page.items
    if not items:
        ctx.note("I could not find a product matching that in the shop.")
        return fence(f"No products found for {clean(query, 60)!r}.", "catalog")
    lines = [product_line(ctx, p) for p in items]
    ctx.note("Here is what I found:\n" + "\n".join(f"- {plain_product(ctx, p)}" for p in items))
    more = f"\n({result.page.total} matches in all; showing {len(items)}.)" if result.page.total > len(items) else ""
    return fence("\n".join(lines) + more, "catalog")


def details(ctx: ToolContext, product: str) -> str:
    found = resolve_product(ctx, product)
    if found is None:
        return _unknown_product(product)
    ctx.remember(found, card=True)
    body = [product_line(ctx, found, description_chars=DESCRIPTION_CHARS)]
    if found.attributes:
        attrs = "; ".join(f"{clean(k, 30)}: {clean(v, 60)}" for k, v in list(found.attributes.items())[:6])
        body.append("Attributes: " + attrs)
    for review in _reviews(ctx, found):
        body.append(review)
    ctx.note(plain_product(ctx, found))
    return fence("\n".join(body), "catalog")


def _reviews(ctx: ToolContext, product: Product, limit: int = 1) -> list[str]:
    """A couple of recent reviews: customer-written text, so cleaned and trimmed like any other data."""
    try:
        from shop.reviews.product_reviews import visible_reviews

        reviews = visible_reviews(ctx.services.db, product.id, limit=limit)
    except Exception:  # reviews are a nice-to-have in an answer, never a reason to fail it
        log.exception("could not read reviews of %s", product.id)
        return []
    return [f"Review {r.rating}/5: {clean(r.text, REVIEW_CHARS)}" for r in reviews]


def recommend(ctx: ToolContext, product: str = "") -> str:
    services = ctx.services
    if product.strip():
        found = resolve_product(ctx, product)
        if found is None:
            return _unknown_product(product)
        ctx.remember(found)
        items = services.recommender.similar(found.id, n=MAX_ITEMS - 1)
        if not items:  # no embeddings yet: the same shelf, best rated first
            shelf = [p for p in services.catalog.all() if p.category == found.category and p.id != found.id]
            items = sorted(shelf, key=lambda p: (not p.in_stock, -p.rating, p.name))[: MAX_ITEMS - 1]
        title = f"Similar to {clean(found.name, 80)}:"
    else:
        if ctx.cart_id:
            cart = list(services.carts.quantities(ctx.cart_id))
            items = services.recommender.for_visitor(ctx.cart_id, n=MAX_ITEMS - 1, cart=cart).items
        else:
            items = services.catalog.featured(MAX_ITEMS - 1)
        if not items:  # a new shop without orders or featured products: best rated in stock
            shelf = [p for p in services.catalog.all() if p.in_stock]
            items = sorted(shelf, key=lambda p: (-p.rating, -p.review_count, p.name))[: MAX_ITEMS - 1]
        title = "Picks for the customer:"
    if not items:
        return fence("No recommendations available.", "catalog")
    ctx.note("You might like:\n" + "\n".join(f"- {plain_product(ctx, p)}" for p in items))
    return fence(title + "\n" + "\n".join(product_line(ctx, p) for p in items), "catalog")


def cart_text(ctx: ToolContext) -> str:
    """The cart in plain words (used for direct replies and for the model)."""
    cart = ctx.services.carts.view(need_cart(ctx))
    if cart.empty:
        return "Your cart is empty."
    lines = []
    for line in cart.lines:
        ctx.remember(line.product, card=False)
        lines.append(
            f"- {line.quantity} × {line.product.name} at {money(ctx, line.product.price)} = {money(ctx, line.line_total)}"
        )
    text = "Your cart:\n" + "\n".join(lines) + f"\nSubtotal: {money(ctx, cart.subtotal)}"
    if cart.problems:
        text += "\n" + " ".join(cart.problems)
    return text


def cart(ctx: ToolContext, action: str = "view", product: str = "", quantity: int = 1) -> str:
    """View or change the session's cart; changes end the turn with a reply written by code."""
    cart_id = need_cart(ctx)
    action = action if action in ("view", "add", "set", "remove") else "view"
    if action == "view":
        text = cart_text(ctx)
        ctx.note(text)
        ctx.turn.direct_reply = text
        return fence(text, "cart")
    found = resolve_product(ctx, product)
    if found is None:
        return _unknown_product(product)
    ref = ctx.remember(found, card=True)
    services = ctx.services
    count = max(0, min(int(quantity or 0), 99))
    if action == "add":
        services.carts.add(cart_id, found.id, max(1, count))
        done = f"Added {max(1, count)} × {found.name} ({money(ctx, found.price)} each) to your cart."
    elif action == "set" and count > 0:
        services.carts.set_quantity(cart_id, found.id, count)
        done = f"Your cart now has {count} × {found.name}."
    else:
        services.carts.set_quantity(cart_id, found.id, 0)
        done = f"Removed {found.name} from your cart."
    ctx.turn.writes.append(f"cart:{action}:{found.id}")
    text = done + "\n\n" + cart_text(ctx)
    ctx.note(text)
    ctx.turn.direct_reply = text
    return fence(f"{ref} {text}", "cart")


def place_order(ctx: ToolContext, name: str, email: str, address: str) -> str:
    """Only prepares the order: the customer confirms the exact summary, then code places it."""
    if not ctx.given_by_customer(email):
        return "Ask the customer for their email address (and name and delivery address); never guess them."
    action = actions.prepare_order(ctx.services, need_cart(ctx), name, email, address)
    return pending(ctx, action)


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


STATUS_NEXT = {
    "pending": "We will confirm it for shipping soon.",
    "confirmed": "It is being packed and will ship soon.",
    "shipped": "It is on its way.",
    "completed": "It has been delivered.",
    "cancelled": "It was cancelled.",
}


def order_status(ctx: ToolContext, order_id: str, email: str) -> str:
    """Status of one order; the email must match the order's (the same rule as the lookup page).

    Answered in code's words: the facts are all in the order, and a small model tends to thank the
    customer instead of telling them the status."""
    if normalize_order_id(order_id or "") is None:
        return "That is not an order number (they look like ORD-7K2M9QXD)."
    if "@" not in (email or "") or not ctx.given_by_customer(email) or not _order_given(ctx, order_id):
        return "Ask the customer for the order number and the email address the order was placed with."
    order = ctx.services.orders.lookup(order_id, email)
    ctx.turn.order_ids.add(order.id)
    lines = [f"{line.quantity} × {clean(line.name, 80)}" for line in order.lines]
    text = (
        f"Order {order.id}: status {order.status}; placed {order.created_at:%Y-%m-%d}; "
        f"total {money(ctx, order.total)}; items: {', '.join(lines)}."
    )
    for line in order.lines:
        ctx.allow_amounts(line.unit_price, line.line_total)
        product = ctx.services.catalog.get_any(line.product_id)
        if product is not None:
            ctx.remember(product)
    reply = (
        f"Your order {order.id} is {order.status} (placed {order.created_at:%d %b %Y}). "
        f"{STATUS_NEXT.get(order.status, '')}\nItems: {', '.join(lines)}. Total: {money(ctx, order.total)}."
    )
    ctx.note(reply)
    ctx.turn.direct_reply = reply
    return fence(text, "order")


def _order_given(ctx: ToolContext, order_id: str) -> bool:
    normalized = normalize_order_id(order_id or "") or ""
    return ctx.given_by_customer(normalized) or ctx.given_by_customer(normalized.removeprefix("ORD-"))


def cancel_order(ctx: ToolContext, order_id: str, email: str) -> str:
    if normalize_order_id(order_id or "") is None or "@" not in (email or ""):
        return "To cancel I need the order number (like ORD-7K2M9QXD) and the email it was placed with."
    if not ctx.given_by_customer(email) or not _order_given(ctx, order_id):
        return "Ask the customer for the order number and the email address the order was placed with."
    return pending(ctx, actions.prepare_cancel(ctx.services, order_id, email))


def policy(ctx: ToolContext, question: str) -> str:
    """Answers from the owner's policy files; the owner's text is trusted, so its amounts may be quoted."""
    library = ctx.services.policies
    sections = library.find(question)
    if not sections:
        topics = ", ".join(library.topics()) or "none"
        return fence(f"No policy matches. Topics: {topics}.", "policies")
    # Only the best section's own document: a second topic that scored on a shared word is noise.
    sections = [section for section in sections if section.topic == sections[0].topic]
    body = [f"{section.title}: {policy_text(ctx, section)}" for section in sections]
    return fence("\n".join(body), "policies")


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


# --------------------------------------------------------------------------------------------------
# LangChain tools (what the model sees)
# --------------------------------------------------------------------------------------------------

Runtime = ToolRuntime[ToolContext]
ProductRef = Annotated[str, Field(description="ref like P2, or product name")]


@tool("search_products", description="Find products. category: coffee, tea, food or beauty. 0 = no price limit.")
def search_products_tool(
    query: str, runtime: Runtime, category: str = "", max_price: float = 0, min_price: float = 0
) -> str:
    return search(runtime.context, query, category, max_price, min_price)


@tool("product_details", description="Details and reviews of one product.")
def product_details_tool(product: ProductRef, runtime: Runtime) -> str:
    return details(runtime.context, product)


@tool("recommend", description="Products similar to one product; with no product, picks for this customer.")
def recommend_tool(runtime: Runtime, product: str = "") -> str:
    return recommend(runtime.context, product)


@tool("cart", description="View or change the cart.")
def cart_tool(
    runtime: Runtime,
    action: Literal["view", "add", "set", "remove"] = "view",
    product: str = "",
    quantity: int = 1,
) -> str:
    return cart(runtime.context, action, product, quantity)


@tool(
    "place_order",
    description="Order the cart. Needs the customer's name, email and delivery address. The customer confirms after.",
)
def place_order_tool(name: str, email: str, address: str, runtime: Runtime) -> str:
    return place_order(runtime.context, name, email, address)


@tool("order_status", description="Status of an order. Needs the order number and the email used for it.")
def order_status_tool(order_id: str, email: str, runtime: Runtime) -> str:
    return order_status(runtime.context, order_id, email)


@tool(
    "cancel_order",
    description="Cancel a pending order. Needs the order number and its email. The customer confirms after.",
)
def cancel_order_tool(order_id: str, email: str, runtime: Runtime) -> str:
    return cancel_order(runtime.context, order_id, email)


@tool("shop_policy", description="Shipping, returns, payment and contact information.")
def shop_policy_tool(question: str, runtime: Runtime) -> str:
    return policy(runtime.context, question)


@tool("wishlist", description="List the wishlist, or add a product to it.")
def wishlist_tool(runtime: Runtime, action: Literal["list", "add"] = "list", product: str = "") -> str:
    return wishlist(runtime.context, action, product)


@tool(
    "talk_to_human",
    description="Send the customer's message to the shop team, who reply by email.",
)
def talk_to_human_tool(message: str, email: str, runtime: Runtime, name: str = "") -> str:
    return handoff(runtime.context, message, email, name)


CUSTOMER_TOOLS: list[Any] = [
    search_products_tool,
    product_details_tool,
    recommend_tool,
    cart_tool,
    place_order_tool,
    order_status_tool,
    cancel_order_tool,
    shop_policy_tool,
    wishlist_tool,
    talk_to_human_tool,
]
