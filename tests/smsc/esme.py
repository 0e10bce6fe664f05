"""A bare SMPP client for the simulator's own tests: smpplib's PDU codec over asyncio.

Independent of the product's SMPP code, and driven step by step: a test chooses how
each ``deliver_sm`` is answered, or that it is not answered at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
from typing import Any

from smpplib import smpp  # type: ignore[import-untyped, unused-ignore]
from smpplib.client import SimpleSequenceGenerator  # type: ignore[import-untyped, unused-ignore]

from simnet.smsc import SimulatedSmsc

Pdu = Any
"""An smpplib ``Command`` (smpplib has no type hints)."""
ANSWER_TIMEOUT = 5.0


class Esme:
    """One connection to the simulator; ``deliveries`` receives every ``deliver_sm``.

    Each ``deliver_sm`` is answered with ``answer_status`` (None: left unanswered,
    for the test to answer with :meth:`answer`).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._sequences = SimpleSequenceGenerator()
        self._waiting: dict[int, asyncio.Future[Pdu]] = {}
        self.answer_status: int | None = 0
        self.deliveries: asyncio.Queue[Pdu] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, smsc: SimulatedSmsc, tls: ssl.SSLContext | None = None) -> Esme:
        reader, writer = await asyncio.open_connection(smsc.host, smsc.port, ssl=tls)
        return cls(reader, writer)

    @classmethod
    async def bound(cls, smsc: SimulatedSmsc, command: str = "bind_transceiver") -> Esme:
        """A connection bound with the simulator's credentials."""
        esme = await cls.connect(smsc)
        answer = await esme.bind(smsc, command)
        assert answer.status == 0, f"bind refused: {answer.status:#x}"
        return esme

    async def bind(
        self, smsc: SimulatedSmsc, command: str = "bind_transceiver", **wrong: str
    ) -> Pdu:
        """Bind with the simulator's credentials, less those given in ``wrong``."""
        credentials = {
            "system_id": smsc.system_id,
            "password": smsc.password,
            "system_type": smsc.system_type,
        }
        return await self.request(command, **(credentials | wrong))

    async def submit(
        self,
        to: str,
        short_message: bytes,
        *,
        data_coding: int = 0,
        esm_class: int = 0,
        registered_delivery: int = 1,
        source: str = "4189620327",
    ) -> Pdu:
        return await self.request(
            "submit_sm",
            source_addr_ton=2,
            source_addr_npi=1,
            source_addr=source,
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr=to,
            esm_class=esm_class,
            registered_delivery=registered_delivery,
            data_coding=data_coding,
            short_message=short_message,
        )

    async def request(self, command: str, **fields: Any) -> Pdu:
        """Send a request and return its answer."""
        pdu = smpp.make_pdu(command, client=self._sequences, **fields)
        answer = self._waiting[pdu.sequence] = asyncio.get_running_loop().create_future()
        self._writer.write(pdu.generate())
        await self._writer.drain()
        return await asyncio.wait_for(answer, ANSWER_TIMEOUT)

    async def request_unknown(self, command_id: int) -> Pdu:
        """Send a command smpplib cannot build (no body) and return the answer."""
        sequence = self._sequences.next_sequence()
        answer = self._waiting[sequence] = asyncio.get_running_loop().create_future()
        self._writer.write(struct.pack(">LLLL", 16, command_id, 0, sequence))
        return await asyncio.wait_for(answer, ANSWER_TIMEOUT)

    async def next_delivery(self, within: float = ANSWER_TIMEOUT) -> Pdu:
        return await asyncio.wait_for(self.deliveries.get(), within)

    def answer(self, delivery: Pdu, status: int) -> None:
        response = smpp.make_pdu("deliver_sm_resp", client=self._sequences, status=status)
        response.sequence = delivery.sequence
        self._writer.write(response.generate())

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self._writer.wait_closed()
        await self._task

    async def _read(self) -> None:
        try:
            while True:
                head = await self._reader.readexactly(4)
                (length,) = struct.unpack(">L", head)
                pdu = smpp.parse_pdu(
                    head + await self._reader.readexactly(length - 4), client=self._sequences
                )
                if pdu.is_response():
                    waiting = self._waiting.pop(pdu.sequence, None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(pdu)
                elif pdu.command == "deliver_sm":
                    if self.answer_status is not None:
                        self.answer(pdu, self.answer_status)
                    self.deliveries.put_nowait(pdu)
                elif pdu.command == "enquire_link":
                    answer = smpp.make_pdu("enquire_link_resp", client=self._sequences)
                    answer.sequence = pdu.sequence
                    self._writer.write(answer.generate())
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self.closed.set()
            for waiting in self._waiting.values():
                if not waiting.done():
                    waiting.set_exception(ConnectionResetError("the SMSC closed the connection"))
