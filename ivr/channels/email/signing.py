"""DKIM signatures (RFC 6376) with dkimpy, so that receiving servers can tell our mail
from forgeries and do not file a self-hosted sender's alerts as spam. The signature
covers the headers a forger would change, including ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` as RFC 8058 requires for one-click unsubscription."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dkim

SIGNED_HEADERS = (
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type",
    b"Content-Language", b"List-Unsubscribe", b"List-Unsubscribe-Post", b"Auto-Submitted",
)  # fmt: skip


class DkimKeyError(ValueError):
    """The configured key cannot sign (unreadable, not a PEM RSA key)."""


class DkimSigner:
    def __init__(self, selector: str, domain: str, key_pem: bytes) -> None:
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("ascii")
        self.key = key_pem
        try:  # sign once now: a bad key is an error at start, not at every email
            self.sign(b"From: a@b.example\r\nSubject: x\r\n\r\nx\r\n")
        except (dkim.DKIMException, ValueError, IndexError) as error:
            raise DkimKeyError(f"the DKIM key cannot sign: {error}") from error

    @classmethod
    def from_file(cls, selector: str, domain: str, key_file: Path) -> DkimSigner:
        try:
            key = key_file.read_bytes()
        except OSError as error:
            raise DkimKeyError(f"cannot read the DKIM key {key_file}: {error}") from error
        return cls(selector, domain, key)

    def sign(self, message: bytes) -> bytes:
        """The message with its ``DKIM-Signature`` header first."""
        header: bytes = dkim.sign(
            message,
            self.selector,
            self.domain,
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=list(SIGNED_HEADERS),
        )
        return header + message


class SigningPool:
    """Signatures made in worker processes. dkimpy's RSA is pure Python (about 5 ms per
    2048-bit signature on the reference machine): on the event loop it would stall every
    call's audio for that long per email, and cap the channel near 150 emails a second."""

    def __init__(self, signer: DkimSigner, workers: int) -> None:
        self.signer = signer
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    async def sign(self, message: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.signer.sign, message)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
