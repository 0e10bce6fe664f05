"""The one-time codes on their way to a phone, in this process's memory only: the code
sender puts each one under its call's reference with the call's token, and the call
flow takes it out by showing that token. The database never holds them in clear."""

from __future__ import annotations

import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class _Waiting:
    code: str
    token: str


class CodeCalls:
    def __init__(self) -> None:
        self._waiting: dict[str, _Waiting] = {}

    def expect(self, reference: str, code: str, token: str) -> None:
        self._waiting[reference] = _Waiting(code, token)

    def take(self, reference: str, token: str | None) -> str | None:
        """The code of call ``reference`` if ``token`` is its token, once; else None
        (and the code stays for the right session)."""
        waiting = self._waiting.get(reference)
        if waiting is None or token is None:
            return None
        if not hmac.compare_digest(token.encode(), waiting.token.encode()):
            return None
        del self._waiting[reference]
        return waiting.code

    def forget(self, reference: str) -> bool:
        """Drop the code of ``reference``; True if it was still there (never taken)."""
        return self._waiting.pop(reference, None) is not None
