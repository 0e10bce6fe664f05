"""The staff line (FastAGI route ``staff-recording``): a staff member away from a
computer records an alert's message, or approves and launches an alert, by phone.

The caller enters their staff number and PIN (``ivr.accounts.staff_pins``: argon2id,
three failures lock the number, every attempt audited with the calling number). Then:

- **1** record the voice message of a draft: its number, the language (1 French,
  2 English, 3 Innu-aimun), the message after the beep (# ends it), then 1 listen,
  2 keep, 3 record again. A kept message is trimmed of its silent ends, normalised,
  stored under the recordings directory and attached to the draft with its length,
  language, author and time.
- **2** create a draft from a category's template (1 evacuation, 2 air quality, 3 boil
  water, 4 boil water lifted, 5 all clear, 6 exercise) for sectors keyed by their place
  on the admin sectors page, separated by \\* (0: the whole community); its number is
  said, to record its message with 1 or launch it with 3.
- **3** approve and launch an alert (approvers and admins): its number, then the PIN
  again; the launching service applies the two-person rule and every other rule, as on
  the page.
- **4** the status of an alert: people reached, confirmations, and pending, per channel.
- **\\*** ends the call.

Prompts are in French; \\* during the greeting switches them to English. Everything
typed is digits of bounded length; nothing of it reaches the dialplan.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import asyncpg

from ivr.accounts.staff_pins import confirm_pin, sign_in
from ivr.asterisk.fastagi_session import AgiSession
from ivr.channels.voice.audio import AudioError, trim_for_phone
from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.sounds import PbxSounds
from ivr.config import Settings
from ivr.domain.alerts import DEFAULT_URGENCY, DRAFTER_ROLES, Category, two_person_rule
from ivr.domain.errors import DomainError
from ivr.domain.sectors import Sector, in_staff_order
from ivr.storage import alerts as alert_store
from ivr.storage import staff_line
from ivr.storage.drafts import draft_from_template
from ivr.storage.sectors import load_sectors

log = logging.getLogger(__name__)

DIGIT_TIMEOUT = 6.0
MAX_TRIES = 3
MAX_RECORDING_SECONDS = 180.0
LANGUAGE_KEYS = {"1": "fr", "2": "en", "3": "innu"}
LAUNCH_ROLES = frozenset({"admin", "approver"})
CATEGORY_KEYS: dict[str, Category] = {"1": "evacuation", "2": "air_quality", "3": "boil_water",
                                      "4": "boil_water_lifted", "5": "all_clear",
                                      "6": "exercise"}  # fmt: skip
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_CALLER = re.compile(r"[^0-9+]")


@dataclass
class Caller:
    staff_id: int
    role: str
    number: str
    language: str


class StaffLine:
    """The FastAGI handler of the staff line."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        sounds: PbxSounds,
        prompts: Mapping[str, set[str]],
        *,
        pbx_recordings: PurePosixPath,
        recordings_dir: Path,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.sounds = sounds
        self.prompts = prompts
        self.pbx_recordings = pbx_recordings
        """Where the PBX writes what it records (a path inside the Asterisk root)."""
        self.recordings_dir = recordings_dir
        """Where staff recordings are kept (alert_contents.voice_recording is relative)."""

    async def __call__(self, session: AgiSession) -> None:
        number = _CALLER.sub("", session.env.get("agi_callerid", ""))[:16]
        caller = await self._sign_in(session, number)
        if caller is None:
            return
        while True:
            key = await self._ask(session, caller.language, "staff-menu", 1)
            if key == "1":
                await self._record(session, caller)
            elif key == "2":
                await self._draft(session, caller)
            elif key == "3":
                await self._launch(session, caller)
            elif key == "4":
                await self._status(session, caller)
            elif key in ("", "*"):
                await self._say(session, caller.language, "goodbye")
                return

    async def _sign_in(self, session: AgiSession, number: str) -> Caller | None:
        language = "fr"
        key = await self._say(session, "fr", "staff-welcome", "*")
        key = key or await self._say(session, "en", "staff-english", "*")
        if key == "*":
            language = "en"
        for _ in range(MAX_TRIES):
            staff_number = await self._ask(session, language, "staff-number", 12)
            if staff_number == "*":
                language = "en"
                continue
            pin = await self._ask(session, language, "staff-pin", 8)
            result = await sign_in(
                self.pool,
                staff_number,
                pin,
                caller=number,
                lock_minutes=self.settings.staff_pin_lock_minutes,
            )
            if result.result == "ok" and result.staff_id is not None:
                return Caller(result.staff_id, result.role, number, language)
            if result.result == "locked":
                await self._say(session, language, "staff-locked")
                return None
            await self._say(session, language, "staff-wrong")
        await self._say(session, language, "goodbye")
        return None

    async def _alert_number(self, session: AgiSession, caller: Caller) -> int | None:
        typed = await self._ask(session, caller.language, "staff-alert-number", 12)
        return int(typed) if _DIGITS.match(typed) else None

    async def _record(self, session: AgiSession, caller: Caller) -> None:
        alert_id = await self._alert_number(session, caller)
        if alert_id is None or not await staff_line.draft_exists(self.pool, alert_id):
            await self._say(session, caller.language, "staff-not-draft")
            return
        language = LANGUAGE_KEYS.get(await self._ask(session, caller.language, "staff-language", 1))
        if language is None:
            return
        while True:
            raw = await self._take(session, caller)
            if raw is None:
                return
            key = ""
            while key not in ("2", "3"):
                key = await self._ask(session, caller.language, "staff-review", 1)
                if key == "1":
                    await session.stream_file(str(raw), "23")
                elif key == "":
                    return
            if key == "2":
                await self._keep(session, caller, alert_id, language, raw)
                return

    async def _take(self, session: AgiSession, caller: Caller) -> PurePosixPath | None:
        """Record one take into the PBX's recordings; its name without suffix."""
        await self._say(session, caller.language, "staff-record")
        name = self.pbx_recordings / f"staff-line-{uuid.uuid4().hex}"
        recording = await session.record_file(
            str(name), "wav", "#", MAX_RECORDING_SECONDS, beep=True
        )
        log.info(
            "staff line take",
            extra={
                "staff_id": caller.staff_id,
                "reason": recording.reason,
                "samples": recording.endpos,
            },
        )
        return name

    async def _keep(
        self, session: AgiSession, caller: Caller, alert_id: int, language: str, raw: PurePosixPath
    ) -> None:
        source = self.sounds.host(raw.with_suffix(".wav"))
        relative = f"phone/alert-{alert_id}-{language}-{int(time.time())}.wav"
        target = self.recordings_dir / relative
        try:
            seconds = await trim_for_phone(source, target)
        except AudioError as error:
            log.error("staff line recording unusable", extra={"error": str(error)[:300]})
            seconds = 0.0
        finally:
            source.unlink(missing_ok=True)
        kept = seconds > 0 and await staff_line.attach_recording(
            self.pool, alert_id, language, path=relative, seconds=seconds, staff_id=caller.staff_id
        )
        if not kept:
            target.unlink(missing_ok=True)
            await self._say(session, caller.language, "staff-not-draft")
            return
        log.info(
            "staff line recording kept",
            extra={"alert_id": alert_id, "language": language, "seconds": round(seconds, 2)},
        )
        await self._say(session, caller.language, "staff-kept")

    async def _draft(self, session: AgiSession, caller: Caller) -> None:
        if caller.role not in DRAFTER_ROLES:
            await self._say(session, caller.language, "staff-not-allowed")
            return
        category = CATEGORY_KEYS.get(await self._ask(session, caller.language, "staff-category", 1))
        if category is None:
            return
        typed = await self._ask(session, caller.language, "staff-sectors", 24)
        listed = in_staff_order(await load_sectors(self.pool))
        chosen = _sectors_keyed(typed, listed)
        if chosen is None:
            await self._say(session, caller.language, "staff-refused")
            return
        async with self.pool.acquire() as conn, conn.transaction():
            alert_id = await draft_from_template(
                conn,
                title="",
                category=category,
                urgency=DEFAULT_URGENCY[category],
                drafted_by=caller.staff_id,
                sectors=chosen,
                target_all=not chosen,
            )
        log.info("staff line draft", extra={"alert_id": alert_id, "staff_id": caller.staff_id})
        await self._say(session, caller.language, "staff-drafted")
        await session.exec("SayNumber", str(alert_id))

    async def _launch(self, session: AgiSession, caller: Caller) -> None:
        if caller.role not in LAUNCH_ROLES:
            await self._say(session, caller.language, "staff-not-allowed")
            return
        alert_id = await self._alert_number(session, caller)
        if alert_id is None:
            return
        pin = await self._ask(session, caller.language, "staff-confirm-pin", 8)
        if not await confirm_pin(self.pool, caller.staff_id, pin):
            await self._say(session, caller.language, "staff-wrong")
            return
        try:
            async with self.pool.acquire() as conn:
                alert = await alert_store.get_alert(conn, alert_id)
                if alert.state == "draft":
                    await alert_store.approve(
                        conn,
                        alert_id,
                        caller.staff_id,
                        two_person_rule(self.settings.two_person_rule),
                    )
            # As ivr.alerts.launching does (which this package cannot import): the audio
            # first, then the launch, whose rules (roles, state) live in storage.
            await prepare_alert_audio(self.pool, alert_id, self.sounds, self.recordings_dir)
            async with self.pool.acquire() as conn:
                await alert_store.launch(conn, alert_id, caller.staff_id, self.settings.channels)
        except (DomainError, AudioError) as error:
            refusal = {"alert_id": alert_id, "error": str(error)[:300]}
            log.warning("staff line launch refused", extra=refusal)
            await self._say(session, caller.language, "staff-refused")
            return
        log.info("staff line launch", extra={"alert_id": alert_id, "staff_id": caller.staff_id})
        await self._say(session, caller.language, "staff-launched")

    async def _status(self, session: AgiSession, caller: Caller) -> None:
        alert_id = await self._alert_number(session, caller)
        if alert_id is None:
            return
        rows = await alert_store.get_progress(self.pool, alert_id)
        totals: dict[str, dict[str, int]] = {}
        for row in rows:
            counts = totals.setdefault(row.channel, {"reached": 0, "confirmed": 0, "pending": 0})
            if row.outcome == "confirmed":
                counts["confirmed"] += row.deliveries
            if row.state == "done":
                counts["reached"] += row.deliveries
            elif row.state in ("pending", "in_progress"):
                counts["pending"] += row.deliveries
        if not totals:
            await self._say(session, caller.language, "staff-not-draft")
        for channel, counts in totals.items():
            await self._say(session, caller.language, f"staff-status-{channel}")
            for name, count in counts.items():
                await self._say(session, caller.language, f"staff-status-{name}")
                await session.exec("SayNumber", str(count))

    async def _ask(self, session: AgiSession, language: str, name: str, max_digits: int) -> str:
        """Digits typed after a prompt (``#`` ends them); empty when none."""
        answer = await session.get_data(self._prompt(language, name), DIGIT_TIMEOUT, max_digits)
        return answer.digits

    async def _say(self, session: AgiSession, language: str, name: str, keys: str = "") -> str:
        return (await session.stream_file(self._prompt(language, name), keys)).digit or ""

    def _prompt(self, language: str, name: str) -> str:
        if name in self.prompts.get(language, set()):
            return self.sounds.prompt(language, name)
        return self.sounds.prompt("fr", name)


def _sectors_keyed(typed: str, listed: Sequence[Sector]) -> list[Sector] | None:
    """``1*3`` → the 1st and 3rd sectors of the admin page's list; ``0`` → [] (the whole
    community); None for anything else (an unknown key, nothing typed)."""
    if typed == "0":
        return []
    keys = typed.split("*")
    if not all(k.isdigit() and 1 <= int(k) <= len(listed) for k in keys):
        return None
    return [listed[int(k) - 1] for k in dict.fromkeys(keys)]
