"""The deliveries table as a work queue: claim, lease, heartbeat, finish, reclaim.

Every state change is guarded by the lease owner, so an engine that lost its lease
(after a pause or a restart) cannot overwrite what another engine decided.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields

import asyncpg

from ivr.dispatch.sender import AttemptResult, Claim
from ivr.domain.outcomes import CONTACT_FAULTS, Finish, Outcome, Retry, RetryPolicy
from ivr.observability.instruments import ATTEMPTS_ENDED, CALL_TALK_SECONDS
from ivr.storage.executor import Connection
from ivr.storage.queries import QUERIES

log = logging.getLogger(__name__)

_CLAIM_FIELDS = tuple(f.name for f in fields(Claim))

WAKE_CHANNEL = "ivr_dispatch"
"""``NOTIFY ivr_dispatch`` wakes the engines (launch, cancel, new retries)."""


@dataclass(frozen=True)
class Reclaimed:
    """What one reclaim round did with the deliveries of engines that stopped."""

    closed: list[Claim]
    """Attempts that had ended: closed with what their channel recorded (``failed`` if
    nothing), and scheduled by the retry policy."""
    adopted: list[Claim]
    """Attempts still under way (a call still live on the PBX): now leased by this
    engine, which follows each to its end."""


class DispatchQueue:
    """Queue operations for one channel, on behalf of one engine (``owner``)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        channel: str,
        owner: str,
        policy: RetryPolicy,
        lease_seconds: float,
    ) -> None:
        self.pool = pool
        self.channel = channel
        self.owner = owner
        self.policy = policy
        self.lease_seconds = lease_seconds

    async def claim(self, limit: int) -> list[Claim]:
        rows = await self.pool.fetch(
            QUERIES["dispatch.claim"], self.channel, limit, self.owner, self.lease_seconds
        )
        return [Claim(**dict(row)) for row in rows]

    async def heartbeat(self) -> int:
        status = await self.pool.execute(
            QUERIES["dispatch.heartbeat"], self.owner, self.lease_seconds
        )
        return int(status.split()[-1])

    async def finish(self, claim: Claim, result: AttemptResult) -> Retry | Finish:
        """Close the attempt and decide the delivery's next step by the retry policy."""
        (step,) = await self.finish_many([(claim, result)])
        return step

    async def finish_many(
        self, ended: Sequence[tuple[Claim, AttemptResult]]
    ) -> list[Retry | Finish]:
        """``finish`` for many attempts in one transaction (a statement per kind of
        change, each run for all rows at once)."""
        async with self.pool.acquire() as conn, conn.transaction():
            steps = await self._record(conn, ended)
        self._count(ended)
        return steps

    async def other_owners(self) -> list[str]:
        """The other engines holding deliveries of this channel now."""
        rows = await self.pool.fetch(QUERIES["dispatch.lease_owners"], self.channel, self.owner)
        return [row["lease_owner"] for row in rows]

    async def reclaim(self, live_references: set[str], dead_owners: list[str]) -> Reclaimed:
        """Take over the deliveries of engines that stopped (lease expired, or owner in
        ``dead_owners``): an attempt still under way is adopted; one that ended is
        closed and scheduled by the retry policy.

        The outcome the channel already recorded is kept (a call flow writes it as the
        call goes, so a message heard whole is not sent again); an attempt with none
        counts as ``failed`` (interrupted) and is retried within the policy.
        """
        reclaimed = Reclaimed([], [])
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                QUERIES["dispatch.orphaned_leases"], self.channel, self.owner, dead_owners
            )
            ended: list[tuple[Claim, AttemptResult]] = []
            for row in rows:
                claim = Claim(**{f: row[f] for f in _CLAIM_FIELDS})
                await conn.execute(
                    QUERIES["dispatch.take_lease"],
                    claim.delivery_id,
                    self.owner,
                    self.lease_seconds,
                )
                context = {
                    "delivery_id": claim.delivery_id,
                    "attempt": claim.attempt_number,
                    "previous_owner": row["lease_owner"],
                }
                if claim.reference in live_references:
                    log.warning("attempt adopted (still under way)", extra=context)
                    reclaimed.adopted.append(claim)
                    continue
                outcome = Outcome(row["outcome"]) if row["outcome"] else Outcome.FAILED
                ended.append(
                    (claim, AttemptResult(outcome, detail="reclaimed after the engine stopped"))
                )
                log.warning("attempt reclaimed", extra={**context, "outcome": outcome.value})
                reclaimed.closed.append(claim)
            await self._record(conn, ended)
        self._count(ended)
        return reclaimed

    async def next_due_in(self) -> float | None:
        value: float | None = await self.pool.fetchval(
            QUERIES["dispatch.next_due_in"], self.channel
        )
        return value

    async def complete_finished_alerts(self) -> list[int]:
        rows = await self.pool.fetch(QUERIES["dispatch.complete_finished_alerts"])
        return [row["id"] for row in rows]

    def _count(self, ended: Sequence[tuple[Claim, AttemptResult]]) -> None:
        """Metrics of attempts whose end is committed: counted once, however often an
        outage made the write go again."""
        for _claim, result in ended:
            ATTEMPTS_ENDED.labels(self.channel, result.outcome.value).inc()
            if result.talk_seconds is not None:
                CALL_TALK_SECONDS.observe(result.talk_seconds)

    async def _record(
        self, conn: Connection, ended: Sequence[tuple[Claim, AttemptResult]]
    ) -> list[Retry | Finish]:
        """Close the attempts, move their deliveries on by the retry policy, flag
        contacts at fault and stop the retries a confirmation makes useless."""
        steps = [self.policy.after(result.outcome, claim.attempt_number) for claim, result in ended]
        if not ended:
            return steps
        await conn.executemany(
            QUERIES["dispatch.close_attempt"],
            [
                (claim.attempt_id, result.outcome.value, result.hangup_cause, result.sip_code,
                 result.ring_seconds, result.talk_seconds, result.provider_message_id,
                 result.detail)
                for claim, result in ended
            ],
        )  # fmt: skip
        retries: list[tuple[object, ...]] = []
        finishes: list[tuple[object, ...]] = []
        for (claim, result), step in zip(ended, steps, strict=True):
            if isinstance(step, Retry):
                retries.append((claim.delivery_id, self.owner, result.outcome.value,
                                step.after.total_seconds()))  # fmt: skip
            else:
                finishes.append((claim.delivery_id, self.owner, result.outcome.value, step.state))
        for query, rows in (("dispatch.reschedule", retries), ("dispatch.finish", finishes)):
            if rows:
                await conn.executemany(QUERIES[query], rows)
        for outcome_set, query in (
            (CONTACT_FAULTS, "dispatch.flag_contact"),
            ({Outcome.CONFIRMED}, "alerts.stop_retries_after_confirmation"),
        ):
            delivery_ids = [(c.delivery_id,) for c, r in ended if r.outcome in outcome_set]
            if delivery_ids:
                await conn.executemany(QUERIES[query], delivery_ids)
        return steps
