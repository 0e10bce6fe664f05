"""The behaviour table of the simulated phone network (``simnet/phones.json``).

Each row maps a number, or an inclusive range of numbers, to a behaviour and
its parameters. The table is checked when loaded and turned into the
``[phones]`` dialplan of the network's Asterisk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from simnet.recipes import BEEP_NAME, SPEECH_NAMES

PHONES_FILE = Path(__file__).with_name("phones.json")
MAX_NUMBERS = 10_000

_VOICEMAIL: dict[str, int | str] = {
    "greeting": "greeting",
    "beep": "beep-1000-600",
    "media": "silence",
    "cutoff": 5,
}
# Behaviour -> its parameters with their defaults.
BEHAVIOURS: dict[str, dict[str, int | str]] = {
    "person": {},
    "person-keys": {"keys": "12", "first_key_after": 6, "key_gap": 6},
    "person-hangs-up": {"hangup_after": 3},
    "person-responds": {"opening": "allo", "delay": "0.5", "background": "roomtone", "key": "2"},
    "machine": dict(_VOICEMAIL),
    "machine-no-beep": {**_VOICEMAIL, "greeting": "greeting-long", "beep": "none"},
    "voicemail": dict(_VOICEMAIL),
    "busy": {},
    "no-answer": {},
    "congestion": {},
    "not-in-service": {},
    "busy-then-answer": {"busy_calls": 2},
}
CONTEXTS = {"machine": "voicemail", "machine-no-beep": "voicemail"}
"""Behaviours played by another behaviour's dialplan (with their own parameters)."""
_VARIABLES = {
    "keys": "PHONE_KEYS_TO_PRESS",
    "first_key_after": "PHONE_FIRST_KEY_AFTER",
    "key_gap": "PHONE_KEY_GAP",
    "hangup_after": "PHONE_HANGUP_AFTER",
    "busy_calls": "PHONE_BUSY_CALLS",
    "greeting": "PHONE_GREETING",
    "beep": "PHONE_BEEP",
    "media": "PHONE_MEDIA",
    "cutoff": "PHONE_CUTOFF",
    "opening": "PHONE_OPENING",
    "delay": "PHONE_DELAY",
    "background": "PHONE_BACKGROUND",
    "key": "PHONE_ANSWER_KEY",
}
_CHOICES: dict[str, frozenset[str]] = {
    "greeting": SPEECH_NAMES,
    "opening": SPEECH_NAMES,
    "media": frozenset({"silence", "comfort", "nothing"}),
    "background": frozenset({"roomtone", "noisy"}),
}
_NUMBER = re.compile(r"^[0-9]{10}$")
_KEYS = re.compile(r"^[0-9*#]{1,20}$")
_DELAY = re.compile(r"^[0-9](\.[0-9])?$")


class PhoneTableError(ValueError):
    """The behaviour table is malformed; the message names the row."""


@dataclass(frozen=True)
class Phone:
    """One simulated phone line."""

    number: str
    behaviour: str
    params: dict[str, int | str] = field(default_factory=dict)


def _numbers(row_name: str, spec: object) -> list[str]:
    if not isinstance(spec, str):
        raise PhoneTableError(f"{row_name}: 'numbers' must be a string")
    first, _, last = spec.partition("-")
    last = last or first
    if not (_NUMBER.match(first) and _NUMBER.match(last)) or int(last) < int(first):
        raise PhoneTableError(f"{row_name}: {spec!r} is not a 10-digit number or range")
    if int(last) - int(first) >= MAX_NUMBERS:
        raise PhoneTableError(f"{row_name}: range {spec!r} is too large")
    return [str(n) for n in range(int(first), int(last) + 1)]


def _param(row_name: str, name: str, value: object) -> int | str:
    if name in ("keys", "key"):
        if not isinstance(value, str) or not _KEYS.match(value):
            raise PhoneTableError(f"{row_name}: {name} must be 1-20 of 0-9 * #")
        return value
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise PhoneTableError(f"{row_name}: {name} {value!r} is not one of the sounds/choices")
        return str(value)
    if name == "beep":
        if not isinstance(value, str) or (value != "none" and not BEEP_NAME.match(value)):
            raise PhoneTableError(f"{row_name}: beep must be none or beep[-double]-<Hz>-<ms>")
        return value
    if name == "delay":
        if not isinstance(value, str) or not _DELAY.match(value):
            raise PhoneTableError(f"{row_name}: delay must be seconds like 2.5")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600:
        raise PhoneTableError(f"{row_name}: {name} must be a whole number 0..600")
    return value


def parse_phones(document: object) -> list[Phone]:
    """Check a decoded table and return its phones, one per number."""
    if not isinstance(document, dict) or not isinstance(document.get("phones"), list):
        raise PhoneTableError("the table must be an object with a 'phones' list")
    phones: list[Phone] = []
    seen: set[str] = set()
    for index, row in enumerate(document["phones"], start=1):
        row_name = f"row {index}"
        if not isinstance(row, dict):
            raise PhoneTableError(f"{row_name}: must be an object")
        behaviour = row.get("behaviour")
        if behaviour not in BEHAVIOURS:
            raise PhoneTableError(f"{row_name}: unknown behaviour {behaviour!r}")
        params = dict(BEHAVIOURS[behaviour])
        for name, value in row.items():
            if name in {"numbers", "behaviour", "note"}:
                continue
            if name not in params:
                raise PhoneTableError(f"{row_name}: {behaviour} takes no {name!r}")
            params[name] = _param(row_name, name, value)
        for number in _numbers(row_name, row.get("numbers")):
            if number in seen:
                raise PhoneTableError(f"{row_name}: {number} is already in the table")
            seen.add(number)
            phones.append(Phone(number, behaviour, params))
    return phones


def load_phones(path: Path = PHONES_FILE) -> list[Phone]:
    """Read and check the behaviour table."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise PhoneTableError(f"{path}: {error}") from error
    return parse_phones(document)


def numbers_for(phones: list[Phone], behaviour: str) -> list[str]:
    """The numbers that behave as ``behaviour``."""
    if behaviour not in BEHAVIOURS:
        raise PhoneTableError(f"unknown behaviour {behaviour!r}")
    return [phone.number for phone in phones if phone.behaviour == behaviour]


def dialplan(phones: list[Phone]) -> str:
    """The ``[phones]`` extensions for the network's extensions.conf."""
    lines = []
    for phone in phones:
        lines.append(
            f"exten => {phone.number},1,Gosub(phone-start,s,1(${{EXTEN}},{phone.behaviour}))"
        )
        for name, value in sorted(phone.params.items()):
            lines.append(f" same => n,Set({_VARIABLES[name]}={value})")
        context = CONTEXTS.get(phone.behaviour, phone.behaviour)
        lines.append(f" same => n,Goto(behaviour-{context},s,1)")
    return "\n".join(lines) + "\n"
