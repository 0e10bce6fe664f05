"""A TCP relay on loopback between a client and a real server, to break the link on purpose.

``cut()`` closes every current connection (both sides see EOF); ``freeze()``
silently drops every byte of the current connections, as a half-open TCP
connection does. New connections pass normally.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class _Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    frozen: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class TcpRelay:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.links: list[_Link] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> None:
        """Listen on loopback ``port`` (0: a free one; ``self.port`` says which)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        link = _Link(writer, up_writer)
        self.links.append(link)
        link.tasks = [
            asyncio.create_task(self._pump(reader, up_writer, link)),
            asyncio.create_task(self._pump(up_reader, writer, link)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                if not link.frozen:
                    writer.write(data)
                    await writer.drain()
        writer.close()

    def cut(self) -> None:
        for link in self.links:
            link.client.transport.abort()
            link.server.transport.abort()
        self.links.clear()

    def freeze(self) -> None:
        for link in self.links:
            link.frozen = True

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
