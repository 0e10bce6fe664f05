"""Bounces: the simulated relay accepts an alert email and later writes the bounce a
real server would send (postfix, Exim, Exchange, Gmail, or a delay warning) into a
Maildir; ``read_bounces`` flags the address and marks the attempt, once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ivr.channels.email.bounces import MaildirError, read_bounces
from tests.email.harness import EmailHarness, make_email_alert
from tests.voice.harness import run_ivr

BOUNCING = [
    "bounce-postfix@exemple.ca",
    "bounce-exim@innu.example",
    "bounce-exchange@conseil.example",
    "bounce-gmail@gmail.example",
]


async def test_each_kind_of_bounce_flags_its_address_once(email: EmailHarness) -> None:
    alert_id = await make_email_alert(
        email.pool, [*BOUNCING, "delay-1@exemple.ca", "marie@exemple.ca"]
    )
    await email.wait_completed(alert_id)
    assert len(email.relay.bounces()) == 5
    maildir = email.relay.bounce_dir
    (maildir / "new" / "1764400000.M1P1.x").write_bytes(b"\xff\xfe not an email at all")
    (maildir / "cur" / "1764400001.M2P1.x:2,S").write_bytes(
        b"From: ami@exemple.ca\r\nTo: bounces@itum.example\r\nSubject: Merci\r\n\r\nMerci!\r\n"
    )

    report = await read_bounces(email.pool, maildir)
    assert (report.read, report.flagged, report.already_read) == (4, 4, 0)
    assert report.not_bounces + report.unreadable == 3  # the delay, the junk, the thanks
    outcomes = await email.outcomes(alert_id)
    assert {a: outcomes[a][:2] for a in BOUNCING} == {a: ("failed", "undeliverable")
                                                      for a in BOUNCING}  # fmt: skip
    assert outcomes["delay-1@exemple.ca"][:2] == ("done", "accepted")
    assert outcomes["marie@exemple.ca"][:2] == ("done", "accepted")
    invalid = {row["email"] for row in await email.pool.fetch(
        "SELECT email FROM contact_points WHERE verification = 'invalid'")}  # fmt: skip
    assert invalid == set(BOUNCING)
    details = {row["detail"] for row in await email.pool.fetch(
        "SELECT detail FROM delivery_attempts WHERE outcome = 'undeliverable'")}  # fmt: skip
    assert details == {"bounced"}

    before = await email.pool.fetch("SELECT * FROM contact_points ORDER BY id")
    again = await read_bounces(email.pool, maildir)
    assert (again.read, again.flagged, again.already_read) == (0, 0, 4)
    assert await email.pool.fetch("SELECT * FROM contact_points ORDER BY id") == before


async def test_a_bounce_without_verp_is_matched_by_the_address_it_names(
    email: EmailHarness,
) -> None:
    """A relay that rewrote the return path: the bounce comes to the plain bounce
    address, and the failed address it names (and the returned Message-ID) still find
    the contact."""
    alert_id = await make_email_alert(email.pool, ["bounce-postfix@exemple.ca"])
    await email.wait_completed(alert_id)
    (path,) = email.relay.bounces()
    raw = path.read_bytes()
    delivery = await email.pool.fetchval("SELECT id FROM deliveries WHERE alert_id = $1", alert_id)
    rewritten = raw.replace(f"bounces+ivr-{delivery}-1@".encode(), b"bounces@")
    assert rewritten != raw
    path.write_bytes(rewritten)
    report = await read_bounces(email.pool, email.relay.bounce_dir)
    assert (report.read, report.flagged) == (1, 1)
    assert (await email.outcomes(alert_id))["bounce-postfix@exemple.ca"][:2] == (
        "failed", "undeliverable")  # fmt: skip


async def test_read_bounces_command_reports_and_refuses_a_non_maildir(
    email: EmailHarness, tmp_path: Path, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(IVR_DATABASE_URL=database_url, IVR_DATA_DIR=str(tmp_path / "var"))
    alert_id = await make_email_alert(email.pool, ["bounce-exim@exemple.ca"])
    await email.wait_completed(alert_id)
    code, out, err = await run_ivr(env, "read-bounces", str(email.relay.bounce_dir))
    assert code == 0, err
    assert out.strip() == (
        "bounces: 1 read, 1 addresses flagged invalid; 0 read before, "
        "0 not permanent failures, 0 unreadable"
    )
    code, out, err = await run_ivr(env, "read-bounces", str(email.relay.bounce_dir))
    assert "0 read, 0 addresses flagged invalid; 1 read before" in out
    code, out, err = await run_ivr(env, "read-bounces", str(tmp_path / "nowhere"))
    assert code == 2
    assert (
        err.strip()
        == f"ivr: {tmp_path / 'nowhere'} is not a Maildir (it has no new/ or cur/ folder)"
    )
    with pytest.raises(MaildirError):
        await read_bounces(email.pool, tmp_path / "nowhere")
