"""A return by chat, through the real agent, tools and database with a scripted model (tau2-style):
the order number and its email first, then the items, their condition and refund or exchange, a
summary with the refund amount, and a request made only after an explicit yes."""

from __future__ import annotations

from typing import Any

from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order
from tests.support.scripted_model import UNDERSTAND, understood
from tools.phrases import listing, say


def test_number_and_email_first_then_items_then_a_summary_and_yes_makes_one_request(
    items: Any, make_agent: Any, chat: Any, services: ShopServices
) -> None:
    order = delivered_order(services, [(items["earl"], 2), (items["honey"], 1)])
    agent, model = make_agent(
        # The model fills in a number and an email the customer has not written: both are dropped.
        understood("return", order_id=order.id, email=EMAIL),
        understood("return", order_id=order.id, email=EMAIL),
        understood(
            "return", items=[{"product": "Earl Grey Supreme", "qty": 2}], condition="unopened", resolution="refund"
        ),
    )
    c = chat(agent)
    asked = c.say("I'd like to return some tea")
    assert asked.pending_action is None and "order number" in asked.reply and "email" in asked.reply
    assert order.id not in asked.reply and services.db.returns.count_documents({}) == 0
    which = c.say(f"Sure: {order.id}, {EMAIL}")
    assert which.pending_action is None
    assert which.reply.startswith(f"Order {order.id} has: 2 × Earl Grey Supreme, 1 × Wildflower Honey.")
    assert "unopened, opened, damaged" in which.reply and "refund or an exchange" in which.reply
    summary = c.say("The Earl Grey Supreme, both tins, still sealed. A refund please.")
    action = summary.pending_action
    assert action is not None and action["kind"] == "return_request" and summary.reply == action["text"]
    assert summary.reply == (
        f"Please confirm this return request for order {order.id}:\n"
        "- 2 × Earl Grey Supreme (unopened)\n"
        "Refund: $19.00 to your original payment method, within 5 working days after we receive the items.\n"
        'Nothing is requested yet. Reply "yes" to request this return, or tell me what to change.'
    )
    assert summary.shown_problems == [] and services.db.returns.count_documents({}) == 0
    done = c.say("yes please")
    assert done.status == "confirmed" and done.reply.startswith("Return request RMA-")
    stored = services.db.returns.find_one({"orderId": order.id})
    assert stored["channel"] == "chat" and stored["items"][0]["quantity"] == 2 and stored["status"] == "requested"
    assert stored["refundAmount"] == 19 and stored["_id"] in done.reply
    again = c.say("yes")  # a second yes finds nothing waiting: no second request
    assert services.db.returns.count_documents({}) == 1 and again.status != "confirmed"
    assert [b["tool_choice"] for b in model.bound] == [UNDERSTAND] * 4  # code wrote every reply


def test_without_a_yes_nothing_is_requested(items: Any, make_agent: Any, chat: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["honey"], 1)])
    agent, _ = make_agent(
        understood("return", order_id=order.id, email=EMAIL, condition="damaged", resolution="exchange"),
        understood("return", order_id=order.id, email=EMAIL, condition="damaged", resolution="exchange"),
    )
    c = chat(agent)
    ready = c.say(f"My honey from {order.id} arrived broken, {EMAIL}, could I get a new jar?")
    assert ready.pending_action["kind"] == "return_request"  # a one-line order needs no naming
    assert "1 × Wildflower Honey (arrived damaged)" in ready.reply and "Exchange: the same product again" in ready.reply
    no = c.say("no, not now")
    assert no.status == "declined" and no.reply.startswith("Okay, I did not request a return")
    again = c.say(f"My honey from {order.id} arrived broken, {EMAIL}, could I get a new jar?")
    assert again.pending_action["kind"] == "return_request"
    changed = c.say("hmm, what teas do you have?")  # any other message voids the summary
    assert services.db.returns.count_documents({}) == 0 and changed.status != "confirmed"


def test_a_wrong_email_and_the_policy_are_answered_by_code(
    items: Any, make_agent: Any, chat: Any, services: ShopServices
) -> None:
    order = delivered_order(services, [(items["honey"], 1)])
    agent, _ = make_agent(
        understood("return", order_id=order.id, email="mallory@example.com", condition="unopened", resolution="refund"),
        understood("return", order_id=order.id, email=EMAIL, condition="opened", resolution="refund"),
    )
    c = chat(agent)
    wrong = c.say(f"return {order.id}, my email is mallory@example.com, unopened, refund")
    assert wrong.reply == "No order matches that number and email." and wrong.pending_action is None
    refused = c.say(f"sorry, it's {EMAIL}. I opened the honey, it's not for me, refund please")
    assert refused.pending_action is None
    assert refused.reply == (
        "Wildflower Honey has been opened, and opened Pantry & Treats items cannot be returned for hygiene "
        "reasons unless they arrived damaged or were not what you ordered."
    )
    assert services.db.returns.count_documents({}) == 0


def test_a_return_question_in_german_gets_the_rule_worded_then_the_ask_from_code(
    make_agent: Any, chat: Any, services: ShopServices
) -> None:
    worded = "Ungeöffnete Artikel können innerhalb von 30 Tagen nach der Lieferung zurückgegeben werden."
    agent, model = make_agent(understood("return", condition="unopened"), worded)
    answer = chat(agent).say("Kann ich ungeöffnete Ware zurückschicken? Wie lange habe ich dafür Zeit?")
    assert answer.reply.startswith(worded + "\n\n")
    ask = say("need", "de", task=say("task_return", "de"),
              what=listing([say("field_order_id", "de"), say("field_order_email", "de")], "de"))  # fmt: skip
    assert "Bestellnummer" in ask and answer.reply == worded + "\n\n" + ask
    assert answer.pending_action is None and services.db.returns.count_documents({}) == 0
    assert len(model.bound) == 2  # understood, then worded: the ask was written by code


def test_when_the_wording_fails_the_rule_and_the_ask_are_each_said_once(
    make_agent: Any, chat: Any, services: ShopServices
) -> None:
    invented = "Puoi restituirlo entro 90 giorni, ti rimborsiamo $99.99."  # a window and an amount nobody states
    agent, _ = make_agent(understood("return", condition="opened"), invented, invented, invented)
    answer = chat(agent).say("Buongiorno, posso restituire un pacco di tè già aperto?")
    ask = say("need", "it", task=say("task_return", "it"),
              what=listing([say("field_order_id", "it"), say("field_order_email", "it")], "it"))  # fmt: skip
    assert "$99.99" not in answer.reply and "Opened food, tea and coffee cannot be returned" in answer.reply
    assert answer.reply.count(ask) == 1 and answer.reply.endswith(ask)


def test_the_product_the_question_names_may_be_named_in_the_answer(
    items: Any, make_agent: Any, chat: Any, services: ShopServices
) -> None:
    worded = "L'Earl Grey Supreme aperto non si può restituire, salvo se è arrivato danneggiato."
    agent, _ = make_agent(
        understood("return", items=[{"product": "Earl Grey Supreme"}], condition="opened"), worded, worded
    )
    answer = chat(agent).say("Buongiorno, posso restituire un pacco di Earl Grey Supreme già aperto?")
    assert answer.status == "ok" and answer.reply.startswith(worded + "\n\n"), answer.reply
