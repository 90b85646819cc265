"""Return requests (RMA) and their lifecycle, in the `returns` collection (one document per request).

    requested -> approved | rejected
    approved  -> received -> refunded      (resolution "refund")
    approved  -> received -> exchanged     (resolution "exchange")

- A request is decided by shop.returns.policy from the order as stored; refused, nothing is written
  (the API answers 422 with the policy's sentence). Requests of one order are written one at a time:
  each transaction first bumps the order's counter in `return_locks`, so two requests racing for the
  last returnable unit conflict and the second is decided again from fresh reads.
- The owner approves (the customer gets the return label) or rejects (with a reason for the customer).
- Receipt is one transaction: a compare-and-set from "approved" (two racing receipts: one wins, the
  other is refused), the units back on the shelf, and the activity log entry. Damaged or wrong items
  are not put back for sale (they are written off; the return records which). Then the refund goes
  out through the `Refunder` (idempotent by the key "return:<RMA>": a retried or racing refund pays
  once) and a second compare-and-set records it ("received" -> "refunded"). If the provider fails, the
  return stays "received" and the owner's "Issue refund" retries it with the same key.
- Exchange, the simplest honest rule: the replacement is the same product, taken from stock when the
  return is received, in the same transaction that puts the returned units back; the return then
  records a replacement to ship (`replacement.status` "to_ship", for the owner's shipping). If the
  product has run out meanwhile, the receipt refunds the items instead and says so.

Emails (through the outbox) at each step: requested, approved (with the label link), rejected (with
the reason), refunded, exchanged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.catalog.snapshot import Catalog
from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.pagination import Page, newest_page
from shop.core.settings import Settings
from shop.core.transactions import run_transaction
from shop.core.validation import ProductId, Quantity, paragraph
from shop.fulfillment.shipments import delivered_at
from shop.messaging.mail import Email, Mailer, render
from shop.ordering.orders import MAX_ORDER_LINES, ORDER_ID_ALPHABET, normalize_order_id
from shop.returns.config import ReturnWindows, category_rules, return_windows
from shop.returns.policy import DecidedLine, Decision, ReturnLine, days_since, decide, order_refusal
from shop.returns.refunds import Refunder, describe_refund

log = logging.getLogger(__name__)

STATUSES = ("requested", "approved", "rejected", "received", "refunded", "exchanged")
OPEN_STATUSES = ("requested", "approved", "received")
"""Requests whose units count against what is left to return (refunded and exchanged ones count too)."""
COUNTED_STATUSES = (*OPEN_STATUSES, "refunded", "exchanged")
RMA_PREFIX = "RMA-"
NO_ORDER = "No order matches that number and email."
NO_RETURN = "There is no return with that number."


def new_rma_id() -> str:
    return RMA_PREFIX + "".join(secrets.choice(ORDER_ID_ALPHABET) for _ in range(8))


def normalize_rma_id(value: str) -> str | None:
    candidate = value.strip().upper()
    if not candidate.startswith(RMA_PREFIX):
        candidate = RMA_PREFIX + candidate
    body = candidate[len(RMA_PREFIX) :]
    return candidate if len(body) == 8 and all(ch in ORDER_ID_ALPHABET for ch in body) else None


class ReturnItemInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    productId: ProductId
    quantity: Quantity
    opened: bool = False
    damaged: bool = False
    """Arrived damaged, or was not what was ordered (an addition to the issue's item fields)."""


class ReturnInput(BaseModel):
    """A return request, as the JSON API, the order page's form and the chat submit it."""

    model_config = ConfigDict(extra="forbid")

    items: list[ReturnItemInput] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    reason: paragraph(1000, min_length=0) = ""  # type: ignore[valid-type]
    resolution: Literal["refund", "exchange"] = "refund"

    def lines(self) -> list[ReturnLine]:
        return [ReturnLine(i.productId.lower(), i.quantity, i.opened, i.damaged) for i in self.items]


@dataclass
class ReturnView:
    id: str
    order_id: str
    email: str
    customer_name: str
    status: str
    resolution: str
    reason: str
    lines: list[DecidedLine]
    refund_amount: Decimal
    shipping_refund: Decimal
    created_at: datetime
    updated_at: datetime
    decision_reason: str = ""
    refund: dict[str, Any] | None = None
    replacement: dict[str, Any] | None = None
    history: list[dict[str, Any]] | None = None
    replayed: bool = False

    @classmethod
    def from_doc(cls, doc: dict[str, Any], *, replayed: bool = False) -> ReturnView:
        return cls(
            id=doc["_id"],
            order_id=doc["orderId"],
            email=doc["email"],
            customer_name=doc.get("customerName", ""),
            status=doc["status"],
            resolution=doc["resolution"],
            reason=doc.get("reason", ""),
            lines=[
                DecidedLine(
                    str(i["productId"]),
                    i["name"],
                    int(i["quantity"]),
                    Decimal(str(i["unitPrice"])),
                    bool(i.get("opened")),
                    bool(i.get("damaged")),
                )
                for i in doc["items"]
            ],
            refund_amount=Decimal(str(doc.get("refundAmount", "0"))),
            shipping_refund=Decimal(str(doc.get("shippingRefund", "0"))),
            created_at=doc["createdAt"],
            updated_at=doc.get("updatedAt", doc["createdAt"]),
            decision_reason=doc.get("decisionReason", ""),
            refund=doc.get("refund"),
            replacement=doc.get("replacement"),
            history=doc.get("history") or [],
            replayed=replayed,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "orderId": self.order_id,
            "status": self.status,
            "resolution": self.resolution,
            "refundAmount": float(self.refund_amount),
            "items": [
                {
                    "productId": line.product_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "opened": line.opened,
                    "damaged": line.damaged,
                }
                for line in self.lines
            ],
            "createdAt": self.created_at.isoformat(),
            **({"decisionReason": self.decision_reason} if self.decision_reason else {}),
        }


class ReturnService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        mailer: Mailer,
        catalog: Catalog,
        refunder: Refunder,
        *,
        on_stock_change: Callable[[], None] | None = None,
        windows_config: Callable[[], Any] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.mailer = mailer
        self.catalog = catalog
        self.refunder = refunder
        self.on_stock_change = on_stock_change
        self.windows_config = windows_config
        """Where the owner's CommerceConfig comes from, once shop.shipping is merged (see shop.returns.config)."""

    # --- the customer's side ---------------------------------------------------------------------
    def order_for(self, order_id: str, email: str) -> dict[str, Any]:
        """The order document when the email matches; one answer for a wrong number or email (as the lookup)."""
        normalized = normalize_order_id(order_id)
        doc = self.db.orders.find_one({"_id": normalized}) if normalized else None
        given = email.strip().lower().encode()
        if doc is None or not secrets.compare_digest(str(doc.get("email", "")).encode(), given):
            raise NotFound(NO_ORDER)
        return doc

    def decide(self, order: dict[str, Any], request: ReturnInput, *, session: ClientSession | None = None) -> Decision:
        """The policy's decision on this request for this order as stored now (nothing is written)."""
        returning: dict[str, int] = {}
        for existing in self.db.returns.find(
            {"orderId": order["_id"], "status": {"$in": list(COUNTED_STATUSES)}}, {"items": 1}, session=session
        ):
            for item in existing["items"]:
                returning[str(item["productId"])] = returning.get(str(item["productId"]), 0) + int(item["quantity"])
        product_categories = {}
        for line in order.get("products") or []:
            product = self.catalog.get_any(str(line["productId"]))
            product_categories[str(line["productId"])] = product.category if product is not None else ""
        moment = delivered_at(order)
        days = days_since(moment, datetime.now(UTC)) if moment is not None else None
        windows = self.windows()
        return decide(
            order,
            request.lines(),
            category_rules(self.catalog.all_categories()),
            product_categories,
            days,
            windows,
            resolution=request.resolution,
            already_returning=returning,
        )

    def windows(self) -> ReturnWindows:
        return return_windows(self.windows_config() if self.windows_config else None)

    def no_opened_returns(self, order: dict[str, Any]) -> list[str]:
        """Names of the categories of this order's products that take no opened items back (the form's note)."""
        rules = category_rules(self.catalog.all_categories())
        slugs = [
            p.category for line in order.get("products") or [] if (p := self.catalog.get_any(str(line["productId"])))
        ]
        return list(dict.fromkeys(rules[s].name for s in slugs if s in rules and not rules[s].opened_returns))

    def closed_reason(self, order: dict[str, Any]) -> str:
        """Why nothing of this order can be returned (the chat says it before asking for items); "" if items may be."""
        moment = delivered_at(order)
        days = days_since(moment, datetime.now(UTC)) if moment is not None else None
        return order_refusal(order, days, self.windows())

    def request(
        self, order_id: str, email: str, request: ReturnInput, *, channel: str = "web", key: str | None = None
    ) -> ReturnView:
        """Create a return request if the policy allows it (InvalidInput with the policy's sentence if not).
        `key` makes a retry (the chat's action id) return the request the first attempt created."""
        order = self.order_for(order_id, email)
        now = datetime.now(UTC)

        def work(session: ClientSession) -> tuple[dict[str, Any], bool, Any]:
            # Serialises the requests of one order: two transactions writing this document conflict.
            self.db.return_locks.update_one(
                {"_id": order["_id"]}, {"$inc": {"n": 1}, "$set": {"at": now}}, upsert=True, session=session
            )
            if key is not None:
                done = self.db.returns.find_one({"orderId": order["_id"], "key": key}, session=session)
                if done is not None:
                    return done, True, None
            fresh = self.db.orders.find_one({"_id": order["_id"]}, session=session) or order
            decision = self.decide(fresh, request, session=session)
            if not decision.allowed:
                raise InvalidInput(decision.reason, field="items")
            doc = {
                "_id": new_rma_id(),
                "orderId": order["_id"],
                "email": order["email"],
                "customerName": order.get("customerName", ""),
                "items": [
                    {
                        "productId": line.product_id,
                        "name": line.name,
                        "quantity": line.quantity,
                        "unitPrice": line.unit_price,
                        "opened": line.opened,
                        "damaged": line.damaged,
                    }
                    for line in decision.lines
                ],
                "reason": request.reason,
                "resolution": request.resolution,
                "status": "requested",
                "refundAmount": decision.refund,
                "shippingRefund": decision.shipping_refund,
                "channel": channel,
                "history": [{"status": "requested", "from": None, "at": now, "by": f"customer:{order['email']}"}],
                "createdAt": now,
                "updatedAt": now,
            }
            if key is not None:
                doc["key"] = key
            self.db.returns.insert_one(doc, session=session)
            email_doc = self.mailer.document(self._email(ReturnView.from_doc(doc)))
            email_id = self.db.outbox.insert_one(email_doc, session=session).inserted_id
            return doc, False, email_id

        doc, replayed, email_id = run_transaction(self.db, work)
        if email_id is not None:
            self._dispatch([email_id])
        return ReturnView.from_doc(doc, replayed=replayed)

    def for_order(self, order_id: str) -> list[ReturnView]:
        docs = self.db.returns.find({"orderId": order_id}).sort("createdAt", 1)
        return [ReturnView.from_doc(doc) for doc in docs]

    def for_customer(self, rma_id: str, order_id: str, email: str) -> ReturnView:
        order = self.order_for(order_id, email)
        found = self.get(rma_id)
        if found.order_id != order["_id"]:
            raise NotFound(NO_RETURN)
        return found

    # --- the owner's side ------------------------------------------------------------------------
    def list(self, *, status: str | None = None, order_id: str | None = None, page: int = 1) -> Page[ReturnView]:
        filters: dict[str, Any] = {}
        if status in STATUSES:
            filters["status"] = status
        if order_id:
            filters["orderId"] = normalize_order_id(order_id) or order_id.strip().upper()
        return newest_page(self.db.returns, filters, page, 50).map(ReturnView.from_doc)

    def get(self, rma_id: str) -> ReturnView:
        normalized = normalize_rma_id(rma_id)
        doc = self.db.returns.find_one({"_id": normalized}) if normalized else None
        if doc is None:
            raise NotFound(NO_RETURN)
        return ReturnView.from_doc(doc)

    def approve(self, rma_id: str, *, owner: str) -> ReturnView:
        doc = self._move(rma_id, "requested", "approved", owner)
        return self._after(doc)

    def reject(self, rma_id: str, reason: str, *, owner: str) -> ReturnView:
        text = " ".join(reason.split())[:500]
        if not text:
            raise InvalidInput("Please give the customer a reason for the rejection.", field="reason")
        doc = self._move(rma_id, "requested", "rejected", owner, extra={"decisionReason": text})
        return self._after(doc)

    def receive(self, rma_id: str, *, owner: str) -> ReturnView:
        """The parcel is back: stock back and the status changed in one transaction, then the refund."""
        doc = self._move(rma_id, "approved", "received", owner, on_move=self._restock)
        if self.on_stock_change is not None:
            self.on_stock_change()
        if doc["status"] == "exchanged":
            return self._after(doc)
        return self.issue_refund(doc["_id"], owner=owner)

    def issue_refund(self, rma_id: str, *, owner: str) -> ReturnView:
        """Refund a received return through the refunder (idempotent by key), then record it."""
        current = self.get(rma_id)
        if current.status == "refunded":
            return current
        if current.status != "received":
            raise Conflict(f"Return {current.id} is {current.status}; only a received return is refunded.")
        result = self.refunder.refund(
            current.order_id,
            current.refund_amount,
            reason=f"Return {current.id}",
            key=f"return:{current.id}",
        )
        record = describe_refund(result, current.refund_amount)
        try:
            doc = self._move(current.id, "received", "refunded", owner, extra={"refund": record})
        except Conflict:
            return self.get(current.id)  # a racing call recorded the same (single) refund first
        return self._after(doc)

    # --- transitions -----------------------------------------------------------------------------
    def _move(
        self,
        rma_id: str,
        previous: str,
        new: str,
        owner: str,
        *,
        extra: dict[str, Any] | None = None,
        on_move: Callable[[ClientSession, dict[str, Any], datetime], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Compare-and-set from `previous` to `new` in a transaction; `on_move` adds its own writes (and
        may return more fields to set, a further status included)."""
        normalized = normalize_rma_id(rma_id)
        if normalized is None:
            raise NotFound(NO_RETURN)

        def work(session: ClientSession) -> dict[str, Any]:
            doc = self.db.returns.find_one({"_id": normalized}, session=session)
            if doc is None:
                raise NotFound(NO_RETURN)
            if doc["status"] != previous:
                raise Conflict(f"Return {normalized} is {doc['status']}, so it cannot become {new}.", field="status")
            now = datetime.now(UTC)
            fields: dict[str, Any] = {"status": new, "updatedAt": now, **(extra or {})}
            steps = [{"status": new, "from": previous, "at": now, "by": owner}]
            if on_move is not None:
                more = on_move(session, doc, now)
                if more.get("status") and more["status"] != new:
                    steps.append({"status": more["status"], "from": new, "at": now, "by": owner})
                fields.update(more)
            # Compare-and-set: another request that moved the return meanwhile makes this match nothing.
            result = self.db.returns.update_one(
                {"_id": normalized, "status": previous},
                {"$set": fields, "$push": {"history": {"$each": steps}}},
                session=session,
            )
            if result.matched_count != 1:
                raise Conflict(f"Return {normalized} was changed by someone else; reload and try again.")
            log_activity(
                self.db,
                owner,
                "return.status",
                "return",
                normalized,
                {"status": previous},
                {
                    "status": fields["status"],
                    **({"stockReturned": fields["stockReturned"]} if fields.get("stockReturned") else {}),
                },
                session=session,
            )
            return {**doc, **fields}

        return run_transaction(self.db, work)

    def _restock(self, session: ClientSession, doc: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Put the returned units back on the shelf (damaged or wrong ones are written off), and for an
        exchange take the replacement units."""
        from bson import ObjectId

        returned: list[dict[str, Any]] = []
        for item in sorted(doc["items"], key=lambda i: str(i["productId"])):
            if item.get("damaged"):
                continue
            self._stock(session, ObjectId(str(item["productId"])), int(item["quantity"]), now)
            returned.append({"productId": str(item["productId"]), "quantity": int(item["quantity"])})
        more: dict[str, Any] = {"stockReturned": returned, "receivedAt": now}
        if doc["resolution"] != "exchange":
            return more
        for item in doc["items"]:
            product = self.db.products.find_one(
                {"_id": ObjectId(str(item["productId"]))}, {"stock": 1, "deletedAt": 1}, session=session
            )
            if (
                product is None
                or product.get("deletedAt") is not None
                or int(product.get("stock", 0)) < int(item["quantity"])
            ):
                # The same product cannot be sent: the customer is refunded instead (said in the email).
                value = sum((Decimal(str(i["unitPrice"])) * int(i["quantity"]) for i in doc["items"]), Decimal("0"))
                return {
                    **more,
                    "refundAmount": value,
                    "decisionReason": "The replacement was out of stock, so we refund the items instead.",
                }
        for item in doc["items"]:
            self._stock(session, ObjectId(str(item["productId"])), -int(item["quantity"]), now)
        replacement = {
            "status": "to_ship",
            "items": [
                {"productId": str(i["productId"]), "name": i["name"], "quantity": int(i["quantity"])}
                for i in doc["items"]
            ],
            "at": now,
        }
        return {**more, "status": "exchanged", "replacement": replacement}

    def _stock(self, session: ClientSession, product_id: Any, delta: int, now: datetime) -> None:
        condition: dict[str, Any] = {"_id": product_id}
        if delta < 0:
            condition["stock"] = {"$gte": -delta}
        result = self.db.products.update_one(
            condition, {"$inc": {"stock": delta}, "$set": {"updatedAt": now}}, session=session
        )
        if result.matched_count != 1:
            if delta < 0:
                raise Conflict("The replacement went out of stock meanwhile; try again.")
            return  # removed from the database entirely: nothing to put back
        product = self.db.products.find_one({"_id": product_id}, {"stock": 1}, session=session) or {}
        stock = int(product.get("stock", 0))
        self.db.inventory.update_one(
            {"productId": product_id},
            {
                "$set": {
                    "stockLevel": stock,
                    "restockAlert": stock <= self.settings.low_stock_threshold,
                    "updatedAt": now,
                }
            },
            session=session,
        )

    # --- emails ----------------------------------------------------------------------------------
    def label_url(self, view: ReturnView) -> str:
        return (
            f"{self.settings.base_url.rstrip('/')}/orders/{view.order_id}/returns/{view.id}/label.pdf"
            f"?email={quote(view.email)}"
        )

    def _email(self, view: ReturnView) -> Email:
        text, html = render("return_update", ret=view, settings=self.settings, label_url=self.label_url(view))
        subjects = {
            "requested": f"We received your return request {view.id}",
            "approved": f"Your return {view.id} is approved: your label",
            "rejected": f"About your return request {view.id}",
            "refunded": f"Your refund for return {view.id}",
            "exchanged": f"Your replacement for return {view.id}",
        }
        subject = subjects.get(view.status, f"Your return {view.id} is {view.status}")
        return Email([view.email], subject, text, html, f"return_{view.status}")

    def _after(self, doc: dict[str, Any]) -> ReturnView:
        view = ReturnView.from_doc(doc)
        if view.status == "received":
            return view  # the refund's email follows
        try:
            self.mailer.send(self._email(view))
        except Exception:  # the change is committed; a mail problem must not undo or hide it
            log.exception("could not queue the return email for %s", view.id)
        return view

    def _dispatch(self, email_ids: list[Any]) -> None:
        try:
            self.mailer.dispatch(email_ids)
        except Exception:
            log.exception("could not send the return emails %s", email_ids)


def can_request_return(order: dict[str, Any]) -> bool:
    """Whether the order page offers the return form: delivered (the policy decides the rest)."""
    return order.get("status") != "cancelled" and delivered_at(order) is not None
