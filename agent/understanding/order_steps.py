"""Steps on placed orders: status and tracking, cancellation, returns. Each needs the order number
and the email it was placed with (one answer for a wrong number or email); writes are only prepared
and wait for the customer's yes.
"""

from __future__ import annotations

from agent.understanding.execution import Execution
from agent.understanding.policy_answers import PolicyAnswers
from shop.core.errors import ShopError
from shop.ordering.orders import OrderView
from shop.returns.service import ReturnInput
from tools import actions
from tools.common import clean, money
from tools.phrases import STATUS_NAMES, say


class OrderSteps(PolicyAnswers):
    """The placed-order steps of `Executor` (a return asked about without an order is first a
    question about the returns policy, hence the policy steps underneath)."""

    def _order_needs(self, task: str, tool: str) -> Execution | None:
        """What to ask for when the order number or its email is missing; None when both are given."""
        r = self.request
        if not (r.order_id and r.email):
            return self._missing(task, [("order_id", r.order_id), ("order_email", r.email)])
        self.ctx.called(tool, {"order_id": r.order_id, "email": r.email})
        return None

    def _order_status(self) -> Execution:
        r = self.request
        if (ask := self._order_needs("task_lookup", "order_status")) is not None:
            return ask
        try:
            order = self.services.orders.lookup(r.order_id, r.email)
        except ShopError as exc:
            return self._direct(exc.message)
        self.ctx.turn.order_ids.add(order.id)
        for line in order.lines:
            self.ctx.allow_amounts(line.unit_price, line.line_total)
            ordered = self.services.catalog.get_any(line.product_id)
            if ordered is not None:
                self.ctx.remember(ordered)
        items = ", ".join(f"{line.quantity} × {clean(line.name, 80)}" for line in order.lines)
        status = STATUS_NAMES.get(order.status, {}).get(self.lang, order.status)
        reply = say(
            "status_line",
            self.lang,
            order=order.id,
            status=status,
            date=f"{order.created_at:%Y-%m-%d}",
            items=items,
            total=money(self.ctx, order.total),
        )
        return self._direct("\n".join([reply, *self._tracking_lines(order)]))

    def _tracking_lines(self, order: OrderView) -> list[str]:
        """The parcels' tracking links and the delivery estimate (or day), from the same data as the
        order page and the API (shop/fulfillment)."""
        tracking = self.services.fulfillment.tracking(order)
        lines = []
        for parcel in tracking.shipments:
            values = {"carrier": clean(parcel.carrier_name, 40), "number": parcel.tracking_number}
            if parcel.tracking_url:
                lines.append(say("tracking_line", self.lang, url=parcel.tracking_url, **values))
            else:
                lines.append(say("tracking_line_no_link", self.lang, **values))
        progress = tracking.progress  # SPLIT SHIPMENTS (issue 14): a location still to send its parcel
        if progress is not None and progress.state == "partially_shipped":
            lines.append(say("parcels_partly_line", self.lang, shipped=progress.shipped, total=progress.expected))
        if tracking.delivered_at is not None:
            lines.append(say("delivered_line", self.lang, date=f"{tracking.delivered_at:%Y-%m-%d}"))
        elif tracking.estimate is not None:
            lines.append(
                say(
                    "estimate_line",
                    self.lang,
                    earliest=f"{tracking.estimate.earliest:%Y-%m-%d}",
                    latest=f"{tracking.estimate.latest:%Y-%m-%d}",
                )
            )
        return lines

    def _cancel_order(self) -> Execution:
        r = self.request
        if (ask := self._order_needs("task_cancel", "cancel_order")) is not None:
            return ask
        try:
            action = actions.prepare_cancel(self.services, r.order_id, r.email, lang=self.lang)
        except (ShopError, actions.ActionRefused) as exc:
            return self._direct(exc.message)
        return self._direct(self._summary(action))

    def _return(self) -> Execution:
        """A return or exchange, the tau2 way: the order number and its email first (checked like the
        order lookup: one answer for a wrong number or email), then which of the order's items, how
        many, their condition and refund or exchange, asked for together; then the summary with the
        refund the returns policy gives, which waits for the customer's explicit yes (one pending
        action per conversation: one request at a time). A request outside the policy is answered
        with the policy's own sentence, and nothing waits."""
        r = self.request
        r.email = r.email or self.view.for_order("email", "")
        if not r.order_id:
            return self._return_policy()
        if (ask := self._order_needs("task_return", "return_items")) is not None:
            return ask
        try:
            order = self.services.returns.order_for(r.order_id, r.email)
        except ShopError as exc:
            return self._direct(exc.message)
        self.ctx.turn.order_ids.add(order["_id"])
        closed = self.services.returns.closed_reason(order)
        if closed:
            return self._direct(closed)
        lines: list[dict[str, object]] = list(order.get("products") or [])
        for line in lines:
            product = self.services.catalog.get_any(str(line["productId"]))
            if product is not None:
                self.ctx.remember(product, card=True)
        chosen = self._return_lines(order["_id"], lines)
        if isinstance(chosen, str):
            return self._direct(chosen)
        if not chosen or not r.condition or not r.resolution:
            items = ", ".join(f"{line['quantity']} × {clean(str(line['name']), 80)}" for line in lines)
            return self._direct(say("return_which", self.lang, order=order["_id"], items=items))
        request = ReturnInput(
            items=[
                {"productId": str(line["productId"]), "quantity": qty, "opened": r.condition == "opened",
                 "damaged": r.condition in ("damaged", "wrong")}
                for line, qty in chosen
            ],
            reason=f"Chat: {r.condition}",
            resolution=r.resolution,
        )  # fmt: skip
        self.ctx.called("return_items", {"order_id": order["_id"], "condition": r.condition})
        try:
            action = actions.prepare_return(
                self.services, order["_id"], r.email, request, condition=r.condition, lang=self.lang
            )
        except (ShopError, actions.ActionRefused) as exc:
            return self._direct(exc.message)
        return self._direct(self._summary(action))

    def _return_lines(self, order_id: str, lines: list[dict[str, object]]) -> list[tuple[dict[str, object], int]] | str:
        """(order line, quantity) for each item the request names; the sentence saying which is not in
        the order; [] when none is named (a one-line order needs no naming). A quantity not said is the
        whole line (the summary spells it out before the yes)."""
        items = self.request.items
        if not items:
            return [(lines[0], int(str(lines[0]["quantity"])))] if len(lines) == 1 else []
        chosen: list[tuple[dict[str, object], int]] = []
        for item in items:
            line = self.view.order_line(item, lines)
            if line is None:
                return say("return_not_in_order", self.lang, name=clean(item.product, 80), order=order_id)
            product = self.services.catalog.get_any(str(line["productId"]))
            typed = self.view.typed_quantity(product) if product is not None else None
            chosen.append((line, item.qty or typed or int(str(line["quantity"]))))
        return chosen
