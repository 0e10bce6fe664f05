"""What bench/faults.py sends an alert through and how it counts the damage: the mixed
audience (phones of the simulated network, mobiles of the simulated SMSC, addresses the
simulated relay accepts), the settings that point ``ivr serve`` at them, the AMI cut,
and the per-channel report of what a fault did."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.sounds import PbxSounds
from simnet.mailrelay import SimulatedMailRelay
from simnet.network import PhoneNetwork
from simnet.smsc import SimulatedSmsc, national
from tests.dispatch.population import make_staff
from tests.voice.faults import MAX_CALLS_PER_NUMBER
from tests.voice.harness import MESSAGE

SMS_TEXT = "Avis d'ebullition de l'eau pour le secteur de Uashat. Faites bouillir l'eau."
EMAIL_SUBJECT = "Avis d'ébullition de l'eau — secteur Uashat"
EMAIL_BODY = "Avis d'ébullition de l'eau pour le secteur de Uashat. Faites bouillir l'eau."
RECLAIMED = "reclaimed after the engine stopped"
SENT_TIMES = re.compile(r"\(sent ([0-9]+) times\)$")
CHANNEL_SECONDS = 80.0
"""SMS and email are paced to take about as long as the calls, so a fault at a random
point of the alert finds every channel under way."""


@dataclass(frozen=True)
class Audience:
    voice: list[str]
    """10-digit numbers of the simulated network: people, machines, busy, no answer."""
    sms: list[str]
    """10-digit mobiles the simulated SMSC delivers to."""
    email: list[str]

    @property
    def size(self) -> int:
        return len(self.voice) + len(self.sms) + len(self.email)


def make_audience(network: PhoneNetwork, size: int) -> Audience:
    """A fifth by voice (40 % people, 30 % machines, 15 % busy, 15 % no answer: the
    network has 229 phones), the rest half by SMS, half by email."""
    calls = size // 5
    busy = no_answer = calls * 3 // 20
    machines = calls * 3 // 10
    voice = (
        network.numbers_for("person")[: calls - busy - no_answer - machines]
        + network.numbers_for("machine")[:machines]
        + network.numbers_for("busy")[:busy]
        + network.numbers_for("no-answer")[:no_answer]
    )
    if len(voice) < calls:
        raise ValueError(f"the simulated network has too few phones for {size} numbers")
    texts = (size - calls) // 2
    return Audience(
        voice,
        [f"{4189700000 + n}" for n in range(texts)],  # not in simnet/handsets.json: mobiles
        [f"resident{n:04}@exemple.ca" for n in range(size - calls - texts)],
    )


def channel_env(
    smsc: SimulatedSmsc, relay: SimulatedMailRelay, audience: Audience
) -> dict[str, str]:
    """``ivr serve``'s settings for all three channels, SMS to ``smsc``, email to ``relay``."""
    return {
        "IVR_CHANNELS": "voice,sms,email",
        "IVR_SMPP_HOST": smsc.host,
        "IVR_SMPP_PORT": str(smsc.port),
        "IVR_SMPP_SYSTEM_ID": smsc.system_id,
        "IVR_SMPP_PASSWORD": smsc.password,
        "IVR_SMPP_SYSTEM_TYPE": smsc.system_type,
        "IVR_SMS_PER_SECOND": str(max(0.5, len(audience.sms) / CHANNEL_SECONDS)),
        "IVR_SMTP_HOST": "localhost",
        "IVR_SMTP_PORT": str(relay.port),
        "IVR_SMTP_TLS": "starttls",
        "IVR_SMTP_USER": relay.username or "",
        "IVR_SMTP_PASSWORD": relay.password or "",
        "IVR_SMTP_CA_FILE": str(relay.ca_file),
        "IVR_SMTP_FROM": "Information ITUM <alertes@itum.example>",
        "IVR_EMAILS_PER_SECOND": str(max(0.5, len(audience.email) / CHANNEL_SECONDS)),
        "IVR_PUBLIC_URL": "https://alertes.itum.example",
        "IVR_SECRET_KEY": secrets.token_hex(16),  # email links outlive a restart
    }


async def launch(
    pool: asyncpg.Pool, sounds: PbxSounds, audience: Audience, recordings: Path
) -> int:
    """One approved alert to the whole audience, its audio made, now sending."""
    staff_id = await make_staff(pool)
    async with pool.acquire() as conn, conn.transaction():
        alert_id: int = await conn.fetchval(
            "INSERT INTO alerts (title, category, urgency, target_all, state, drafted_by, "
            "approved_by, approved_at) "
            "VALUES ('Avis', 'boil_water', 'urgent', true, 'approved', $1, $1, now()) "
            "RETURNING id",
            staff_id,
        )
        await conn.execute(
            "INSERT INTO alert_contents (alert_id, language, voice_text, sms_text, "
            "email_subject, email_body) VALUES ($1, 'fr', $2, $3, $4, $5)",
            alert_id, MESSAGE, SMS_TEXT, EMAIL_SUBJECT, EMAIL_BODY,
        )  # fmt: skip
        await conn.executemany(
            "WITH cp AS (INSERT INTO contact_points (kind, phone_e164, source) "
            "VALUES ('phone', $2, 'staff') ON CONFLICT (phone_e164) "
            "DO UPDATE SET updated_at = now() RETURNING id) "
            "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority) "
            "SELECT $1, id, $3, 'fr', 1 FROM cp",
            [(alert_id, "+1" + n, "voice") for n in audience.voice]
            + [(alert_id, "+1" + n, "sms") for n in audience.sms],
        )
        await conn.executemany(
            "WITH cp AS (INSERT INTO contact_points (kind, email, source) "
            "VALUES ('email', $2, 'staff') ON CONFLICT ((lower(email))) "
            "DO UPDATE SET updated_at = now() RETURNING id) "
            "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority) "
            "SELECT $1, id, 'email', 'fr', 1 FROM cp",
            [(alert_id, address) for address in audience.email],
        )
    await prepare_alert_audio(pool, alert_id, sounds, recordings)
    await pool.execute(
        "UPDATE alerts SET state = 'sending', launched_at = now() WHERE id = $1", alert_id
    )
    await pool.execute("NOTIFY ivr_dispatch")
    return alert_id


def cut_ami(port: int) -> None:
    """Abort the established TCP connections on the AMI ``port``: both ends get a reset,
    as from a broken link."""
    result = subprocess.run(
        ["ss", "-K", "-t", "-n", "state", "established",
         f"( dport = :{port} or sport = :{port} )"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    if len(result.stdout.splitlines()) < 2:  # the header alone
        raise RuntimeError(f"no AMI connection on port {port} to cut")


@dataclass
class RelayWatch:
    """When the relay cut its connection, and when it next accepted a message (it keeps
    no clock of its own, so it is watched every 10 ms)."""

    relay: SimulatedMailRelay
    cut_at: float | None = None
    next_at: float | None = None

    async def run(self) -> None:
        while self.next_at is None:
            if self.cut_at is None and self.relay.dropped():
                self.cut_at, accepted = time.time(), len(self.relay.messages())
            elif self.cut_at is not None and len(self.relay.messages()) > accepted:
                self.next_at = time.time()
            await asyncio.sleep(0.01)


@dataclass
class Damage:
    """Deliveries (``channel:recipient``) in each kind of trouble after an alert."""

    lost: list[str] = field(default_factory=list)
    """No final outcome; or an SMS or email said accepted that the SMSC or relay never
    accepted."""
    doubled: list[str] = field(default_factory=list)
    """Delivered twice outside the documented windows (a voice message played whole
    twice; an SMS or email accepted more often than its counted resends allow)."""
    in_window: list[str] = field(default_factory=list)
    """Accepted twice within the documented at-least-once windows (docs/sms.md,
    docs/email.md): parts resent after a cut, an email resent after a cut during DATA,
    an attempt reclaimed after a crash."""
    beyond_policy: list[str] = field(default_factory=list)
    """More attempts than the retry policy allows, or more calls on the phone than
    attempts."""
    overlapping: list[str] = field(default_factory=list)
    """Two attempts at once, or two calls on the phone at once."""

    def problems(self) -> dict[str, list[str]]:
        return {name: items for name, items in vars(self).items() if items}


async def count_damage(
    pool: asyncpg.Pool,
    alert_id: int,
    network: PhoneNetwork,
    smsc: SimulatedSmsc,
    relay: SimulatedMailRelay,
) -> Damage:
    damage = Damage()
    deliveries = await pool.fetch(
        "SELECT d.id, d.channel, d.state, d.attempts, d.last_outcome, "
        "       coalesce(substr(cp.phone_e164, 3), cp.email) AS recipient "
        "FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1",
        alert_id,
    )
    attempts = await pool.fetch(
        "SELECT a.delivery_id, a.started_at, a.ended_at, a.detail, "
        "       (SELECT coalesce(sum(p.resubmitted), 0) FROM sms_parts p "
        "        WHERE p.attempt_id = a.id) AS resubmitted "
        "FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "WHERE d.alert_id = $1 ORDER BY a.delivery_id, a.attempt_number",
        alert_id,
    )
    by_delivery = {
        key: list(rows) for key, rows in itertools.groupby(attempts, lambda a: a["delivery_id"])
    }
    accepted: dict[str, Counter[str]] = {
        "sms": Counter(national(s["destination_addr"]) for s in smsc.submits() if s["status"] == 0),
        "email": Counter(r for m in relay.messages() for r in m.recipients),
    }
    for delivery in deliveries:
        name = f"{delivery['channel']}:{delivery['recipient']}"
        tries = by_delivery.get(delivery["id"], [])
        if (
            delivery["state"] not in {"done", "failed"}
            or delivery["last_outcome"] is None
            or any(a["ended_at"] is None for a in tries)
        ):
            damage.lost.append(name)
        if delivery["attempts"] > MAX_CALLS_PER_NUMBER:
            damage.beyond_policy.append(name)
        if any(b["started_at"] < a["ended_at"] for a, b in itertools.pairwise(tries)
               if a["ended_at"] is not None):  # fmt: skip
            damage.overlapping.append(name)
        if delivery["channel"] == "voice":
            calls = sorted(network.calls(delivery["recipient"]), key=lambda c: c.started)
            if len(calls) > delivery["attempts"]:
                damage.beyond_policy.append(name)
            if any(b.started < a.ended for a, b in itertools.pairwise(calls)):
                damage.overlapping.append(name)
            continue
        copies = accepted[delivery["channel"]][delivery["recipient"]]
        if copies == 0 and delivery["last_outcome"] in {"accepted", "delivered"}:
            damage.lost.append(name)
        allowed = sum(
            a["resubmitted"]
            + (a["detail"] == RECLAIMED)
            + (int(m[1]) - 1 if (m := SENT_TIMES.search(a["detail"])) else 0)
            for a in tries
        )
        if copies > 1:
            (damage.in_window if copies - 1 <= allowed else damage.doubled).append(name)
    whole = await pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, d.attempts, "
        "       array_agg(a.attempt_number ORDER BY a.attempt_number) AS whole "
        "FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "JOIN contact_points cp ON cp.id = d.contact_point_id "
        "JOIN alert_audio au ON au.alert_id = d.alert_id AND au.language = d.language "
        "WHERE d.alert_id = $1 AND d.channel = 'voice' "
        "AND a.message_seconds >= au.seconds - 0.3 "
        "GROUP BY cp.phone_e164, d.attempts",
        alert_id,
    )
    damage.doubled += [f"voice:{r['number']}" for r in whole if r["whole"] != [r["attempts"]]]
    return damage
