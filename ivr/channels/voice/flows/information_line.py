"""The information line (FastAGI route ``information-line``): a resident calls back the
number alerts come from (418-962-0327) and hears what they missed.

- A caller recognized by their number who was in the audience of an alert in progress
  or of the last hours (``IVR_INFORMATION_WINDOW_HOURS``) hears that alert in the
  language their delivery asked for; heard whole, their call-backs of it end; key 2
  confirms it (their members' other retries end too, as after key 2 on an alert call).
- Anyone else hears the active public alerts, those of their sector first.
- Menu: 1 hear again, 2 confirm (own alerts), 0 the reception desk (office hours only;
  outside them the menu says the offices are closed), 9 the other language.
- Nothing active: straight to the reception desk, as before this line existed; outside
  office hours, a short notice instead.

The transfer happens in the dialplan after this flow returns: the flow sets
``IVR_TRANSFER`` to the reception number of the settings (digits only), never to
anything the caller sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg

from ivr.asterisk.fastagi_session import AgiSession
from ivr.channels.voice.sounds import PbxSounds
from ivr.config import Settings
from ivr.storage import information_line as line_store
from ivr.storage import voice as voice_store

log = logging.getLogger(__name__)

KEY_REPEAT, KEY_CONFIRM, KEY_RECEPTION, KEY_LANGUAGE = "1", "2", "0", "9"
MENU_KEYS = "0129"
MENU_WAIT_SECONDS = 5.0
MENU_ROUNDS = 2
TRANSFER_VARIABLE = "IVR_TRANSFER"
_CALLER_ID = re.compile(r"^\+?1?([2-9][0-9]{2}[2-9][0-9]{6})$")


def caller_phone(caller_id: str) -> str | None:
    """The caller's number in E.164 (+1…) if it is a North American number, else None
    (withheld, "unknown", anything else)."""
    match = _CALLER_ID.match(caller_id.strip())
    return f"+1{match[1]}" if match else None


def other_language(language: str) -> str:
    return "en" if language == "fr" else "fr"


@dataclass
class Call:
    """One call to the line: who, what it plays, and the language heard."""

    call_id: int
    phone: str | None
    alert_ids: list[int]
    own: bool
    language: str
    open: bool
    confirmed: bool = False
    heard: set[int] = field(default_factory=set)


class InformationLine:
    """The FastAGI handler of the information line."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        sounds: PbxSounds,
        prompts: Mapping[str, set[str]],
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.sounds = sounds
        self.prompts = prompts

    async def __call__(self, session: AgiSession) -> None:
        call = await self._start(session.env.get("agi_callerid", ""))
        fields = {"call_id": call.call_id, "alerts": call.alert_ids, "own": call.own}
        log.info("information line call", extra=fields)
        if not call.alert_ids:
            if call.open:
                await self._transfer(session, call)
            else:
                await self._say(session, call.language, "info-nothing-closed")
            return
        await self._say(session, call.language, "info-welcome")
        await self._listen(session, call)

    async def _start(self, caller_id: str) -> Call:
        phone = caller_phone(caller_id)
        window = self.settings.information_window_hours
        call_id = await line_store.start_call(self.pool, phone or "")
        mine = await line_store.caller_alerts(self.pool, phone, window) if phone else []
        if mine:
            ids = [alert.alert_id for alert in mine]
            language = mine[0].language if mine[0].language in ("fr", "en") else "fr"
        else:
            ids = await line_store.active_alerts(self.pool, phone or "", window)
            language = "fr"
        is_open = bool(self.settings.reception_number) and self.settings.office_open(
            datetime.now(UTC)
        )
        return Call(call_id, phone, ids, bool(mine), language, is_open)

    async def _listen(self, session: AgiSession, call: Call) -> None:
        key = await self._play_alerts(session, call)
        silent_rounds = 0
        while True:
            key = key or await self._menu(session, call)
            if key == KEY_CONFIRM and call.own:
                await self._confirm(call)
                await self._say(session, call.language, "confirmed")
                return
            if key == KEY_RECEPTION and call.open:
                await self._transfer(session, call)
                return
            if key in (KEY_REPEAT, KEY_LANGUAGE):
                if key == KEY_LANGUAGE:
                    call.language = other_language(call.language)
                key = await self._play_alerts(session, call)
                continue
            if key is None:
                silent_rounds += 1
                if silent_rounds >= MENU_ROUNDS:
                    await self._say(session, call.language, "goodbye")
                    return
            key = None

    async def _play_alerts(self, session: AgiSession, call: Call) -> str | None:
        """Each alert's message in the call's language; the key that stopped one."""
        intro = "info-your-alert" if call.own else "info-active"
        key = await self._say(session, call.language, intro, MENU_KEYS)
        if key:
            return key
        for alert_id in call.alert_ids:
            audio = await voice_store.alert_audio(self.pool, alert_id, call.language)
            if not audio:
                continue
            await line_store.played(self.pool, call.call_id, alert_id)
            playback = await session.stream_file(audio[0].sound_name, MENU_KEYS)
            if playback.digit:
                return playback.digit
            if call.own and call.phone and alert_id not in call.heard:
                call.heard.add(alert_id)
                await line_store.heard(self.pool, alert_id, call.phone)
        return None

    async def _menu(self, session: AgiSession, call: Call) -> str | None:
        names = ["confirm-offer"] if call.own else []
        names.append("info-menu" if call.open else "info-menu-closed")
        for name in names:
            key = await self._say(session, call.language, name, MENU_KEYS)
            if key:
                return key
        other = self._prompt(other_language(call.language), "other-language")
        if other is not None:
            playback = await session.stream_file(other, MENU_KEYS)
            if playback.digit:
                return playback.digit
        return await session.wait_for_digit(MENU_WAIT_SECONDS)

    async def _confirm(self, call: Call) -> None:
        assert call.phone is not None  # own alerts are found by the caller's number
        async with self.pool.acquire() as conn:
            for alert_id in call.alert_ids:
                await line_store.confirmed(conn, call.call_id, alert_id, call.phone)
        call.confirmed = True
        log.info("information line confirmation", extra={"call_id": call.call_id})

    async def _transfer(self, session: AgiSession, call: Call) -> None:
        await line_store.transferred(self.pool, call.call_id)
        await self._say(session, call.language, "info-transfer")
        await session.set_variable(TRANSFER_VARIABLE, self.settings.reception_number)
        log.info("information line transfer", extra={"call_id": call.call_id})

    async def _say(
        self, session: AgiSession, language: str, name: str, keys: str = ""
    ) -> str | None:
        sound = self._prompt(language, name) or self._prompt("fr", name)
        if sound is None:
            log.error("prompt missing", extra={"prompt": name, "language": language})
            return None
        return (await session.stream_file(sound, keys)).digit

    def _prompt(self, language: str, name: str) -> str | None:
        if name in self.prompts.get(language, set()):
            return self.sounds.prompt(language, name)
        return None
