"""Chat conversations, stored in MongoDB (`conversation_history`) so they survive page changes and restarts.

One document per conversation: the storefront's is keyed by the visitor session id, an API client's by
the key it got back from its first call, the owner's by the owner's email. Besides the messages it holds
what the agent's code (not the model) must remember between turns:

- `refs`: short product references ("P3") handed to the model instead of 24-character ids, so a small
  model can say "add P3" and the next turn still knows which product that was;
- `pending`: the one write waiting for the customer's "yes" (an order or a cancellation), with the exact
  summary the customer was shown. It is executed by code with the action id as idempotency key;
- `done`: the last executed actions, so a second confirmation of the same action answers with the
  same result instead of acting twice.

The model sees only a window of the latest turns; `windowStart` moves forward in steps (not one turn at
a time) so the prompt keeps the same prefix for several turns, which is what lets a local model reuse
its cache, and `summary` keeps a short, code-built note of what was discussed before the window.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pymongo.database import Database

from shop.core.db import camel_doc

COLLECTION = "conversation_history"
MAX_STORED_MESSAGES = 200
MAX_DONE_ACTIONS = 5
MAX_REFS = 60

ChatRole = Literal["customer", "owner"]
Channel = Literal["web", "api", "admin"]


def new_key() -> str:
    """A conversation key in the same shape as a visitor session id (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


@dataclass
class ChatMessage:
    role: Literal["user", "assistant"]
    content: str
    at: datetime
    n: int = 0
    products: list[str] = field(default_factory=list)
    """Ids of the products shown as cards with this message."""
    context: str = ""
    """What the model saw with this message besides its text: for a customer's message, the note on
    what had just been shown; for the answer, the request the understanding stage made of the
    message (JSON). Replayed into the next prompts so they extend the cached one (agent.memory)."""
    lang: str = ""
    """The language a customer's message was read as (its answer is in it); "" when not read."""

    def to_doc(self) -> dict[str, Any]:
        doc = {"role": self.role, "content": self.content, "at": self.at, "n": self.n, "products": self.products}
        if self.context:
            doc["context"] = self.context
        if self.lang:
            doc["lang"] = self.lang
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ChatMessage:
        return cls(
            doc["role"],
            doc["content"],
            doc["at"],
            int(doc.get("n", 0)),
            list(doc.get("products") or []),
            str(doc.get("context") or ""),
            str(doc.get("lang") or ""),
        )


@dataclass
class PendingAction:
    """A write the customer still has to confirm; `summary` is exactly what they were shown."""

    id: str
    kind: str
    summary: dict[str, Any]
    payload: dict[str, Any]
    created_at: datetime
    cart_fingerprint: str | None = None
    result: dict[str, Any] | None = None

    def to_doc(self) -> dict[str, Any]:
        return camel_doc(self, "id", "kind", "summary", "payload", "created_at", "cart_fingerprint", "result")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PendingAction:
        return cls(
            id=doc["id"],
            kind=doc["kind"],
            summary=dict(doc.get("summary") or {}),
            payload=dict(doc.get("payload") or {}),
            created_at=doc["createdAt"],
            cart_fingerprint=doc.get("cartFingerprint"),
            result=doc.get("result"),
        )


@dataclass
class Conversation:
    key: str
    role: ChatRole
    channel: Channel
    cart_id: str | None
    messages: list[ChatMessage] = field(default_factory=list)
    window_start: int = 0
    summary: str = ""
    refs: dict[str, str] = field(default_factory=dict)
    pending: PendingAction | None = None
    done: list[PendingAction] = field(default_factory=list)
    handoffs: list[datetime] = field(default_factory=list)
    next_n: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    is_new: bool = True

    @property
    def window(self) -> list[ChatMessage]:
        """The messages the model still sees."""
        return [m for m in self.messages if m.n >= self.window_start]

    def ref_for(self, product_id: str) -> str:
        """The conversation's short reference for a product, assigned on first sight."""
        for ref, pid in self.refs.items():
            if pid == product_id:
                return ref
        numbers = [int(r[1:]) for r in self.refs if r[1:].isdigit()]
        ref = f"P{max(numbers, default=0) + 1}"
        if len(self.refs) >= MAX_REFS:  # keep the newest references; old ones fall out of use
            for old in list(self.refs)[: len(self.refs) - MAX_REFS + 1]:
                del self.refs[old]
        self.refs[ref] = product_id
        return ref

    def find_done(self, action_id: str) -> PendingAction | None:
        return next((a for a in self.done if a.id == action_id), None)


class ConversationStore:
    """All reads and writes of `conversation_history` (the agent never touches the collection itself)."""

    def __init__(self, db: Database) -> None:
        self.collection = db[COLLECTION]

    def get(self, key: str) -> Conversation | None:
        doc = self.collection.find_one({"_id": key})
        return _from_doc(doc) if doc else None

    def open(self, key: str, *, role: ChatRole, channel: Channel, cart_id: str | None) -> Conversation:
        """The stored conversation, or a new (not yet saved) one.

        A stored conversation of another role or channel is never handed out under this key: a
        customer's key cannot open the owner's conversation, nor an API key a browser's.
        """
        existing = self.get(key)
        if existing is not None and existing.role == role and existing.channel == channel:
            return existing
        if existing is not None:
            raise PermissionError("conversation belongs to another role or channel")
        return Conversation(key=key, role=role, channel=channel, cart_id=cart_id)

    def exists(self, key: str, *, role: ChatRole, channel: Channel) -> bool:
        return self.collection.count_documents({"_id": key, "role": role, "channel": channel}, limit=1) > 0

    def save(self, conversation: Conversation, new_messages: list[ChatMessage]) -> None:
        """Append the turn's messages and store the agent's bookkeeping (one write per turn)."""
        now = datetime.now(UTC)
        update: dict[str, Any] = {
            "$set": {
                "role": conversation.role,
                "channel": conversation.channel,
                "cartId": conversation.cart_id,
                "windowStart": conversation.window_start,
                "summary": conversation.summary,
                "refs": conversation.refs,
                "pending": conversation.pending.to_doc() if conversation.pending else None,
                "done": [a.to_doc() for a in conversation.done[-MAX_DONE_ACTIONS:]],
                "handoffs": conversation.handoffs[-10:],
                "nextN": conversation.next_n,
                "updatedAt": now,
            },
            "$setOnInsert": {"createdAt": conversation.created_at},
        }
        if new_messages:
            update["$push"] = {
                "messages": {"$each": [m.to_doc() for m in new_messages], "$slice": -MAX_STORED_MESSAGES}
            }
        self.collection.update_one({"_id": conversation.key}, update, upsert=True)
        conversation.messages.extend(new_messages)
        conversation.is_new = False

    def clear(self, key: str) -> None:
        self.collection.delete_one({"_id": key})


def _from_doc(doc: dict[str, Any]) -> Conversation:
    return Conversation(
        key=doc["_id"],
        role=doc.get("role", "customer"),
        channel=doc.get("channel", "web"),
        cart_id=doc.get("cartId"),
        messages=[ChatMessage.from_doc(m) for m in doc.get("messages") or []],
        window_start=int(doc.get("windowStart", 0)),
        summary=doc.get("summary") or "",
        refs=dict(doc.get("refs") or {}),
        pending=PendingAction.from_doc(doc["pending"]) if doc.get("pending") else None,
        done=[PendingAction.from_doc(a) for a in doc.get("done") or []],
        handoffs=list(doc.get("handoffs") or []),
        next_n=int(doc.get("nextN", 0)),
        created_at=doc.get("createdAt") or datetime.now(UTC),
        is_new=False,
    )
