"""What one attempt to deliver an alert came to, and what follows from it.

The vocabulary matches the CHECK constraints of ``deliveries.last_outcome`` and
``delivery_attempts.outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Outcome(StrEnum):
    CONFIRMED = "confirmed"  # a person pressed the confirmation key
    LISTENED = "listened"  # a person heard the whole message, no confirmation
    HUNG_UP_DURING_MESSAGE = "hung_up_during_message"
    VOICEMAIL_COMPLETE = "voicemail_complete"  # the whole message was left on a machine
    VOICEMAIL_PARTIAL = "voicemail_partial"  # the machine hung up before the end
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    NOT_IN_SERVICE = "not_in_service"
    REJECTED = "rejected"
    FAILED = "failed"  # anything else: network failure, interrupted attempt
    ACCEPTED = "accepted"  # SMS/email taken by the gateway or relay
    DELIVERED = "delivered"  # an SMS delivery receipt said so
    UNDELIVERABLE = "undeliverable"
    EXPIRED = "expired"  # the SMSC gave up before the phone could take the SMS
    CHANNEL_UNAVAILABLE = "channel_unavailable"  # the channel is not in service here


REACHED = frozenset(
    {
        Outcome.CONFIRMED,
        Outcome.LISTENED,
        Outcome.HUNG_UP_DURING_MESSAGE,
        Outcome.VOICEMAIL_COMPLETE,
        Outcome.ACCEPTED,
        Outcome.DELIVERED,
    }
)
"""The delivery is done: never tried again."""

RETRIED = frozenset(
    {
        Outcome.BUSY,
        Outcome.NO_ANSWER,
        Outcome.CONGESTION,
        Outcome.FAILED,
        Outcome.VOICEMAIL_PARTIAL,
    }
)
"""Worth another try while the policy allows it."""

CONTACT_FAULTS = frozenset({Outcome.NOT_IN_SERVICE, Outcome.UNDELIVERABLE})
"""The contact itself is at fault (a number not in service or that cannot be dialed, an
address refused for good): the delivery ends and the contact is flagged, so staff and
the resident see it and later alerts skip it."""


@dataclass(frozen=True)
class Retry:
    after: timedelta


@dataclass(frozen=True)
class Finish:
    state: str  # 'done' or 'failed'


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` call-backs after the first attempt, each ``delay`` after the last."""

    retries: int
    delay: timedelta

    def after(self, outcome: Outcome, attempt_number: int) -> Retry | Finish:
        if outcome in REACHED:
            return Finish("done")
        if outcome in RETRIED and attempt_number <= self.retries:
            return Retry(self.delay)
        return Finish("failed")
