"""One chat turn, start to finish: memory, confirmations, lookups, the agent loop, the reply check.

`ChatAgent.stream` yields events for the web (token, reset, status, replace, done); `ChatAgent.run`
collects them for JSON clients. The agent proper is LangChain's `create_agent` with the role's tool
list and prompt; around it, code enforces what must not depend on the model:

1. Confirmation. A pending order/cancellation/wishlist change is executed only here, when the message
   is an explicit yes (agent.confirm) or the Confirm button posts its action id, with the action id as
   idempotency key. Any other message voids it. The model can prepare writes, never perform them.
2. Identity. The runtime context carries the conversation and the cart of the authenticated request;
   tools have no parameter for a customer, and the owner's tools are not in a customer's agent.
3. Facts. The final text must pass agent.guard against this turn's tool results; otherwise it is
   regenerated once with a corrective note, then replaced by a reply composed by code.
4. Limits. A step limit (the graph's recursion limit) and any failure end in a polite reply, never a
   trace; an unreachable model still gets the customer the products code looked up.

The system prompt and tool list are fixed per role, so every request shares one prompt prefix, which
is what makes a small local model's prefix cache work.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse, ToolCallRequest, hook_config
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from agent import confirm, guard, memory, prompts
from agent.customer_turn import CustomerTurn, previous_language
from agent.llm import build_chat_model, is_connection_error, message_text
from agent.outcome import Event, TurnOutcome, turn_outcome
from shop.catalog.snapshot import Product
from shop.conversations.store import Channel, ChatRole, Conversation
from shop.core.errors import ShopError
from shop.services import ShopServices
from tools import actions
from tools.context import ToolContext
from tools.owner import OWNER_TOOLS
from tools.phrases import say

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_CARDS = 4
MAX_TOOL_ROUNDS = {"customer": 2, "owner": 1}
"""Tool results per turn (code's lookups included) after which the model must answer in text: a small
model otherwise keeps calling tools (the same search again, details, recommendations) until the
step limit. One owner tool answers one question; measured on Qwen2.5-Coder-1.5B, a second owner call
only ever repeated the first with other arguments and then apologised instead of answering."""
# The owner's fixed replies are phrases ("owner_..." in tools/phrases.json), in the language the owner
# writes in; this is the English one. Status lines stay English, as the customer's do.
STEP_LIMIT_REPLY = say("owner_step_limit", "en")
TOOL_STATUS = {
    "search_products": "Searching the shop…",
    "product_details": "Looking at the product…",
    "recommend": "Finding recommendations…",
    "cart": "Updating your cart…",
    "place_order": "Preparing your order summary…",
    "order_status": "Looking up your order…",
    "cancel_order": "Looking up your order…",
    "shop_policy": "Checking our policies…",
    "wishlist": "Checking your wishlist…",
    "talk_to_human": "Passing your message on…",
    "low_stock_report": "Checking stock…",
    "demand_forecast": "Forecasting demand…",
    "will_run_out": "Forecasting what runs out…",
    "reorder_suggestions": "Working out reorders…",
    "sales_summary": "Adding up sales…",
    "top_sellers": "Ranking products…",
}

# --------------------------------------------------------------------------------------------------
# Middleware: direct replies end the turn; tool failures become messages, never traces
# --------------------------------------------------------------------------------------------------


class ShopMiddleware(AgentMiddleware[Any, ToolContext]):
    """Ends the loop once a tool wrote the reply itself, and turns tool errors into tool messages."""

    @hook_config(can_jump_to=["end"])
    def before_model(self, state: Any, runtime: Any) -> dict[str, Any] | None:
        context = runtime.context
        if isinstance(context, ToolContext) and context.turn.direct_reply is not None:
            return {"jump_to": "end"}
        return None

    @hook_config(can_jump_to=["end"])
    async def abefore_model(self, state: Any, runtime: Any) -> dict[str, Any] | None:
        return self.before_model(state, runtime)

    @staticmethod
    def answer_only(request: ModelRequest[Any]) -> bool:
        """Whether this model call must answer in text (tool_choice "none") instead of calling a tool.

        Yes when code's lookup already holds the answer, when the turn used its tool rounds, or when
        the model repeated a call it made before in this turn (a loop).
        """
        context = request.runtime.context if request.runtime is not None else None
        turn_messages: list[Any] = []
        for message in reversed(request.messages):
            if isinstance(message, HumanMessage):
                break
            turn_messages.append(message)
        results = [m for m in turn_messages if isinstance(m, ToolMessage)]
        if not results:
            return False
        role = context.role if isinstance(context, ToolContext) else "customer"
        if len(results) >= MAX_TOOL_ROUNDS.get(role, 2):
            return True
        calls = [
            (c["name"], json.dumps(c.get("args") or {}, sort_keys=True))
            for m in turn_messages
            if isinstance(m, AIMessage)
            for c in m.tool_calls
        ]
        return len(set(calls)) < len(calls)

    def _steer(self, request: ModelRequest[Any]) -> ModelRequest[Any]:
        """Force a text answer when tools have done their part (see answer_only)."""
        context = request.runtime.context if request.runtime is not None else None
        if isinstance(context, ToolContext):
            context.turn.model_calls += 1
        return request.override(tool_choice="none") if self.answer_only(request) else request

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse]
    ) -> ModelResponse:
        return handler(self._steer(request))

    async def awrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse]]
    ) -> ModelResponse:
        return await handler(self._steer(request))

    def _refuse(self, request: ToolCallRequest) -> ToolMessage | None:
        call = request.tool_call
        context = request.runtime.context if request.runtime is not None else None
        args = dict(call.get("args") or {})
        if isinstance(context, ToolContext):
            if (call["name"], args) in context.turn.calls:
                # The same call twice in one turn: never run a write twice; the result is above.
                context.called(call["name"], args)
                return ToolMessage(
                    "Already done; the result is above. Answer the customer now.",
                    tool_call_id=call["id"] or "",
                    name=call["name"],
                )
            context.called(call["name"], args)
        if request.tool is None:
            # Not in this role's list: e.g. an owner tool named in a customer chat.
            return ToolMessage(
                f"Error: there is no tool named {call['name']!r} here.", tool_call_id=call["id"] or "", status="error"
            )
        return None

    @staticmethod
    def _failed(request: ToolCallRequest, exc: Exception) -> ToolMessage:
        call = request.tool_call
        if isinstance(exc, ShopError | actions.ActionRefused):
            text = exc.message
        else:
            log.exception("tool %s failed", call["name"])
            text = "That did not work because of a problem in the shop. Apologise and suggest trying again."
        return ToolMessage(f"Error: {text}", tool_call_id=call["id"] or "", name=call["name"], status="error")

    def wrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]]
    ) -> ToolMessage | Command[Any]:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        try:
            return handler(request)
        except Exception as exc:
            return self._failed(request, exc)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        try:
            return await handler(request)
        except Exception as exc:
            return self._failed(request, exc)


# --------------------------------------------------------------------------------------------------
# The agent
# --------------------------------------------------------------------------------------------------


class ChatAgent:
    """Chat turns for customers and the owner over one set of shop services."""

    def __init__(self, services: ShopServices, *, model: BaseChatModel | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.model = model or build_chat_model(services.settings)
        self.names = guard.NameIndex(services.catalog)
        shop_name = services.settings.shop_name
        categories = ", ".join(c.name for c in services.catalog.all_categories())
        self.system_prompts: dict[ChatRole, str] = {
            "customer": prompts.render("customer", shop_name=shop_name, categories=categories),
            "owner": prompts.render("owner", shop_name=shop_name),
        }
        self.customer = CustomerTurn(
            services, self.model, self.names, self.system_prompts["customer"], confirm=self._execute
        )
        self.owner_tools: list[Any] = list(OWNER_TOOLS)
        self.owner_graph = create_agent(
            self.model,
            self.owner_tools,
            system_prompt=self.system_prompts["owner"],
            middleware=[ShopMiddleware()],
            context_schema=ToolContext,
            name="owner_agent",
        )
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def warm_up(self) -> None:
        """Have the model read each role's system prompt and tool schemas once (owner first, then the
        customer's, which stays in the local server's live cache for the first shopper).

        A local model reads ~20-35 prompt tokens a second: without this, the first chat after a start
        waits 30-50 s for the ~1,000-token customer prefix. Later requests reuse the cached prefix.
        """
        model = self.model.bind_tools(self.owner_tools).bind(max_tokens=1)
        model.invoke([SystemMessage(self.system_prompts["owner"]), HumanMessage("hi")])
        self.customer.warm_up()

    # --- public API ---------------------------------------------------------------------------
    async def run(self, **kwargs: Any) -> TurnOutcome:
        """A whole turn for clients that do not stream."""
        outcome: TurnOutcome | None = None
        async for event in self.stream(**kwargs):
            if event["type"] == "done":
                outcome = event["outcome"]
        assert outcome is not None
        return outcome

    async def stream(
        self,
        *,
        role: ChatRole,
        conversation_key: str,
        channel: Channel,
        cart_id: str | None,
        message: str = "",
        confirm_action: str | None = None,
        decline_action: str | None = None,
    ) -> AsyncIterator[Event]:
        """Events of one turn: token / reset / status / replace, and finally done (with the outcome)."""
        message = message.strip()[:MAX_MESSAGE_CHARS]
        lock = self._locks.get(conversation_key)
        if lock is None:
            lock = self._locks[conversation_key] = asyncio.Lock()
        async with lock:
            started = time.perf_counter()
            conversation = await asyncio.to_thread(
                self.services.conversations.open, conversation_key, role=role, channel=channel, cart_id=cart_id
            )
            if cart_id is not None:
                conversation.cart_id = cart_id
            outcome: TurnOutcome | None = None
            if role == "customer":
                outcome = await asyncio.to_thread(
                    self._settle_pending, conversation, message, confirm_action, decline_action
                )
            if outcome is None:
                async for event in self._agent_turn(conversation, role, message):
                    if event["type"] == "outcome":
                        outcome = event["outcome"]
                    else:
                        yield event
            assert outcome is not None
            outcome.session_id = conversation_key
            outcome.timings["total_s"] = round(time.perf_counter() - started, 4)
            user_text = message or ("Confirm" if confirm_action else "Cancel")
            await asyncio.to_thread(self._save, conversation, user_text, outcome)
            yield {"type": "done", "outcome": outcome}

    def history(
        self, conversation_key: str, *, role: ChatRole, channel: Channel
    ) -> tuple[Conversation | None, list[Any]]:
        """The stored conversation (if it is this role's and channel's) and its latest messages."""
        conversation = self.services.conversations.get(conversation_key)
        if conversation is None or conversation.role != role or conversation.channel != channel:
            return None, []
        return conversation, conversation.messages[-40:]

    def reset(self, conversation_key: str, *, role: ChatRole, channel: Channel) -> None:
        conversation = self.services.conversations.get(conversation_key)
        if conversation is not None and conversation.role == role and conversation.channel == channel:
            self.services.conversations.clear(conversation_key)

    # --- confirmations (code only) -------------------------------------------------------------
    def _settle_pending(
        self, conversation: Conversation, message: str, confirm_action: str | None, decline_action: str | None
    ) -> TurnOutcome | None:
        """Execute or void the pending action when this turn is about it; None: let the agent answer."""
        key = conversation.key
        pending = conversation.pending
        if pending is not None and datetime.now(UTC) - pending.created_at > actions.PENDING_TTL:
            conversation.pending = pending = None  # a summary from long ago is not what "yes" means now
        if confirm_action:
            return self._execute(conversation, confirm_action)
        if decline_action:
            if pending is not None and pending.id == decline_action:
                conversation.pending = None
                return TurnOutcome(_declined(pending), key, status="declined")
            return TurnOutcome("There was nothing waiting for confirmation.", key, status="declined")
        if pending is None:
            return None
        if confirm.is_yes(message, pending.kind):
            return self._execute(conversation, pending.id)
        if pending.kind == actions.PLACE_ORDER and confirm.leans_yes(message):
            return None  # kept for this turn: the customer's turn confirms it only if the request is that order
        conversation.pending = None  # any other message voids it
        if confirm.is_no(message, pending.kind):
            return TurnOutcome(_declined(pending), key, status="declined")
        return None

    def _execute(self, conversation: Conversation, action_id: str) -> TurnOutcome:
        result = actions.execute(self.services, conversation, action_id)
        outcome = TurnOutcome(result.reply, conversation.key, status="confirmed" if result.done else "direct")
        if result.order is not None:
            outcome.order_id = result.order.id
            outcome.writes.append(f"order:{result.order.id}")
        elif result.done:
            outcome.writes.append(f"action:{action_id}")
        if result.pending is not None:
            outcome.pending_action = actions.public_action(self.services, result.pending)
            outcome.products = self._products([line["productId"] for line in result.pending.summary.get("lines", [])])
        return outcome

    # --- the agent loop ------------------------------------------------------------------------
    async def _agent_turn(self, conversation: Conversation, role: ChatRole, message: str) -> AsyncIterator[Event]:
        if role == "customer":
            async for event in self.customer.run(conversation, message):
                yield event
            return
        async for event in self._owner_turn(conversation, message):
            yield event

    async def _owner_turn(self, conversation: Conversation, message: str) -> AsyncIterator[Event]:
        """The owner's turn: the model picks a report tool; code writes the report."""
        key = conversation.key
        role: ChatRole = "owner"
        if not message:
            what = say("owner_what", previous_language(conversation) or "en")
            yield {"type": "outcome", "outcome": TurnOutcome(what, key, status="direct")}
            return
        yield {"type": "status", "text": "Reading your question…"}  # the owner sees the turn start at once
        # Read like a customer's message (py3langid, ~0.1 ms): the reports code writes are in this language.
        lang = self.customer.read_language(conversation, message)
        ctx = ToolContext(
            self.services, role, conversation, cart_id=conversation.cart_id, customer_text=message, lang=lang
        )
        t0 = time.perf_counter()
        messages: list[BaseMessage] = [*memory.prompt_history(conversation), HumanMessage(message)]
        timings: dict[str, float] = {}
        tool_names = frozenset(t.name for t in self.owner_tools)

        def check(text: str, final: bool = True) -> list[guard.Violation]:
            problems = guard.check_reply(
                text,
                ctx.turn,
                self.names,
                user_text=message,
                tool_names=tool_names,
                final=final,
                stock_rule=False,  # the owner's reports talk about stock in numbers
            )
            # The owner's tools only read: "DONE" / "deleted" / "I updated the prices" is never true.
            return problems + guard.write_claims(text) if role == "owner" else problems

        def partial(text: str) -> list[guard.Violation]:
            return check(text, final=False)

        ref_names: dict[str, str] = {}
        refs_seen = [-1]

        def rewrite(text: str) -> str:
            # Runs on every streamed word: look the refs' names up again only when a tool added refs.
            if refs_seen[0] != len(conversation.refs):
                refs_seen[0] = len(conversation.refs)
                ref_names.clear()
                ref_names.update(self._ref_names(conversation))
            return guard.strip_refs(text, ref_names)

        status = "ok"
        final_text = ""
        streamed = False
        gate = guard.StreamGate(check, rewrite, partial)
        state_messages: list[BaseMessage] = list(messages)
        first_token: float | None = None
        try:
            async for mode, data in self.owner_graph.astream(
                {"messages": messages},
                context=ctx,
                config={"recursion_limit": self.settings.chat_max_steps},
                stream_mode=["messages", "updates"],
            ):
                if mode == "messages":
                    chunk, meta = data
                    if not isinstance(chunk, AIMessageChunk) or meta.get("langgraph_node") != "model":
                        continue
                    text = message_text(chunk.content)
                    if text:
                        out = gate.feed(text)
                        if out:
                            if first_token is None:
                                first_token = time.perf_counter()
                            streamed = True
                            yield {"type": "token", "text": out}
                    continue
                for node, update in (data or {}).items():
                    new_messages = update.get("messages", []) if isinstance(update, dict) else []
                    for msg in new_messages:
                        state_messages.append(msg)
                        if node == "model" and isinstance(msg, AIMessage):
                            if msg.tool_calls:
                                if streamed:
                                    yield {"type": "reset"}
                                    streamed = False
                                gate = guard.StreamGate(check, rewrite, partial)
                                name = msg.tool_calls[0]["name"]
                                yield {"type": "status", "text": TOOL_STATUS.get(name, "Working on it…")}
                            else:
                                final_text = message_text(msg.content).strip()
        except GraphRecursionError:
            status = "step_limit"
        except Exception as exc:
            status = "offline" if is_connection_error(exc) else "error"
            if status == "error":
                log.exception("chat turn failed")
            else:
                log.warning("chat model unreachable: %s", exc)
        timings["agent_s"] = round(time.perf_counter() - t0, 4)
        if first_token is not None:
            timings["first_token_s"] = round(first_token - t0, 4)

        reply: str
        if ctx.turn.direct_reply is not None:
            reply, status = ctx.turn.direct_reply, "direct"
            if streamed:
                yield {"type": "replace", "text": reply}
        elif status == "step_limit":
            sorry = say("owner_step_limit", lang)
            reply = guard.fallback_reply(ctx.turn, default=sorry)
            if reply != sorry:
                reply = sorry + "\n\n" + reply
            yield {"type": "replace", "text": reply}
        elif status in ("offline", "error"):
            default = say("owner_offline" if status == "offline" else "owner_error", lang)
            notes = guard.fallback_reply(ctx.turn, default="")
            reply = default + ("\n\n" + notes if notes else "")
            yield {"type": "replace", "text": reply}
        else:
            rest = gate.finish() if final_text else ""
            if final_text and not gate.blocked:
                reply = rewrite(final_text)
                if rest:
                    yield {"type": "token", "text": rest}
            else:
                problems = gate.problems
                reply, status = await self._regenerate(ctx, state_messages, problems, check, final_text, rewrite)
                yield {"type": "replace", "text": reply}

        if ctx.turn.pending is not None:
            conversation.pending = ctx.turn.pending
        rejected = [f"{p.kind}: {p}" for p in gate.problems] if status in ("regenerated", "fallback") else []
        shown = guard.invented(check(reply))
        outcome = turn_outcome(
            ctx,
            reply,
            status=status,
            products=self._cards(ctx, reply, status),
            rejected=rejected,
            shown_problems=shown,
            timings=timings,
        )
        outcome.lang = lang  # kept with the message: the owner's next short message keeps it
        yield {"type": "outcome", "outcome": outcome}

    async def _regenerate(
        self,
        ctx: ToolContext,
        state_messages: list[BaseMessage],
        problems: list[guard.Violation],
        check: Callable[[str], list[guard.Violation]],
        final_text: str,
        rewrite: Callable[[str], str],
    ) -> tuple[str, str]:
        """One more try with a corrective note (same tools, none callable), then a reply written by code."""
        default = say("owner_unsure", ctx.lang)
        if any(p.kind == "write" for p in problems):
            return say("owner_read_only", ctx.lang), "fallback"  # said by code: asked again, the model claims again
        if final_text and problems:
            history = list(state_messages)
            if history and isinstance(history[-1], AIMessage) and not history[-1].tool_calls:
                history.pop()  # the rejected answer
            ctx.turn.model_calls += 1
            model = self.model.bind_tools(self.owner_tools, tool_choice="none")
            text = rewrite(
                await guard.ask_again(model, [SystemMessage(self.system_prompts["owner"]), *history], problems)
            )
            if text and not check(text):
                return text, "regenerated"
        return guard.fallback_reply(ctx.turn, default=default), "fallback"

    # --- helpers -------------------------------------------------------------------------------
    def _cards(self, ctx: ToolContext, reply: str, status: str) -> list[Product]:
        """Products to show as cards: those the reply names, plus those a tool put forward."""
        ids = [pid for pid in self.names.mentions(reply) if pid in ctx.turn.products]
        ids += [pid for pid in ctx.turn.card_ids if pid not in ids]
        searched = any(name in ("search_products", "recommend") for name, _ in ctx.turn.calls)
        if not ids and (status in ("fallback", "step_limit", "offline") or searched):
            ids = list(ctx.turn.products)[:3]
        return self._products(ids)

    def _ref_names(self, conversation: Conversation) -> dict[str, str]:
        found = {ref: self.services.catalog.get_any(pid) for ref, pid in conversation.refs.items()}
        return {ref: product.name for ref, product in found.items() if product is not None}

    def _products(self, ids: list[str]) -> list[Product]:
        found = [self.services.catalog.get(pid) for pid in dict.fromkeys(ids)]
        return [p for p in found if p is not None][:MAX_CARDS]

    def _save(self, conversation: Conversation, user_text: str, outcome: TurnOutcome) -> None:
        new = memory.record_turn(
            conversation,
            user_text,
            outcome.reply,
            [p.id for p in outcome.products],
            max_turns=self.settings.chat_history_turns,
            catalog=self.services.catalog,
            note=outcome.note,
            request_json=outcome.request_json,
            lang=outcome.lang,
        )
        self.services.conversations.save(conversation, new)


def _declined(action: actions.PendingAction) -> str:
    """The "no" to a pending action, in the language its summary was written in."""
    lang = action.summary.get("lang", "en")
    if action.kind == actions.CANCEL_ORDER:
        return say("declined_cancel", lang)
    if action.kind == actions.WISHLIST_ADD:
        return say("declined_wish", lang)
    if action.kind == actions.CART_ADD:
        return say("declined_cart_add", lang)
    if action.kind == actions.RETURN_REQUEST:
        return say("declined_return", lang)
    return say("declined_order", lang)
