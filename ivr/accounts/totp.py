"""Staff one-time codes (TOTP, RFC 6238, with pyotp) and how their secrets are kept.

Codes are 6 digits over 30-second time-steps; one step of clock drift either way is
accepted. The caller learns which step a code belongs to, so it can refuse a code (or
an earlier one) used before. Secrets are stored sealed with AES-256-GCM under a key
derived from the site's secret key, the staff id authenticated with them: a copy of
the table, or a row moved to another account, gives nothing.
"""

from __future__ import annotations

import hmac
import os
import time

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "Information ITUM"
DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
_NONCE_BYTES = 12


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def setup_uri(secret: str, account: str) -> str:
    """The otpauth:// address an authenticator app reads (typed or scanned)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time-step ``code`` was made for (now, or one step either side), or None."""
    digits = "".join(code.split())
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


class SecretBox:
    """Seals and opens TOTP secrets with a key derived from the site's secret key."""

    def __init__(self, site_key: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"information-itum staff totp"
        ).derive(site_key.encode())
        self._aead = AESGCM(derived)

    def seal(self, staff_id: int, secret: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), _bound_to(staff_id))

    def open(self, staff_id: int, sealed: bytes) -> str | None:
        """The secret, or None when it was sealed under another key or for another id."""
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, ciphertext, _bound_to(staff_id)).decode()
        except InvalidTag:
            return None


def _bound_to(staff_id: int) -> bytes:
    return f"staff:{staff_id}".encode()
