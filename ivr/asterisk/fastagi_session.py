"""One FastAGI conversation: the request Asterisk sent, then one command at a time.

A handler gets an ``AgiSession`` (``session.env``, ``session.args``, typed commands
that check their arguments and read the replies, bounded in time and size). The
listener that creates sessions is ``fastagi_server``; the wire format and its value
types are ``agi_protocol``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ivr.asterisk.agi_protocol import (
    HANGUP_NOTICE,
    AgiArgumentError,
    AgiError,
    AgiProtocolError,
    AgiReply,
    AgiRequest,
    AgiResult,
    ReplyAssembler,
    build_request,
    check_application,
    check_application_argument,
    check_digits,
    check_format,
    check_readable_name,
    check_sound_name,
    check_text,
    check_variable_name,
    digit_from_code,
    format_command,
    milliseconds,
    parse_env_line,
)

logger = logging.getLogger(__name__)


class ChannelHungUp(AgiError):
    """The channel is gone: Asterisk sent ``HANGUP``, answered 511, or we hung up."""


class AgiTimeout(AgiError):
    """No complete reply (or environment) within the allowed time."""


class AgiConnectionClosed(AgiError):
    """The connection ended, or is out of step after an interrupted command."""


class AgiCommandError(AgiError):
    """Asterisk refused a command (510 unknown, 520 usage) or reported a failure."""

    def __init__(self, message: str, reply: AgiReply | None = None) -> None:
        super().__init__(message)
        self.reply = reply


@dataclass(frozen=True)
class AgiLimits:
    """Bounds on what one connection may cost (sizes in bytes, times in seconds)."""

    max_sessions: int = 500
    """Connections served at once; more are closed on arrival."""
    max_line_bytes: int = 8192
    max_env_lines: int = 256
    max_usage_lines: int = 200
    env_timeout: float = 5.0
    """Whole environment, first byte to blank line."""
    command_timeout: float = 10.0
    """Reply to a command that does not wait on the caller."""
    media_timeout: float = 900.0
    """Reply to a playback or application of unknown length."""
    write_timeout: float = 5.0
    close_timeout: float = 2.0


@dataclass(frozen=True)
class Playback:
    """STREAM FILE: the key that stopped it (or None) and where it stopped, in samples."""

    digit: str | None
    endpos: int


@dataclass(frozen=True)
class DigitsInput:
    """GET DATA: the keys pressed, and whether input ended by timeout."""

    digits: str
    timed_out: bool


@dataclass(frozen=True)
class Recording:
    """RECORD FILE: why it ended (timeout, dtmf, ...), the key, the length in samples."""

    reason: str
    digit: str | None
    endpos: int


class AgiSession:
    """One AGI conversation: the request and one command at a time.

    Commands that need a live channel raise ``ChannelHungUp`` once the channel is
    known to be gone; ``get_variable``, ``get_full_variable``, ``set_variable`` and
    ``verbose`` still work then (Asterisk allows them on a dead channel).
    """

    def __init__(
        self,
        request: AgiRequest,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: AgiLimits,
    ) -> None:
        self.request = request
        self.limits = limits
        self._reader = reader
        self._writer = writer
        self._lock = asyncio.Lock()
        self._hung_up = False
        self._in_step = True

    @property
    def env(self) -> Mapping[str, str]:
        return self.request.env

    @property
    def args(self) -> tuple[str, ...]:
        return self.request.args

    @property
    def hung_up(self) -> bool:
        return self._hung_up

    @property
    def usable(self) -> bool:
        """False once the stream is out of step (timeout, cancellation, EOF)."""
        return self._in_step

    async def answer(self) -> None:
        await self._live_command(self.limits.command_timeout, "ANSWER")

    async def stream_file(
        self, name: str, escape_digits: str = "", *, reply_within: float | None = None
    ) -> Playback:
        """Play ``name``; a key among ``escape_digits`` stops it.

        ``reply_within`` bounds the whole playback (default: ``limits.media_timeout``).
        """
        result = await self._live_command(
            reply_within or self.limits.media_timeout,
            "STREAM FILE",
            check_sound_name(name),
            check_digits(escape_digits),
        )
        if result.endpos is None:
            raise AgiProtocolError("STREAM FILE reply without endpos")
        return Playback(digit_from_code(result.number()), result.endpos)

    async def get_data(
        self,
        prompt: str,
        digit_timeout: float,
        max_digits: int,
        *,
        reply_within: float | None = None,
    ) -> DigitsInput:
        """Play ``prompt``, collect up to ``max_digits`` keys (``#`` ends early).

        Input ends ``digit_timeout`` seconds after the prompt or the last key.
        """
        if not 1 <= max_digits <= 64:
            raise AgiArgumentError("max_digits must be between 1 and 64")
        result = await self._live_command(
            reply_within or self.limits.media_timeout,
            "GET DATA",
            check_sound_name(prompt),
            milliseconds(digit_timeout, "digit_timeout"),
            max_digits,
        )
        return DigitsInput(result.result, result.timed_out)

    async def wait_for_digit(self, seconds: float) -> str | None:
        """One key, or None after ``seconds`` without one."""
        result = await self._live_command(
            seconds + self.limits.command_timeout,
            "WAIT FOR DIGIT",
            milliseconds(seconds, "seconds"),
        )
        return digit_from_code(result.number())

    async def record_file(
        self,
        name: str,
        file_format: str,
        escape_digits: str,
        max_duration: float,
        *,
        beep: bool = False,
        silence: int | None = None,
    ) -> Recording:
        """Record to ``name.file_format`` for at most ``max_duration`` seconds."""
        arguments: list[str | int] = [
            check_sound_name(name),
            check_format(file_format),
            check_digits(escape_digits),
            milliseconds(max_duration, "max_duration"),
        ]
        if beep:
            arguments.append("BEEP")
        if silence is not None:
            if not 1 <= silence <= 3600:
                raise AgiArgumentError("silence must be between 1 and 3600 seconds")
            arguments.append(f"s={silence}")
        result = await self._live_command(
            max_duration + self.limits.command_timeout, "RECORD FILE", *arguments
        )
        code = result.number()
        reason = result.data or ""
        digit = digit_from_code(code) if reason == "dtmf" else None
        return Recording(reason, digit, result.endpos or 0)

    async def exec(
        self, application: str, *arguments: str, reply_within: float | None = None
    ) -> int:
        """Run a dialplan application; returns its result (0 usually)."""
        words = [check_application(application)]
        if arguments:
            words.append(",".join(check_application_argument(a) for a in arguments))
        result = await self._live_command(reply_within or self.limits.media_timeout, "EXEC", *words)
        code = result.number()
        if code == -2:
            raise AgiCommandError(f"no such dialplan application: {application}")
        return code

    async def set_variable(self, name: str, value: str) -> None:
        await self._command(
            self.limits.command_timeout,
            "SET VARIABLE",
            check_variable_name(name),
            check_text(value, "variable value"),
        )

    async def get_variable(self, name: str) -> str | None:
        """A channel variable or function (``CHANNEL(state)``); None if unset."""
        result = await self._command(
            self.limits.command_timeout, "GET VARIABLE", check_readable_name(name)
        )
        return result.data if result.result == "1" else None

    async def get_full_variable(self, expression: str) -> str | None:
        """Evaluate a dialplan expression we wrote (``${AMDSTATUS}``), never user text."""
        if any(c in expression for c in "\r\n\0"):
            raise AgiArgumentError("line breaks are not allowed in an expression")
        result = await self._command(self.limits.command_timeout, "GET FULL VARIABLE", expression)
        return result.data if result.result == "1" else None

    async def verbose(self, message: str, level: int = 1) -> None:
        if not 1 <= level <= 4:
            raise AgiArgumentError("verbose level must be between 1 and 4")
        await self._command(
            self.limits.command_timeout, "VERBOSE", check_text(message, "message"), level
        )

    async def hangup(self) -> None:
        """Hang up the channel; later live-channel commands raise ``ChannelHungUp``."""
        if self._hung_up:
            return
        with contextlib.suppress(ChannelHungUp):  # 511: it was already gone
            await self._command(self.limits.command_timeout, "HANGUP")
        self._hung_up = True

    async def _live_command(
        self, reply_within: float, words: str, *arguments: str | int
    ) -> AgiResult:
        """A command that needs the channel; a -1 result is told apart by a NOOP probe."""
        if self._hung_up:
            raise ChannelHungUp(f"{words}: the channel has hung up")
        result = await self._command(reply_within, words, *arguments)
        if result.result == "-1":
            # Asterisk sends HANGUP after the reply of the command the hangup ended,
            # so the reply to a NOOP tells whether -1 meant a hangup or a failure.
            await self._command(self.limits.command_timeout, "NOOP")
            if self._hung_up:
                raise ChannelHungUp(f"{words}: the channel hung up")
            raise AgiCommandError(f"{words} failed", AgiReply(200, "", result=result))
        return result

    async def _command(self, reply_within: float, words: str, *arguments: str | int) -> AgiResult:
        line = format_command(words, *arguments)
        async with self._lock:
            if not self._in_step:
                raise AgiConnectionClosed("the AGI connection is closed or out of step")
            self._in_step = False  # stays False if the wait below is interrupted
            try:
                async with asyncio.timeout(self.limits.write_timeout):
                    self._writer.write(line)
                    await self._writer.drain()
                async with asyncio.timeout(reply_within):
                    reply = await self._read_reply()
            except TimeoutError:
                raise AgiTimeout(f"{words}: no reply within {reply_within:g} s") from None
            except ConnectionError as error:
                raise AgiConnectionClosed(f"{words}: {error}") from None
            self._in_step = True
        return self._check(words, reply)

    async def _read_reply(self) -> AgiReply:
        assembler = ReplyAssembler(self.limits.max_usage_lines)
        while True:
            line = await read_line(self._reader)
            if line is None:
                if self._hung_up:
                    raise ChannelHungUp("Asterisk closed the connection after a hangup")
                raise AgiConnectionClosed("Asterisk closed the connection")
            if line == HANGUP_NOTICE:
                self._hung_up = True
                continue
            reply = assembler.feed(line)
            if reply is not None:
                return reply

    def _check(self, words: str, reply: AgiReply) -> AgiResult:
        if reply.result is not None:
            return reply.result
        if reply.code == 511:
            self._hung_up = True
            raise ChannelHungUp(f"{words}: not permitted on a dead channel")
        detail = f": {reply.usage.splitlines()[0]}" if reply.usage else ""
        raise AgiCommandError(f"{words}: {reply.code} {reply.message}{detail}", reply)


async def read_line(reader: asyncio.StreamReader) -> str | None:
    """One line without its line break, or None at end of stream (a partial line too)."""
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise AgiProtocolError("line longer than the limit") from None
    return raw.decode("utf-8", "replace").removesuffix("\n").removesuffix("\r")


async def read_request(reader: asyncio.StreamReader, limits: AgiLimits) -> AgiRequest:
    """The environment up to the blank line, within ``env_timeout``."""
    pairs: list[tuple[str, str]] = []
    try:
        async with asyncio.timeout(limits.env_timeout):
            while True:
                line = await read_line(reader)
                if line is None:
                    raise AgiConnectionClosed(
                        f"connection closed after {len(pairs)} environment lines"
                    )
                if not line:
                    break
                if len(pairs) >= limits.max_env_lines:
                    raise AgiProtocolError("too many environment lines")
                pairs.append(parse_env_line(line))
    except TimeoutError:
        raise AgiTimeout(f"no complete environment within {limits.env_timeout:g} s") from None
    if not pairs:
        raise AgiProtocolError("empty environment")
    return build_request(pairs)
