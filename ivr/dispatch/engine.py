"""The dispatch engine: claims due deliveries of one channel and runs their attempts,
within a cap on attempts in flight (the trunk's channels) and a start rate.

``NOTIFY ivr_dispatch`` only wakes it; polling (and the time of the next due retry)
guarantees progress when a notification is missed. Leases are renewed by a heartbeat.
Deliveries of an engine that stopped are taken over: at once when that engine was a
process of this machine that is gone, otherwise when its lease expires. An attempt the
channel says is still under way (a call still live on the PBX) is adopted and followed
to its end; the others are closed with what was recorded and retried by the policy.

The database may go away (a restart, an outage): an attempt's outcome is kept until it
can be written, so nothing is lost and nothing is sent twice because of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket

import asyncpg

from ivr.dispatch.batches import Batches
from ivr.dispatch.pacing import StartPacer
from ivr.dispatch.queue import WAKE_CHANNEL, DispatchQueue
from ivr.dispatch.sender import AttemptResult, Claim, Sender
from ivr.domain.outcomes import Finish, Outcome, Retry
from ivr.processes import pid_alive
from ivr.storage.database import DATABASE_ERRORS, persistently

log = logging.getLogger(__name__)


def engine_owner_id() -> str:
    """A lease owner name unique to this process start: ``host-pid-random``."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def dead_local_owners(owners: list[str]) -> list[str]:
    """The owners that were processes of this machine and are gone."""
    host = socket.gethostname()
    dead = []
    for owner in owners:
        owner_host, _, rest = owner.rpartition("-")[0].rpartition("-")
        if owner_host == host and rest.isdigit() and not pid_alive(int(rest)):
            dead.append(owner)
    return dead


class Recorder:
    """Records the ends of attempts in batches (``Batches``), however long the database
    is away: the leases are renewed once it is back, so no other engine takes these
    deliveries meanwhile (one that does after a long outage is refused by the lease
    check)."""

    def __init__(self, queue: DispatchQueue, sender: Sender) -> None:
        self.queue = queue
        self.sender = sender
        self.batches: Batches[tuple[Claim, AttemptResult], Retry | Finish | Exception] = Batches(
            self._write
        )

    async def record(self, claim: Claim, result: AttemptResult) -> Retry | Finish:
        step = await self.batches.put((claim, result))
        if isinstance(step, Exception):
            raise step
        return step

    async def _write(
        self, ended: list[tuple[Claim, AttemptResult]]
    ) -> list[Retry | Finish | Exception]:
        steps: list[Retry | Finish | Exception]
        try:
            steps = list(
                await persistently(
                    lambda: self.queue.finish_many(ended), what="record the attempts"
                )
            )
        except DATABASE_ERRORS:
            # Not an outage but a refusal: one at a time, so one row does not hold back
            # the others; a refused one is reclaimed when its lease expires.
            steps = []
            for claim, result in ended:
                try:
                    steps.append(await self.queue.finish(claim, result))
                except DATABASE_ERRORS as error:
                    steps.append(error)
        await persistently(self.queue.complete_finished_alerts, what="complete alerts")
        try:
            await self.sender.closed([claim for claim, _ in ended])
        except Exception:
            log.exception("the channel could not follow up closed attempts")
        return steps


class DispatchEngine:
    def __init__(
        self,
        queue: DispatchQueue,
        sender: Sender,
        *,
        max_in_flight: int,
        starts_per_second: float | None,
        claim_batch: int = 1,
        poll_interval: float = 2.0,
        reclaim_interval: float = 5.0,
    ) -> None:
        self.queue = queue
        self.sender = sender
        self.max_in_flight = max_in_flight
        self.claim_batch = min(claim_batch, max_in_flight)
        """Claim again once this many attempts could start (fewer claims when busy)."""
        self.pacer = StartPacer(starts_per_second) if starts_per_second else None
        """None: the channel paces itself (the SMS link caps parts per second)."""
        self.poll_interval = poll_interval
        self.reclaim_interval = reclaim_interval
        self.in_flight = 0
        self.recorder = Recorder(queue, sender)
        self._wake = asyncio.Event()
        self._tasks: asyncio.TaskGroup | None = None

    async def run(self) -> None:
        """Run until cancelled; attempts in flight are cancelled with it."""
        log.info(
            "dispatch engine started",
            extra={"channel": self.queue.channel, "owner": self.queue.owner},
        )
        async with asyncio.TaskGroup() as tasks:
            self._tasks = tasks
            tasks.create_task(self._heartbeat_loop())
            tasks.create_task(self._listen_loop())
            tasks.create_task(self._reclaim_loop())
            tasks.create_task(self.recorder.batches.run())
            await self._dispatch_loop()

    def _start(self, claim: Claim, *, adopted: bool = False) -> None:
        assert self._tasks is not None
        self.in_flight += 1
        self._tasks.create_task(self._attempt(claim, adopted=adopted))

    async def _dispatch_loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                claims = await self._claim_what_fits()
                for claim in claims:
                    if self.pacer is not None:
                        await self.pacer.wait_turn()
                    self._start(claim)
                if claims:
                    continue
                timeout = await self._idle_timeout()
            except DATABASE_ERRORS as error:
                log.warning("dispatch database error", extra={"error": str(error)})
                timeout = self.poll_interval
            await self._sleep_until_woken(timeout)

    async def _claim_what_fits(self) -> list[Claim]:
        free = self.max_in_flight - self.in_flight
        if free <= 0 or (self.in_flight and free < self.claim_batch):
            return []
        return await self.queue.claim(free)

    async def _idle_timeout(self) -> float:
        if self.in_flight and self.max_in_flight - self.in_flight < self.claim_batch:
            return self.poll_interval  # woken when an attempt ends
        due_in = await self.queue.next_due_in()
        return self.poll_interval if due_in is None else min(due_in, self.poll_interval)

    async def _sleep_until_woken(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _attempt(self, claim: Claim, *, adopted: bool = False) -> None:
        fields = {
            "delivery_id": claim.delivery_id,
            "alert_id": claim.alert_id,
            "reference": claim.reference,
        }
        try:
            try:
                if adopted:
                    result = await self.sender.follow(claim)
                else:
                    result = await self.sender.deliver(claim)
            except Exception as error:
                log.exception("attempt failed", extra=fields)
                result = AttemptResult(
                    Outcome.FAILED, detail=f"{type(error).__name__}: {error}"[:300]
                )
            step = await self.recorder.record(claim, result)
            log.info(
                "attempt ended",
                extra={**fields, "outcome": result.outcome.value, "next": type(step).__name__},
            )
        except DATABASE_ERRORS as error:
            # Not an outage (those are waited out) but a refusal: the lease expires and
            # the delivery is reclaimed, retried within the policy.
            log.error("could not record attempt", extra={**fields, "error": str(error)})
        finally:
            self.in_flight -= 1
            self._wake.set()

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.queue.lease_seconds / 3)
            try:
                await self.queue.heartbeat()
            except DATABASE_ERRORS as error:
                log.warning("lease heartbeat failed", extra={"error": str(error)})

    async def _reclaim_loop(self) -> None:
        while True:
            try:
                live = await self.sender.live_references()
                dead = dead_local_owners(await self.queue.other_owners())
                reclaimed = await self.queue.reclaim(live, dead)
                for claim in reclaimed.adopted:
                    self._start(claim, adopted=True)
                if reclaimed.closed:
                    await self.queue.complete_finished_alerts()
                    await self.sender.closed(reclaimed.closed)
                    self._wake.set()
            except DATABASE_ERRORS as error:
                log.warning("reclaim failed", extra={"error": str(error)})
            except Exception as error:  # e.g. AMI down: retried at the next round
                log.warning("reclaim skipped: live calls unknown", extra={"error": repr(error)})
            await asyncio.sleep(self.reclaim_interval)

    async def _listen_loop(self) -> None:
        def on_notify(*_args: object) -> None:
            self._wake.set()

        while True:
            lost = asyncio.Event()
            try:
                async with self.queue.pool.acquire() as conn:
                    conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                    await conn.add_listener(WAKE_CHANNEL, on_notify)
                    try:
                        await lost.wait()
                    finally:
                        # A lost connection is already back in the pool: nothing to undo.
                        with contextlib.suppress(asyncpg.InterfaceError):
                            if not conn.is_closed():
                                await conn.remove_listener(WAKE_CHANNEL, on_notify)
            except DATABASE_ERRORS as error:
                log.warning("listen connection lost", extra={"error": str(error)})
            await asyncio.sleep(self.poll_interval)
