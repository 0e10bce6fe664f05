"""The SMS channel's link to the operator's SMSC: one bound session at a time, bound
again after a loss (1, 2, 4 … 60 s apart, ±20 %), and a cap on parts per second that
halves when the SMSC says it is throttling and climbs back as parts go through.

``submit`` sends one part until the SMSC gives an answer other than "slow down":
- ``ESME_RTHROTTLED`` / ``ESME_RMSGQFUL``: the rate drops, the same part goes again;
- the session lost before the answer: the same part goes again on the next session.
  If it had left this process, the SMSC may have taken it already: that is the one
  case where a phone can get a part twice (counted as ``resubmitted``).
A bind the SMSC refuses (wrong credentials) is logged once, in one line, and tried
again every minute quietly, since only the operator or a settings change can mend it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ivr.observability.instruments import SMS_THROTTLED
from ivr.smpp.session import (
    ESME_RMSGQFUL,
    ESME_RTHROTTLED,
    BindRefused,
    SessionLost,
    SmppError,
    SmppSession,
    SubmitResponse,
)

log = logging.getLogger(__name__)

FIRST_DELAY, LONGEST_DELAY = 1.0, 60.0
REFUSED_DELAY = 60.0
THROTTLE_PAUSE = 0.5
"""A throttled part waits this long before it goes again (besides the lower rate)."""
SLOWEST_SHARE = 1 / 32
"""Throttling never brings the rate below this share of the cap."""
RECOVERY_PARTS = 50
"""Parts taken in a row that bring a throttled rate from nothing back to the cap."""


class LinkDown(Exception):
    """No session with the SMSC could be had in time."""


@dataclass(frozen=True)
class Submitted:
    response: SubmitResponse
    throttled: int
    """Answers "slow down" before this one."""
    resubmitted: int
    """Times the part was sent again after a session was lost with it unanswered."""


class AdaptiveRate:
    """Evenly spaced turns at ``rate`` per second, at most ``cap``; ``slow_down`` halves
    it, each ``went_through`` brings it back up a step."""

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.rate = cap
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next = max(self._next, loop.time() - 1 / self.rate) + 1 / self.rate

    def slow_down(self) -> None:
        self.rate = max(self.cap * SLOWEST_SHARE, self.rate / 2)

    def went_through(self) -> None:
        self.rate = min(self.cap, self.rate + self.cap / RECOVERY_PARTS)


def jittered(seconds: float) -> float:
    return seconds * random.uniform(0.8, 1.2)


class SmsLink:
    def __init__(
        self, open_session: Callable[[], Awaitable[SmppSession]], *, per_second: float
    ) -> None:
        self._open_session = open_session
        self._session: SmppSession | None = None
        self._bound = asyncio.Event()
        self.rate = AdaptiveRate(per_second)

    @property
    def up(self) -> bool:
        return self._session is not None and not self._session.closed

    async def run(self) -> None:
        """Keep a session bound, until cancelled (then unbind)."""
        delay = FIRST_DELAY
        trouble: str | None = None
        try:
            while True:
                try:
                    session = await self._open_session()
                except BindRefused as error:
                    if trouble != str(error):
                        log.error(
                            "SMS gateway refused the bind: check IVR_SMPP_SYSTEM_ID, "
                            "IVR_SMPP_PASSWORD and IVR_SMPP_SYSTEM_TYPE",
                            extra={"status": str(error).split(": ", 1)[-1]},
                        )
                        trouble = str(error)
                    await asyncio.sleep(jittered(REFUSED_DELAY))
                    continue
                except (OSError, TimeoutError, SmppError) as error:
                    if trouble is None:
                        log.warning("SMS gateway unreachable", extra={"error": repr(error)})
                        trouble = "unreachable"
                    await asyncio.sleep(jittered(delay))
                    delay = min(delay * 2, LONGEST_DELAY)
                    continue
                log.info("SMS gateway bound")
                delay, trouble = FIRST_DELAY, None
                self._session = session
                self._bound.set()
                await session.wait_closed()
                self._bound.clear()
                log.warning("SMS gateway session lost")
        finally:
            self._bound.clear()
            if self._session is not None:
                await self._session.close()

    async def submit(self, within: float, **fields: Any) -> Submitted:
        """Send one part (``submit_sm`` fields) until it gets a real answer; raises
        ``LinkDown`` when no session was bound for ``within`` seconds."""
        throttled = resubmitted = 0
        while True:
            session = await self._bound_session(within)
            await self.rate.wait_turn()
            if session is not self._session:  # lost while this part waited its turn: the
                session = await self._bound_session(within)  # turn goes to the new session
            try:
                response = await session.submit_sm(**fields)
            except SessionLost as lost:
                resubmitted += lost.sent
                continue
            if response.status in (ESME_RTHROTTLED, ESME_RMSGQFUL):
                throttled += 1
                SMS_THROTTLED.inc()
                self.rate.slow_down()
                await asyncio.sleep(THROTTLE_PAUSE)
                continue
            self.rate.went_through()
            return Submitted(response, throttled, resubmitted)

    async def _bound_session(self, within: float) -> SmppSession:
        if not self.up:
            try:
                async with asyncio.timeout(within):
                    while not self.up:
                        await self._bound.wait()
                        await asyncio.sleep(0)
            except TimeoutError:
                raise LinkDown(f"no session with the SMS gateway for {within:.0f} s") from None
        assert self._session is not None
        return self._session
