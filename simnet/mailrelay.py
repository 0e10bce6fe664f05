"""The simulated mail relay: the SMTP server email alerts are handed to in tests, the
benchmark and the demo.

Alert emails leave the product by SMTP submission to a relay (the organisation's or a
provider's), which takes each message, refuses some recipients at once and bounces
others later. Here that relay is aiosmtpd's SMTP server, an implementation independent of
the product's client (aiosmtplib). It runs in the caller's event loop, not in
aiosmtpd's threaded Controller, so a test, the product and the relay share one loop,
nothing needs locking, and a message is stored by the time the client holds its 250.

The relay speaks STARTTLS or implicit TLS with a certificate of a private CA made by
trustme (clients verify it against ``ca_file``), requires AUTH PLAIN or LOGIN when it
has credentials, answers each recipient according to the first word of its local part
(``refuse``, ``greylist``, ``full``, ``bounce``, ``delay``), writes the bounces real
servers send (simnet/bounces.py) into a Maildir, and cuts a connection on demand,
before or after a message's content arrived. See docs/pbx.md.

Run alone (the demo does): ``python -m simnet.mailrelay --port P --workdir DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import re
import secrets
import signal
import socket
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from simnet import bounces

TlsMode = Literal["starttls", "implicit", "none"]
DropStage = Literal["rcpt", "data"]

HOST = "127.0.0.1"
HOSTNAME = bounces.RELAY_HOST
"""The name the relay greets with and reports bounces as."""
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
BEHAVIOURS = frozenset({"refuse", "greylist", "full", "bounce", "delay"})
"""First words of a local part that change how the relay treats the recipient; any other
address is accepted and delivered."""
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca.key"
SERVER_FILE = "server.pem"
"""In a certificate directory: the server's private key and certificate chain."""

REFUSED = "550 5.1.1 <{}>: Recipient address rejected: User unknown"
GREYLISTED = "451 4.7.1 Greylisted, try again later"
MAILBOX_FULL = "452 4.2.2 Mailbox full"
AUTH_REQUIRED = "530 5.7.0 Authentication required"

_WORDS = re.compile(r"([a-z]+)(?:-([a-z]+))?")
_SMTP_LOGGER = "mail.log"
_DELIVERIES = itertools.count(1)
"""Maildir deliveries by this process: the Q part of a file's name, unique with the pid."""


def _drop_login_data_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Session.login_data is deprecated")


def _quieten_aiosmtpd() -> None:
    """aiosmtpd logs every command at INFO (a product logging at INFO would drown), and
    warns at each successful AUTH that a field it sets itself is deprecated."""
    smtp_log = logging.getLogger(_SMTP_LOGGER)
    if smtp_log.level == logging.NOTSET:
        smtp_log.setLevel(logging.WARNING)
    if _drop_login_data_warning not in smtp_log.filters:
        smtp_log.addFilter(_drop_login_data_warning)


def recipient_behaviour(address: str) -> tuple[str, str | None]:
    """What the relay does with a recipient, from its local part's first word, and for a
    bounce the style its second word asks for: ``refuse-3@x`` gives ("refuse", None),
    ``bounce-gmail+7@x`` ("bounce", "gmail"), ``alice@x`` ("accept", None)."""
    local = address.rpartition("@")[0] or address
    match = _WORDS.match(local.lower())
    if match is None or match.group(1) not in BEHAVIOURS:
        return "accept", None
    style = match.group(2)
    return match.group(1), style if style in bounces.STYLES else None


@dataclass(frozen=True)
class Received:
    """A message the relay accepted (answered 250 after its content)."""

    mail_from: str
    """The envelope sender (MAIL FROM), where bounces go; "" for the null sender."""
    recipients: tuple[str, ...]
    """The accepted RCPT TO addresses (refused ones are not here)."""
    raw: bytes
    """The content as received, CRLF-ended, dot-stuffing undone."""
    tls: bool
    user: str | None
    """The authenticated user, or None."""
    queue_id: str
    """The id in the 250 answer (``250 2.0.0 Ok: queued as <id>``)."""
    mail_options: tuple[str, ...] = ()
    """MAIL FROM parameters, upper-cased (``BODY=8BITMIME``, ``SMTPUTF8``...)."""

    @cached_property
    def message(self) -> EmailMessage:
        """The content parsed (``email.policy.default``) on first use, its CRLFs read as
        line feeds, so a text part's content reads as the sender wrote it."""
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw.replace(b"\r\n", b"\n"))
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Drop:
    remaining: int
    at: DropStage


@dataclass
class _State:
    messages: list[Received] = field(default_factory=list)
    rcpt_answers: Counter[int] = field(default_factory=Counter)
    greylisted: set[str] = field(default_factory=set)
    bounces: list[Path] = field(default_factory=list)
    dropped: int = 0
    drop: _Drop | None = None


class _Connection(SMTP):
    """aiosmtpd's session, known to the relay while open so ``stop`` can end it."""

    def __init__(self, relay: SimulatedMailRelay, **kwargs: Any) -> None:
        super().__init__(_Handler(relay), **kwargs)
        self._relay = relay

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._relay._connections.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self._relay._connections.discard(self)
        super().connection_lost(error)


class _Handler:
    """aiosmtpd's hooks, each handing over to the relay."""

    def __init__(self, relay: SimulatedMailRelay) -> None:
        self.relay = relay

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # aiosmtpd's own auth_required cannot serve implicit TLS (it only counts
        # STARTTLS as encryption), so the check is here, for every mode.
        if self.relay.username is not None and not session.authenticated:
            return AUTH_REQUIRED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        return await self.relay._rcpt(server, envelope, address, rcpt_options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self.relay._data(server, session, envelope)


class SimulatedMailRelay:
    """An SMTP relay in this event loop: TLS, AUTH, per-recipient behaviours, bounces
    into a Maildir, and faults on demand. Start it with ``async with`` or ``start()``."""

    def __init__(
        self,
        *,
        workdir: Path,
        port: int = 0,
        tls: TlsMode = "starttls",
        username: str | None = None,
        password: str | None = None,
        certificate_dir: Path | None = None,
        host: str = HOST,
        hostname: str = HOSTNAME,
    ) -> None:
        if tls not in ("starttls", "implicit", "none"):
            raise ValueError("tls must be 'starttls', 'implicit' or 'none'")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if username is not None and tls == "none":
            raise ValueError("AUTH needs TLS: with tls='none' nobody could log in")
        self.workdir = workdir
        self.host = host
        self.port = port
        """The listening port; with 0, the one the system chose, known once started."""
        self.tls: TlsMode = tls
        self.username = username
        self.password = password
        self.hostname = hostname
        self.certificate_dir = certificate_dir
        self.ca_file = (certificate_dir or workdir) / CA_FILE
        """The CA a client verifies the relay's certificate with (for ``localhost`` and
        ``127.0.0.1``); written by ``start``."""
        self.bounce_dir = workdir / "bounces"
        """The Maildir bounces are delivered to (``new/``)."""
        self._state = _State()
        self._styles = itertools.cycle(bounces.STYLES)
        self._delay = 0.0
        self._server: asyncio.Server | None = None
        self._tls_context: ssl.SSLContext | None = None
        self._connections: set[_Connection] = set()
        self._queue_ids = itertools.count(secrets.randbelow(0xFFFFFF) << 20)

    async def __aenter__(self) -> SimulatedMailRelay:
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
        """Make or load the certificates, create the Maildir and listen."""
        if self._server is not None:
            raise RuntimeError("the simulated mail relay is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        for sub in ("tmp", "new", "cur"):
            (self.bounce_dir / sub).mkdir(parents=True, exist_ok=True)
        self._tls_context = self._make_tls_context()
        _quieten_aiosmtpd()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: self._connection(loop),
            self.host,
            self.port,
            ssl=self._tls_context if self.tls == "implicit" else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut the open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for connection in list(self._connections):
            if connection.transport is not None:
                connection.transport.close()
        await server.wait_closed()
        for _ in range(100):
            if not self._connections:
                break
            await asyncio.sleep(0.01)

    def messages(self) -> list[Received]:
        """The messages accepted since the start or the last reset, in order."""
        return list(self._state.messages)

    def rcpt_answers(self) -> dict[int, int]:
        """How many RCPT TO were answered with each code (250, 451, 452, 550...)."""
        return dict(self._state.rcpt_answers)

    def bounces(self) -> list[Path]:
        """The bounce files written to the Maildir's ``new/``, in order."""
        return list(self._state.bounces)

    def dropped(self) -> int:
        """How many connections ``drop`` has cut."""
        return self._state.dropped

    def drop(self, after_messages: int, at: DropStage = "data") -> None:
        """Once ``after_messages`` more messages are accepted, cut the next transaction's
        connection abruptly: at ``"data"`` when its content has arrived but before the
        answer (the message is not kept: the sender cannot know, and only a retry
        delivers it), at ``"rcpt"`` on its first RCPT TO. Once; a new call replaces a
        pending one."""
        if after_messages < 0:
            raise ValueError("after_messages must be >= 0")
        if at not in ("rcpt", "data"):
            raise ValueError("at must be 'rcpt' or 'data'")
        self._state.drop = _Drop(after_messages, at)

    def slow(self, seconds: float) -> None:
        """Wait ``seconds`` before answering each message's content (0: no wait)."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._delay = seconds

    def reset(self) -> None:
        """Forget messages, counters, greylisting, a pending drop, the slowness and the
        bounce style rotation; empty the bounces Maildir. Open connections stay open."""
        self._state = _State()
        self._styles = itertools.cycle(bounces.STYLES)
        self._delay = 0.0
        for sub in ("tmp", "new", "cur"):
            for path in (self.bounce_dir / sub).glob("*"):
                path.unlink()

    def _connection(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        return _Connection(
            self,
            hostname=self.hostname,
            ident="ESMTP simulated relay",
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            tls_context=self._tls_context if self.tls == "starttls" else None,
            auth_required=False,
            # Over implicit TLS every connection is encrypted, but aiosmtpd cannot tell.
            auth_require_tls=self.tls != "implicit",
            authenticator=self._authenticate if self.username is not None else None,
            loop=loop,
        )

    def _make_tls_context(self) -> ssl.SSLContext:
        if self.certificate_dir is not None and all(
            (self.certificate_dir / name).is_file() for name in (CA_FILE, SERVER_FILE)
        ):
            server_pem = self.certificate_dir / SERVER_FILE
        else:
            directory = self.certificate_dir or self.workdir
            directory.mkdir(parents=True, exist_ok=True)
            ca = trustme.CA(organization_name="Simulated mail relay")
            leaf = ca.issue_cert("localhost", "127.0.0.1", self.hostname)
            ca.cert_pem.write_to_path(str(directory / CA_FILE))
            server_pem = directory / SERVER_FILE
            leaf.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
            server_pem.chmod(0o600)
            if self.certificate_dir is not None:
                ca.private_key_pem.write_to_path(str(directory / CA_KEY_FILE))
                (directory / CA_KEY_FILE).chmod(0o600)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(server_pem)
        return context

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self.username is not None and self.password is not None
        good = (
            isinstance(data, LoginPassword)
            and secrets.compare_digest(data.login, self.username.encode())
            and secrets.compare_digest(data.password, self.password.encode())
        )
        if not good:
            # handled=False: aiosmtpd answers 535 (by default it would answer nothing).
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=self.username)

    async def _rcpt(
        self, server: SMTP, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self._drop_due("rcpt"):
            return await self._cut(server)
        behaviour, _ = recipient_behaviour(address)
        answer = "250 2.1.5 Ok"
        key = address.lower()
        if behaviour == "refuse":
            answer = REFUSED.format(address)
        elif behaviour == "full":
            answer = MAILBOX_FULL
        elif behaviour == "greylist" and key not in self._state.greylisted:
            self._state.greylisted.add(key)
            answer = GREYLISTED
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        self._state.rcpt_answers[int(answer[:3])] += 1
        return answer

    async def _data(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._drop_due("data"):
            return await self._cut(server)
        assert envelope.mail_from is not None and envelope.original_content is not None
        queue_id = f"{next(self._queue_ids):X}"
        transport = server.transport
        received = Received(
            # aiosmtpd keeps the null sender as "<>" (an empty value would read as no MAIL).
            mail_from="" if envelope.mail_from == "<>" else envelope.mail_from,
            recipients=tuple(envelope.rcpt_tos),
            raw=envelope.original_content,
            tls=transport is not None and transport.get_extra_info("ssl_object") is not None,
            user=session.auth_data if session.authenticated else None,
            queue_id=queue_id,
            mail_options=tuple(envelope.mail_options),
        )
        self._state.messages.append(received)
        # A message with the null sender (itself a bounce) is never bounced (RFC 5321 4.5.5).
        for recipient in received.recipients if received.mail_from else ():
            behaviour, style = recipient_behaviour(recipient)
            if behaviour in ("bounce", "delay"):
                self._bounce(received, recipient, behaviour, style)
        pending = self._state.drop
        if pending is not None and pending.remaining > 0:
            pending.remaining -= 1
        return f"250 2.0.0 Ok: queued as {queue_id}"

    def _drop_due(self, stage: DropStage) -> bool:
        pending = self._state.drop
        if pending is None or pending.remaining > 0 or pending.at != stage:
            return False
        self._state.drop = None
        self._state.dropped += 1
        return True

    async def _cut(self, server: SMTP) -> str:
        """Abort the connection without an answer; aiosmtpd then cancels this session's
        task, so the wait below ends with it."""
        transport = server.transport
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable: the session is cancelled")  # pragma: no cover

    def _bounce(
        self, received: Received, recipient: str, behaviour: str, style: str | None
    ) -> None:
        """Deliver the bounce (or delay warning) for ``recipient`` to the Maildir."""
        headers = received.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"
        if behaviour == "delay":
            notice = bounces.deferred(recipient, received.mail_from, headers)
        else:
            builder = bounces.STYLES[style or next(self._styles)]
            notice = builder(recipient, received.mail_from, headers)
        # What the delivering agent adds in front, as in any mailbox.
        content = (
            b"Return-Path: <>\n"
            + f"Delivered-To: {received.mail_from}\n".encode("utf-8", "surrogateescape")
            + bounces.as_bytes(notice)
        )
        now = time.time()
        host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        name = (
            f"{int(now)}.M{int(now % 1 * 1_000_000)}P{os.getpid()}"
            f"Q{next(_DELIVERIES)}.{host},S={len(content)}"
        )
        temporary = self.bounce_dir / "tmp" / name
        temporary.write_bytes(content)
        final = self.bounce_dir / "new" / name
        temporary.rename(final)
        self._state.bounces.append(final)


async def _serve(arguments: argparse.Namespace) -> None:
    password = None
    if arguments.user is not None:
        if arguments.password_env is None or arguments.password_env not in os.environ:
            raise SystemExit("--user needs --password-env naming a set environment variable")
        password = os.environ[arguments.password_env]
    relay = SimulatedMailRelay(
        workdir=arguments.workdir,
        port=arguments.port,
        tls=arguments.tls,
        username=arguments.user,
        password=password,
        certificate_dir=arguments.certificate_dir,
        host=arguments.host,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    async with relay:
        print(f"listening on {relay.host}:{relay.port} ca={relay.ca_file}", flush=True)
        await stopping.wait()


def main(argv: list[str] | None = None) -> None:
    """Run the relay until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m simnet.mailrelay", description="The simulated mail relay."
    )
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--workdir", type=Path, required=True, help="bounces/ Maildir, ca.pem")
    parser.add_argument("--tls", choices=["starttls", "implicit", "none"], default="starttls")
    parser.add_argument("--user", help="require AUTH with this user")
    parser.add_argument("--password-env", help="the environment variable holding the password")
    parser.add_argument(
        "--certificate-dir", type=Path, help="keep the CA and certificate here across runs"
    )
    parser.add_argument("--host", default=HOST)
    arguments = parser.parse_args(argv)
    asyncio.run(_serve(arguments))


if __name__ == "__main__":
    main()
