"""Our small asyncio FastAGI server: one task per Asterisk connection, a route table.

``FastAgiServer(routes)`` listens; Asterisk's ``AGI(agi://host:port/route?k=v,arg1,...)``
connects, sends its environment, and the handler ``routes[route]`` gets an
``AgiSession`` (``session.env``, ``session.args``, typed commands). When the handler
returns, the server sets ``IVR_AGI_STATUS`` on the channel and closes the connection,
which ends ``AGI()`` in the dialplan. Wire format and value types: ``agi_protocol``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

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
    printable,
)

logger = logging.getLogger(__name__)

STATUS_VARIABLE = "IVR_AGI_STATUS"
"""Set by the server when a session ends: OK, ERROR, NOROUTE (AGISTATUS stays SUCCESS)."""


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


@dataclass
class ServerStats:
    """Counters since start; errors are also logged with channel and route."""

    connections: int = 0
    refused: int = 0
    sessions: int = 0
    completed: int = 0
    hangups: int = 0
    unknown_routes: int = 0
    protocol_errors: int = 0
    timeouts: int = 0
    disconnects: int = 0
    handler_errors: int = 0


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


Handler = Callable[[AgiSession], Awaitable[None]]


class FastAgiServer:
    """Serves FastAGI on one port; ``routes`` maps a route name to its handler.

    Each connection runs in its own tracked task; ``close()`` stops listening, lets
    running sessions finish for ``grace`` seconds, then cancels the rest and waits.
    """

    def __init__(self, routes: Mapping[str, Handler], limits: AgiLimits | None = None) -> None:
        self.routes = dict(routes)
        self.limits = limits or AgiLimits()
        self.stats = ServerStats()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    async def start(self, host: str = "127.0.0.1", port: int = 4573, backlog: int = 512) -> None:
        if self._server is not None:
            raise RuntimeError("FastAGI server already started")
        self._server = await asyncio.start_server(
            self._accept, host, port, limit=self.limits.max_line_bytes, backlog=backlog
        )
        logger.info("FastAGI listening", extra={"host": host, "port": self.port})

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("FastAGI server is not listening")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active_sessions(self) -> int:
        return len(self._tasks)

    async def close(self, grace: float = 0.0) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._tasks and grace > 0:
            await asyncio.wait(set(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        logger.info("FastAGI server closed", extra={"stats": vars(self.stats)})

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Called by asyncio for each connection: start and track its task at once."""
        self.stats.connections += 1
        if self._closing or len(self._tasks) >= self.limits.max_sessions:
            self.stats.refused += 1
            if not self._closing:
                logger.warning("FastAGI connection refused: too many sessions")
            writer.transport.abort()
            return
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fields: dict[str, str] = {"channel": "", "route": ""}
        try:
            request = await read_request(reader, self.limits)
            fields = {"channel": printable(request.uniqueid), "route": printable(request.route)}
            session = AgiSession(request, reader, writer, self.limits)
            await self._run(session, fields)
        except ChannelHungUp:
            self.stats.hangups += 1
            logger.info("AGI channel hung up", extra=fields)
        except AgiProtocolError as error:
            self.stats.protocol_errors += 1
            logger.warning("AGI protocol error: %s", error, extra=fields)
        except AgiTimeout as error:
            self.stats.timeouts += 1
            logger.warning("AGI timeout: %s", error, extra=fields)
        except (AgiConnectionClosed, ConnectionError) as error:
            self.stats.disconnects += 1
            logger.info("AGI connection closed: %s", error, extra=fields)
        except Exception:
            self.stats.handler_errors += 1
            logger.exception("AGI handler failed", extra=fields)
        finally:
            await self._close_connection(writer)

    async def _run(self, session: AgiSession, fields: dict[str, str]) -> None:
        handler = self.routes.get(session.request.route)
        self.stats.sessions += 1
        if handler is None:
            self.stats.unknown_routes += 1
            logger.warning("AGI request for an unknown route", extra=fields)
            await self._set_status(session, "NOROUTE")
            return
        try:
            await handler(session)
        except (ChannelHungUp, AgiConnectionClosed, AgiTimeout, AgiProtocolError):
            raise
        except Exception:
            await self._set_status(session, "ERROR")
            raise
        self.stats.completed += 1
        await self._set_status(session, "OK")

    async def _set_status(self, session: AgiSession, status: str) -> None:
        """Best effort: tell the dialplan how the session ended."""
        if not session.usable:
            return
        with contextlib.suppress(AgiError):
            await session.set_variable(STATUS_VARIABLE, status)

    async def _close_connection(self, writer: asyncio.StreamWriter) -> None:
        writer.close()
        try:
            async with asyncio.timeout(self.limits.close_timeout):
                await writer.wait_closed()
        except (TimeoutError, ConnectionError):
            writer.transport.abort()
