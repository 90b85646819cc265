"""The `return` intent in the typed request and in code's execution (no model): its schema keys, what
parsing and validation keep, the items resolved against the order, and the yes it needs."""

from __future__ import annotations

from typing import Any

from agent.confirm import is_no, is_yes
from agent.understanding.request import CONDITIONS, RESOLUTIONS, parse_request, tool_schema
from agent.understanding.vocabulary import build_vocabulary
from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order
from tests.support.understanding import conversation, run
from tools.phrases import listing, say


def test_the_schema_offers_return_with_its_condition_and_resolution(services: ShopServices) -> None:
    vocabulary = build_vocabulary(services.catalog, services.policies)
    properties = tool_schema(vocabulary)["function"]["parameters"]["properties"]
    assert "return" in properties["intent"]["enum"]
    assert properties["condition"] == {"enum": list(CONDITIONS)}
    assert properties["resolution"] == {"enum": list(RESOLUTIONS)}
    parsed = parse_request({"intent": "return", "condition": "like new", "resolution": "store credit"}, vocabulary)
    assert (parsed.intent, parsed.condition, parsed.resolution) == ("return", "", "")
    kept = parse_request({"intent": "return", "condition": "wrong", "resolution": "exchange"}, vocabulary)
    assert (kept.condition, kept.resolution) == ("wrong", "exchange")


def test_the_order_number_is_the_one_the_customer_typed(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    convo = conversation()
    run(services, convo, f"it's order {order.id.lower()}", intent="greeting")
    done = run(services, convo, f"I want to return it, {EMAIL}", intent="return", email=EMAIL)
    assert done.request.order_id == order.id  # from the conversation, not the model
    assert "Earl Grey Supreme" in (done.execution.direct or "")


def test_an_item_not_in_the_order_is_said_and_nothing_waits(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    done = run(services, conversation(), f"return the Wildflower Honey from {order.id}, {EMAIL}, unopened, refund",
               intent="return", order_id=order.id, email=EMAIL, items=[{"product": "Wildflower Honey"}],
               condition="unopened", resolution="refund")  # fmt: skip
    assert done.execution.direct == f"Wildflower Honey is not part of order {order.id}."
    assert done.ctx.turn.pending is None


def test_a_partial_name_picks_the_order_line_and_an_unsaid_quantity_is_the_whole_line(
    items: Any, services: ShopServices
) -> None:
    order = delivered_order(services, [(items["earl"], 3), (items["honey"], 1)])
    convo = conversation()
    run(services, convo, f"{order.id} {EMAIL} return please", intent="return", order_id=order.id, email=EMAIL)
    done = run(services, convo, "2 of the earl grey, unopened, refund", intent="return",
               items=[{"product": "earl grey", "qty": 2}], condition="unopened", resolution="refund")  # fmt: skip
    pending = done.ctx.turn.pending
    assert pending is not None and pending.kind == "return_request"
    assert [(line["name"], line["quantity"]) for line in pending.summary["lines"]] == [("Earl Grey Supreme", 2)]
    assert pending.summary["total"] == "19.00" and (done.execution.direct or "").startswith("Please confirm this")
    # No number said: the whole line, spelled out in the summary the customer says yes to.
    whole = run(services, convo, "the earl grey, unopened, refund", intent="return",
                items=[{"product": "earl grey"}], condition="unopened", resolution="refund")  # fmt: skip
    assert "- 3 × Earl Grey Supreme (unopened)" in (whole.execution.direct or "")


def test_only_a_plain_yes_confirms_a_return() -> None:
    assert is_yes("yes, request the return", "return_request")
    assert is_yes("ok, send it back", "return_request")
    assert not is_yes("yes but only one", "return_request")
    assert not is_yes("yes, refund", "place_order")
    assert is_no("no thanks", "return_request")


def test_an_order_not_delivered_is_explained_before_asking_for_items(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)], days_ago=None, status="pending")
    done = run(services, conversation(), f"return {order.id}, {EMAIL}", intent="return", order_id=order.id,
               email=EMAIL)  # fmt: skip
    assert done.execution.direct == (
        f"Order {order.id} has not been shipped yet, so it cannot be returned; a pending order can be cancelled "
        "instead, in the chat or by contacting us."
    )
    assert done.ctx.turn.pending is None


def test_a_return_asked_about_without_an_order_is_answered_from_the_policy_then_asked_for(
    services: ShopServices,
) -> None:
    done = run(services, conversation(), "can i return an opened bag of coffee?", intent="return", condition="opened")
    reply = done.execution.direct or ""
    assert "Opened food, tea and coffee cannot be returned" in reply  # the owner's words, as written
    assert reply.endswith(say("need", "en", task=say("task_return", "en"), what=listing(
        [say("field_order_id", "en"), say("field_order_email", "en")], "en")))  # fmt: skip
    assert {name for name, _ in done.ctx.turn.calls} == {"shop_policy"} and done.ctx.turn.pending is None


def test_a_damaged_item_asked_about_gets_the_damage_rule(services: ShopServices) -> None:
    done = run(services, conversation(), "my tea arrived broken, what can I do?", intent="return", condition="damaged")
    assert "within 14 days with your order number and a photo" in (done.execution.direct or "")


def test_in_another_language_the_model_words_the_rule_and_code_adds_the_ask(services: ShopServices) -> None:
    done = run(services, conversation(), "Kann ich ungeöffnete Ware zurückschicken?", lang="de", intent="return",
               condition="unopened")  # fmt: skip
    assert done.execution.direct is None
    assert "Unopened items can be returned within 30 days" in done.execution.facts
    assert done.execution.after == say("need", "de", task=say("task_return", "de"), what=listing(
        [say("field_order_id", "de"), say("field_order_email", "de")], "de"))  # fmt: skip
