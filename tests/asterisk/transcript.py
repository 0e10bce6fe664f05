"""Asterisk's side of a FastAGI conversation, played line by line from a test.

These are protocol transcripts: the test writes what res_agi would send (the
environment, the replies, ``HANGUP``) and checks each command line the server sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from ivr.asterisk.fastagi_server import FastAgiServer, Handler
from ivr.asterisk.fastagi_session import AgiLimits

STEP = 2.0
"""Longest wait for one expected line in a transcript."""

FAST_LIMITS = AgiLimits(
    env_timeout=0.5, command_timeout=0.5, media_timeout=1.0, write_timeout=0.5, close_timeout=0.5
)


@asynccontextmanager
async def running_server(
    routes: Mapping[str, Handler], limits: AgiLimits = FAST_LIMITS
) -> AsyncIterator[FastAgiServer]:
    """A real FastAGI server on a free loopback port, closed at the end."""
    server = FastAgiServer(routes, limits)
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.close()


def environment(
    route: str = "call", args: Sequence[str] = (), uniqueid: str = "1700000000.1"
) -> bytes:
    """The environment block as Asterisk 22 sends it for ``AGI(agi://.../route,args)``."""
    lines = [
        "agi_network: yes",
        f"agi_network_script: {route}",
        f"agi_request: agi://127.0.0.1/{route}",
        "agi_channel: PJSIP/trunk-00000001",
        "agi_language: fr",
        "agi_type: PJSIP",
        f"agi_uniqueid: {uniqueid}",
        "agi_version: 22.10.0",
        "agi_callerid: 4189620327",
        "agi_calleridname: Information ITUM",
        "agi_callingpres: 0",
        "agi_callingani2: 0",
        "agi_callington: 0",
        "agi_callingtns: 0",
        "agi_dnid: unknown",
        "agi_rdnis: unknown",
        "agi_context: ivr-alert",
        "agi_extension: s",
        "agi_priority: 3",
        "agi_enhanced: 0.0",
        "agi_accountcode: ",
        "agi_threadid: 140000000000000",
    ]
    lines += [f"agi_arg_{n}: {value}" for n, value in enumerate(args, start=1)]
    return ("\n".join(lines) + "\n\n").encode()


class AsteriskSide:
    """One connection to the server, driven as res_agi would drive it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> AsteriskSide:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes | str) -> None:
        self.writer.write(data.encode() if isinstance(data, str) else data)
        await self.writer.drain()

    async def start(self, route: str = "call", args: Sequence[str] = ()) -> None:
        await self.send(environment(route, args))

    async def command(self) -> str:
        """The next command line the server sent."""
        async with asyncio.timeout(STEP):
            line = await self.reader.readline()
        assert line.endswith(b"\n"), f"connection ended instead of a command: {line!r}"
        return line.decode().removesuffix("\n")

    async def answer(self, expected: str, *reply: str) -> None:
        """Expect one command line, then send the reply lines."""
        assert await self.command() == expected
        await self.send("".join(line + "\n" for line in reply))

    async def closed(self) -> bool:
        """True when the server closed the connection without sending more.

        A reset counts as closed: the server may close before reading all we sent.
        """
        try:
            async with asyncio.timeout(STEP):
                rest = await self.reader.read()
        except ConnectionResetError:
            return True
        return rest == b""

    async def finish(self, status: str = "OK") -> None:
        """The server sets IVR_AGI_STATUS, then closes."""
        await self.answer(f'SET VARIABLE "IVR_AGI_STATUS" "{status}"', "200 result=1")
        assert await self.closed()

    def close(self) -> None:
        self.writer.close()
