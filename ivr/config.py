"""One frozen Settings object, built once from the environment (and an optional file).

Every setting is an ``IVR_*`` environment variable. Values are validated at start:
a bad value stops the program with one message naming the variable. The full
reference lives in ``docs/configuration.md``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from ivr.shipped import SOUNDS_DIR

_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
"""A plain ASCII email address, as settings give them."""


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _text(name: str, raw: str) -> str:
    if "\r" in raw or "\n" in raw or "${" in raw:
        raise SettingsError(f"{name}: line breaks and '${{' are not allowed")
    return raw


def _integer(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name}: {raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}: {value} is outside {low}..{high}")
        return value

    return parse


def _number(low: float, high: float) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name}: {raw!r} is not a number") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}: {value} is outside {low}..{high}")
        return value

    return parse


def _port(name: str, raw: str) -> int:
    return _integer(1, 65535)(name, raw)


def _boolean(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}: {raw!r} is not true/false")


def _path(name: str, raw: str) -> Path:
    return Path(_text(name, raw)).expanduser()


def _nanp_number(name: str, raw: str) -> str:
    """Return a North American number as 10 digits (e.g. 4189620327)."""
    try:
        parsed = phonenumbers.parse(raw, "CA")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or parsed.country_code != 1 or not phonenumbers.is_valid_number(parsed):
        raise SettingsError(f"{name}: {raw!r} is not a valid North American number")
    return str(parsed.national_number)


def _caller_id_name(name: str, raw: str) -> str:
    value = _text(name, raw).strip()
    if not value or len(value) > 40 or any(c in value for c in '"<>;\\'):
        raise SettingsError(f'{name}: {raw!r} must be 1-40 characters without " < > ; \\')
    return value


def _smtp_tls(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"starttls", "tls", "none"}:
        raise SettingsError(f"{name}: {raw!r} must be one of starttls, tls, none")
    return value


def _smpp_field(longest: int, *, empty: bool = False) -> Callable[[str, str], str]:
    """An SMPP 3.4 C-octet string field: printable ASCII, at most ``longest`` characters
    (the protocol's limits; a longer value would be cut short on the wire)."""

    def parse(name: str, raw: str) -> str:
        if not empty and not raw:
            raise SettingsError(f"{name}: must not be empty")
        if len(raw) > longest or not all(" " < c <= "~" for c in raw):
            raise SettingsError(f"{name}: at most {longest} printable ASCII characters")
        return raw

    return parse


def _log_format(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise SettingsError(f"{name}: {raw!r} must be text or json")
    return value


def _two_person_rule(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"strict", "unless-alone", "off"}:
        raise SettingsError(f"{name}: {raw!r} must be one of strict, unless-alone, off")
    return value


def _sms_sender(name: str, raw: str) -> str:
    """A North American number (as 10 digits) or an alphanumeric sender (1-11)."""
    value = raw.strip()
    if any(c.isalpha() for c in value):
        if not (1 <= len(value) <= 11 and value.isascii() and value.isalnum()):
            raise SettingsError(f"{name}: {raw!r} must be 1-11 letters and digits, or a number")
        return value
    return _nanp_number(name, value)


def _optional_path(name: str, raw: str) -> Path | None:
    return _path(name, raw) if raw.strip() else None


def _mailbox(name: str, raw: str) -> str:
    """``Name <address>`` or a bare address, with a plausible address."""
    value = _text(name, raw).strip()
    _, address = email.utils.parseaddr(value)
    if not _ADDRESS.fullmatch(address):
        raise SettingsError(f"{name}: {raw!r} has no valid email address")
    return value


def _optional_address(name: str, raw: str) -> str:
    value = _text(name, raw).strip()
    if value and not _ADDRESS.fullmatch(value):
        raise SettingsError(f"{name}: {raw!r} is not an email address")
    return value


def _public_url(name: str, raw: str) -> str:
    value = _text(name, raw).strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s?#]*)?", value):
        raise SettingsError(f"{name}: {raw!r} must be an http(s) address without query")
    return value


def _tiles_url(name: str, raw: str) -> str:
    """A map tile server's URL template, https only (the pages' policy allows its origin
    for images)."""
    value = _text(name, raw).strip()
    pattern = r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9/._{}@-]*\{z\}[A-Za-z0-9/._{}@-]*"
    if value and not (re.fullmatch(pattern, value) and "{x}" in value and "{y}" in value):
        raise SettingsError(
            f"{name}: {raw!r} must be an https URL template with {{z}}, {{x}}, {{y}}"
        )
    return value


def _retention_days(name: str, raw: str) -> int:
    """0 (keep forever), or at least 30 days: a typo must not erase last week's report."""
    days = _integer(0, 36500)(name, raw)
    if 0 < days < 30:
        raise SettingsError(f"{name}: {days} is too short: 0 (keep forever) or 30 and more")
    return days


def _database_url(name: str, raw: str) -> str:
    value = _text(name, raw).strip()
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{name}: must start with postgresql:// (or be empty for embedded)")
    return value


def _pattern(name: str, raw: str) -> str:
    """A regular expression (Python syntax), checked by compiling it."""
    value = _text(name, raw).strip()
    try:
        re.compile(value)
    except re.error as error:
        raise SettingsError(f"{name}: not a valid regular expression ({error})") from None
    return value


def _secret(name: str, raw: str) -> str:
    if raw and len(raw) < 16:
        raise SettingsError(f"{name}: must be at least 16 characters")
    return raw


CHANNEL_NAMES = ("voice", "sms", "email")


def _channels(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated subset of voice, sms, email, in the order given."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))
    unknown = [n for n in names if n not in CHANNEL_NAMES]
    if unknown or not names:
        raise SettingsError(
            f"{name}: {raw!r} must list one or more of {', '.join(CHANNEL_NAMES)}, comma-separated"
        )
    return names


def _addresses(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses."""
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    for value in values:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise SettingsError(f"{name}: {value!r} is not an IP address") from None
    if not values:
        raise SettingsError(f"{name}: give at least one IP address")
    return values


def _networks(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses and networks (CIDR), possibly empty."""
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    for value in values:
        try:
            ipaddress.ip_network(value)
        except ValueError:
            raise SettingsError(
                f"{name}: {value!r} is not an IP address or network (like 10.0.0.0/8)"
            ) from None
    return values


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")


def office_hours(text: str) -> tuple[time, time]:
    """``08:30-16:30`` as (opens, closes); raises ValueError unless it opens first."""
    match = _HOURS.match(text)
    if match is None:
        raise ValueError(text)
    opens = time(int(match[1]), int(match[2]))
    closes = time(int(match[3]), int(match[4]))
    if not opens < closes:
        raise ValueError(text)
    return opens, closes


def _optional_nanp_number(name: str, raw: str) -> str:
    return _nanp_number(name, raw) if raw.strip() else ""


def _office_hours(name: str, raw: str) -> str:
    value = raw.strip()
    try:
        office_hours(value)
    except ValueError:
        raise SettingsError(f"{name}: {raw!r} is not hours like 08:30-16:30") from None
    return value


def _weekdays(name: str, raw: str) -> tuple[str, ...]:
    days = tuple(day.strip().lower() for day in raw.split(",") if day.strip())
    if not days or not set(days) <= set(WEEKDAYS):
        raise SettingsError(f"{name}: {raw!r} is not a list of days like mon,tue,wed")
    return days


def _time_zone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ValueError, ZoneInfoNotFoundError):
        raise SettingsError(f"{name}: {raw!r} is not a time zone like America/Toronto") from None
    return raw.strip()


def _setting(
    default: Any, parse: Callable[[str, str], Any], doc: str, *, secret: bool = False
) -> Any:
    return field(default=default, metadata={"parse": parse, "doc": doc, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one running Information ITUM."""

    channels: tuple[str, ...] = _setting(
        ("voice",), _channels, "Channels this process sends on: voice, sms, email (comma list)"
    )
    data_dir: Path = _setting(Path("var"), _path, "Where state lives (embedded database, audio)")
    database_url: str = _setting(
        "", _database_url, "PostgreSQL URL; empty starts an embedded PostgreSQL in data_dir"
    )
    database_connect_attempts: int = _setting(
        8, _integer(1, 100), "Attempts to reach the database at start, with backoff"
    )
    retention_days: int = _setting(
        365,
        _retention_days,
        "Days after an alert ends before what identifies its recipients is pseudonymized "
        "(0: kept forever)",
    )
    web_host: str = _setting("127.0.0.1", _text, "Address of the admin and portal web server")
    web_port: int = _setting(8080, _port, "Port of the web server")
    secret_key: str = _setting(
        "",
        _secret,
        "Key for session and CSRF tokens (>= 16 chars); empty: random per start",
        secret=True,
    )
    web_https: bool = _setting(
        False, _boolean, "Served over https (e.g. behind a TLS proxy): Secure cookies, HSTS"
    )
    trusted_proxies: tuple[str, ...] = _setting(
        (),
        _networks,
        "Reverse proxies (addresses or networks, comma list) whose X-Forwarded-For names "
        "the client; empty: the connection's address is the client's",
    )
    metrics_allow: tuple[str, ...] = _setting(
        ("127.0.0.1", "::1"),
        _networks,
        "Who may read /metrics (addresses or networks, comma list; the client as "
        "IVR_TRUSTED_PROXIES finds it); anyone else gets 404",
    )
    two_person_rule: str = _setting(
        "unless-alone",
        _two_person_rule,
        "Who approves an alert: strict (never its drafter), unless-alone (its drafter only "
        "when no other approver exists), off",
    )
    totp_required_for_approvers: bool = _setting(
        False,
        _boolean,
        "Approvers and administrators must sign in with a one-time code (TOTP) too",
    )
    first_admin_email: str = _setting(
        "admin@itum.example", _text, "Login of the admin created on first start"
    )
    ami_host: str = _setting("127.0.0.1", _text, "Asterisk Manager Interface host")
    ami_port: int = _setting(5038, _port, "Asterisk Manager Interface port")
    ami_user: str = _setting("ivr", _text, "AMI user (least privilege)")
    ami_secret: str = _setting("", _secret, "AMI secret (>= 16 chars)", secret=True)
    fastagi_host: str = _setting("127.0.0.1", _text, "FastAGI server bind address")
    fastagi_port: int = _setting(4573, _port, "FastAGI server port")
    audiosocket_port: int = _setting(
        4574, _port, "Port of the calls' audio (AudioSocket), on the FastAGI host"
    )
    fastagi_clients: tuple[str, ...] = _setting(
        ("127.0.0.1", "::1"),
        _addresses,
        "Addresses Asterisk connects to FastAGI from (comma list); others are refused",
    )
    asterisk_root: Path = _setting(
        Path("/"), _path, "Root of the Asterisk installation (a chroot, or / on the host)"
    )
    asterisk_managed: bool = _setting(
        True, _boolean, "Start and stop Asterisk from asterisk_root (false: use a running one)"
    )
    asterisk_instance: str = _setting(
        "pbx", _text, "Name of the product's Asterisk instance (its files and sockets)"
    )
    demo_phone_network: bool = _setting(
        False, _boolean, "Also run the simulated phone network as the carrier (demo only)"
    )
    sounds_dir: Path = _setting(
        SOUNDS_DIR, _path, "The prompts and recordings (default: those the package ships)"
    )
    sip_trunk_host: str = _setting("127.0.0.1", _text, "Carrier SIP trunk host")
    sip_trunk_port: int = _setting(5070, _port, "Carrier SIP trunk port")
    sip_trunk_user: str = _setting("", _text, "Carrier SIP trunk user (empty: no auth)")
    sip_trunk_password: str = _setting("", _text, "Carrier SIP trunk password", secret=True)
    sip_bind_port: int = _setting(5060, _port, "Port the product's Asterisk listens on for SIP")
    sip_bind_host: str = _setting(
        "127.0.0.1", _text, "Address the product's Asterisk listens on for SIP (0.0.0.0: all)"
    )
    staff_line_number: str = _setting(
        "4189620399", _nanp_number, "Number staff call to record a message (inbound DID)"
    )
    caller_id_name: str = _setting("Information ITUM", _caller_id_name, "Caller ID name shown")
    caller_id_number: str = _setting("4189620327", _nanp_number, "Caller ID number shown")
    office_phone: str = _setting(
        "4189620327", _nanp_number, "The offices' number, given in SMS help replies"
    )
    reception_number: str = _setting(
        "",
        _optional_nanp_number,
        "The offices' reception desk, reached from the information line through the "
        "carrier (empty: no transfer)",
    )
    office_hours: str = _setting(
        "08:30-16:30", _office_hours, "When the reception desk answers (local time)"
    )
    office_days: tuple[str, ...] = _setting(
        ("mon", "tue", "wed", "thu", "fri"), _weekdays, "Days the reception desk answers"
    )
    time_zone: str = _setting("America/Toronto", _time_zone, "Local time of the offices")
    information_window_hours: int = _setting(
        24, _integer(1, 168), "The information line plays a caller's alerts of this many hours"
    )
    staff_pin_lock_minutes: int = _setting(
        15, _integer(1, 1440), "How long three wrong PINs lock a staff number on the staff line"
    )
    retry_count: int = _setting(2, _integer(0, 10), "Call-backs after busy or no answer")
    retry_delay_seconds: float = _setting(
        300.0, _number(0.0, 86400.0), "Delay before each call-back"
    )
    max_concurrent_calls: int = _setting(20, _integer(1, 1000), "Trunk channels in use at most")
    calls_per_second: float = _setting(5.0, _number(0.1, 1000.0), "Call attempts per second")
    ring_timeout_seconds: int = _setting(30, _integer(5, 120), "How long a call may ring")
    smpp_host: str = _setting("127.0.0.1", _text, "SMPP gateway (SMSC) host")
    smpp_port: int = _setting(2775, _port, "SMPP gateway port")
    smpp_tls: bool = _setting(False, _boolean, "Connect to the SMPP gateway over TLS")
    smpp_system_id: str = _setting("ivr", _smpp_field(15), "SMPP system_id (1-15 characters)")
    smpp_password: str = _setting(
        "", _smpp_field(8, empty=True), "SMPP password (at most 8 characters)", secret=True
    )
    smpp_system_type: str = _setting(
        "", _smpp_field(12, empty=True), "SMPP system_type (empty unless the operator asks)"
    )
    smpp_source_addr: str = _setting(
        "4189620327", _sms_sender, "SMS sender: a North American number, or 1-11 letters/digits"
    )
    smpp_window: int = _setting(
        10, _integer(1, 1000), "SMS parts sent and not yet answered by the gateway, at most"
    )
    sms_per_second: float = _setting(
        10.0, _number(0.1, 10000.0), "SMS parts submitted per second, at most"
    )
    smtp_host: str = _setting("127.0.0.1", _text, "SMTP relay host")
    smtp_port: int = _setting(587, _port, "SMTP relay port")
    smtp_user: str = _setting("", _text, "SMTP user (empty: no auth)")
    smtp_password: str = _setting("", _text, "SMTP password", secret=True)
    smtp_tls: str = _setting("starttls", _smtp_tls, "starttls, tls or none")
    smtp_ca_file: Path | None = _setting(
        None, _optional_path, "A private CA to trust for the relay (empty: the system's)"
    )
    smtp_from: str = _setting(
        "Information ITUM <alertes@itum.invalid>", _mailbox, "From address of alert emails"
    )
    smtp_connections: int = _setting(4, _integer(1, 50), "SMTP connections kept open at most")
    emails_per_second: float = _setting(
        20.0, _number(0.1, 10000.0), "Alert emails sent per second, at most"
    )
    bounce_address: str = _setting(
        "",
        _optional_address,
        "Where bounces go, one address per attempt (VERP) from it; empty: bounces@ the From domain",
    )
    dkim_selector: str = _setting("", _text, "DKIM selector (empty: emails are not signed)")
    dkim_key_file: Path | None = _setting(
        None, _optional_path, "DKIM private key, PEM (kept readable by this service only)"
    )
    dkim_domain: str = _setting("", _text, "DKIM signing domain (empty: the From domain)")
    public_url: str = _setting(
        "",
        _public_url,
        "Public address of the web pages, for links in emails "
        "(empty: from IVR_WEB_HOST and IVR_WEB_PORT)",
    )
    map_tiles_url: str = _setting(
        "", _tiles_url, "Map tiles under the sectors, https URL template (empty: plain background)"
    )
    map_tiles_attribution: str = _setting("", _text, "What the tile provider asks to show")
    directory_business_pattern: str = _setting(
        r"\b(inc|lt[ée]e|ltd|enr|cie|corp|clinique|d[ée]panneur|garage|restaurant|pharmacie|"
        r"boutique|salon|[ée]picerie|quincaillerie)\b",
        _pattern,
        "Directory import: a listed name matching this pattern (any case) is a business",
    )
    log_level: str = _setting("INFO", _text, "DEBUG, INFO, WARNING or ERROR")
    log_format: str = _setting(
        "text", _log_format, "text (key=value after the message) or json (one object a line)"
    )

    def office_open(self, now: datetime) -> bool:
        """Whether the reception desk answers at ``now`` (an aware time), local time."""
        local = now.astimezone(ZoneInfo(self.time_zone))
        opens, closes = office_hours(self.office_hours)
        day = WEEKDAYS[local.weekday()]
        return day in self.office_days and opens <= local.time().replace(tzinfo=None) < closes

    @property
    def embedded_database_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def site_url(self) -> str:
        """Where residents reach the web pages (links in emails)."""
        if self.public_url:
            return self.public_url
        scheme = "https" if self.web_https else "http"
        return f"{scheme}://{self.web_host}:{self.web_port}"


PREFIX = "IVR_"


def setting_docs() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting, for the docs."""
    return [
        (PREFIX + f.name.upper(), setting_text(f.default), f.metadata["doc"])
        for f in fields(Settings)
    ]


def setting_text(value: object) -> str:
    """A value as it would be written in the environment."""
    if value is None:
        return ""
    return ",".join(value) if isinstance(value, tuple) else str(value)


def secret_settings() -> frozenset[str]:
    """Names of the settings that hold secrets (never printed or logged)."""
    return frozenset(f.name for f in fields(Settings) if f.metadata["secret"])


def read_env_file(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        if not sep:
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from ``environ`` (default: os.environ).

    ``IVR_SETTINGS_FILE`` may name a KEY=VALUE file; the environment wins over it.
    ``overrides`` (already typed values) win over both; tests use them.
    """
    env = dict(os.environ if environ is None else environ)
    file_name = env.get(PREFIX + "SETTINGS_FILE")
    if file_name:
        path = Path(file_name)
        if not path.is_file():
            raise SettingsError(f"IVR_SETTINGS_FILE: {file_name!r} does not exist")
        env = {**read_env_file(path), **env}
    known = {PREFIX + f.name.upper() for f in fields(Settings)} | {PREFIX + "SETTINGS_FILE"}
    unknown = sorted(k for k in env if k.startswith(PREFIX) and k not in known)
    if unknown:
        raise SettingsError(f"{unknown[0]}: unknown setting (see docs/configuration.md)")
    values: dict[str, Any] = {}
    for f in fields(Settings):
        variable = PREFIX + f.name.upper()
        if f.name in overrides:
            values[f.name] = overrides.pop(f.name)
        elif variable in env:
            values[f.name] = f.metadata["parse"](variable, env[variable])
    if overrides:
        raise TypeError(f"unknown settings override: {sorted(overrides)}")
    settings = Settings(**values)
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"IVR_LOG_LEVEL: {settings.log_level!r} is not a log level")
    return settings
