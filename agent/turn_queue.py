"""A fair line in front of chat turns: the chat model serves a few turns at a time; the others wait,
one place per client, and learn where they stand.

Why: the embedded model is one process that generates one answer at a time (a turn takes 10-30 s on
two cores). Without a line, concurrent turns all start, pile up on the model server and each customer
waits for every other answer at once, with no word about why. With it:

- At most `slots` turns run at once (CHAT_CONCURRENT_TURNS; 1 for the embedded model).
- A client (a conversation key: a visitor's session, an API session, the owner) holds at most one
  place, waiting or running. A second message while the first is in line or being answered is refused
  (`ClientBusy`, HTTP 429 "please wait for the answer"), so a client who floods the chat never makes
  the others wait behind all of its messages. Since every client holds at most one place, first come
  first served *is* round-robin across clients: a client's next turn joins the end of the line, behind
  everyone who was waiting while its previous turn ran.
- A client address (`group`: several conversations from one network, or an API client starting a new
  conversation per call) holds at most `per_group` places (CHAT_TURNS_PER_IP); past that share it is
  refused (`OverShare`, HTTP 429 with Retry-After), so one address cannot fill the line with many
  conversations either (measured before: 3 concurrent /api/chat calls from one client took 75-99 s
  each, and every other customer waited behind them).
- A waiting client's position (1 = next) is reported every time it changes, and again every
  `heartbeat` seconds so that a proxy does not close a quiet stream.

All methods are called from the event loop's thread (the chat routes are async); nothing here blocks.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from shop.core.metrics import CHAT_TURN_SECONDS, CHAT_WAIT_SECONDS

BUSY_MESSAGE = "Please wait for the answer to your previous message before sending another."
SHARE_MESSAGE = "Several chats from your address are already waiting for the assistant. Please try again in a moment."
RETRY_AFTER_SECONDS = 5
"""What a refused client is told to wait (Retry-After): about a turn's time on a hosted model."""


class ClientBusy(Exception):
    """The client already has a turn in line or being answered."""

    def __init__(self, key: str) -> None:
        super().__init__(BUSY_MESSAGE)
        self.key = key
        self.message = BUSY_MESSAGE


class OverShare(ClientBusy):
    """The client's address already holds its share of places in the line."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.message = SHARE_MESSAGE
        self.args = (SHARE_MESSAGE,)


@dataclass(eq=False)
class Ticket:
    """One client's place: waiting until `granted`, then running until released."""

    key: str
    group: str | None = None
    granted: bool = False
    released: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the ticket's position may have changed or its turn has come."""
    since: float = field(default_factory=time.monotonic)
    """When it joined the line, then when its turn started (for /metrics: wait and turn time)."""


def position_text(position: int) -> str:
    """What the widget shows a waiting customer."""
    if position <= 1:
        return "You are next in line. Another customer's answer is being written…"
    return f"You are number {position} in line. The assistant answers one customer at a time…"


class TurnQueue:
    """A first-come-first-served line of clients with at most one place each, in front of `slots`
    concurrent turns."""

    def __init__(self, slots: int = 1, per_group: int = 0) -> None:
        """`per_group`: places one group (a client address) may hold at once; 0 = no cap."""
        if slots < 1:
            raise ValueError("a turn queue needs at least one slot")
        self.slots = slots
        self.per_group = per_group
        self._waiting: deque[Ticket] = deque()
        self._running: set[Ticket] = set()
        self._by_key: dict[str, Ticket] = {}
        self._by_group: dict[str, int] = {}

    # --- state -------------------------------------------------------------------------------
    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> int:
        return len(self._running)

    def busy(self, key: str) -> bool:
        """Whether this client has a turn in line or being answered."""
        return key in self._by_key

    def over_share(self, group: str | None) -> bool:
        """Whether this group already holds its share of places."""
        return bool(group and self.per_group and self._by_group.get(group, 0) >= self.per_group)

    def position(self, ticket: Ticket) -> int:
        """0 while the ticket's turn runs (or after it), else its place in line (1 = next)."""
        if ticket.granted or ticket.released:
            return 0
        return self._waiting.index(ticket) + 1

    # --- the line ----------------------------------------------------------------------------
    def join(self, key: str, group: str | None = None) -> Ticket:
        """Take a place for `key` (granted at once when a slot is free); `ClientBusy` when the client
        already has one, `OverShare` when its `group` holds its share. Synchronous, so a route can
        refuse with a 429 before it starts streaming."""
        if key in self._by_key:
            raise ClientBusy(key)
        if self.over_share(group):
            raise OverShare(key)
        ticket = Ticket(key, group)
        self._by_key[key] = ticket
        if group:
            self._by_group[group] = self._by_group.get(group, 0) + 1
        self._waiting.append(ticket)
        self._dispatch()
        return ticket

    async def wait(self, ticket: Ticket, *, heartbeat: float | None = 15.0) -> AsyncIterator[int]:
        """The ticket's position each time it changes (and every `heartbeat` seconds), until its turn
        comes; nothing at all when a slot was free. Leaving the loop early does not give the place up:
        `release` does."""
        last: int | None = None
        while not (ticket.granted or ticket.released):
            ticket.changed.clear()  # before reading the position: a change while we yield wakes us
            position = self.position(ticket)
            if position != last:
                last = position
                yield position
            if ticket.granted or ticket.released:
                break
            try:
                await asyncio.wait_for(ticket.changed.wait(), heartbeat)
            except TimeoutError:
                last = None  # say it again

    def release(self, ticket: Ticket) -> None:
        """Give the place (waiting or running) back; the next client's turn may start. Idempotent."""
        if ticket.released:
            return
        ticket.released = True
        if ticket in self._running:
            self._running.discard(ticket)
            CHAT_TURN_SECONDS.observe(time.monotonic() - ticket.since)
        elif ticket in self._waiting:
            self._waiting.remove(ticket)
        if self._by_key.get(ticket.key) is ticket:
            del self._by_key[ticket.key]
        if ticket.group:
            left = self._by_group.get(ticket.group, 0) - 1
            if left > 0:
                self._by_group[ticket.group] = left
            else:
                self._by_group.pop(ticket.group, None)
        ticket.changed.set()
        self._dispatch()

    async def acquire(self, key: str, group: str | None = None) -> Ticket:
        """Join and wait for the turn without reporting positions (the JSON API); release afterwards."""
        ticket = self.join(key, group)
        try:
            async for _ in self.wait(ticket, heartbeat=None):
                pass
        except BaseException:
            self.release(ticket)
            raise
        return ticket

    def _dispatch(self) -> None:
        """Start as many waiting turns as there are free slots, then wake the rest to read their places
        (a waiter reports only a position that changed)."""
        while self._waiting and len(self._running) < self.slots:
            ticket = self._waiting.popleft()
            ticket.granted = True
            now = time.monotonic()
            CHAT_WAIT_SECONDS.observe(now - ticket.since)
            ticket.since = now
            self._running.add(ticket)
            ticket.changed.set()
        for ticket in self._waiting:
            ticket.changed.set()
