"""Reading a call's fate from what Asterisk reports.

Over a PJSIP trunk the OriginateResponse ``Reason`` does not tell busy from congestion
(every far-end refusal reads 0), so the Q.850 ``Cause`` of the channel's Hangup event
decides; ``Reason`` is the fallback when no Hangup event came.
"""

from __future__ import annotations

from ivr.domain.outcomes import Outcome

REASON_RING_TIMEOUT = 3
REASON_BUSY = 5
REASON_CONGESTION = 8

_BY_CAUSE: dict[int, Outcome] = {
    1: Outcome.NOT_IN_SERVICE,  # unallocated number (SIP 404)
    3: Outcome.NOT_IN_SERVICE,  # no route to destination
    22: Outcome.NOT_IN_SERVICE,  # number changed (SIP 410)
    28: Outcome.NOT_IN_SERVICE,  # invalid number format (SIP 484)
    17: Outcome.BUSY,  # user busy (SIP 486)
    18: Outcome.NO_ANSWER,  # no user responding (SIP 408)
    19: Outcome.NO_ANSWER,  # no answer (SIP 480, ring timeout)
    20: Outcome.NO_ANSWER,  # subscriber absent
    21: Outcome.REJECTED,  # call rejected (SIP 403, 603)
    34: Outcome.CONGESTION,  # no circuit available (SIP 503)
    38: Outcome.CONGESTION,  # network out of order
    41: Outcome.CONGESTION,  # temporary failure
    42: Outcome.CONGESTION,  # switching equipment congestion
    44: Outcome.CONGESTION,  # requested channel not available
}

_BY_REASON: dict[int, Outcome] = {
    REASON_RING_TIMEOUT: Outcome.NO_ANSWER,
    REASON_BUSY: Outcome.BUSY,
    REASON_CONGESTION: Outcome.CONGESTION,
}


def unanswered_outcome(reason: int | None, cause: int | None) -> Outcome:
    """The outcome of a call that was never answered."""
    if cause is not None and cause in _BY_CAUSE:
        return _BY_CAUSE[cause]
    if reason is not None and reason in _BY_REASON:
        return _BY_REASON[reason]
    return Outcome.FAILED
