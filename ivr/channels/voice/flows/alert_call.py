"""The alert call flow (FastAGI route ``alert``), after the dialplan's answering-machine
detection (AMD). The conversation's audio runs over AudioSocket (``media.py``), so the
flow hears the far end while it plays.

- **A person** (AMD: HUMAN) hears a short introduction and the message in their
  language, then a menu: 1 repeat, 2 confirm receipt, 9 the alert's other language(s).
  No key: the message once more, then goodbye. Keys work during the message too. A
  voicemail beep heard meanwhile means it was an answering machine after all: the
  message starts again right after the beep, and the call counts as a voicemail.
- **An answering machine** (MACHINE, or NOTSURE): the flow listens until its greeting is
  over (its beep; else a silence; see ``listening.py``), then plays the introduction and
  the whole message, then "to confirm, press 2" and a few seconds for a key: a person
  taken for a machine can still confirm and get the menu.

What happened is written on the attempt as it happens (keys, seconds played, and the
outcome as soon as it is known: ``listened`` once a person heard the whole message,
``voicemail_complete`` once a machine got it), so a controller restarted in the middle
still knows, and a message delivered whole is not sent again.

A session is served only for a call we placed and is still going: it must carry the
token the voice channel gave the call (a channel variable), its attempt must not have
ended, and the call must be live on the PBX. Anything else is hung up and logged.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import asyncpg

from ivr.asterisk.agi_protocol import printable
from ivr.asterisk.audiosocket import AudioSocketServer
from ivr.asterisk.fastagi_session import AgiSession
from ivr.channels.voice.call_registry import CallRegistry
from ivr.channels.voice.listening import BEEP_SETTLE
from ivr.channels.voice.media import (
    CallMedia,
    HungUp,
    MediaUnavailable,
    load_pcm,
    open_media,
    seconds_of,
)
from ivr.channels.voice.sender import FLOW_TOKEN_VARIABLE, token_hash
from ivr.channels.voice.sounds import PbxSounds
from ivr.domain.outcomes import Outcome
from ivr.storage import voice as voice_store
from ivr.storage.database import persistently
from ivr.storage.voice import AlertAudio, CallContext, Listening

log = logging.getLogger(__name__)

MENU_KEYS = "129"
KEY_REPEAT, KEY_CONFIRM, KEY_LANGUAGE = "1", "2", "9"
MENU_WAIT_SECONDS = 5.0
CONFIRM_WAIT_SECONDS = 4.0
"""After a voicemail message: long enough for a person to press 2, short for a machine."""
MAX_BEEP_RESTARTS = 2
AMD_STATUSES = frozenset({"MACHINE", "HUMAN", "NOTSURE", "HANGUP"})
_AMD_CAUSE = re.compile(r"^[A-Z]+(-[0-9]+){0,3}$")
PROMPT_FALLBACK_LANGUAGE = "fr"
DATABASE_WAIT = 20.0
"""A write that cannot be made within this (database away) ends the call flow."""

CallIsLive = Callable[[str], Awaitable[bool | None]]
"""True if the call is on the PBX now, None if that cannot be told (AMI away)."""


@dataclass
class CallAccount:
    """What the call flow observed, saved on the attempt."""

    attempt_id: int
    keys: str = ""
    message_seconds: float = 0.0
    heard_whole_message: bool = False
    outcome: Outcome | None = None
    listening: Listening = field(default_factory=Listening)


@dataclass(frozen=True)
class Detection:
    """What the dialplan's AMD said, and when the call was answered (epoch seconds)."""

    status: str
    cause: str
    answered_at: float | None


def detection(args: tuple[str, ...]) -> Detection:
    """AMDSTATUS, AMDCAUSE and the answer time from the AGI arguments, validated."""
    status = args[0] if args else ""
    cause = args[1] if len(args) > 1 else ""
    try:
        answered_at: float | None = float(args[2]) if len(args) > 2 else None
    except ValueError:
        answered_at = None
    if answered_at is not None and not math.isfinite(answered_at):
        answered_at = None
    return Detection(
        status if status in AMD_STATUSES else "NOTSURE",
        cause if _AMD_CAUSE.match(cause) else "",
        answered_at,
    )


class AlertCall:
    """The FastAGI handler of alert calls."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        sounds: PbxSounds,
        prompts: Mapping[str, set[str]],
        *,
        registry: CallRegistry,
        call_is_live: CallIsLive,
        media: AudioSocketServer,
        media_address: str,
    ) -> None:
        self.pool = pool
        self.sounds = sounds
        self.prompts = prompts
        self.registry = registry
        self.call_is_live = call_is_live
        self.media = media
        self.media_address = media_address
        """Where Asterisk reaches ``media`` (``host:port``)."""

    async def __call__(self, session: AgiSession) -> None:
        reference = session.request.uniqueid
        context = await persistently(
            lambda: voice_store.call_context(self.pool, reference),
            what="find the call's attempt",
            within=DATABASE_WAIT,
        )
        refusal = await self._refusal(session, reference, context)
        if refusal is not None or context is None:
            log.warning(
                "FastAGI session refused",
                extra={
                    "reference": printable(reference),
                    "reason": refusal,
                    "channel": printable(session.request.channel),
                },
            )
            await session.hangup()
            return
        with self.registry.running(reference):
            await self._run(session, context)

    async def _refusal(
        self, session: AgiSession, reference: str, context: CallContext | None
    ) -> str | None:
        """Why this session is not one of our calls in progress (None: it is)."""
        if context is None:
            return "unknown attempt"
        if context.ended:
            return "attempt already ended"
        token = await session.get_variable(FLOW_TOKEN_VARIABLE)
        expected = context.flow_token_hash
        if (
            token is None
            or expected is None
            or not hmac.compare_digest(token_hash(token), expected)
        ):
            return "wrong token"
        live = await self.call_is_live(reference)
        if live is False:
            return "no such call on the PBX"
        if live is None:  # the token is the proof that matters; this was a second check
            log.warning("call not checked on the PBX (AMI away)", extra={"reference": reference})
        return None

    async def _run(self, session: AgiSession, context: CallContext) -> None:
        account = CallAccount(context.attempt_id)
        amd = detection(session.args)
        if amd.answered_at is not None:
            account.listening.amd_seconds = max(0.0, time.time() - amd.answered_at)
        await persistently(
            lambda: voice_store.record_answer(self.pool, account.attempt_id, amd.status, amd.cause),
            what="record the answer",
            within=DATABASE_WAIT,
        )
        messages = await persistently(
            lambda: voice_store.alert_audio(self.pool, context.alert_id, context.language),
            what="read the alert's audio",
            within=DATABASE_WAIT,
        )
        fields = {
            "alert_id": context.alert_id,
            "delivery_id": context.delivery_id,
            "amd": amd.status,
        }
        if not messages:
            log.error("alert has no audio", extra=fields)
            account.outcome = Outcome.FAILED
            await self._save(account)
            await session.hangup()
            return
        voicemail = amd.status != "HUMAN"
        try:
            async with open_media(session, self.media, self.media_address) as media:
                try:
                    if voicemail:
                        await self._voicemail(media, account, messages)
                    else:
                        await self._person(media, account, messages)
                finally:
                    self._note_media(account, media, amd)
        except HungUp:
            voicemail = voicemail or account.listening.beep_during_playback
            account.outcome = account.outcome or self._interrupted(voicemail, account)
        except MediaUnavailable:
            log.error("the call's audio did not connect", extra=fields)
            account.outcome = account.outcome or Outcome.FAILED
        finally:
            await self._save(account)
            log.info(
                "alert call flow ended",
                extra={
                    **fields,
                    "outcome": str(account.outcome),
                    "keys": account.keys,
                    "greeting_end": account.listening.greeting_end,
                },
            )
        await session.hangup()

    def _note_media(self, account: CallAccount, media: CallMedia, amd: Detection) -> None:
        listening = account.listening
        listening.beep_during_playback = media.heard_beep_while_playing
        first = media.first_audio_at
        if first is not None and amd.answered_at is not None:
            listening.answer_to_audio = max(0.0, first - amd.answered_at)

    async def _voicemail(
        self, media: CallMedia, account: CallAccount, messages: list[AlertAudio]
    ) -> None:
        """Wait for the greeting to end, then leave the whole message."""
        over = await media.greeting_over()
        account.listening.greeting_end = over.reason
        account.listening.greeting_wait = over.at - media.started
        await self._leave_message(
            media, account, messages, silent_since=over.at - over.silence_before
        )

    async def _leave_message(
        self,
        media: CallMedia,
        account: CallAccount,
        messages: list[AlertAudio],
        *,
        silent_since: float,
    ) -> None:
        """The introduction and the whole message, as on a voicemail (again right after a
        beep heard meanwhile); then the offer to confirm, for a person taken for a machine."""
        loop = asyncio.get_running_loop()
        message = messages[0]
        intro = self._pcm(self._prompt(message.language, "intro"))
        whole = intro + self._message_pcm(message)
        for _ in range(MAX_BEEP_RESTARTS + 1):
            if account.listening.silence_before_message is None:
                account.listening.silence_before_message = loop.time() - silent_since
            played = await media.play(whole, MENU_KEYS, watch_beep=True)
            self._count_message(account, played.seconds - seconds_of(intro), message)
            if played.reason == "key":
                await self._person(media, account, messages, first_key=played.key)
                return
            if played.reason != "beep":
                break
            await media.after_beep()  # the greeting was not over: start again after it
        account.heard_whole_message = True
        account.outcome = Outcome.VOICEMAIL_COMPLETE
        await self._save(account)
        if account.listening.greeting_end == "beep":
            return  # a machine for sure: nothing more on its recording
        offer = await media.play(
            self._pcm(self._prompt(message.language, "confirm-offer")), MENU_KEYS
        )
        key = offer.key or await media.key(MENU_KEYS, CONFIRM_WAIT_SECONDS)
        if key is not None:
            await self._person(media, account, messages, first_key=key)

    async def _person(
        self,
        media: CallMedia,
        account: CallAccount,
        messages: list[AlertAudio],
        *,
        first_key: str | None = None,
    ) -> None:
        current = 0
        silent_rounds = 0
        # Until a key proves a person, a beep may still reveal a machine.
        watch = first_key is None
        digit = first_key
        if digit is None:
            played = await media.play(
                self._pcm(self._prompt(messages[0].language, "intro")), MENU_KEYS, watch_beep=watch
            )
            if played.reason == "beep":
                await self._beep_while_playing(media, account, messages)
                return
            digit = played.key
        play_message = digit is None
        menu_rounds = 2
        while True:
            if play_message:
                message = messages[current]
                played = await media.play(self._message_pcm(message), MENU_KEYS, watch_beep=watch)
                self._count_message(account, played.seconds, message, delivered=Outcome.LISTENED)
                await self._save(account)
                if played.reason == "beep":
                    await self._beep_while_playing(media, account, messages)
                    return
                digit = played.key
            if digit is None:
                digit = await self._menu(media, messages, current)
            if digit:
                watch = False
                account.keys += digit
            if digit == KEY_CONFIRM:
                account.outcome = Outcome.CONFIRMED
                await self._save(account)
                await media.play(self._pcm(self._prompt(messages[current].language, "confirmed")))
                break
            if digit == KEY_LANGUAGE and len(messages) > 1:
                current = (current + 1) % len(messages)
            elif digit is None:
                silent_rounds += 1
                if silent_rounds >= menu_rounds:
                    await media.play(self._pcm(self._prompt(messages[current].language, "goodbye")))
                    break
            elif digit != KEY_REPEAT:
                play_message, digit = False, None  # another key: the menu again
                continue
            play_message, digit = True, None
        account.outcome = account.outcome or self._finished(account)

    async def _beep_while_playing(
        self, media: CallMedia, account: CallAccount, messages: list[AlertAudio]
    ) -> None:
        """AMD took a machine for a person: leave the message again, after the beep."""
        account.outcome = None  # what was heard before the beep went to the greeting
        account.heard_whole_message = False
        account.listening.greeting_end = "beep"
        await media.after_beep()
        loop = asyncio.get_running_loop()
        account.listening.greeting_wait = loop.time() - media.started
        await self._leave_message(media, account, messages, silent_since=loop.time() - BEEP_SETTLE)

    async def _menu(self, media: CallMedia, messages: list[AlertAudio], current: int) -> str | None:
        language = messages[current].language
        played = await media.play(self._pcm(self._prompt(language, "menu")), MENU_KEYS)
        digit = played.key
        for other in messages:
            if digit is None and other.language != language:
                prompt = self._prompt(other.language, "other-language", fallback=False)
                if prompt is not None:
                    digit = (await media.play(self._pcm(prompt), MENU_KEYS)).key
        return digit or await media.key(MENU_KEYS, MENU_WAIT_SECONDS)

    def _count_message(
        self,
        account: CallAccount,
        seconds: float,
        message: AlertAudio,
        delivered: Outcome | None = None,
    ) -> None:
        """Add what was played of ``message``; once heard whole, ``delivered`` is the
        outcome (unless a better one is known): a crash later will not send it again."""
        account.message_seconds += max(0.0, min(seconds, message.seconds))
        if delivered is not None and seconds >= message.seconds - 0.05:
            account.heard_whole_message = True
            account.outcome = account.outcome or delivered

    def _prompt(self, language: str, name: str, fallback: bool = True) -> str | None:
        for candidate in (language, PROMPT_FALLBACK_LANGUAGE) if fallback else (language,):
            if name in self.prompts.get(candidate, set()):
                return self.sounds.prompt(candidate, name)
        return None

    def _pcm(self, sound: str | None) -> bytes:
        """The samples of a sound the PBX would play by this name (nothing if None)."""
        if sound is None:
            return b""
        return load_pcm(self.sounds.host(PurePosixPath(sound)).with_suffix(".wav"))

    def _message_pcm(self, message: AlertAudio) -> bytes:
        return self._pcm(message.sound_name)

    @staticmethod
    def _finished(account: CallAccount) -> Outcome:
        return Outcome.LISTENED if account.heard_whole_message else Outcome.HUNG_UP_DURING_MESSAGE

    @staticmethod
    def _interrupted(voicemail: bool, account: CallAccount) -> Outcome:
        if voicemail:
            return (
                Outcome.VOICEMAIL_COMPLETE
                if account.heard_whole_message
                else Outcome.VOICEMAIL_PARTIAL
            )
        return AlertCall._finished(account)

    async def _save(self, account: CallAccount) -> None:
        outcome = account.outcome.value if account.outcome else None
        await persistently(
            lambda: voice_store.record_progress(
                self.pool,
                account.attempt_id,
                account.keys,
                account.message_seconds,
                outcome,
                listening=account.listening,
            ),
            what="record the call's progress",
            within=DATABASE_WAIT,
        )
