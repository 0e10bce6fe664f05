"""What a channel gives the dispatch engine, and what it gets from it.

The engine claims a delivery and opens an attempt (a ``Claim``); the channel's
``Sender`` makes the attempt (a call, an SMS, an email) and says how it ended (an
``AttemptResult``). Nothing here knows which channel it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ivr.domain.outcomes import Outcome


@dataclass(frozen=True)
class Claim:
    """One delivery taken by an engine, with the attempt just opened for it."""

    delivery_id: int
    alert_id: int
    language: str
    priority: int
    attempt_number: int
    attempt_id: int
    reference: str
    """Unique to the attempt (``ivr-<delivery>-<attempt>``); the channel tags what it
    sends with it (the call's ChannelId) so it can be found again after a restart."""
    address: str
    contact_point_id: int
    """The number or address the attempt goes to (links in an email name it)."""


@dataclass(frozen=True)
class AttemptResult:
    """How an attempt ended, as far as the channel can tell."""

    outcome: Outcome
    hangup_cause: int | None = None
    sip_code: int | None = None
    ring_seconds: float | None = None
    talk_seconds: float | None = None
    provider_message_id: str | None = None
    detail: str = ""


class Sender(Protocol):
    """One channel's way of making an attempt (a call, an SMS, an email)."""

    async def deliver(self, claim: Claim) -> AttemptResult: ...

    async def follow(self, claim: Claim) -> AttemptResult:
        """An attempt started by an engine that stopped and still under way (its
        reference is among ``live_references``): wait for its end, say how it ended."""
        ...

    async def live_references(self) -> set[str]:
        """References of attempts still under way outside this process (calls still
        live on the PBX), which must not be reclaimed."""
        ...

    async def closed(self, claims: Sequence[Claim]) -> None:
        """The engine has just recorded how these attempts ended (what the channel
        learnt meanwhile, such as an SMS receipt that came first, can now be applied)."""
        ...
