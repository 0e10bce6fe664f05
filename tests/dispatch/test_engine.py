"""The dispatch engine against a real PostgreSQL.

The channel here is a fake (``ScriptedSender``): it answers each attempt from a script
instead of placing a call, so these tests pin the engine's own rules — claiming,
leases, retries, pacing, caps, priorities, cancellation, reclaiming. The real voice
channel is tested end to end through Asterisk in tests/voice/.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

import asyncpg

from ivr.dispatch.engine import DispatchEngine, dead_local_owners
from ivr.dispatch.queue import DispatchQueue
from ivr.dispatch.sender import AttemptResult, Claim
from ivr.domain.outcomes import Finish, Outcome, Retry, RetryPolicy
from ivr.storage.alerts import cancel
from tests.dispatch.population import make_sending_alert, numbers


class ScriptedSender:
    """A fake channel: outcome per (address, attempt number) from ``script``."""

    def __init__(
        self,
        script: Callable[[Claim], Outcome] = lambda claim: Outcome.LISTENED,
        duration: float = 0.0,
        live: set[str] | None = None,
    ) -> None:
        self.script = script
        self.duration = duration
        self.live = live or set()
        self.calls: list[tuple[str, int, float]] = []
        self.followed: list[str] = []
        self.closed_claims: list[Claim] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def deliver(self, claim: Claim) -> AttemptResult:
        self.calls.append((claim.address, claim.attempt_number, asyncio.get_running_loop().time()))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.duration)
            return AttemptResult(self.script(claim))
        finally:
            self.in_flight -= 1

    async def follow(self, claim: Claim) -> AttemptResult:
        """An adopted attempt ends when the test takes it out of ``live``."""
        self.followed.append(claim.address)
        while claim.reference in self.live:
            await asyncio.sleep(0.02)
        return AttemptResult(self.script(claim), detail="adopted after the engine stopped")

    async def live_references(self) -> set[str]:
        return self.live

    async def closed(self, claims: Sequence[Claim]) -> None:
        self.closed_claims.extend(claims)


def make_queue(
    pool: asyncpg.Pool,
    owner: str = "engine-a",
    retries: int = 2,
    delay: float = 0.3,
    lease: float = 30.0,
) -> DispatchQueue:
    policy = RetryPolicy(retries=retries, delay=timedelta(seconds=delay))
    return DispatchQueue(pool, channel="voice", owner=owner, policy=policy, lease_seconds=lease)


@asynccontextmanager
async def running(engine: DispatchEngine) -> AsyncIterator[DispatchEngine]:
    task = asyncio.create_task(engine.run())
    try:
        yield engine
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def wait_alert_state(
    pool: asyncpg.Pool, alert_id: int, state: str, timeout: float = 20
) -> None:
    async with asyncio.timeout(timeout):
        while await pool.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) != state:
            await asyncio.sleep(0.05)


async def test_busy_number_is_called_three_times_with_spacing_then_fails(db: asyncpg.Pool) -> None:
    alert_id = await make_sending_alert(db, numbers(1))
    sender = ScriptedSender(lambda claim: Outcome.BUSY)
    engine = DispatchEngine(
        make_queue(db, delay=0.4), sender, max_in_flight=4, starts_per_second=50, poll_interval=0.2
    )
    async with running(engine):
        await wait_alert_state(db, alert_id, "completed")
    assert [attempt for _, attempt, _ in sender.calls] == [1, 2, 3]
    times = [t for _, _, t in sender.calls]
    assert all(later - earlier >= 0.4 for earlier, later in itertools.pairwise(times))
    row = await db.fetchrow("SELECT state, attempts, last_outcome FROM deliveries")
    assert row is not None
    assert dict(row) == {"state": "failed", "attempts": 3, "last_outcome": "busy"}
    outcomes = await db.fetch("SELECT outcome FROM delivery_attempts ORDER BY attempt_number")
    assert [r["outcome"] for r in outcomes] == ["busy", "busy", "busy"]


async def test_busy_twice_then_answered_is_done_on_the_third_call(db: asyncpg.Pool) -> None:
    await make_sending_alert(db, numbers(1))
    script = {1: Outcome.BUSY, 2: Outcome.NO_ANSWER, 3: Outcome.CONFIRMED}
    sender = ScriptedSender(lambda claim: script[claim.attempt_number])
    engine = DispatchEngine(
        make_queue(db, delay=0.1), sender, max_in_flight=4, starts_per_second=50, poll_interval=0.2
    )
    async with running(engine):
        async with asyncio.timeout(10):
            while await db.fetchval("SELECT state FROM deliveries") != "done":
                await asyncio.sleep(0.05)
    assert len(sender.calls) == 3
    assert await db.fetchval("SELECT last_outcome FROM deliveries") == "confirmed"


async def test_reached_and_final_outcomes_are_never_retried(db: asyncpg.Pool) -> None:
    final = [
        Outcome.CONFIRMED,
        Outcome.VOICEMAIL_COMPLETE,
        Outcome.NOT_IN_SERVICE,
        Outcome.REJECTED,
    ]
    targets = numbers(len(final))
    by_address = dict(zip(targets, final, strict=True))
    alert_id = await make_sending_alert(db, targets)
    sender = ScriptedSender(lambda claim: by_address[claim.address])
    engine = DispatchEngine(
        make_queue(db, delay=0.05), sender, max_in_flight=4, starts_per_second=50, poll_interval=0.2
    )
    async with running(engine):
        await wait_alert_state(db, alert_id, "completed")
        await asyncio.sleep(0.3)  # a wrongly scheduled retry would be due by now
    assert sorted(address for address, _, _ in sender.calls) == sorted(targets)
    flagged = await db.fetch(
        "SELECT phone_e164 FROM contact_points WHERE not_in_service_at IS NOT NULL"
    )
    assert [r["phone_e164"] for r in flagged] == [targets[2]]


async def test_in_flight_cap_and_start_rate_hold(db: asyncpg.Pool) -> None:
    alert_id = await make_sending_alert(db, numbers(12))
    sender = ScriptedSender(duration=0.3)
    engine = DispatchEngine(
        make_queue(db), sender, max_in_flight=3, starts_per_second=20, poll_interval=0.2
    )
    async with running(engine):
        await wait_alert_state(db, alert_id, "completed")
    assert len(sender.calls) == 12
    assert sender.max_in_flight == 3
    starts = sorted(t for _, _, t in sender.calls)
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.05 - 0.005


async def test_urgent_alert_goes_first(db: asyncpg.Pool) -> None:
    await make_sending_alert(db, numbers(5, first=2000), urgency="low", priority=0)
    await make_sending_alert(db, numbers(5, first=3000), urgency="urgent", priority=3)
    sender = ScriptedSender()
    engine = DispatchEngine(
        make_queue(db), sender, max_in_flight=1, starts_per_second=100, poll_interval=0.2
    )
    async with running(engine):
        async with asyncio.timeout(10):
            while len(sender.calls) < 10:
                await asyncio.sleep(0.05)
    order = [address for address, _, _ in sender.calls]
    assert all(a.startswith("+14189623") for a in order[:5])
    assert all(a.startswith("+14189622") for a in order[5:])


async def test_cancelled_alert_stops_pending_deliveries_at_once(db: asyncpg.Pool) -> None:
    alert_id = await make_sending_alert(db, numbers(10))
    sender = ScriptedSender(duration=0.2)
    engine = DispatchEngine(
        make_queue(db), sender, max_in_flight=2, starts_per_second=100, poll_interval=0.2
    )
    async with running(engine):
        async with asyncio.timeout(10):
            while not sender.calls:
                await asyncio.sleep(0.01)
        staff_id = await db.fetchval("SELECT drafted_by FROM alerts WHERE id = $1", alert_id)
        async with db.acquire() as conn:
            stopped = await cancel(conn, alert_id, staff_id)
        await asyncio.sleep(0.6)
    assert stopped >= 6
    assert len(sender.calls) == 10 - stopped
    states = await db.fetch("SELECT state, count(*) FROM deliveries GROUP BY state ORDER BY state")
    assert {r["state"]: r["count"] for r in states} == {"cancelled": stopped, "done": 10 - stopped}


async def test_two_engines_never_take_the_same_delivery(db: asyncpg.Pool) -> None:
    alert_id = await make_sending_alert(db, numbers(40))
    sender_a, sender_b = ScriptedSender(duration=0.02), ScriptedSender(duration=0.02)
    engine_a = DispatchEngine(
        make_queue(db, owner="a"),
        sender_a,
        max_in_flight=5,
        starts_per_second=500,
        poll_interval=0.1,
    )
    engine_b = DispatchEngine(
        make_queue(db, owner="b"),
        sender_b,
        max_in_flight=5,
        starts_per_second=500,
        poll_interval=0.1,
    )
    async with running(engine_a), running(engine_b):
        await wait_alert_state(db, alert_id, "completed")
    addresses = [a for a, _, _ in sender_a.calls + sender_b.calls]
    assert sorted(addresses) == sorted(numbers(40))
    assert sender_a.calls and sender_b.calls


async def test_stopped_engine_is_reclaimed_without_double_calls(db: asyncpg.Pool) -> None:
    """Engine A claims and dies (its lease expires); engine B adopts the attempt still
    under way (it follows it to its end, no second call) and reclaims the others as
    interrupted, retried within the policy."""
    alert_id = await make_sending_alert(db, numbers(3))
    dead = make_queue(db, owner="dead", lease=0.5)
    claims = await dead.claim(3)
    assert len(claims) == 3
    live_call = claims[0].reference
    sender = ScriptedSender(live={live_call})
    engine = DispatchEngine(
        make_queue(db, owner="b", delay=0.1),
        sender,
        max_in_flight=5,
        starts_per_second=100,
        poll_interval=0.1,
        reclaim_interval=0.2,
    )
    async with running(engine):
        async with asyncio.timeout(10):
            while len(sender.calls) < 2 or not sender.followed:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        # The call still live is followed, never placed again while it lasts.
        assert sender.followed == [claims[0].address]
        assert engine.in_flight == 1
        sender.live = set()
        await wait_alert_state(db, alert_id, "completed")
    calls: dict[str, list[int]] = defaultdict(list)
    for address, attempt, _ in sender.calls:
        calls[address].append(attempt)
    assert calls == {c.address: [2] for c in claims[1:]}
    first_attempts = await db.fetch(
        "SELECT d.last_outcome, a.outcome, a.detail FROM delivery_attempts a "
        "JOIN deliveries d ON d.id = a.delivery_id WHERE a.attempt_number = 1 ORDER BY d.id"
    )
    assert [tuple(r) for r in first_attempts] == [
        ("listened", "listened", "adopted after the engine stopped"),
        ("listened", "failed", "reclaimed after the engine stopped"),
        ("listened", "failed", "reclaimed after the engine stopped"),
    ]


async def test_a_dead_local_engine_is_reclaimed_without_waiting_for_its_lease(
    db: asyncpg.Pool,
) -> None:
    """An owner that was a process of this machine and is gone (here: a pid that does
    not exist) is taken over at once, though its lease has 10 minutes left."""
    await make_sending_alert(db, numbers(2))
    gone = f"{socket.gethostname()}-{2**22 + 12345}-dead01"
    alive = f"{socket.gethostname()}-{os.getpid()}-alive1"
    await make_queue(db, owner=gone, lease=600).claim(1)
    await make_queue(db, owner=alive, lease=600).claim(1)
    assert dead_local_owners([gone, alive, "other-host-1-abcdef"]) == [gone]
    sender = ScriptedSender()
    engine = DispatchEngine(
        make_queue(db, owner="b"), sender, max_in_flight=5, starts_per_second=100,
        poll_interval=0.1, reclaim_interval=0.2,
    )  # fmt: skip
    async with running(engine):
        async with asyncio.timeout(10):
            while not sender.calls:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    leases = await db.fetch("SELECT state, lease_owner FROM deliveries ORDER BY id")
    assert [(r["state"], r["lease_owner"]) for r in leases] == [
        ("done", None),
        ("in_progress", alive),
    ]


async def test_sender_exception_counts_as_failed_and_is_retried(db: asyncpg.Pool) -> None:
    await make_sending_alert(db, numbers(1))

    def script(claim: Claim) -> Outcome:
        if claim.attempt_number == 1:
            raise ConnectionResetError("AMI connection lost")
        return Outcome.LISTENED

    sender = ScriptedSender(script)
    engine = DispatchEngine(
        make_queue(db, delay=0.05),
        sender,
        max_in_flight=1,
        starts_per_second=100,
        poll_interval=0.1,
    )
    async with running(engine):
        async with asyncio.timeout(10):
            while await db.fetchval("SELECT state FROM deliveries") != "done":
                await asyncio.sleep(0.05)
    detail = await db.fetchval("SELECT detail FROM delivery_attempts WHERE attempt_number = 1")
    assert detail == "ConnectionResetError: AMI connection lost"


async def test_notify_wakes_an_idle_engine_promptly(db: asyncpg.Pool) -> None:
    sender = ScriptedSender()
    engine = DispatchEngine(
        make_queue(db), sender, max_in_flight=1, starts_per_second=100, poll_interval=30
    )
    async with running(engine):
        await asyncio.sleep(0.3)  # idle, listening, with a 30 s poll
        await make_sending_alert(db, numbers(1))
        await db.execute("NOTIFY ivr_dispatch")
        async with asyncio.timeout(5):
            while not sender.calls:
                await asyncio.sleep(0.01)


async def test_first_calls_go_before_a_due_call_back(db: asyncpg.Pool) -> None:
    first, *others = numbers(4, first=4000)
    await make_sending_alert(db, [first, *others])

    def script(claim: Claim) -> Outcome:
        return (
            Outcome.BUSY
            if (claim.address, claim.attempt_number) == (first, 1)
            else Outcome.LISTENED
        )

    sender = ScriptedSender(script)
    engine = DispatchEngine(
        make_queue(db, delay=0.0), sender, max_in_flight=1, starts_per_second=100, poll_interval=0.1
    )
    async with running(engine):
        async with asyncio.timeout(10):
            while len(sender.calls) < 5:
                await asyncio.sleep(0.02)
    order = [(address, attempt) for address, attempt, _ in sender.calls]
    # The call-back was due (no delay) as soon as the first call ended, yet the
    # first pass over the audience came first.
    assert order[0] == (first, 1)
    assert sorted(order[1:4]) == [(n, 1) for n in others]
    assert order[4] == (first, 2)


async def test_many_quick_attempts_are_recorded_in_few_batches(db: asyncpg.Pool) -> None:
    """Attempts that end while a batch is being written go into the next one: 300
    attempts need far fewer transactions than attempts, and every one is recorded."""
    alert_id = await make_sending_alert(db, numbers(300))
    sender = ScriptedSender(lambda claim: Outcome.ACCEPTED)
    queue = make_queue(db)
    batches: list[int] = []
    finish_many = queue.finish_many

    async def counted(ended: Sequence[tuple[Claim, AttemptResult]]) -> list[Retry | Finish]:
        batches.append(len(ended))
        return await finish_many(ended)

    queue.finish_many = counted  # type: ignore[method-assign]
    engine = DispatchEngine(queue, sender, max_in_flight=100, starts_per_second=None,
                            claim_batch=50, poll_interval=0.2)  # fmt: skip
    async with running(engine):
        await wait_alert_state(db, alert_id, "completed")
    assert sum(batches) == 300
    assert len(batches) < 150, batches
    states = await db.fetch("SELECT state, last_outcome, count(*) FROM deliveries GROUP BY 1, 2")
    assert [tuple(r) for r in states] == [("done", "accepted", 300)]
    assert len(sender.closed_claims) == 300


async def test_claims_wait_for_a_batch_of_free_slots(db: asyncpg.Pool) -> None:
    """With claim_batch 5 of 10 slots, the engine does not claim one delivery at a time
    as each attempt ends: every claim after the first takes at least 5."""
    alert_id = await make_sending_alert(db, numbers(40))
    sender = ScriptedSender(duration=0.02)
    queue = make_queue(db)
    claimed: list[int] = []
    claim = queue.claim

    async def counted(limit: int) -> list[Claim]:
        got = await claim(limit)
        if got:
            claimed.append(len(got))
        return got

    queue.claim = counted  # type: ignore[method-assign]
    engine = DispatchEngine(queue, sender, max_in_flight=10, starts_per_second=None,
                            claim_batch=5, poll_interval=0.2)  # fmt: skip
    async with running(engine):
        await wait_alert_state(db, alert_id, "completed")
    assert sum(claimed) == 40
    assert claimed[0] == 10 and min(claimed[:-1]) >= 5, claimed


async def test_a_confirmation_stops_the_retries_for_the_same_contact(db: asyncpg.Pool) -> None:
    """Key 2 on one call: the same alert's call-backs waiting for that number (on any
    channel) or for a member who lists it are done; other people's are not."""
    alert_id = await make_sending_alert(db, numbers(2))
    async with db.acquire() as conn:
        member = await conn.fetchval(
            "INSERT INTO households (civic_number, street, community) "
            "VALUES (1, 'rue A', 'uashat') RETURNING id"
        )
        member = await conn.fetchval(
            "INSERT INTO members (household_id, display_name) VALUES ($1, 'M') RETURNING id",
            member,
        )
        first, second = await conn.fetch("SELECT id FROM contact_points ORDER BY phone_e164")
        await conn.execute(
            "INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel) "
            "VALUES ($1, $2, 'phone', 'voice'), ($1, $3, 'phone', 'voice')",
            member, first["id"], second["id"],
        )  # fmt: skip
        await conn.execute("UPDATE deliveries SET member_id = $1", member)
        stranger = await conn.fetchval(
            "INSERT INTO contact_points (kind, phone_e164, source) "
            "VALUES ('phone', '+14189629999', 'staff') RETURNING id"
        )
        await conn.execute(
            "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority) "
            "VALUES ($1, $2, 'voice', 'fr', 1)",
            alert_id, stranger,
        )  # fmt: skip
    confirmed_on = "+14189621000"

    def script(claim: Claim) -> Outcome:
        if claim.address == confirmed_on and claim.attempt_number == 2:
            return Outcome.CONFIRMED
        return Outcome.BUSY

    sender = ScriptedSender(script)
    engine = DispatchEngine(make_queue(db, delay=0.3), sender, max_in_flight=1,
                            starts_per_second=None, poll_interval=0.1)  # fmt: skip
    async with running(engine):
        await wait_alert_state(db, alert_id, "completed")
    rows = await db.fetch(
        "SELECT cp.phone_e164, d.state, d.last_outcome, d.attempts FROM deliveries d "
        "JOIN contact_points cp ON cp.id = d.contact_point_id ORDER BY cp.phone_e164"
    )
    assert [tuple(r) for r in rows] == [
        ("+14189621000", "done", "confirmed", 2),
        ("+14189621001", "done", "confirmed", 1),  # the member's other number: no call-back
        ("+14189629999", "failed", "busy", 3),  # someone else: every call-back
    ]
