"""A customer's turn: understand the message, let code act on it, have the model word the answer.

1. A status line goes out at once (the customer sees the turn start within milliseconds).
2. The understanding stage (agent.understanding.stage) turns the message into a typed request; code
   checks it against the conversation (agent.understanding.conversation).
3. Code executes it (agent.understanding.execute): reads, cart changes, order and cancellation
   summaries. Replies that carry a write or a summary are written by code in the customer's language.
4. Otherwise the model words the answer from the data, in the same prompt as step 2 (so its cache
   covers it), streamed through the reply check (agent.guard): every name, price, order number and
   claim must come from this turn's data; a rejected answer is regenerated once, then replaced by the
   list code wrote.

The model never performs a write: a pending order or cancellation is executed only by
`ChatAgent._settle_pending` after an explicit yes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent import guard, memory
from agent.llm import is_connection_error, message_text
from agent.outcome import Event, TurnOutcome, turn_outcome
from agent.understanding.conversation import ConversationView, letters_of
from agent.understanding.execute import Executor
from agent.understanding.execution import STATUS_TEXT, Execution
from agent.understanding.language import LanguageReader
from agent.understanding.request import TOOL_NAME, CustomerRequest
from agent.understanding.stage import (
    fill_details,
    understand,
    understanding_messages,
    whole_sentences,
    wording_model,
)
from agent.understanding.vocabulary import Vocabulary, VocabularyCache
from shop.catalog.snapshot import Product
from shop.conversations.store import Conversation, PendingAction
from shop.services import ShopServices
from tools.actions import PLACE_ORDER
from tools.context import ToolContext

log = logging.getLogger(__name__)

MAX_CARDS = 4
READING_STATUS = "Reading your message…"
OFFLINE_REPLY = "Sorry, the assistant is not available right now. You can still browse and search the shop."
ERROR_REPLY = "Sorry, something went wrong on my side. Please try again in a moment."
UNSURE_REPLY = (
    "Sorry, I am not sure about that. I can help you find products, manage your cart, place an order, "
    "check an order, or answer questions about shipping and returns."
)


def confirms_order(request: CustomerRequest, pending: PendingAction, view: ConversationView) -> bool:
    """Whether a message that leans yes (agent.confirm.leans_yes) is the yes to the pending order: the
    model read it as that checkout, and it brings nothing new (no product outside the summary, no other
    name, email or address). A yes in words the confirm list does not hold ("Ja, bitte bestellen") then
    places the order; anything that changes it gets a fresh summary instead."""
    if pending.kind != PLACE_ORDER or request.intent != "checkout":
        return False
    summary = pending.summary
    ordered = {str(line.get("productId")) for line in summary.get("lines", [])}
    for item in request.items:
        product = view.resolve(item)
        if product is None or product.id not in ordered:
            return False
    given = {"name": summary.get("customerName", ""), "email": summary.get("email", ""),
             "address": summary.get("address", "")}  # fmt: skip
    for key, stated in given.items():
        value = letters_of(getattr(request, key))
        if value and value not in letters_of(str(stated)):
            return False
    return True


def previous_language(conversation: Conversation) -> str | None:
    """The language the conversation's latest message was read in (kept with each user message)."""
    return next((m.lang for m in reversed(conversation.messages) if m.role == "user" and m.lang), None)


class CustomerTurn:
    """The customer's side of `ChatAgent`: one instance serves every customer conversation."""

    def __init__(
        self,
        services: ShopServices,
        model: BaseChatModel,
        names: guard.NameIndex,
        system_prompt: str,
        *,
        confirm: Callable[[Conversation, str], TurnOutcome],
    ) -> None:
        self.confirm = confirm
        """Executes a pending action by id, as the Confirm button does (ChatAgent._execute)."""
        self.services = services
        self.model = model
        self.names = names
        self.system_prompt = system_prompt
        self.vocabulary = VocabularyCache(services.catalog, services.policies)
        self.language = LanguageReader(names)

    def warm_up(self) -> None:
        """Read the system prompt and the request schema once, so the first customer does not wait."""
        from agent.understanding.request import tool_schema

        self.language.read("hello", None)  # loads the identifier (~0.3 s) before the first customer
        schema = tool_schema(self.vocabulary.current())
        bound = self.model.bind_tools([schema], tool_choice="none").bind(max_tokens=1)
        bound.invoke(understanding_messages(self.system_prompt, [], "", "hi"))

    def read_language(self, conversation: Conversation, message: str) -> str:
        """The language to answer `message` in (the owner's turn reads it here too): a message too short
        to tell keeps the conversation's language."""
        return self.language.read(message, previous_language(conversation))

    async def run(self, conversation: Conversation, message: str) -> AsyncIterator[Event]:
        """Events of the turn; the last is {"type": "outcome"}."""
        key = conversation.key
        if not message:
            yield {"type": "outcome", "outcome": TurnOutcome("What can I help you with?", key, status="direct")}
            return
        yield {"type": "status", "text": READING_STATUS}
        t0 = time.perf_counter()
        view = await asyncio.to_thread(self._view, conversation, message)
        vocabulary = await asyncio.to_thread(self.vocabulary.current)
        messages = understanding_messages(self.system_prompt, memory.prompt_history(conversation), view.note(), message)
        status = "ok"
        call: AIMessage | None = None
        try:
            request, call = await understand(self.model, vocabulary, messages)
        except Exception as exc:
            status = "offline" if is_connection_error(exc) else "error"
            if status == "error":
                log.exception("understanding failed")
            request = CustomerRequest(intent="find", query=message[:100])
        request = view.validate(request)
        missing = view.missing_details(request) if status == "ok" and call is not None and call.tool_calls else []
        if missing:
            request = await self._fill_details(view, vocabulary, messages, request, missing)
        timings = {"understand_s": round(time.perf_counter() - t0, 4)}
        request.lang = self.read_language(conversation, message)
        pending, conversation.pending = conversation.pending, None  # a turn that is not its yes voids it
        if pending is not None and status == "ok" and confirms_order(request, pending, view):
            conversation.pending = pending
            outcome = await asyncio.to_thread(self.confirm, conversation, pending.id)
            outcome.understood = request.describe()
            yield {"type": "outcome", "outcome": outcome}
            return
        ctx = ToolContext(
            self.services,
            "customer",
            conversation,
            cart_id=conversation.cart_id,
            customer_text=view.said,
            lang=request.lang,
        )
        if request.intent in STATUS_TEXT:
            yield {"type": "status", "text": STATUS_TEXT[request.intent]}
        execution = await asyncio.to_thread(Executor(ctx, view, vocabulary, request).run)
        timings["execute_s"] = round(time.perf_counter() - t0, 4)
        ctx.turn.model_calls = 1 if call is not None else 0

        if status != "ok":
            default = OFFLINE_REPLY if status == "offline" else ERROR_REPLY
            notes = guard.fallback_reply(ctx.turn, default="")
            reply = default + ("\n\n" + notes if notes else "")
        elif execution.direct is not None or call is None or not call.tool_calls:
            # No request written (the model answered in text): there is no call for the wording to
            # continue, and code's corrections may still have made it a question ("… the Earl Grey?").
            reply, status = execution.direct or guard.fallback_reply(ctx.turn, default=UNSURE_REPLY), "direct"
        else:
            cards = self._cards(ctx, "", status)
            if cards:
                yield {"type": "cards", "products": cards}
            reply = ""
            async for event in self._word(ctx, messages, call, execution, message, timings, t0):
                if event["type"] == "final":
                    reply, status = event["text"], event["status"]
                else:
                    yield event
            after = execution.after
            if execution.price is not None and execution.price[0] not in guard.amounts_in(reply):
                after = "\n\n".join(part for part in (execution.price[1], after) if part)
            if after:
                reply += "\n\n" + after
                yield {"type": "token", "text": "\n\n" + after}
        if ctx.turn.pending is not None:
            conversation.pending = ctx.turn.pending
        check = guard.check_reply(
            reply, ctx.turn, self.names, user_text=message if execution.user_amounts_allowed else ""
        )
        outcome = turn_outcome(
            ctx,
            reply,
            status=status,
            products=self._cards(ctx, reply, status),
            tools=[TOOL_NAME, *(name for name, _ in ctx.turn.calls)],
            shown_problems=guard.invented(check),
            timings=timings,
        )
        outcome.understood = request.describe()
        outcome.note = view.note()
        outcome.lang = request.lang
        if call is not None and call.tool_calls:
            outcome.request_json = json.dumps(call.tool_calls[0].get("args") or {}, ensure_ascii=False)
        yield {"type": "outcome", "outcome": outcome}

    async def _fill_details(
        self,
        view: ConversationView,
        vocabulary: Vocabulary,
        messages: list[BaseMessage],
        request: CustomerRequest,
        missing: list[str],
    ) -> CustomerRequest:
        """`request` with the details the model gives when asked again (checked against the
        customer's words); unchanged when that call fails or gives nothing the customer wrote."""
        try:
            again = await fill_details(self.model, vocabulary, messages, missing)
        except Exception as exc:
            if not is_connection_error(exc):
                log.exception("asking for the missing details failed")
            return request
        if again is not None:
            again = view.validate(again)
            for key in missing:
                setattr(request, key, getattr(again, key) or getattr(request, key))
        return request

    def _view(self, conversation: Conversation, message: str) -> ConversationView:
        cart: list[tuple[Product, int]] = []
        if conversation.cart_id:
            cart = [(line.product, line.quantity) for line in self.services.carts.view(conversation.cart_id).lines]
        return ConversationView.of(conversation, self.services.catalog, self.names, cart, message)

    async def _word(
        self,
        ctx: ToolContext,
        messages: list[BaseMessage],
        call: AIMessage,
        execution: Execution,
        message: str,
        timings: dict[str, float],
        t0: float,
    ) -> AsyncIterator[dict[str, Any]]:
        """The model's answer from the data, streamed through the reply check; ends with a "final"."""
        tool_call = call.tool_calls[0]
        prompt = [
            *messages,
            AIMessage("", tool_calls=[tool_call]),
            ToolMessage(execution.facts, tool_call_id=tool_call["id"] or "", name=TOOL_NAME),
        ]
        user_text = message if execution.user_amounts_allowed else ""
        previous = next((m.content for m in reversed(ctx.conversation.messages) if m.role == "assistant"), "")

        def check(text: str, final: bool = True) -> list[guard.Violation]:
            problems = guard.check_reply(
                text, ctx.turn, self.names, user_text=user_text, tool_names=frozenset({TOOL_NAME}), final=final
            )
            if final and guard.echoes(text, execution.instruction):
                problems.append(guard.Violation("echo", "the instruction repeated instead of an answer"))
            if final and guard.repeats(text, previous):
                problems.append(guard.Violation("repeat", "your previous reply again, not an answer to this message"))
            if final and guard.repeats_itself(text):
                problems.append(guard.Violation("repeat", "the same sentence twice"))
            if final and execution.numbers is not None and (stray := guard.numbers_in(text) - execution.numbers):
                problems.append(guard.Violation("number", f"the number {min(stray)}, which the data does not state"))
            if final and execution.must_state and (left := execution.must_state[1] - guard.numbers_in(text)):
                figures = ", ".join(str(n) for n in sorted(left))
                problems.append(guard.Violation("missing", f'the {figures} in "{execution.must_state[0]}"'))
            return problems

        refs = {ref: p.name for ref, pid in ctx.conversation.refs.items() if (p := ctx.services.catalog.get_any(pid))}

        def rewrite(text: str) -> str:
            return guard.strip_refs(text, refs)

        gate = guard.StreamGate(check, rewrite, lambda text: check(text, final=False))
        model = wording_model(self.model, self.vocabulary.current())
        text = ""
        first: float | None = None
        cut = False  # the token cap stopped the reply
        ctx.turn.model_calls += 1
        try:
            async for chunk in model.astream(prompt):
                cut = cut or chunk.response_metadata.get("finish_reason") == "length"
                piece = message_text(chunk.content)
                if not piece:
                    continue
                text += piece
                out = gate.feed(piece)
                if out:
                    if first is None:
                        first = time.perf_counter()
                        timings["first_token_s"] = round(first - t0, 4)
                    yield {"type": "token", "text": out}
        except Exception as exc:
            offline = is_connection_error(exc)
            if not offline:
                log.exception("wording the reply failed")
            notes = guard.fallback_reply(ctx.turn, default="")
            reply = (OFFLINE_REPLY if offline else ERROR_REPLY) + ("\n\n" + notes if notes else "")
            yield {"type": "replace", "text": reply}
            yield {"type": "final", "text": reply, "status": "offline" if offline else "error"}
            return
        timings["word_s"] = round(time.perf_counter() - t0, 4)
        text = text.strip()
        rest = gate.finish() if text else ""
        if text and not gate.blocked and not self._ignores_products(ctx, rewrite(text)):
            if rest:
                yield {"type": "token", "text": rest}
            reply = rewrite(text)
            if cut and (whole := whole_sentences(reply)) != reply:
                reply = whole
                yield {"type": "replace", "text": reply}
            yield {"type": "final", "text": reply, "status": "ok"}
            return
        reply, status = await self._regenerate(ctx, prompt, gate.problems, check, rewrite)
        yield {"type": "replace", "text": reply}
        yield {"type": "final", "text": reply, "status": status}

    async def _regenerate(
        self,
        ctx: ToolContext,
        prompt: list[BaseMessage],
        problems: list[guard.Violation],
        check: Any,
        rewrite: Any,
    ) -> tuple[str, str]:
        """One more try with a corrective note, then the reply code writes from the data. What was
        refused is logged: a reply in the customer's language that fell back to the owner's English text
        could not be explained from a bench run without it."""
        if problems:
            log.info("reply refused (%s); asking again", guard.describe(problems))
            ctx.turn.model_calls += 1
            model = wording_model(self.model, self.vocabulary.current())
            text = rewrite(await guard.ask_again(model, prompt, problems))
            if text and not check(text) and not self._ignores_products(ctx, text):
                return text, "regenerated"
        return guard.fallback_reply(ctx.turn, default=UNSURE_REPLY), "fallback"

    def _ignores_products(self, ctx: ToolContext, text: str) -> bool:
        """Products were found and the answer names none of them: on a small model that is a refusal
        or an echo of the question, never an answer; the list code wrote helps the customer more."""
        if not (ctx.turn.card_ids and ctx.turn.notes):
            return False
        return not any(pid in ctx.turn.products for pid in self.names.mentions(text))

    def _cards(self, ctx: ToolContext, reply: str, status: str) -> list[Product]:
        """Cards: the products the reply names, then those code put forward, in that order."""
        ids = [pid for pid in self.names.mentions(reply) if pid in ctx.turn.products]
        ids += [pid for pid in ctx.turn.card_ids if pid not in ids]
        found = [self.services.catalog.get_any(pid) for pid in dict.fromkeys(ids)]
        return [p for p in found if p is not None][:MAX_CARDS]
