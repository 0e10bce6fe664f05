"""The simulated SMS network: an operator's SMSC and its handsets, run by node.

The SMPP 3.4 server is node-smpp's (``simnet/smsc/``), an implementation independent of
the product's, so the product's SMS channel is checked against another reading of the
protocol. This module writes the simulator's configuration (with the behaviour table
``simnet/handsets.json``), runs it, sends it control commands and reads its event log.
See docs/pbx.md.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

HANDSETS_FILE = Path(__file__).with_name("handsets.json")
SIMULATOR = Path(__file__).with_name("smsc") / "smsc.js"
BEHAVIOURS = frozenset({"mobile", "landline", "barred", "expired", "silent", "invalid"})
RECEIPT_STYLES = frozenset({"text+tlv", "text", "tlv"})
MAX_NUMBERS = 100_000
ESME_RTHROTTLED = 0x58
START_TIMEOUT = 10.0
COMMAND_TIMEOUT = 10.0
"""Longer than the simulator's own 5 s wait for the client's answer to an MO."""
POLL_INTERVAL = 0.02
# SMPP 3.4 field sizes, less the terminating NUL.
_FIELD_LENGTHS = {"system_id": 15, "password": 8, "system_type": 12}
_NUMBER = re.compile(r"^[0-9]{10}$")

Event = dict[str, Any]
T = TypeVar("T")


class HandsetTableError(ValueError):
    """The handsets table is malformed; the message names the row."""


class SmscError(RuntimeError):
    """The simulator could not start, refused a command, or exited."""


def _numbers(row_name: str, spec: object, room: int) -> list[str]:
    if not isinstance(spec, str):
        raise HandsetTableError(f"{row_name}: 'numbers' must be a string")
    first, _, last = spec.partition("-")
    last = last or first
    if not (_NUMBER.match(first) and _NUMBER.match(last)) or int(last) < int(first):
        raise HandsetTableError(f"{row_name}: {spec!r} is not a 10-digit number or range")
    if int(last) - int(first) >= room:
        raise HandsetTableError(f"{row_name}: the table would hold more than {MAX_NUMBERS} numbers")
    return [str(n) for n in range(int(first), int(last) + 1)]


def parse_handsets(document: object) -> tuple[str, dict[str, str]]:
    """Check a decoded table; return its default behaviour and each listed number's."""
    if not isinstance(document, dict) or not isinstance(document.get("handsets"), list):
        raise HandsetTableError("the table must be an object with a 'handsets' list")
    default = document.get("default", "mobile")
    if default not in BEHAVIOURS:
        raise HandsetTableError(f"default: unknown behaviour {default!r}")
    behaviours: dict[str, str] = {}
    for index, row in enumerate(document["handsets"], start=1):
        row_name = f"row {index}"
        if not isinstance(row, dict):
            raise HandsetTableError(f"{row_name}: must be an object")
        unknown = sorted(set(row) - {"numbers", "sms", "note"})
        if unknown:
            raise HandsetTableError(f"{row_name}: unknown field {unknown[0]!r}")
        if row.get("sms") not in BEHAVIOURS:
            raise HandsetTableError(f"{row_name}: unknown sms behaviour {row.get('sms')!r}")
        for number in _numbers(row_name, row.get("numbers"), MAX_NUMBERS - len(behaviours)):
            if number in behaviours:
                raise HandsetTableError(f"{row_name}: {number} is already in the table")
            behaviours[number] = row["sms"]
    return default, behaviours


def load_handsets(path: Path = HANDSETS_FILE) -> tuple[str, dict[str, str]]:
    """Read and check the handsets table."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise HandsetTableError(f"{path}: {error}") from error
    return parse_handsets(document)


def national(number: str) -> str:
    """A North American number as 10 digits, whether written so or in E.164 with the 1."""
    digits = number.removeprefix("+")
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


class SimulatedSmsc:
    """The simulator as a child process: started, commanded and read from asyncio.

    The process reads its control commands on stdin and exits when stdin closes, so it
    never outlives the Python process that started it.
    """

    def __init__(
        self,
        *,
        workdir: Path,
        password: str,
        host: str = "127.0.0.1",
        port: int = 0,
        system_id: str = "itum",
        system_type: str = "alerts",
        receipt_delay_ms: int = 200,
        receipt_style: str = "text+tlv",
        tls_key: Path | None = None,
        tls_cert: Path | None = None,
        handsets_file: Path = HANDSETS_FILE,
    ) -> None:
        credentials = {"system_id": system_id, "password": password, "system_type": system_type}
        for name, value in credentials.items():
            if not value.isascii() or len(value) > _FIELD_LENGTHS[name]:
                raise ValueError(f"{name} must be at most {_FIELD_LENGTHS[name]} ASCII characters")
        if receipt_style not in RECEIPT_STYLES:
            raise ValueError(f"receipt_style must be one of {sorted(RECEIPT_STYLES)}")
        if receipt_delay_ms < 0:
            raise ValueError("receipt_delay_ms must be >= 0")
        if (tls_key is None) != (tls_cert is None):
            raise ValueError("TLS needs both tls_key and tls_cert")
        self.workdir = workdir
        self.host = host
        self.port = port
        """The listening port; with 0, the one the system chose, known once started."""
        self.system_id = system_id
        self.password = password
        self.system_type = system_type
        self.receipt_delay_ms = receipt_delay_ms
        self.receipt_style = receipt_style
        self.tls = {"key": str(tls_key), "cert": str(tls_cert)} if tls_key and tls_cert else None
        self.handsets_file = handsets_file
        self.log_path = workdir / "smsc-events.jsonl"
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._replies: dict[int, asyncio.Future[Event]] = {}
        self._last_id = 0
        self._events: list[Event] = []
        self._log_offset = 0

    async def __aenter__(self) -> SimulatedSmsc:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Write the configuration, start node and wait until it listens."""
        if self._process is not None:
            raise SmscError("the simulated SMSC is already running")
        node = shutil.which("node")
        if node is None or not (SIMULATOR.parent / "node_modules" / "smpp").is_dir():
            raise SmscError("the simulated SMSC needs node and its node modules: run scripts/setup")
        default, handsets = load_handsets(self.handsets_file)
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = {
            "host": self.host,
            "port": self.port,
            "system_id": self.system_id,
            "password": self.password,
            "system_type": self.system_type,
            "log": str(self.log_path),
            "handsets": handsets,
            "default_behaviour": default,
            "receipt_delay_ms": self.receipt_delay_ms,
            "receipt_style": self.receipt_style,
            "tls": self.tls,
        }
        config_path = self.workdir / "smsc.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        self.log_path.write_bytes(b"")
        self._events, self._log_offset = [], 0
        with (self.workdir / "smsc.stderr").open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                node,
                str(SIMULATOR),
                str(config_path),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
        self._process = process
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            line = b""
        if not line:
            await self.stop()
            raise SmscError(f"the simulated SMSC did not start: {self._stderr_tail()}")
        self.port = json.loads(line)["port"]
        self._reader = asyncio.create_task(self._read_replies(process.stdout))

    async def stop(self) -> None:
        """End the process and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._reader is not None:
            await self._reader
            self._reader = None

    async def throttle(self, count: int, status: int = ESME_RTHROTTLED) -> None:
        """Answer the next ``count`` submit_sm with ``status`` (e.g. 0x14 ESME_RMSGQFUL)."""
        await self._command("throttle", count=count, status=status)

    async def drop(self, after: int) -> None:
        """Cut the connection abruptly when the ``after``-th submit_sm from now arrives,
        leaving that one unanswered, as a crashing gateway or a cut link would."""
        await self._command("drop", after=after)

    async def send_mo(
        self, from_number: str, text: str, data_coding: int | None = None, to: str = "4189620327"
    ) -> int:
        """Send a message from a phone to the bound client; return its deliver_sm_resp
        status. Without ``data_coding``, GSM 03.38 (0) if the text allows it, else UCS-2 (8)."""
        fields: dict[str, object] = {"from": from_number, "to": to, "text": text}
        if data_coding is not None:
            fields["data_coding"] = data_coding
        reply = await self._command("mo", **fields)
        status: int = reply["status"]
        return status

    async def stats(self) -> Event:
        """Counters since the start or the last reset."""
        reply = await self._command("stats")
        stats: Event = reply["stats"]
        return stats

    async def reset(self) -> None:
        """Forget counters, control state, pending receipts and partial messages; empty
        the log. Bound sessions stay bound."""
        await self._command("reset")
        self._events, self._log_offset = [], 0

    def events(self, kind: str | None = None) -> list[Event]:
        """The log's events so far, of one kind (``submit``, ``receipt``...) or all."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._log_offset += len(complete)
        self._events.extend(json.loads(line) for line in complete.splitlines())
        return [event for event in self._events if kind is None or event["event"] == kind]

    def submits(self) -> list[Event]:
        """Every submit_sm received, with its answer's status (None: dropped unanswered)."""
        return self.events("submit")

    def handset_messages(self, to: str | None = None) -> list[Event]:
        """Whole messages as the phones show them, to one number (10 digits or E.164) or all."""
        messages = self.events("handset")
        if to is None:
            return messages
        return [message for message in messages if national(message["to"]) == national(to)]

    def receipts(self) -> list[Event]:
        """Every delivery receipt sent, with the client's answer (None: no answer)."""
        return self.events("receipt")

    async def wait_for(self, predicate: Callable[[], T], within: float) -> T:
        """Poll until ``predicate`` (which reads the log) returns a true value; return it."""
        deadline = asyncio.get_running_loop().time() + within
        while not (result := predicate()):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the simulated SMSC's log did not show it within {within} s")
            await asyncio.sleep(POLL_INTERVAL)
        return result

    async def _command(self, cmd: str, **fields: object) -> Event:
        process = self._process
        if process is None or process.stdin is None or self._reader is None or self._reader.done():
            raise SmscError(f"the simulated SMSC is not running: {self._stderr_tail()}")
        self._last_id += 1
        command_id = self._last_id
        reply: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._replies[command_id] = reply
        try:
            process.stdin.write(json.dumps({"id": command_id, "cmd": cmd, **fields}).encode())
            process.stdin.write(b"\n")
            await process.stdin.drain()
            answer = await asyncio.wait_for(reply, COMMAND_TIMEOUT)
        except (ConnectionError, TimeoutError) as error:
            raise SmscError(f"{cmd}: the simulated SMSC did not answer ({error!r})") from error
        finally:
            self._replies.pop(command_id, None)
        if not answer["ok"]:
            raise SmscError(f"{cmd}: {answer['error']}")
        return answer

    async def _read_replies(self, stdout: asyncio.StreamReader) -> None:
        while line := await stdout.readline():
            reply = json.loads(line)
            waiting = self._replies.get(reply.get("id"))
            if waiting is not None and not waiting.done():
                waiting.set_result(reply)
        exited = SmscError(f"the simulated SMSC exited: {self._stderr_tail()}")
        for waiting in self._replies.values():
            if not waiting.done():
                waiting.set_exception(exited)

    def _stderr_tail(self) -> str:
        try:
            text = (self.workdir / "smsc.stderr").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no stderr)"
        return text.strip()[-2000:] or "(nothing on stderr)"
