"""The mail relay, through a small pool of aiosmtplib connections (a connection carries
one transaction at a time, so several let emails go out side by side).

Each email is one transaction (MAIL, RCPT, DATA for its one recipient), so the relay's
answer is that recipient's. A connection lost before the relay answered DATA is
replaced and the email sent again on it, at most ``RESENDS`` times: the relay may have
taken the first copy without our hearing its ``250``; the second carries the same
``Message-ID``, and such resends are counted. After a ``250`` an email is never sent
again. Certificates are checked (the system's CAs, or a private CA from settings)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib

from ivr.channels.email.messages import OutgoingEmail

log = logging.getLogger(__name__)

RESENDS = 2
"""Further tries on a new connection when one is lost mid-transaction."""
TIMEOUT_SECONDS = 30.0
"""Per SMTP command; the relay's answer to DATA may take a while under load."""
IDLE_SECONDS = 30.0
"""An idle connection older than this is closed rather than reused: relays drop idle
clients after 60 to 300 s, and a fresh connection costs less than a failed send."""
LOST = (aiosmtplib.SMTPException, OSError)
"""After ``SMTPResponseException``: no answer came (lost connection, timeout)."""


@dataclass(frozen=True)
class RelaySettings:
    host: str
    port: int
    tls: str
    """'starttls' (required, not opportunistic), 'tls' (implicit) or 'none'."""
    user: str
    password: str
    ca_file: Path | None
    connections: int


@dataclass(frozen=True)
class RelayAnswer:
    stage: str
    """Where the transaction ended: 'connect', 'mail', 'rcpt' or 'data'."""
    code: int | None
    """The relay's reply code there; None when no answer came (connection lost)."""
    text: str
    resent: int = 0
    """Copies sent again after a connection was lost mid-transaction."""

    @property
    def accepted(self) -> bool:
        return self.stage == "data" and self.code is not None and 200 <= self.code < 300

    def __str__(self) -> str:
        return f"{self.stage}: {self.code or 'no answer'} {self.text}".strip()


@dataclass
class _Connection:
    smtp: aiosmtplib.SMTP
    used_at: float


class SmtpRelay:
    def __init__(self, settings: RelaySettings) -> None:
        self.settings = settings
        self._slots = asyncio.Semaphore(settings.connections)
        self._idle: list[_Connection] = []
        self.up = False
        """Whether the last connection attempt succeeded."""
        self.resent = 0

    async def check(self) -> str | None:
        """Open a connection now (kept for the first email); the reason if it failed."""
        async with self._slots:
            try:
                self._idle.append(await self._connect())
            except (aiosmtplib.SMTPException, OSError) as error:
                return _reason(error)
        return None

    async def send(self, email: OutgoingEmail) -> RelayAnswer:
        async with self._slots:
            answer, resent = RelayAnswer("connect", None, ""), 0
            for tries in range(RESENDS + 1):
                if tries and answer.stage == "data":
                    resent += 1  # the copy lost during DATA may have got through
                answer = await self._transaction(email)
                if answer.code is not None or answer.stage == "connect":
                    break
            self.resent += resent
            return dataclasses.replace(answer, resent=resent)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await _quit(connection.smtp)

    async def _transaction(self, email: OutgoingEmail) -> RelayAnswer:
        try:
            connection = await self._take()
        except (aiosmtplib.SMTPException, OSError) as error:
            return RelayAnswer("connect", getattr(error, "code", None), _reason(error))
        stage = "mail"
        try:
            await connection.smtp.mail(email.return_path)
            stage = "rcpt"
            await connection.smtp.rcpt(email.recipient)
            stage = "data"
            response = await connection.smtp.data(email.data)
        except aiosmtplib.SMTPResponseException as error:
            await self._reset(connection)
            return RelayAnswer(stage, error.code, error.message)
        except LOST as error:
            await _quit(connection.smtp)
            await self.close()  # the idle ones are likely gone too (the relay restarted)
            return RelayAnswer(stage, None, _reason(error))
        connection.used_at = time.monotonic()
        self._idle.append(connection)
        return RelayAnswer("data", response.code, response.message)

    async def _take(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if time.monotonic() - connection.used_at < IDLE_SECONDS and (
                connection.smtp.is_connected
            ):
                return connection
            await _quit(connection.smtp)
        return await self._connect()

    async def _connect(self) -> _Connection:
        s = self.settings
        context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        smtp = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.user or None,
            password=s.password or None,
            use_tls=s.tls == "tls",
            start_tls=s.tls == "starttls",
            tls_context=context if s.tls != "none" else None,
            timeout=TIMEOUT_SECONDS,
        )
        try:
            await smtp.connect()
        except BaseException:
            self.up = False
            await _quit(smtp)
            raise
        self.up = True
        return _Connection(smtp, time.monotonic())

    async def _reset(self, connection: _Connection) -> None:
        """After a refusal the connection is fine once RSET is answered."""
        try:
            await connection.smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            await _quit(connection.smtp)
            return
        connection.used_at = time.monotonic()
        self._idle.append(connection)


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
        if smtp.is_connected:
            await smtp.quit(timeout=2.0)
    smtp.close()


def _reason(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return f"the relay refuses our login ({error.code} {error.message})"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{error.code} {error.message}"
    return str(error) or type(error).__name__
