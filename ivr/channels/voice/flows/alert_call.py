"""The alert call flow (FastAGI route ``alert``), after the dialplan's answering-machine
detection.

- A person hears a short introduction and the message in their language, then a menu:
  1 repeat, 2 confirm receipt, 9 the alert's other language(s). No key: the message
  once more, then goodbye.
- An answering machine (the dialplan already waited for its greeting and beep to end)
  gets the introduction and the whole message, with no menu; "voicemail complete" only
  when playback finished.
- When detection was not sure, the message is played whole (a machine records it all)
  and the menu is offered once (a person can still confirm).

What happened is written on the attempt as it happens (keys, seconds played, and the
outcome as soon as it is known: ``listened`` once a person heard the whole message,
``voicemail_complete`` once a machine got it), so a controller restarted in the middle
still knows, and a message delivered whole is not sent again.

A session is served only for a call we placed and is still going: it must carry the
token the voice channel gave the call (a channel variable), its attempt must not have
ended, and the call must be live on the PBX. Anything else is hung up and logged.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import asyncpg

from ivr.asterisk.agi_protocol import printable
from ivr.asterisk.fastagi_session import AgiSession, ChannelHungUp
from ivr.channels.voice.audio import SAMPLE_RATE
from ivr.channels.voice.call_registry import CallRegistry
from ivr.channels.voice.sender import FLOW_TOKEN_VARIABLE, token_hash
from ivr.channels.voice.sounds import PbxSounds
from ivr.domain.outcomes import Outcome
from ivr.storage import voice as voice_store
from ivr.storage.database import persistently
from ivr.storage.voice import AlertAudio, CallContext

log = logging.getLogger(__name__)

MENU_KEYS = "129"
KEY_REPEAT, KEY_CONFIRM, KEY_LANGUAGE = "1", "2", "9"
MENU_WAIT_SECONDS = 5.0
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


def detection(args: tuple[str, ...]) -> tuple[str, str]:
    """AMDSTATUS and AMDCAUSE from the AGI arguments, validated."""
    status = args[0] if args else ""
    cause = args[1] if len(args) > 1 else ""
    return (
        status if status in AMD_STATUSES else "NOTSURE",
        cause if _AMD_CAUSE.match(cause) else "",
    )


class AlertCall:
    """The FastAGI handler of alert calls."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        sounds: PbxSounds,
        prompts: Mapping[str, set[str]],
        registry: CallRegistry,
        call_is_live: CallIsLive,
    ) -> None:
        self.pool = pool
        self.sounds = sounds
        self.prompts = prompts
        self.registry = registry
        self.call_is_live = call_is_live

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
        status, cause = detection(session.args)
        await persistently(
            lambda: voice_store.record_answer(self.pool, account.attempt_id, status, cause),
            what="record the answer",
            within=DATABASE_WAIT,
        )
        messages = await persistently(
            lambda: voice_store.alert_audio(self.pool, context.alert_id, context.language),
            what="read the alert's audio",
            within=DATABASE_WAIT,
        )
        fields = {"alert_id": context.alert_id, "delivery_id": context.delivery_id, "amd": status}
        if not messages:
            log.error("alert has no audio", extra=fields)
            account.outcome = Outcome.FAILED
            await self._save(account)
            await session.hangup()
            return
        try:
            if status == "MACHINE":
                await self._voicemail(session, account, messages[0])
            else:
                await self._person(
                    session, account, messages, menu_rounds=1 if status == "NOTSURE" else 2
                )
        except ChannelHungUp:
            account.outcome = account.outcome or self._interrupted(status, account)
            raise
        finally:
            await self._save(account)
            log.info(
                "alert call flow ended",
                extra={**fields, "outcome": str(account.outcome), "keys": account.keys},
            )

    async def _voicemail(
        self, session: AgiSession, account: CallAccount, message: AlertAudio
    ) -> None:
        await self._play(session, self._prompt(message.language, "intro"))
        await self._play_message(
            session, account, message, escape="", delivered=Outcome.VOICEMAIL_COMPLETE
        )
        await session.hangup()

    async def _person(
        self,
        session: AgiSession,
        account: CallAccount,
        messages: list[AlertAudio],
        menu_rounds: int,
    ) -> None:
        current = 0
        silent_rounds = 0
        digit = await self._play(session, self._prompt(messages[0].language, "intro"), MENU_KEYS)
        play_message = digit is None
        while True:
            if play_message:
                digit = await self._play_message(
                    session, account, messages[current], MENU_KEYS, delivered=Outcome.LISTENED
                )
            if digit is None:
                digit = await self._menu(session, messages, current)
            if digit:
                account.keys += digit
            if digit == KEY_CONFIRM:
                account.outcome = Outcome.CONFIRMED
                await self._save(account)
                await self._play(session, self._prompt(messages[current].language, "confirmed"))
                break
            if digit == KEY_LANGUAGE and len(messages) > 1:
                current = (current + 1) % len(messages)
            elif digit is None:
                silent_rounds += 1
                if silent_rounds >= menu_rounds:
                    await self._play(session, self._prompt(messages[current].language, "goodbye"))
                    break
            elif digit != KEY_REPEAT:
                play_message, digit = False, None  # another key: the menu again
                continue
            play_message, digit = True, None
        account.outcome = account.outcome or self._finished(account)
        await session.hangup()

    async def _menu(
        self, session: AgiSession, messages: list[AlertAudio], current: int
    ) -> str | None:
        language = messages[current].language
        digit = await self._play(session, self._prompt(language, "menu"), MENU_KEYS)
        for other in messages:
            if digit is None and other.language != language:
                prompt = self._prompt(other.language, "other-language", fallback=False)
                if prompt is not None:
                    digit = await self._play(session, prompt, MENU_KEYS)
        return digit or await session.wait_for_digit(MENU_WAIT_SECONDS)

    async def _play_message(
        self,
        session: AgiSession,
        account: CallAccount,
        message: AlertAudio,
        escape: str,
        *,
        delivered: Outcome,
    ) -> str | None:
        """Play the message; once it was heard whole, ``delivered`` is the outcome (unless
        a better one is known), saved at once: a crash later will not send it again."""
        playback = await session.stream_file(message.sound_name, escape)
        played = playback.endpos / SAMPLE_RATE
        account.message_seconds += min(played, message.seconds)
        if playback.digit is None:
            account.heard_whole_message = True
            account.outcome = account.outcome or delivered
        await self._save(account)
        return playback.digit

    async def _play(self, session: AgiSession, sound: str | None, escape: str = "") -> str | None:
        if sound is None:
            return None
        return (await session.stream_file(sound, escape)).digit

    def _prompt(self, language: str, name: str, fallback: bool = True) -> str | None:
        for candidate in (language, PROMPT_FALLBACK_LANGUAGE) if fallback else (language,):
            if name in self.prompts.get(candidate, set()):
                return self.sounds.prompt(candidate, name)
        return None

    @staticmethod
    def _finished(account: CallAccount) -> Outcome:
        return Outcome.LISTENED if account.heard_whole_message else Outcome.HUNG_UP_DURING_MESSAGE

    @staticmethod
    def _interrupted(status: str, account: CallAccount) -> Outcome:
        if status == "MACHINE":
            return Outcome.VOICEMAIL_PARTIAL
        return AlertCall._finished(account)

    async def _save(self, account: CallAccount) -> None:
        outcome = account.outcome.value if account.outcome else None
        await persistently(
            lambda: voice_store.record_progress(
                self.pool, account.attempt_id, account.keys, account.message_seconds, outcome
            ),
            what="record the call's progress",
            within=DATABASE_WAIT,
        )
