"""Our small asyncio FastAGI server: one task per Asterisk connection, a route table.

``FastAgiServer(routes)`` listens; Asterisk's ``AGI(agi://host:port/route?k=v,arg1,...)``
connects, sends its environment, and the handler ``routes[route]`` gets an
``AgiSession`` (``fastagi_session``). When the handler returns, the server sets
``IVR_AGI_STATUS`` on the channel and closes the connection, which ends ``AGI()`` in
the dialplan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from ivr.asterisk.agi_protocol import AgiError, AgiProtocolError, printable
from ivr.asterisk.fastagi_session import (
    AgiConnectionClosed,
    AgiLimits,
    AgiSession,
    AgiTimeout,
    ChannelHungUp,
    read_request,
)
from ivr.asterisk.peers import LOOPBACK, PeerFilter
from ivr.observability.instruments import FASTAGI_SESSIONS, FASTAGI_SESSIONS_OPEN

logger = logging.getLogger(__name__)

STATUS_VARIABLE = "IVR_AGI_STATUS"
"""Set by the server when a session ends: OK, ERROR, NOROUTE (AGISTATUS stays SUCCESS)."""


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


Handler = Callable[[AgiSession], Awaitable[None]]


class FastAgiServer:
    """Serves FastAGI on one port; ``routes`` maps a route name to its handler.

    Each connection runs in its own tracked task; ``close()`` stops listening, lets
    running sessions finish for ``grace`` seconds, then cancels the rest and waits.
    """

    def __init__(
        self,
        routes: Mapping[str, Handler],
        limits: AgiLimits | None = None,
        *,
        allowed_peers: Iterable[str] = LOOPBACK,
    ) -> None:
        self.routes = dict(routes)
        self.limits = limits or AgiLimits()
        self.peers = PeerFilter(allowed_peers)
        """The PBX's addresses; a connection from any other is closed."""
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
    def listening(self) -> bool:
        """Accepting connections now."""
        return self._server is not None and self._server.is_serving()

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
        if not self.peers.allows(writer):
            self.stats.refused += 1
            logger.warning(
                "FastAGI connection refused: not from the PBX",
                extra={"peer": str(writer.get_extra_info("peername"))[:80]},
            )
            writer.transport.abort()
            return
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
        FASTAGI_SESSIONS_OPEN.inc()
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
            FASTAGI_SESSIONS_OPEN.dec()
            await self._close_connection(writer)

    async def _run(self, session: AgiSession, fields: dict[str, str]) -> None:
        handler = self.routes.get(session.request.route)
        self.stats.sessions += 1
        FASTAGI_SESSIONS.labels("unknown" if handler is None else session.request.route).inc()
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
