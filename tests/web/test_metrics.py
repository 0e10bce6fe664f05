"""``GET /metrics``: the queue read from a real database, the links, who may read it, a
scrape without the database, and the live counters moving as their code runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from ivr.asterisk.fastagi_session import AgiSession
from ivr.config import load_settings
from ivr.dispatch.queue import DispatchQueue
from ivr.dispatch.sender import AttemptResult
from ivr.domain.outcomes import Outcome, RetryPolicy
from ivr.observability.instruments import REGISTRY
from ivr.storage.queries import QUERIES
from ivr.web.app import create_app
from ivr.web.keys import HealthProbes
from tests.asterisk.transcript import AsteriskSide, running_server
from tests.dispatch.population import make_sending_alert, numbers

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

PROBES: HealthProbes = {"voice": lambda: {"ami": False, "fastagi": True, "engine": True}}


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def live(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest_asyncio.fixture
async def serve(db: asyncpg.Pool) -> AsyncIterator[Any]:
    """Start the web app with these settings overrides; the test client and its headers."""
    clients: list[TestClient[Any, Any]] = []

    async def start(
        pool: asyncpg.Pool = db, headers: Mapping[str, str] | None = None, **settings: Any
    ) -> TestClient[Any, Any]:
        app = create_app(load_settings({}, **settings), pool, health_probes=PROBES)
        client: TestClient[Any, Any] = TestClient(TestServer(app), headers=headers)
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


async def scrape(client: TestClient[Any, Any]) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(await response.text())


async def test_the_queue_of_the_alerts_in_progress_is_read_from_the_database(
    db: asyncpg.Pool, serve: Any
) -> None:
    await make_sending_alert(db, numbers(4))
    await make_sending_alert(db, numbers(1, first=2000), channel="sms")
    ids = [row["id"] for row in await db.fetch("SELECT id FROM deliveries ORDER BY id")]
    await db.execute(
        "UPDATE deliveries SET next_attempt_at = now() - interval '10 minutes' "
        "WHERE id = ANY($1::bigint[])",
        [ids[0], ids[4]],
    )
    await db.execute(
        "UPDATE deliveries SET next_attempt_at = now() - interval '1 minute' WHERE id = $1",
        ids[1],
    )
    await db.execute(
        "UPDATE deliveries SET next_attempt_at = now() + interval '1 hour' WHERE id = $1",
        ids[2],
    )
    await db.execute(
        "UPDATE deliveries SET state = 'in_progress', attempts = 1, lease_owner = 'elsewhere', "
        "lease_expires_at = now() + interval '1 minute' WHERE id = $1",
        ids[3],
    )
    # A cancelled alert's call still under way: in flight, but not an alert in progress.
    cancelled = await make_sending_alert(db, numbers(1, first=3000))
    await db.execute(
        "UPDATE alerts SET state = 'cancelled', cancelled_at = now() WHERE id = $1", cancelled
    )
    await db.execute(
        "UPDATE deliveries SET state = 'in_progress', attempts = 1, lease_owner = 'elsewhere', "
        "lease_expires_at = now() + interval '1 minute' WHERE alert_id = $1",
        cancelled,
    )

    found = await scrape(await serve())

    assert value(found, "ivr_database_up") == 1
    assert value(found, "ivr_queue_depth", channel="voice") == 2
    assert value(found, "ivr_queue_depth", channel="sms") == 1
    assert value(found, "ivr_queue_depth", channel="email") == 0
    voice_age = value(found, "ivr_queue_oldest_due_age_seconds", channel="voice")
    assert voice_age is not None and 600 <= voice_age < 660
    assert value(found, "ivr_queue_oldest_due_age_seconds", channel="email") == 0
    assert value(found, "ivr_attempts_in_flight", channel="voice") == 2
    assert value(found, "ivr_attempts_in_flight", channel="sms") == 0
    deliveries = {
        (dict(labels)["channel"], dict(labels)["state"], dict(labels)["outcome"]): count
        for (name, labels), count in found.items()
        if name == "ivr_deliveries"
    }
    assert deliveries == {
        ("voice", "pending", "none"): 3,
        ("voice", "in_progress", "none"): 1,
        ("sms", "pending", "none"): 1,
    }
    assert value(found, "ivr_link_up", channel="voice", link="ami") == 0
    assert value(found, "ivr_link_up", channel="voice", link="fastagi") == 1
    for name in ("ivr_sms_throttled_total", "ivr_call_talk_seconds_count"):
        assert value(found, name) is not None, name


async def test_the_query_reads_through_the_indexes(db: asyncpg.Pool) -> None:
    """Its cost is the alerts under way, never the whole history of deliveries."""
    plan = "\n".join(
        row[0] for row in await db.fetch("EXPLAIN " + QUERIES["metrics.dispatch_figures"])
    )
    assert "Seq Scan on deliveries" not in plan
    assert "deliveries_lease_idx" in plan


@pytest.mark.parametrize(
    ("settings", "forwarded_for", "status"),
    [
        ({}, None, 200),  # this machine, by default
        ({"trusted_proxies": ("127.0.0.1",)}, "203.0.113.7", 404),  # the internet, proxied
        ({"trusted_proxies": ("127.0.0.1",), "metrics_allow": ("10.0.0.0/8",)}, "10.1.2.3", 200),
        ({"metrics_allow": ("10.0.0.0/8",)}, None, 404),
        # Not trusted: the header is the client's own claim and is ignored.
        ({"metrics_allow": ("10.0.0.0/8",)}, "10.1.2.3", 404),
    ],
)
async def test_only_the_allowed_addresses_see_the_metrics(
    serve: Any, settings: dict[str, Any], forwarded_for: str | None, status: int
) -> None:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    client = await serve(headers=headers, **settings)
    response = await client.get("/metrics")
    assert response.status == status
    assert ("ivr_link_up" in await response.text()) == (status == 200)


async def test_a_scrape_without_the_database_still_shows_the_links(
    database_url: str, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    client = await serve(pool)
    await pool.close()
    caplog.set_level(logging.WARNING, logger="ivr.web.metrics")

    found = await scrape(client)

    assert value(found, "ivr_database_up") == 0
    assert value(found, "ivr_link_up", channel="voice", link="ami") == 0
    assert value(found, "ivr_link_up", channel="voice", link="engine") == 1
    assert not any(name.startswith("ivr_queue") for name, _ in found)
    assert "metrics: database unreachable" in caplog.messages


async def test_an_ended_attempt_is_counted_with_its_talk_time(db: asyncpg.Pool) -> None:
    await make_sending_alert(db, numbers(1))
    queue = DispatchQueue(
        db, channel="voice", owner="test", policy=RetryPolicy(0, timedelta()), lease_seconds=30
    )
    ended = live("ivr_attempts_ended_total", channel="voice", outcome="listened")
    calls = live("ivr_call_talk_seconds_count")
    talk = live("ivr_call_talk_seconds_sum")
    (claim,) = await queue.claim(1)

    await queue.finish(claim, AttemptResult(Outcome.LISTENED, talk_seconds=42.5))

    assert live("ivr_attempts_ended_total", channel="voice", outcome="listened") == ended + 1
    assert live("ivr_call_talk_seconds_count") == calls + 1
    assert live("ivr_call_talk_seconds_sum") == talk + 42.5


async def test_fastagi_sessions_are_counted_and_open_ones_shown() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def call(session: AgiSession) -> None:
        entered.set()
        await release.wait()

    started = live("ivr_fastagi_sessions_total", route="call")
    unknown = live("ivr_fastagi_sessions_total", route="unknown")
    open_before = live("ivr_fastagi_sessions_open")
    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start("call")
        await asyncio.wait_for(entered.wait(), 2)
        assert live("ivr_fastagi_sessions_open") == open_before + 1
        release.set()
        await asterisk.finish("OK")
        stray = await AsteriskSide.connect(server.port)
        await stray.start("nowhere")
        await stray.finish("NOROUTE")
    assert live("ivr_fastagi_sessions_total", route="call") == started + 1
    assert live("ivr_fastagi_sessions_total", route="unknown") == unknown + 1
    assert live("ivr_fastagi_sessions_open") == open_before
