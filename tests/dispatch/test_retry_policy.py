"""The retry policy: what is tried again, how many times, and what is final."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.domain.outcomes import REACHED, RETRIED, Finish, Outcome, Retry, RetryPolicy

POLICY = RetryPolicy(retries=2, delay=timedelta(minutes=5))


@pytest.mark.parametrize("outcome", sorted(RETRIED))
def test_retried_outcomes_get_two_callbacks_then_fail(outcome: Outcome) -> None:
    assert POLICY.after(outcome, 1) == Retry(timedelta(minutes=5))
    assert POLICY.after(outcome, 2) == Retry(timedelta(minutes=5))
    assert POLICY.after(outcome, 3) == Finish("failed")


@pytest.mark.parametrize("outcome", sorted(REACHED))
def test_reached_outcomes_are_done_at_once(outcome: Outcome) -> None:
    assert POLICY.after(outcome, 1) == Finish("done")


@pytest.mark.parametrize(
    "outcome",
    [Outcome.NOT_IN_SERVICE, Outcome.REJECTED, Outcome.UNDELIVERABLE, Outcome.EXPIRED],
)
def test_hopeless_outcomes_fail_without_retry(outcome: Outcome) -> None:
    assert POLICY.after(outcome, 1) == Finish("failed")


def test_every_outcome_is_classified() -> None:
    hopeless = {
        Outcome.NOT_IN_SERVICE,
        Outcome.REJECTED,
        Outcome.UNDELIVERABLE,
        Outcome.EXPIRED,
        Outcome.CHANNEL_UNAVAILABLE,
    }
    assert set(Outcome) == REACHED | RETRIED | hopeless
    assert not REACHED & RETRIED


def test_zero_retries_means_one_attempt() -> None:
    policy = RetryPolicy(retries=0, delay=timedelta(0))
    assert policy.after(Outcome.BUSY, 1) == Finish("failed")
