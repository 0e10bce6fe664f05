"""The AGI wire format, without any I/O: environment lines, commands, replies.

Asterisk (res_agi) opens a FastAGI connection with ``agi_name: value`` lines ended by
a blank line, then answers each command line with one reply:

- ``200 result=X``, optionally ``(data)`` and ``endpos=N``: ``200 result=1 (value)``,
  ``200 result= (timeout)``, ``200 result=0 endpos=8000``;
- ``510 Invalid or unknown command``;
- ``511 Command Not Permitted on a dead channel or intercept routine``;
- ``520 Invalid command syntax.  Proper usage not available.`` or the multi-line
  ``520-Invalid command syntax.  Proper usage follows:`` ... ``520 End of proper usage.``.

A ``HANGUP`` line may come at any moment: it is a notice, not a reply.
Commands are tokenised by Asterisk's ``parse_args``: words split on spaces and tabs,
double quotes group, a backslash escapes the next character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

HANGUP_NOTICE = "HANGUP"
USAGE_END = "520 End of proper usage."
MAX_COMMAND_BYTES = 2048
"""Longest command line we send, newline included (older Asterisk reads 2048 bytes)."""
MAX_QUERY_FIELDS = 32

_ENV_LINE = re.compile(r"(agi_[A-Za-z0-9_]+):(?: (.*))?")
_ARG_KEY = re.compile(r"agi_arg_([1-9][0-9]{0,3})")
_STATUS_LINE = re.compile(r"([0-9]{3})([ -])(.*)")
_RESULT = re.compile(r"result=(\S*)(?: \((.*)\))?(?: endpos=(-?[0-9]{1,18}))?")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]+")
_READABLE_NAME = re.compile(r"[A-Za-z0-9_]+(?:\([A-Za-z0-9_.,-]*\))?")
_APPLICATION = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SOUND_NAME = re.compile(r"/?[A-Za-z0-9_][A-Za-z0-9_./-]*")
_DIGITS = re.compile(r"[0-9*#A-D]*")
_FORMAT = re.compile(r"[a-z0-9]+")


class AgiError(Exception):
    """Base of every FastAGI error."""


class AgiProtocolError(AgiError):
    """The peer sent something that is not AGI (malformed, oversized, too many lines)."""


class AgiArgumentError(AgiError, ValueError):
    """A command argument was refused before anything was sent."""


@dataclass(frozen=True)
class AgiRequest:
    """What Asterisk sent before the first command.

    ``env`` keeps Asterisk's names (``agi_channel``, ``agi_uniqueid``, ...);
    ``args`` are ``agi_arg_1`` .. ``agi_arg_N`` in order; ``route`` is the path of
    ``agi://host:port/route?query`` and ``query`` its parsed query string.
    """

    env: Mapping[str, str]
    args: tuple[str, ...]
    route: str
    query: Mapping[str, str]

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "")


def parse_env_line(line: str) -> tuple[str, str]:
    """``agi_name: value`` -> (``agi_name``, ``value``)."""
    match = _ENV_LINE.fullmatch(line)
    if match is None:
        raise AgiProtocolError(f"not an AGI environment line: {printable(line)}")
    return match.group(1), match.group(2) or ""


def build_request(pairs: Sequence[tuple[str, str]]) -> AgiRequest:
    """Check the environment lines as a whole and split out route, query and args."""
    env: dict[str, str] = {}
    for key, value in pairs:
        if key in env:
            raise AgiProtocolError(f"duplicate environment line {key}")
        env[key] = value
    numbered: dict[int, str] = {}
    for key, value in env.items():
        match = _ARG_KEY.fullmatch(key)
        if match is not None:
            numbered[int(match.group(1))] = value
    if sorted(numbered) != list(range(1, len(numbered) + 1)):
        raise AgiProtocolError("agi_arg_N lines are not numbered 1..N")
    route, query = split_script(env.get("agi_network_script", ""))
    return AgiRequest(
        env=env, args=tuple(numbered[n] for n in sorted(numbered)), route=route, query=query
    )


def split_script(script: str) -> tuple[str, dict[str, str]]:
    """``alert/call?attempt=12`` -> (``alert/call``, ``{"attempt": "12"}``)."""
    path, _, query_string = script.partition("?")
    try:
        fields = parse_qsl(query_string, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise AgiProtocolError("too many query fields in agi_network_script") from None
    return path.strip("/"), dict(fields)


@dataclass(frozen=True)
class AgiResult:
    """A ``200`` reply: ``result``, the text in parentheses, the ``endpos`` sample offset."""

    result: str
    data: str | None = None
    endpos: int | None = None

    @property
    def timed_out(self) -> bool:
        """The ``(timeout)`` marker (GET DATA, RECORD FILE)."""
        return self.data == "timeout"

    def number(self) -> int:
        """``result`` as an integer; a protocol error if it is not one."""
        try:
            return int(self.result)
        except ValueError:
            raise AgiProtocolError(f"result is not a number: {printable(self.result)}") from None

    def to_line(self) -> str:
        """The reply line as Asterisk formats it (used by tests and transcripts)."""
        line = f"200 result={self.result}"
        if self.data is not None:
            line += f" ({self.data})"
        if self.endpos is not None:
            line += f" endpos={self.endpos}"
        return line


@dataclass(frozen=True)
class AgiReply:
    """One complete reply: its code, the parsed result (code 200) or the message."""

    code: int
    message: str
    result: AgiResult | None = None
    usage: str = ""


def parse_result(text: str) -> AgiResult:
    """The part of a ``200`` line after ``200 ``."""
    match = _RESULT.fullmatch(text)
    if match is None:
        raise AgiProtocolError(f"malformed 200 reply: {printable(text)}")
    endpos = match.group(3)
    return AgiResult(match.group(1), match.group(2), None if endpos is None else int(endpos))


class ReplyAssembler:
    """Collects reply lines until one reply is complete (``HANGUP`` notices excluded).

    ``feed`` returns None while more lines are needed (inside a ``520-`` block).
    """

    def __init__(self, max_usage_lines: int = 200) -> None:
        self._max_usage_lines = max_usage_lines
        self._usage: list[str] | None = None

    def feed(self, line: str) -> AgiReply | None:
        if self._usage is not None:
            if line == USAGE_END:
                usage, self._usage = "\n".join(self._usage), None
                return AgiReply(520, "Invalid command syntax", usage=usage)
            if len(self._usage) >= self._max_usage_lines:
                raise AgiProtocolError("520 usage text is too long")
            self._usage.append(line)
            return None
        match = _STATUS_LINE.fullmatch(line)
        if match is None:
            raise AgiProtocolError(f"not an AGI reply: {printable(line)}")
        code, separator, rest = int(match.group(1)), match.group(2), match.group(3)
        if separator == "-":
            if code != 520:
                raise AgiProtocolError(f"unexpected continuation line: {printable(line)}")
            self._usage = []
            return None
        if code == 200:
            return AgiReply(200, rest, result=parse_result(rest))
        if code in (510, 511, 520):
            return AgiReply(code, rest)
        raise AgiProtocolError(f"unknown reply code: {printable(line)}")


def quote(argument: str) -> str:
    """One command argument, double-quoted so spaces, quotes and backslashes survive."""
    if any(c in argument for c in "\r\n\0"):
        raise AgiArgumentError("line breaks and NUL are not allowed in AGI arguments")
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(words: str, *arguments: str | int) -> bytes:
    """``STREAM FILE`` + arguments -> the encoded command line, length-checked."""
    parts = [words] + [str(a) if isinstance(a, int) else quote(a) for a in arguments]
    try:
        line = (" ".join(parts) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        raise AgiArgumentError("AGI arguments must be valid Unicode text") from None
    if len(line) > MAX_COMMAND_BYTES:
        raise AgiArgumentError(f"AGI command longer than {MAX_COMMAND_BYTES} bytes")
    return line


def check_text(value: str, what: str) -> str:
    """Free text sent to Asterisk: no line breaks, NUL, or ``${`` / ``$[`` expressions."""
    if any(c in value for c in "\r\n\0") or "${" in value or "$[" in value:
        raise AgiArgumentError(f"{what}: line breaks, NUL, '${{' and '$[' are not allowed")
    return value


def check_variable_name(name: str) -> str:
    if not _VARIABLE_NAME.fullmatch(name):
        raise AgiArgumentError(f"variable name must match [A-Za-z0-9_]+: {printable(name)}")
    return name


def check_readable_name(name: str) -> str:
    """A variable, or a dialplan function call with plain arguments (``CHANNEL(state)``)."""
    if not _READABLE_NAME.fullmatch(name):
        raise AgiArgumentError(f"not a variable or function name: {printable(name)}")
    return name


def check_application(name: str) -> str:
    if not _APPLICATION.fullmatch(name):
        raise AgiArgumentError(f"not a dialplan application name: {printable(name)}")
    return name


def check_application_argument(value: str) -> str:
    check_text(value, "application argument")
    if "," in value:
        raise AgiArgumentError("an application argument may not contain ','")
    return value


def check_sound_name(name: str) -> str:
    """A sound file name without extension: letters, digits, ``_ . / -``, no ``..``."""
    if not _SOUND_NAME.fullmatch(name) or ".." in name.split("/"):
        raise AgiArgumentError(f"not a safe sound file name: {printable(name)}")
    return name


def check_digits(digits: str) -> str:
    if not _DIGITS.fullmatch(digits):
        raise AgiArgumentError(f"escape digits must be among 0-9 * # A-D: {printable(digits)}")
    return digits


def check_format(name: str) -> str:
    if not _FORMAT.fullmatch(name):
        raise AgiArgumentError(f"not a sound format name: {printable(name)}")
    return name


def milliseconds(seconds: float, what: str) -> int:
    """A positive, bounded duration in whole milliseconds (AGI's unit)."""
    if not 0 < seconds <= 24 * 3600:
        raise AgiArgumentError(f"{what} must be between 0 and 86400 seconds, got {seconds}")
    return max(1, round(seconds * 1000))


def digit_from_code(code: int) -> str | None:
    """AGI reports a key as its character code; 0 means no key."""
    if code == 0:
        return None
    character = chr(code) if 0 < code < 0x110000 else ""
    if len(character) != 1 or not _DIGITS.fullmatch(character):
        raise AgiProtocolError(f"result is not a key code: {code}")
    return character


def printable(text: str, limit: int = 120) -> str:
    """Peer-supplied text made safe for one log line or error message."""
    shown = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")
