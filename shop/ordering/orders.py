"""Placing and looking up orders.

Orders are written in MongoDB transactions: stock is read inside the transaction and decremented with
a conditional update (`stock >= quantity`), the order, its idempotency key and its confirmation email
are inserted with it. Nothing is oversold and nothing is half-written, whatever the concurrency.
Prices are read inside the transaction, never taken from the client or a cache. An idempotency key,
unique in its collection, turns a retried request into the same order.

Concurrent orders share a transaction (group commit, shop.core.group_commit): SecantusDB runs
transactions one at a time, and a transaction's cost is mostly per command, so writing the orders
that arrived together in one transaction multiplies checkout throughput. Each order in a batch still
succeeds or fails on its own: one whose stock ran out is left out with its own error, and a batch
whose transaction fails as a whole is written again in parts until only the order at fault fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Protocol

from bson import ObjectId
from bson.errors import InvalidStringData
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, field_serializer
from pymongo import UpdateOne
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, PyMongoError

from shop.core.db import unavailable
from shop.core.errors import InvalidInput, NotFound, OutOfStock, ShopError
from shop.core.group_commit import GroupCommit
from shop.core.location_stock import LOCATION_STOCK
from shop.core.metrics import ORDERS
from shop.core.money import to_money
from shop.core.settings import Settings
from shop.core.transactions import with_transaction
from shop.core.validation import MAX_QUANTITY, ProductId, Quantity, describe_errors, line, paragraph
from shop.core.validation import Email as EmailAddress
from shop.inventory.locations import BatchAllocation
from shop.messaging.mail import Email, Mailer, render
from shop.security.limits import Hit, RateLimits
from shop.shipping.address import Address, parse_text
from shop.shipping.config import CommerceConfigStore
from shop.shipping.quote import Quote, QuoteLine, method_for, place_name, quote, zone_for

log = logging.getLogger(__name__)

ORDER_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ORDER_ID_PATTERN = re.compile(r"^ORD-[0-9A-HJKMNP-TV-Z]{8}$")
MAX_ORDER_LINES = 50
STATUSES = ("pending", "confirmed", "shipped", "completed", "cancelled")
UNSTORABLE_ORDER = "Your details contain characters that cannot be saved. Please retype your name and address."


def new_order_id(choose: Callable[[str], str] = secrets.choice) -> str:
    """40 random bits: short enough to read over the phone, too many to guess with the email check.
    The demo passes its seeded generator's `choice`, so the same seed gives the same order ids."""
    return "ORD-" + "".join(choose(ORDER_ID_ALPHABET) for _ in range(8))


def normalize_order_id(value: str) -> str | None:
    candidate = value.strip().upper()
    if not candidate.startswith("ORD-"):
        candidate = "ORD-" + candidate
    return candidate if ORDER_ID_PATTERN.match(candidate) else None


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    productId: ProductId
    quantity: Quantity


# --- shipping (SHIPPING, issue 14): the address as an object, or the old free text as its line1 ----
_ADDRESS_TEXT: TypeAdapter[str] = TypeAdapter(paragraph(500, min_length=5))


def _address(value: object) -> object:
    """The old string address (the API's, the chat's) stays accepted, validated as before. When it
    spells out its parts and names its country ("12 Rue de Rivoli, 75001 Paris, France") it is read
    as a structured address, so a French customer is quoted the French zone, shipping and tax; it
    keeps the text as typed for the order's one-line `address`. Otherwise it is kept whole as line1
    (text only, the shop's home country), as before: a country not named is never guessed."""
    if not isinstance(value, str):
        return value
    try:
        text = _ADDRESS_TEXT.validate_python(value)
    except ValidationError as exc:
        raise ValueError(next(iter(describe_errors(list(exc.errors())).values()))) from None
    parsed = parse_text(text, None)
    return parsed.with_text(text) if parsed is not None else Address.from_text(text)


ShippingAddress = Annotated[Address, BeforeValidator(_address)]


class OrderRequest(BaseModel):
    """What a customer submits; the same model validates the JSON API, the checkout form and the agent."""

    model_config = ConfigDict(extra="forbid")

    customerName: line(100)  # type: ignore[valid-type]
    email: EmailAddress
    address: ShippingAddress
    items: list[OrderItem] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    # payments (issue 14): bank_transfer | pay_on_delivery | stripe | paypal; None = the shop's default.
    paymentMethod: str | None = Field(default=None, max_length=40, pattern=r"^[a-z_]+$")
    # shipping (SHIPPING): the method's id; None is the zone's first (standard) method
    shippingMethod: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] | None = None

    @field_serializer("address")
    def _dump_address(self, address: Address | str) -> str | dict[str, Any]:
        """A free-text address dumps as the text it was, read or not (so a dumped request validates
        again to the same address: the chat's confirmation places what its summary quoted)."""
        if isinstance(address, str):
            return address
        return address.typed if address.typed is not None else address.model_dump()

    @property
    def delivery(self) -> Address:
        """The address as an Address (a copy made with `model_copy(update=...)` may hold the old text)."""
        address: Address | str = self.address
        return Address.from_text(address) if isinstance(address, str) else address

    def merged_items(self) -> list[tuple[ObjectId, int]]:
        """Same product twice becomes one line; sorted so concurrent orders lock stock in one order."""
        totals: dict[str, int] = {}
        for item in self.items:
            totals[item.productId.lower()] = totals.get(item.productId.lower(), 0) + item.quantity
        if any(quantity > MAX_QUANTITY for quantity in totals.values()):
            raise InvalidInput(f"You can order at most {MAX_QUANTITY} of one item.", field="items")
        return sorted((ObjectId(pid), qty) for pid, qty in totals.items())

    def fingerprint(self) -> str:
        payload: dict[str, Any] = {
            "customerName": self.customerName,
            "email": self.email,
            "address": self.delivery.typed if self.delivery.typed is not None else self.delivery.model_dump(),
            "items": [[str(pid), qty] for pid, qty in self.merged_items()],
        }
        if self.shippingMethod is not None:  # shipping (SHIPPING): absent keeps older fingerprints
            payload["shippingMethod"] = self.shippingMethod
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class OrderLineView:
    product_id: str
    name: str
    quantity: int
    unit_price: Decimal
    slug: str | None = None

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def url(self) -> str | None:
        return f"/products/{self.slug}" if self.slug else None


@dataclass
class OrderView:
    id: str
    customer_name: str
    email: str
    address: str
    status: str
    total: Decimal
    lines: list[OrderLineView]
    created_at: datetime
    updated_at: datetime
    session_id: str | None = None
    replayed: bool = False
    # TRACKING (shop/fulfillment): the stored document, for what is derived from the facts each area
    # records (shipments, the delivery estimate, the timeline) without one field here per area.
    source: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # payments (issue 14): the order's `payment` sub-document (shop/payments/methods.py).
    payment: dict[str, Any] = field(default_factory=dict)
    # shipping (SHIPPING): old orders have none of these: subtotal = total, no shipping or tax lines
    subtotal: Decimal | None = None
    shipping_cost: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    shipping_address: dict[str, str] | None = None
    shipping_method: str | None = None
    delivery_days: dict[str, int] | None = None

    @property
    def items_total(self) -> Decimal:
        """The merchandise subtotal (an old order's total, which was nothing else)."""
        return self.subtotal if self.subtotal is not None else self.total

    @classmethod
    def from_doc(cls, doc: dict[str, Any], *, replayed: bool = False) -> OrderView:
        return cls(
            id=doc["_id"],
            customer_name=doc["customerName"],
            email=doc["email"],
            address=doc["address"],
            status=doc["status"],
            total=Decimal(doc["totalAmount"]),
            lines=[
                OrderLineView(
                    str(p["productId"]), p["name"], int(p["quantity"]), Decimal(p["unitPrice"]), p.get("slug")
                )
                for p in doc["products"]
            ],
            created_at=doc["createdAt"],
            updated_at=doc.get("updatedAt", doc["createdAt"]),
            session_id=doc.get("sessionId"),
            replayed=replayed,
            source=doc,  # TRACKING
            payment=doc.get("payment") or {"method": "offline", "status": "pending"},  # payments (issue 14)
            subtotal=Decimal(doc["subtotal"]) if doc.get("subtotal") is not None else None,
            shipping_cost=Decimal(doc.get("shippingCost") or "0.00"),
            tax=Decimal(doc.get("tax") or "0.00"),
            shipping_address=doc.get("shippingAddress"),
            shipping_method=doc.get("shippingMethod"),
            delivery_days=doc.get("deliveryDays"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "customerName": self.customer_name,
            "email": self.email,
            "address": self.address,
            "items": [
                {
                    "productId": line.product_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unitPrice": float(line.unit_price),
                    "lineTotal": float(line.line_total),
                }
                for line in self.lines
            ],
            "totalAmount": float(self.total),
            # shipping (SHIPPING): the money lines, and where and how it ships
            "subtotal": float(self.items_total),
            "shipping": float(self.shipping_cost),
            "tax": float(self.tax),
            "total": float(self.total),
            "shippingAddress": self.shipping_address,
            "shippingMethod": self.shipping_method,
            "deliveryDays": self.delivery_days,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
            # payments (issue 14)
            "payment": {
                key: value
                for key, value in (
                    ("method", self.payment.get("method")),
                    ("status", self.payment.get("status")),
                    ("redirectUrl", self.payment.get("redirectUrl")),
                    ("error", self.payment.get("error")),
                )
                if value is not None
            },
        }


class PaymentTerms(Protocol):
    """What the order service asks of the payments (shop.payments.service.PaymentService, which
    attaches itself as `OrderService.payments`): a Protocol, so ordering does not import payments."""

    def check_method(self, method: str | None) -> str: ...

    def new_payment(self, method: str | None, now: datetime) -> dict[str, Any]: ...

    def start(self, order: OrderView) -> OrderView: ...


class OrderWriter:
    """What every writer of orders holds (the customer's OrderService and the owner's OrderAdmin).

    `on_stock_change` is the catalog cache's invalidation: a placed or cancelled order moves stock,
    and the storefront must not go on showing the old figure.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        mailer: Mailer,
        *,
        on_stock_change: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.mailer = mailer
        self.on_stock_change = on_stock_change

    def _stock_changed(self) -> None:
        """Called after the transaction that moved stock has committed, so no cache reloads the old value."""
        if self.on_stock_change is not None:
            self.on_stock_change()


@dataclass(frozen=True)
class OrderAttempt:
    """One request to place an order, as it waits for the group commit."""

    request: OrderRequest
    idempotency_key: str | None = None
    session_id: str | None = None
    limit: Hit | None = None
    """The order limits' hit, counted by the batch's own transaction (shop.security.limits)."""

    @cached_property
    def items(self) -> list[tuple[ObjectId, int]]:
        """`request.merged_items()`, worked out once however often the batch's transaction runs."""
        return self.request.merged_items()

    @cached_property
    def fingerprint(self) -> str:
        return self.request.fingerprint()


class OrderService(OrderWriter):
    MAX_BATCH = 32
    """Orders written by one transaction at most: a few hundred milliseconds of work on SecantusDB."""
    payments: PaymentTerms | None = None
    """payments (issue 14): set by shop.payments; None leaves orders without a `payment` field."""

    def __init__(
        self,
        *args: Any,
        commerce: CommerceConfigStore | None = None,
        limits: RateLimits | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        """Counts the orders' limits in the order transaction; needed only by callers that pass a `limit`."""
        # shipping (SHIPPING): the owner's zones, rates and tax, cached in-process (no read per order)
        self.commerce = commerce if commerce is not None else CommerceConfigStore(self.db)
        self._group: GroupCommit[OrderAttempt, OrderView | ShopError] = GroupCommit(
            self.place_many, max_batch=self.MAX_BATCH, split_on=self._worth_splitting
        )

    def place(
        self,
        request: OrderRequest,
        *,
        idempotency_key: str | None = None,
        session_id: str | None = None,
        limit: Hit | None = None,
    ) -> OrderView:
        """Place the order, or return the one a previous call with this idempotency key placed.

        Concurrent calls are written together by one transaction (shop.core.group_commit); each still gets
        its own order or its own error, exactly as if it had been alone. `limit` (RateLimits.plan) is
        counted by that transaction: RateLimited when over, and a replay of a placed order counts nothing.
        """
        if limit is not None and self.limits is None:
            raise RuntimeError("an order limit was given to an OrderService built without RateLimits")
        attempt = OrderAttempt(request, idempotency_key, session_id, limit)
        try:
            attempt.items  # noqa: B018 - a bad request fails here, before it joins anyone else's transaction
            self._check_shipping(request)
            outcome = self._group.submit(attempt)
        except ShopError:
            ORDERS.labels("rejected").inc()  # monitoring: orders placed/rejected/failed
            raise
        except Exception:
            ORDERS.labels("failed").inc()
            raise
        if isinstance(outcome, ShopError):
            ORDERS.labels("rejected").inc()
            raise outcome
        ORDERS.labels("placed").inc()
        return outcome

    def place_many(self, attempts: Sequence[OrderAttempt]) -> list[OrderView | ShopError]:
        """Place several orders in one transaction: each one's order, replay or error, in order.

        An order that cannot be placed (short stock, unknown product, a reused key) is left out and
        gets its error; the others are written. A write that conflicts with another process (stock
        or a key written meanwhile) makes pymongo run the whole transaction again from fresh reads.
        If the transaction fails as a whole otherwise (a duplicate key, a value the database cannot
        store, the database going away), it raises having written nothing, and the group commit
        writes the batch again in halves (`_worth_splitting`), so one order's trouble never becomes
        another's. Alone, an order whose text cannot be stored is the customer's input: InvalidInput.
        """
        if not attempts:
            return []
        try:
            outcomes, written = self._write_batch(attempts)
        except DuplicateKeyError:
            if len(attempts) > 1:
                raise
            replayed = self._stored_replay(attempts[0])
            if replayed is not None:
                return [replayed]
            outcomes, written = self._write_batch(attempts)  # an order number drawn twice: draw again
        except (UnicodeEncodeError, InvalidStringData) as exc:
            if len(attempts) > 1:
                raise
            log.warning("an order with text the database cannot store was refused: %s", exc)
            return [InvalidInput(UNSTORABLE_ORDER)]
        if written.orders:
            # Committed: nothing from here on may raise, or the group commit would write them again.
            try:
                self._stock_changed()
                self.mailer.dispatch(written.email_ids)
            except Exception:
                log.exception("%d orders were placed, but their follow-up failed", len(written.orders))
            self._remember_customers(written.orders)
        return outcomes

    def _check_shipping(self, request: OrderRequest) -> None:
        """An address no zone covers or a method not offered there fails before the transaction
        (shipping, SHIPPING); the quote itself is made inside it, from the prices read there."""
        zone, country, region = zone_for(self.commerce.get(), request.delivery)
        method_for(zone, request.shippingMethod, place_name(country, region))

    @staticmethod
    def _worth_splitting(exc: Exception) -> bool:
        """A batch that failed for want of the database fails the same in any part: its callers get
        the error at once (a request waits for one failed transaction, not for 2n-1 of them)."""
        return not unavailable(exc)

    def _stored_replay(self, attempt: OrderAttempt) -> OrderView | ShopError | None:
        """After a duplicate key: the order another request with this idempotency key placed meanwhile."""
        if attempt.idempotency_key is None:
            return None
        key = self.db.order_keys.find_one({"_id": attempt.idempotency_key})
        doc = self.db.orders.find_one({"_id": key["orderId"]}) if key else None
        if key is None or doc is None:
            return None
        return _replay(key, doc, attempt.fingerprint)

    def _write_batch(self, attempts: Sequence[OrderAttempt]) -> tuple[list[OrderView | ShopError], _Written]:
        def transaction(session: ClientSession) -> tuple[list[OrderView | ShopError], _Written]:
            return _BatchWriter(self, attempts, session).write()

        with self.db.client.start_session() as session:
            return with_transaction(session, transaction)

    def _remember_customers(self, orders: list[dict[str, Any]]) -> None:
        """The customer directory is derived from orders (linked by email), so it is kept outside the
        order transaction: SecantusDB runs transactions one at a time, and every write saved there is
        checkout throughput. A failure here loses no order; the next order repairs the entry.

        One read tells new customers from known ones: new ones are inserted together (an insert costs
        SecantusDB a third of an upsert), and a known one is written only if their details changed."""
        latest = {doc["email"]: doc for doc in orders}  # one entry per customer, the latest details
        try:
            known = {
                c["email"]: c
                for c in self.db.customers.find({"email": {"$in": list(latest)}}, {"email": 1, "name": 1, "address": 1})
            }
            new = [
                {
                    "email": email,
                    "name": doc["customerName"],
                    "address": doc["address"],
                    "createdAt": doc["createdAt"],
                    "updatedAt": doc["createdAt"],
                }
                for email, doc in latest.items()
                if email not in known
            ]
            changed = [
                UpdateOne(
                    {"email": email},
                    {"$set": {"name": doc["customerName"], "address": doc["address"], "updatedAt": doc["createdAt"]}},
                )
                for email, doc in latest.items()
                if email in known
                and (known[email].get("name"), known[email].get("address")) != (doc["customerName"], doc["address"])
            ]
            if new:
                try:
                    self.db.customers.insert_many(new, ordered=False)
                except BulkWriteError as exc:
                    # Another process added one of them meanwhile: theirs stands, the rest are in.
                    if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                        raise
            if changed:
                self.db.customers.bulk_write(changed, ordered=False)
        except PyMongoError:
            log.exception("could not update the customer entries of %d orders", len(orders))

    def _confirmation(self, order: OrderView) -> Email:
        text, html = render("order_confirmation", order=order, settings=self.settings)
        return Email(
            [order.email], f"Your order {order.id} at {self.settings.shop_name}", text, html, "order_confirmation"
        )

    # --- lookups ---------------------------------------------------------------------------
    def get(self, order_id: str) -> OrderView | None:
        normalized = normalize_order_id(order_id)
        if normalized is None:
            return None
        doc = self.db.orders.find_one({"_id": normalized})
        return OrderView.from_doc(doc) if doc else None

    def lookup(self, order_id: str, email: str) -> OrderView:
        """The order only when the email matches; the same answer for a wrong number or a wrong email,
        so the lookup cannot be used to learn which order numbers exist."""
        order = self.get(order_id)
        if order is None or not secrets.compare_digest(order.email.encode(), email.strip().lower().encode()):
            raise NotFound("No order matches that number and email.")
        return order

    def for_session(self, order_id: str, session_id: str) -> OrderView:
        order = self.get(order_id)
        if order is None or order.session_id is None or order.session_id != session_id:
            raise NotFound("We could not find that order.")
        return order


@dataclass
class _Written:
    """What a committed batch wrote that needs work after the commit."""

    orders: list[dict[str, Any]]
    email_ids: list[Any]


class _BatchWriter:
    """One run of a batch's transaction. pymongo runs it again after a transient conflict, so it works
    only from what it reads inside the session: stock and prices are never taken from a cache."""

    def __init__(self, service: OrderService, attempts: Sequence[OrderAttempt], session: ClientSession) -> None:
        self.service = service
        self.db = service.db
        self.attempts = attempts
        self.session = session

    def write(self) -> tuple[list[OrderView | ShopError], _Written]:
        db, session = self.db, self.session
        now = datetime.now(UTC)
        keys = [a.idempotency_key for a in self.attempts if a.idempotency_key is not None]
        stored_keys = {k["_id"]: k for k in db.order_keys.find({"_id": {"$in": keys}}, session=session)} if keys else {}
        replayable = (
            {
                doc["_id"]: doc
                for doc in db.orders.find(
                    {"_id": {"$in": [k["orderId"] for k in stored_keys.values()]}}, session=session
                )
            }
            if stored_keys
            else {}
        )
        wanted = sorted({pid for a in self.attempts for pid, _ in a.items})
        products = {
            p["_id"]: p
            for p in db.products.find(
                {"_id": {"$in": wanted}},
                {"price": 1, "name": 1, "slug": 1, "stock": 1, "deletedAt": 1, LOCATION_STOCK: 1, "weightGrams": 1},
                session=session,
            )
        }
        # LOCATIONS (issue 14): which location each line ships from (shop.inventory.locations).
        self.allocation = BatchAllocation(db, session, products)
        hits = [a.limit for a in self.attempts if a.limit is not None]
        limits = self.service.limits.in_transaction(session, hits) if hits and self.service.limits else None
        remaining = {pid: int(p.get("stock", 0)) for pid, p in products.items()}
        taken: dict[ObjectId, int] = {}
        placed_by_key: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # key -> (key doc, order doc)
        outcomes: list[OrderView | ShopError] = []
        orders: list[dict[str, Any]] = []
        key_docs: list[dict[str, Any]] = []
        emails: list[dict[str, Any]] = []
        for attempt in self.attempts:
            key = attempt.idempotency_key
            if key is not None and key in stored_keys:
                doc = replayable.get(stored_keys[key]["orderId"])
                if doc is None:
                    raise RuntimeError(f"the order of idempotency key {key} is missing")
                outcomes.append(_replay(stored_keys[key], doc, attempt.fingerprint))
                continue
            if key is not None and key in placed_by_key:  # the same key twice in this batch
                outcomes.append(_replay(*placed_by_key[key], attempt.fingerprint))
                continue
            if attempt.limit is not None and limits is not None:
                over = limits.take(attempt.limit)
                if over is not None:
                    outcomes.append(over)
                    continue
            shortage = _shortage(attempt.items, products, remaining)
            if shortage is not None:
                outcomes.append(shortage)
                continue
            allocations = self.allocation.allocate(attempt.items)  # LOCATIONS
            if allocations is None:
                outcomes.append(OutOfStock("Part of this order is held at a location that is closing.", field="items"))
                continue
            try:
                doc = self._order_doc(attempt, products, now)
            except InvalidInput as exc:  # shipping (SHIPPING): the config changed since _check_shipping
                outcomes.append(exc)
                continue
            doc["allocations"] = allocations  # LOCATIONS
            for product_id, quantity in attempt.items:
                remaining[product_id] -= quantity
                taken[product_id] = taken.get(product_id, 0) + quantity
            order = OrderView.from_doc(doc)
            outcomes.append(order)
            orders.append(doc)
            if key is not None:
                key_doc = {"_id": key, "orderId": doc["_id"], "fingerprint": attempt.fingerprint, "createdAt": now}
                key_docs.append(key_doc)
                placed_by_key[key] = (key_doc, doc)
            emails.append(self.service.mailer.document(self.service._confirmation(order)))
        if limits is not None:
            limits.write()
        if not orders:
            return outcomes, _Written([], [])
        if key_docs:
            # First: a key another process inserted meanwhile stops the batch here (DuplicateKeyError).
            db.order_keys.insert_many(key_docs, session=session)
        self._take_stock(taken, remaining, now)
        db.orders.insert_many(orders, session=session)
        email_ids = db.outbox.insert_many(emails, session=session).inserted_ids
        return outcomes, _Written(orders, list(email_ids))

    def _order_doc(
        self, attempt: OrderAttempt, products: dict[ObjectId, dict[str, Any]], now: datetime
    ) -> dict[str, Any]:
        lines: list[dict[str, Any]] = []
        quote_lines: list[QuoteLine] = []
        for product_id, quantity in attempt.items:
            product = products[product_id]
            unit_price = to_money(product["price"])
            lines.append(
                {
                    "productId": product_id,
                    "name": product["name"],
                    "slug": product["slug"],
                    "quantity": quantity,
                    "unitPrice": unit_price,
                }
            )
            quote_lines.append(QuoteLine(unit_price, quantity, _weight(product.get("weightGrams"))))
        request = attempt.request
        # shipping (SHIPPING): subtotal, shipping, tax and total from the prices read in this transaction
        config = self.service.commerce.get()
        costs: Quote = quote(quote_lines, request.delivery, request.shippingMethod, config=config)
        doc: dict[str, Any] = {
            "_id": new_order_id(),
            "customerName": request.customerName,
            "email": request.email,
            "address": request.delivery.one_line(),
            "shippingAddress": request.delivery.stored(config.home_country),
            "products": lines,
            **costs.order_fields(),
            "status": "pending",
            "sessionId": attempt.session_id,
            "requestFingerprint": attempt.fingerprint,
            "createdAt": now,
            "updatedAt": now,
        }
        if attempt.idempotency_key is not None:
            doc["idempotencyKey"] = attempt.idempotency_key
        if self.service.payments is not None:  # payments (issue 14)
            doc["payment"] = self.service.payments.new_payment(request.paymentMethod, now)
        return doc

    def _take_stock(self, taken: dict[ObjectId, int], remaining: dict[ObjectId, int], now: datetime) -> None:
        """One conditional decrement per product for the whole batch, sorted so that concurrent
        writers lock stock in one order. The condition keeps the never-oversell guarantee even if
        the read above were stale; on a mismatch the whole batch is run again from a fresh read."""
        ordered = sorted(taken.items())
        result = self.db.products.bulk_write(
            [
                UpdateOne(
                    # LOCATIONS: the per-location conditions and decrements ride on the same update.
                    {"_id": product_id, "deletedAt": None, "stock": {"$gte": quantity}}
                    | self.allocation.conditions(product_id),
                    {"$inc": {"stock": -quantity} | self.allocation.increments(product_id), "$set": {"updatedAt": now}},
                )
                for product_id, quantity in ordered
            ],
            session=self.session,
        )
        if result.matched_count != len(ordered):
            raise OperationFailure(
                "stock changed while the order was written", 112, {"errorLabels": ["TransientTransactionError"]}
            )
        threshold = self.service.settings.low_stock_threshold
        self.db.inventory.bulk_write(
            [
                UpdateOne(
                    {"productId": product_id},
                    {
                        "$inc": {"stockLevel": -quantity},
                        "$set": {"restockAlert": remaining[product_id] <= threshold, "updatedAt": now},
                    },
                )
                for product_id, quantity in ordered
            ],
            session=self.session,
        )


def _weight(value: Any) -> int | None:
    """A product's `weightGrams` as stored (absent, or not a positive whole number: the default weight)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _replay(key: dict[str, Any], doc: dict[str, Any], fingerprint: str) -> OrderView | ShopError:
    """A retry's answer: the order its key placed, unless the key came with other order details."""
    if key.get("fingerprint") != fingerprint:
        return InvalidInput("This Idempotency-Key was already used for a different order.", field="Idempotency-Key")
    return OrderView.from_doc(doc, replayed=True)


def _shortage(
    items: list[tuple[ObjectId, int]], products: dict[ObjectId, dict[str, Any]], remaining: dict[ObjectId, int]
) -> ShopError | None:
    """Why these lines cannot be had from what is left, as the customer should read it; None if they can."""
    for product_id, quantity in items:
        product = products.get(product_id)
        if product is None or product.get("deletedAt") is not None:
            return NotFound(f"Product {product_id} does not exist.", field="items")
        available = remaining[product_id]
        if available < quantity:
            if available <= 0:
                return OutOfStock(f"Sorry, {product['name']} is sold out.", field="items")
            return OutOfStock(
                f"Only {available} of {product['name']} left in stock; you asked for {quantity}.", field="items"
            )
    return None
