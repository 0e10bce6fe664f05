"""The email channel end to end: the product's engine, aiosmtplib pool and records
against the simulated relay (aiosmtpd, an independent SMTP implementation) over TCP,
with STARTTLS checked against a private CA and AUTH."""

from __future__ import annotations

import email
import email.policy
import logging
import os
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import dkim
import pytest

from ivr.channels.email.runtime import email_runtime
from simnet.mailrelay import SimulatedMailRelay
from tests.email.harness import BODY_FR, SUBJECT_FR, EmailHarness, email_settings, make_email_alert
from tests.email.test_messages import rsa_key
from tests.fixtures.pbx import free_port
from tests.voice.harness import run_ivr


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def test_an_alert_goes_out_over_starttls_with_login_and_reads_back(
    email: EmailHarness,
) -> None:
    alert_id = await make_email_alert(email.pool, ["marie@exemple.ca", "Jean.Vollant@innu.example"])
    await email.wait_completed(alert_id)
    assert await email.outcomes(alert_id) == {
        "marie@exemple.ca": ("done", "accepted", 1),
        "Jean.Vollant@innu.example": ("done", "accepted", 1),
    }
    received = email.relay.messages()
    assert sorted(r.recipients for r in received) == [
        ("Jean.Vollant@innu.example",),
        ("marie@exemple.ca",),
    ]
    assert all(r.tls and r.user == "itum" for r in received)
    for r in received:
        row = await email.pool.fetchrow(
            "SELECT d.id, a.attempt_number FROM deliveries d JOIN contact_points cp "
            "ON cp.id = d.contact_point_id JOIN delivery_attempts a ON a.delivery_id = d.id "
            "WHERE cp.email = $1", r.recipients[0],
        )  # fmt: skip
        assert row is not None
        delivery, attempt = row["id"], row["attempt_number"]
        assert r.mail_from == f"bounces+ivr-{delivery}-{attempt}@itum.example"
        message = parsed(r.raw)
        assert message["Subject"] == "[Information ITUM] " + SUBJECT_FR
        assert message["Message-ID"] == f"<ivr-{delivery}-{attempt}@itum.example>"
        text = message.get_body(("plain",))
        assert text is not None and BODY_FR.split("\n\n")[1] in text.get_content()
        assert message["List-Unsubscribe"].startswith("<https://alertes.itum.example/portal/email/")
    ids = await email.pool.fetch(
        "SELECT provider_message_id, detail FROM delivery_attempts a JOIN deliveries d "
        "ON d.id = a.delivery_id WHERE d.alert_id = $1", alert_id,
    )  # fmt: skip
    assert all(row["provider_message_id"].startswith("<ivr-") for row in ids)
    assert all(row["detail"].startswith("data: 250") for row in ids)
    assert email.runtime.health() == {"smtp": True, "engine": True}


async def test_a_refused_address_is_flagged_and_not_retried_a_greylisted_one_gets_through(
    email: EmailHarness,
) -> None:
    alert_id = await make_email_alert(
        email.pool, ["refuse-1@exemple.ca", "greylist-1@exemple.ca", "full-1@exemple.ca"]
    )
    await email.wait_completed(alert_id)
    outcomes = await email.outcomes(alert_id)
    assert outcomes["refuse-1@exemple.ca"] == ("failed", "undeliverable", 1)
    assert outcomes["greylist-1@exemple.ca"] == ("done", "accepted", 2)
    # A full mailbox (452) is transient: tried three times, as a call would be.
    assert outcomes["full-1@exemple.ca"] == ("failed", "failed", 3)
    assert [r.recipients for r in email.relay.messages()] == [("greylist-1@exemple.ca",)]
    verification = {
        row["email"]: row["verification"]
        for row in await email.pool.fetch("SELECT email, verification FROM contact_points")
    }
    assert verification == {
        "full-1@exemple.ca": "unverified",
        "greylist-1@exemple.ca": "unverified",
        "refuse-1@exemple.ca": "invalid",
    }
    details = await email.pool.fetch(
        "SELECT cp.email, a.attempt_number, a.outcome, a.detail FROM delivery_attempts a "
        "JOIN deliveries d ON d.id = a.delivery_id JOIN contact_points cp "
        "ON cp.id = d.contact_point_id ORDER BY cp.email, a.attempt_number"
    )
    greylisted = [(r["outcome"], r["detail"][:14]) for r in details
                  if r["email"].startswith("greylist")]  # fmt: skip
    assert greylisted == [("failed", "rcpt: 451 4.7."), ("accepted", "data: 250 2.0.")]
    assert email.relay.rcpt_answers() == {550: 1, 451: 1, 452: 3, 250: 1}
    # A later alert leaves the refused address out.
    later = await email.pool.fetchval(
        "SELECT count(*) FROM alert_choices($1) WHERE contact_point_id = "
        "(SELECT id FROM contact_points WHERE email = 'refuse-1@exemple.ca')",
        alert_id,
    )
    assert later == 0


async def test_a_connection_cut_mid_batch_loses_nothing_and_sends_nothing_twice(
    email: EmailHarness,
) -> None:
    addresses = [f"resident{n:03}@exemple.ca" for n in range(120)]
    email.relay.drop(after_messages=30, at="data")
    alert_id = await make_email_alert(email.pool, addresses)
    await email.wait_completed(alert_id, within=60)
    email.relay.drop(after_messages=20, at="rcpt")
    second = await make_email_alert(email.pool, [f"voisin{n:03}@exemple.ca" for n in range(60)])
    await email.wait_completed(second, within=60)
    assert email.relay.dropped() == 2
    received = [r.recipients[0] for r in email.relay.messages()]
    assert len(received) == len(set(received)) == 180
    outcomes = {**await email.outcomes(alert_id), **await email.outcomes(second)}
    assert {outcome for outcome in outcomes.values()} == {("done", "accepted", 1)}
    # The copy cut during DATA was sent again on a new connection, within its attempt,
    # and counted.
    resent = await email.pool.fetch(
        "SELECT detail FROM delivery_attempts WHERE detail LIKE '%sent 2 times%'"
    )
    assert len(resent) == 1
    assert email.runtime.relay.resent == 1


async def test_a_relay_out_of_reach_at_start_is_waited_for(
    db: asyncpg.Pool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing listens at start: one error line, the email's attempts fail and are
    retried; once a relay listens, it goes, once."""
    port = free_port()
    relay = SimulatedMailRelay(workdir=tmp_path, port=port, tls="none")
    settings = email_settings(relay, smtp_tls="none", retry_count=6, retry_delay_seconds=0.5)
    alert_id = await make_email_alert(db, ["patient@exemple.ca"])
    async with email_runtime(settings, db) as runtime:
        assert runtime.health()["smtp"] is False
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [r.getMessage() for r in errors] == ["mail relay unavailable at start"]
        harness = EmailHarness(runtime, db, relay, settings)
        await harness.wait_for(
            "SELECT attempts >= 1 AND state = 'pending' FROM deliveries WHERE alert_id = $1",
            alert_id,
        )
        async with relay:
            await harness.wait_completed(alert_id)
            assert runtime.health()["smtp"] is True
        ((state, outcome, attempts),) = (await harness.outcomes(alert_id)).values()
        assert (state, outcome) == ("done", "accepted") and attempts >= 2
        assert [r.recipients for r in relay.messages()] == [("patient@exemple.ca",)]


async def test_alert_status_shows_the_relays_answers_without_addresses(
    email: EmailHarness, database_url: str, tmp_path: Path
) -> None:
    alert_id = await make_email_alert(
        email.pool, ["refuse-2@exemple.ca", "greylist-2@exemple.ca", "lucie@exemple.ca"]
    )
    await email.wait_completed(alert_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(IVR_DATABASE_URL=database_url, IVR_DATA_DIR=str(tmp_path / "var"))
    code, out, err = await run_ivr(env, "alert-status", str(alert_id), "--details")
    assert code == 0, err
    assert "email" in out and "exemple.ca" not in out
    answers = sorted(line.split("  ")[-1].strip() for line in out.splitlines() if " email " in line)
    assert answers == ["data: 250 2.0.0", "data: 250 2.0.0", "rcpt: 451 4.7.1", "rcpt: 550 5.1.1"]


async def test_signed_alert_emails_verify_at_the_far_end(
    mail: SimulatedMailRelay, db: asyncpg.Pool, tmp_path: Path
) -> None:
    """With a DKIM key, the channel signs in its worker processes; what the relay got
    verifies against the published key, French text and all."""
    private, public = rsa_key()
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(private)
    settings = email_settings(mail, dkim_selector="alertes", dkim_key_file=key_file)
    async with email_runtime(settings, db) as runtime:
        harness = EmailHarness(runtime, db, mail, settings)
        alert_id = await make_email_alert(db, ["signe1@exemple.ca", "signe2@exemple.ca"])
        await harness.wait_completed(alert_id)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"alertes._domainkey.itum.example."
        return f"v=DKIM1; k=rsa; p={public}".encode()

    received = mail.messages()
    assert len(received) == 2
    for r in received:
        assert r.raw.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
        assert dkim.verify(r.raw, dnsfunc=dns)
        text = parsed(r.raw).get_body(("plain",))
        assert text is not None and "« à gros bouillons »" in text.get_content()


async def test_a_relay_restarted_between_alerts_loses_nothing(
    db: asyncpg.Pool, tmp_path: Path
) -> None:
    """The connections kept open die with the relay; the next alert's emails go through
    new ones, each once, with no attempt spent on a dead connection."""
    port = free_port()
    first = SimulatedMailRelay(workdir=tmp_path / "a", port=port, certificate_dir=tmp_path)
    settings = email_settings(first)
    async with email_runtime(settings, db) as runtime:
        harness = EmailHarness(runtime, db, first, settings)
        async with first:
            before = await make_email_alert(db, [f"avant{n}@exemple.ca" for n in range(8)])
            await harness.wait_completed(before)
        second = SimulatedMailRelay(workdir=tmp_path / "b", port=port, certificate_dir=tmp_path)
        async with second:
            after = await make_email_alert(db, [f"apres{n}@exemple.ca" for n in range(8)])
            await harness.wait_completed(after)
            outcomes = await harness.outcomes(after)
        assert set(outcomes.values()) == {("done", "accepted", 1)}
        assert sorted(r.recipients[0] for r in second.messages()) == sorted(outcomes)
        assert len(first.messages()) == 8
