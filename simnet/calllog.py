"""Read the simulated network's call log: what each phone saw.

The network's dialplan appends one CSV line per call when it ends
(``[phone-log]`` in simnet/asterisk/extensions.conf), in the order of
:data:`COLUMNS`.
"""

from __future__ import annotations

import csv
import re
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

from ivr.asterisk.layout import InstanceLayout

COLUMNS = (
    "started",
    "ended",
    "number",
    "behaviour",
    "action",
    "attempt",
    "caller_name",
    "caller_number",
    "from_header",
    "pai_header",
    "keys",
    "recording",
    "call_id",
    "uniqueid",
    "spoke_at",
)
# A sample above this (of 32767) is sound rather than line silence.
AUDIBLE_LEVEL = 500
_IDENTITY = re.compile(r'^\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^<]*?))\s*<sips?:(?P<user>[^@;>]*)')


def parse_identity(header: str) -> tuple[str, str]:
    """Display name and user part of a From or P-Asserted-Identity header."""
    match = _IDENTITY.match(header)
    if not match:
        return "", ""
    name = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
    return name.strip(), match.group("user")


@dataclass(frozen=True)
class Recording:
    """What an answering machine recorded."""

    path: Path
    seconds: float
    audible_seconds: float


def measure_recording(path: Path) -> Recording:
    """Length of a 16-bit mono WAV, and the span from its first to last audible sample."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono WAV")
        samples = array("h", wav.readframes(wav.getnframes()))
    loud = [i for i, sample in enumerate(samples) if abs(sample) > AUDIBLE_LEVEL]
    audible = (loud[-1] - loud[0] + 1) / rate if loud else 0.0
    return Recording(path, len(samples) / rate, audible)


@dataclass(frozen=True)
class PhoneCall:
    """One call as the phone saw it."""

    started: int
    ended: int
    number: str
    behaviour: str
    action: str
    attempt: int
    caller_name: str
    caller_number: str
    from_header: str
    pai_header: str
    keys: str
    recording_path: Path | None
    call_id: str
    uniqueid: str
    spoke_at: float | None
    """When the phone's first words (its opening's sound file) ended, epoch seconds to
    the millisecond; only for people who answer with words (``person-responds``)."""

    @property
    def pai_name(self) -> str:
        return parse_identity(self.pai_header)[0]

    @property
    def pai_number(self) -> str:
        return parse_identity(self.pai_header)[1]

    @property
    def from_name(self) -> str:
        return parse_identity(self.from_header)[0]

    @property
    def from_number(self) -> str:
        return parse_identity(self.from_header)[1]

    def recording(self) -> Recording | None:
        """The answering machine's recording, measured; None if there is none."""
        if self.recording_path is None or not self.recording_path.exists():
            return None
        return measure_recording(self.recording_path)


def read_calls(path: Path, layout: InstanceLayout) -> list[PhoneCall]:
    """Every call in the log at ``path`` (a host path), oldest first."""
    if not path.exists():
        return []
    calls = []
    with path.open(encoding="utf-8", errors="replace", newline="") as log:
        for row in csv.reader(log):
            if len(row) != len(COLUMNS):
                raise ValueError(f"{path}: malformed line {row!r}")
            values = dict(zip(COLUMNS, row, strict=True))
            recording = values["recording"]
            calls.append(
                PhoneCall(
                    started=int(values["started"] or 0),
                    ended=int(values["ended"] or 0),
                    number=values["number"],
                    behaviour=values["behaviour"],
                    action=values["action"],
                    attempt=int(values["attempt"] or 0),
                    caller_name=values["caller_name"],
                    caller_number=values["caller_number"],
                    from_header=values["from_header"],
                    pai_header=values["pai_header"],
                    keys=values["keys"],
                    recording_path=(
                        layout.root / recording.lstrip("/") if recording.startswith("/") else None
                    ),
                    call_id=values["call_id"],
                    uniqueid=values["uniqueid"],
                    spoke_at=float(values["spoke_at"]) if values["spoke_at"] else None,
                )
            )
    return calls
