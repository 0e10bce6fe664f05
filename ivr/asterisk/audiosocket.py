"""AudioSocket: a call's audio both ways over TCP, from Asterisk's ``AudioSocket()``.

``AudioSocket(<uuid>,<host:port>)`` connects to us and sends a UUID message, then the
far end's audio (16-bit signed linear, 8 kHz mono, little-endian, 20 ms frames) and the
keys it presses; what we send is played to the far end. The application returns when we
close the connection. Each message: a kind byte, a 2-byte big-endian length, a payload
(kinds: 0x00 hangup, 0x01 UUID, 0x03 DTMF, 0x10 audio, 0xff error).

The server hands each connection to whoever expected its UUID (a call flow, which
chose the UUID just before running the application); any other connection, or one
from an address other than the PBX's, is closed. Playback is paced by the clock: one
frame every 20 ms, silence when there is nothing to play, so the far end always gets
media, as from a phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from ivr.asterisk.peers import LOOPBACK, PeerFilter

logger = logging.getLogger(__name__)

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_AUDIO = 0x10
KIND_ERROR = 0xFF
SAMPLE_RATE = 8000
FRAME_SECONDS = 0.02
FRAME_BYTES = 320
"""20 ms of 16-bit mono at 8 kHz."""
SILENCE = bytes(FRAME_BYTES)
MAX_PAYLOAD = 8192
"""Longest message accepted (Asterisk sends 320-byte frames)."""
UUID_TIMEOUT = 2.0
DIGITS = frozenset("0123456789*#ABCD")


class AudioSocketError(Exception):
    """The peer broke the protocol, or the session is over."""


@dataclass(frozen=True)
class Audio:
    """One frame of the far end's audio, received at ``at`` (the loop's clock)."""

    pcm: bytes
    at: float


@dataclass(frozen=True)
class Key:
    """A key the far end pressed."""

    digit: str
    at: float


Event = Audio | Key


class AudioStream:
    """One AudioSocket connection: the far end's audio and keys in, our audio out."""

    def __init__(
        self, call_id: uuid.UUID, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.call_id = call_id
        self._reader = reader
        self._writer = writer
        self._events: asyncio.Queue[Event | None] = asyncio.Queue()
        self._outgoing = bytearray()
        self._drained = asyncio.Event()
        self._drained.set()
        self.frames_sent = 0
        """Frames of audio (not silence) sent so far."""
        self.first_audio_at: float | None = None
        self.ended = asyncio.Event()
        """Set when the far end hung up or the connection closed."""
        self._tasks = [
            asyncio.create_task(self._read_loop(), name=f"audiosocket-read-{call_id}"),
            asyncio.create_task(self._write_loop(), name=f"audiosocket-write-{call_id}"),
        ]

    async def next_event(self, within: float) -> Event | None:
        """The next frame or key; None when nothing came within ``within`` s (a far end
        that sends no media) or the call ended (see ``ended``)."""
        if self.ended.is_set() and self._events.empty():
            return None
        try:
            async with asyncio.timeout(within):
                return await self._events.get()
        except TimeoutError:
            return None

    def play(self, pcm: bytes) -> None:
        """Queue ``pcm`` after what is already queued."""
        if pcm:
            self._outgoing += pcm
            self._drained.clear()

    def stop_playing(self) -> None:
        """Drop what is queued (a key or a beep interrupted it)."""
        self._outgoing.clear()
        self._drained.set()

    @property
    def playing(self) -> bool:
        return not self._drained.is_set()

    async def played(self) -> None:
        """Return once everything queued was sent (or dropped)."""
        await self._drained.wait()

    async def close(self) -> None:
        """End the session: the AudioSocket application returns to the dialplan."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.ended.set()
        self._writer.close()
        with contextlib.suppress(ConnectionError, TimeoutError):
            async with asyncio.timeout(2):
                await self._writer.wait_closed()

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                kind, payload = await read_message(self._reader)
                if kind == KIND_AUDIO:
                    self._events.put_nowait(Audio(payload, loop.time()))
                elif kind == KIND_DTMF:
                    digit = payload[:1].decode("ascii", "replace")
                    if digit in DIGITS:
                        self._events.put_nowait(Key(digit, loop.time()))
                elif kind in (KIND_HANGUP, KIND_ERROR):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, AudioSocketError):
            pass
        finally:
            self.ended.set()
            self._events.put_nowait(None)

    async def _write_loop(self) -> None:
        """One frame every 20 ms, by an absolute schedule (no drift)."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        try:
            while True:
                if self._outgoing:
                    frame = bytes(self._outgoing[:FRAME_BYTES]).ljust(FRAME_BYTES, b"\0")
                    del self._outgoing[:FRAME_BYTES]
                    self.frames_sent += 1
                    if self.first_audio_at is None:
                        self.first_audio_at = loop.time()
                    if not self._outgoing:
                        self._drained.set()
                else:
                    frame = SILENCE
                self._writer.write(message(KIND_AUDIO, frame))
                next_at += FRAME_SECONDS
                delay = next_at - loop.time()
                if delay < -0.2:  # far behind (a stalled loop): do not burst to catch up
                    next_at = loop.time()
                    delay = 0
                await asyncio.sleep(max(delay, 0))
        except ConnectionError:
            self.ended.set()


def message(kind: int, payload: bytes = b"") -> bytes:
    return bytes([kind]) + len(payload).to_bytes(2, "big") + payload


async def read_message(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    header = await reader.readexactly(3)
    length = int.from_bytes(header[1:], "big")
    if length > MAX_PAYLOAD:
        raise AudioSocketError(f"message of {length} bytes")
    return header[0], await reader.readexactly(length)


class AudioSocketServer:
    """Listens for AudioSocket connections and gives each to whoever expects its UUID."""

    def __init__(self, *, allowed_peers: Iterable[str] = LOOPBACK) -> None:
        self.peers = PeerFilter(allowed_peers)
        self._expected: dict[uuid.UUID, asyncio.Future[AudioStream]] = {}
        self._server: asyncio.Server | None = None
        self._handshakes: set[asyncio.Task[None]] = set()
        self.refused = 0

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._accept, host, port)
        logger.info("AudioSocket listening", extra={"host": host, "port": self.port})

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("AudioSocket server is not listening")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.is_serving()

    def expect(self) -> tuple[uuid.UUID, asyncio.Future[AudioStream]]:
        """A new UUID to give ``AudioSocket()``, and the future of its connection."""
        call_id = uuid.uuid4()
        future: asyncio.Future[AudioStream] = asyncio.get_running_loop().create_future()
        self._expected[call_id] = future
        return call_id, future

    def forget(self, call_id: uuid.UUID) -> None:
        self._expected.pop(call_id, None)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._handshakes):
            task.cancel()
        await asyncio.gather(*self._handshakes, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._handshake(reader, writer))
        self._handshakes.add(task)
        task.add_done_callback(self._handshakes.discard)

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if not self.peers.allows(writer):
                raise AudioSocketError("not from the PBX")
            async with asyncio.timeout(UUID_TIMEOUT):
                kind, payload = await read_message(reader)
            if kind != KIND_UUID or len(payload) != 16:
                raise AudioSocketError("no UUID first")
            future = self._expected.pop(uuid.UUID(bytes=payload), None)
            if future is None or future.done():
                raise AudioSocketError("unexpected UUID")
            future.set_result(AudioStream(uuid.UUID(bytes=payload), reader, writer))
        except (
            AudioSocketError,
            TimeoutError,
            asyncio.IncompleteReadError,
            ConnectionError,
        ) as error:
            self.refused += 1
            logger.warning("AudioSocket connection refused: %s", error)
            writer.transport.abort()
