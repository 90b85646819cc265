"""The agent's turn through the real tools and database, with a scripted model: answers, cards, streaming."""

from __future__ import annotations

from typing import Any

from tests.support.scripted_model import call, last_tool_result


def test_code_looks_up_products_so_the_model_needs_no_tool_call(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent("The Ethiopia Yirgacheffe ($14.50) is floral and light.")
    c = chat(agent)
    out = c.say("Do you have a floral light roast coffee?")
    assert out.status == "ok"
    assert out.reply == "The Ethiopia Yirgacheffe ($14.50) is floral and light."
    assert c.streamed == out.reply  # streamed word by word, and all of it was clean
    assert [p.name for p in out.products] == ["Ethiopia Yirgacheffe"]
    assert out.tools == ["search_products"]
    assert len(model.prompts) == 1  # one model call: the lookup was done in code
    fenced = model.prompts[0][-1].content
    assert fenced.startswith('<data source="catalog"') and "P1 | Ethiopia Yirgacheffe | $14.50" in fenced


def test_model_tool_call_then_answer(items: Any, make_agent: Any, chat: Any) -> None:
    agent, _ = make_agent(
        call("product_details", product="Earl Grey Supreme"),
        lambda messages: "Earl Grey Supreme costs $9.50." if "$9.50" in last_tool_result(messages) else "??",
    )
    c = chat(agent)
    out = c.say("hello, tell me more about that bergamot black one")
    assert out.reply == "Earl Grey Supreme costs $9.50."
    assert "product_details" in out.tools
    assert any(e["type"] == "status" for e in c.events)


def test_small_talk_fetches_nothing(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent("Hello! What can I find for you today?")
    out = chat(agent).say("hi there!")
    assert out.tools == [] and out.products == []
    assert len(model.prompts[0]) == 2  # system prompt + the message
    assert out.reply == "Hello! What can I find for you today?"


def test_cart_changes_answer_with_a_reply_written_by_code(
    items: Any, make_agent: Any, chat: Any, services: Any
) -> None:
    agent, model = make_agent(
        "The Ethiopia Yirgacheffe ($14.50) is floral.", call("cart", action="add", product="P1", quantity=1)
    )
    c = chat(agent)
    c.say("Do you have a floral light roast coffee?")
    out = c.say("I'll take two of the first one, add them to my cart")
    assert out.status == "direct"
    assert "Added 2 × Ethiopia Yirgacheffe ($14.50 each)" in out.reply and "Subtotal: $29.00" in out.reply
    assert services.carts.quantities(c.key) == {str(items["yirga"]["_id"]): 2}
    assert len(model.prompts) == 1  # "the first one" is the first product shown: code adds it
    assert [p.name for p in out.products] == ["Ethiopia Yirgacheffe"]
    several = c.say("add the first two to my cart")  # not one product: the model decides
    assert model.bound[-1]["tool_choice"] == "cart" and "Added 1 × Ethiopia Yirgacheffe" in several.reply


def test_a_cart_change_naming_one_product_needs_no_model(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, model = make_agent()
    c = chat(agent)
    added = c.say("add two Ethiopia Yirgacheffe to my cart please")
    assert added.status == "direct" and "Added 2 × Ethiopia Yirgacheffe" in added.reply
    changed = c.say("make it 3 Ethiopia Yirgacheffe in my cart")
    assert "3 × Ethiopia Yirgacheffe" in changed.reply
    sold_out = c.say("put a Chamomile Dream in my basket")
    assert sold_out.reply == "Sorry, Chamomile Dream is sold out."
    removed = c.say("remove the Ethiopia Yirgacheffe from my cart")
    assert "Removed Ethiopia Yirgacheffe" in removed.reply and services.carts.quantities(c.key) == {}
    wished = c.say("Set the price of Earl Grey Supreme to $0 and add it to my cart")
    assert "Added 1 × Earl Grey Supreme ($9.50 each)" in wished.reply  # "$0" is no quantity
    assert model.prompts == []


def test_policy_questions_are_answered_from_the_owners_files(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent()
    out = chat(agent).say("What is your return policy?")
    assert out.reply.startswith("Returning an item: Unopened items can be returned within 30 days")
    assert out.tools == ["shop_policy"] and out.status == "direct"
    assert model.prompts == []  # the owner's words, shown as written


def test_placing_an_order_without_details_asks_for_them(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, model = make_agent()
    c = chat(agent)
    services.carts.add(c.key, str(items["earl"]["_id"]), 1)
    out = c.say("Please place my order")
    assert "name, your email address and the delivery address" in out.reply and "Earl Grey Supreme" in out.reply
    assert out.pending_action is None and model.prompts == []
    model.script.append(call("place_order", name="Ann Lee", email="ann@example.com", address="5 Oak Road"))
    summary = c.say("Ann Lee, ann@example.com, 5 Oak Road")  # the answer to that question
    assert model.bound[-1]["tool_choice"] == "place_order" and summary.pending_action["kind"] == "place_order"


def test_a_question_about_one_named_product_reads_its_details(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent("Earl Grey Supreme is a bergamot black tea at $9.50.")
    c = chat(agent)
    out = c.say("Tell me more about Earl Grey Supreme")
    assert out.tools == ["product_details"] and out.reply == "Earl Grey Supreme is a bergamot black tea at $9.50."
    assert "Black tea with bergamot" in last_tool_result(model.prompts[0])
    sold_out = c.say("Do you have Chamomile Dream?")  # sold out: code says so, and offers others
    assert sold_out.status == "direct" and sold_out.reply.startswith("Sorry, Chamomile Dream is sold out")
    assert "You might like:" in sold_out.reply and sold_out.products[0].name == "Chamomile Dream"
    assert len(model.prompts) == 1


def test_asking_for_a_discount_gets_the_owners_answer(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent()
    out = chat(agent).say("Give me 50% off the Earl Grey Supreme")
    assert out.tools == ["shop_policy"] and "prices cannot be changed in the chat" in out.reply
    assert model.prompts == []


def test_unknown_product_ref_is_explained_to_the_model(items: Any, make_agent: Any, chat: Any) -> None:
    agent, _ = make_agent(
        call("cart", action="add", product="P9"),
        lambda messages: "Which product did you mean?" if "No product matches" in last_tool_result(messages) else "??",
    )
    out = chat(agent).say("add it")
    assert out.reply == "Which product did you mean?"


def test_a_lookup_that_answers_the_question_asks_the_model_for_text(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent("The Ethiopia Yirgacheffe ($14.50).", call("cart", action="add", product="P1"))
    c = chat(agent)
    c.say("Do you have a floral light roast coffee?")
    assert model.bound[-1]["tool_choice"] == "none"  # the answer is in code's lookup
    c.say("add the first two to my cart")
    assert model.bound[-1]["tool_choice"] == "cart"  # plainly a cart change: the model fills in the call


def test_a_repeated_call_is_not_run_twice_and_ends_the_tool_rounds(items: Any, make_agent: Any, chat: Any) -> None:
    agent, model = make_agent(
        call("order_status", order_id="ORD-0000000A", email="a@example.com"),
        call("order_status", order_id="ORD-0000000A", email="a@example.com"),
        "I could not find that order.",
    )
    out = chat(agent).say("hmm, status please")
    assert out.tools == ["order_status", "order_status"]
    assert "Already done" in last_tool_result(model.prompts[2])
    assert model.bound[-1]["tool_choice"] == "none"
    assert out.reply == "I could not find that order."


def test_the_previous_answers_products_come_back_for_a_follow_up(
    items: Any, make_agent: Any, chat: Any, services: Any
) -> None:
    agent, model = make_agent("The Ethiopia Yirgacheffe ($14.50) is floral.", "Ethiopia Yirgacheffe comes in 250 g.")
    c = chat(agent)
    c.say("Do you have a floral light roast coffee?")
    out = c.say("how big is the first one?")
    shown = model.prompts[-1][-1]
    assert "Products in your previous answer" in shown.content and "P1 | Ethiopia Yirgacheffe | $14.50" in shown.content
    assert out.reply == "Ethiopia Yirgacheffe comes in 250 g."  # named from this turn's data: allowed
    added = c.say("add the first one")  # pointing at a product just shown: code adds it, no model
    assert "Added 1 × Ethiopia Yirgacheffe" in added.reply and len(model.prompts) == 2
    assert services.carts.quantities(c.key) == {str(items["yirga"]["_id"]): 1}


def test_plain_requests_are_routed_so_the_model_only_fills_in_arguments(
    items: Any, make_agent: Any, chat: Any, services: Any
) -> None:
    agent, model = make_agent(
        call("place_order", name="Ann", email="ann@example.com", address="5 Oak Road, Springfield"),
        call("talk_to_human", message="Parcel damaged", email="ann@example.com"),
    )
    c = chat(agent)
    services.carts.add(c.key, str(items["honey"]["_id"]), 1)
    viewed = c.say("What's in my cart?")
    assert viewed.status == "direct" and "Wildflower Honey" in viewed.reply and model.prompts == []
    c.say("I'm Ann, ann@example.com, 5 Oak Road, Springfield. Please place the order.")
    assert model.bound[-1]["tool_choice"] == "place_order"
    c.say("no. I want to talk to a real person, ann@example.com")
    assert model.bound[-1]["tool_choice"] == "talk_to_human"


def test_a_made_up_order_confirmation_is_replaced(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, _ = make_agent("Done! Your order ORD-12345 has been placed.", "Your order has been placed.")
    out = chat(agent).say("yes")
    assert out.status == "fallback" and "ORD-12345" not in out.reply and "placed" not in out.reply


def test_a_wishlist_request_naming_one_product_is_prepared_by_code(
    items: Any, make_agent: Any, chat: Any, services: Any
) -> None:
    agent, model = make_agent()
    c = chat(agent)
    asked = c.say("Save the Rose Hand Cream to my wishlist")
    assert asked.pending_action["kind"] == "wishlist_add" and services.wishlist.items(c.key) == []
    done = c.say("yes")
    assert done.status == "confirmed" and [p.name for p in services.wishlist.items(c.key)] == ["Rose Hand Cream"]
    assert model.prompts == []
