"""Alert life cycle, the four-eyes approval rule and content checks."""

from __future__ import annotations

import itertools

import pytest

from ivr.domain.alerts import (
    PRIORITY,
    TRANSITIONS,
    Content,
    State,
    TwoPersonRule,
    check_approval,
    check_can_draft,
    check_can_send,
    check_content,
    check_contents,
    check_transition,
)
from ivr.domain.errors import DomainError

STATES: tuple[State, ...] = ("draft", "approved", "sending", "completed", "cancelled")
ALLOWED = {
    ("draft", "approved"),
    ("draft", "cancelled"),
    ("approved", "sending"),
    ("approved", "cancelled"),
    ("sending", "completed"),
    ("sending", "cancelled"),
}


@pytest.mark.parametrize(("current", "new"), list(itertools.product(STATES, STATES)))
def test_only_the_documented_transitions_are_allowed(current: State, new: State) -> None:
    if (current, new) in ALLOWED:
        check_transition(current, new)
    else:
        with pytest.raises(DomainError, match=f"state {current} cannot become {new}"):
            check_transition(current, new)
    assert {(c, n) for c, ns in TRANSITIONS.items() for n in ns} == ALLOWED


def test_urgent_alerts_have_the_highest_priority() -> None:
    assert PRIORITY["urgent"] > PRIORITY["high"] > PRIORITY["normal"] > PRIORITY["low"]


def test_someone_else_approves() -> None:
    approval = check_approval(
        drafter_id=1, approver_id=2, approver_role="approver", active_approver_ids=frozenset({1, 2})
    )
    assert not approval.self_approved


def test_drafter_cannot_approve_when_someone_else_could() -> None:
    with pytest.raises(DomainError, match="other than its author"):
        check_approval(
            drafter_id=1,
            approver_id=1,
            approver_role="admin",
            active_approver_ids=frozenset({1, 2}),
        )


def test_sole_approver_may_approve_their_own_alert_and_it_is_flagged() -> None:
    approval = check_approval(
        drafter_id=1, approver_id=1, approver_role="admin", active_approver_ids=frozenset({1})
    )
    assert approval.self_approved


@pytest.mark.parametrize("role", ["operator", "viewer", "nobody"])
def test_only_admins_and_approvers_approve(role: str) -> None:
    with pytest.raises(DomainError, match="Only an administrator or an approver"):
        check_approval(
            drafter_id=1, approver_id=2, approver_role=role, active_approver_ids=frozenset({1})
        )


def test_viewers_do_not_draft() -> None:
    check_can_draft("operator")
    with pytest.raises(DomainError, match="drafting"):
        check_can_draft("viewer")


FRENCH = Content("fr", "Avis.", "Avis", "Corps.", None, "Avis.")


def test_french_on_every_channel_is_enough() -> None:
    check_contents({"fr": FRENCH})
    check_contents({"fr": FRENCH, "innu": Content("innu", voice_recording="alert-1-innu")})


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        ({}, "French content is missing for the voice"),
        ({"fr": Content("fr", "Avis.", "Avis", "Corps.")}, "missing for the voice"),
        ({"fr": Content("fr", None, "Avis", "Corps.", "rec")}, "missing for the sms"),
        ({"fr": Content("fr", "Avis.", "Avis", None, "rec")}, "missing for the email"),
        ({"fr": FRENCH, "innu": Content("innu", sms_text="Kuei")}, "audio recording only"),
        ({"fr": FRENCH, "en": Content("en", sms_text=" ")}, r"\(en\) is empty"),
        ({"fr": FRENCH, "en": Content("fr", sms_text="x")}, "mismatch"),
        ({"fr": Content("fr", "ê" * 700, "Avis", "Corps.", "rec")}, "too long"),
    ],
)
def test_unfit_content_is_refused(contents: dict[str, Content], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_contents(contents)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (Content("fr", voice_recording="../../etc/passwd"), "recording reference"),
        (Content("fr", voice_recording="alert,1"), "recording reference"),
        (Content("fr", voice_recording="a/.wav"), "recording reference"),
        (Content("fr", voice_recording="/var/a.wav"), "recording reference"),
        (Content("fr", voice_recording="x\r\nAction: Originate"), "recording reference"),
        (Content("fr", email_subject="Avis\r\nBcc: x@y.example", email_body="b"), "single line"),
        (Content("fr", sms_text="Avis\x00"), "control character"),
        (Content("fr", voice_text="a" * 5001), "too long"),
    ],
)
def test_unsafe_content_fields_are_refused(content: Content, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_content(content)


def test_safe_content_fields_pass() -> None:
    check_content(
        Content("fr", "Avis\nligne 2", "Objet", "Corps\n\tindenté", "alerts/42-fr", "Voix")
    )
    check_content(Content("innu", voice_recording="alerts/42-innu.wav"))


@pytest.mark.parametrize(
    ("rule", "alone", "allowed"),
    [
        ("strict", True, False),
        ("strict", False, False),
        ("unless-alone", True, True),
        ("unless-alone", False, False),
        ("off", False, True),
    ],
)
def test_the_two_person_rule_setting(rule: TwoPersonRule, alone: bool, allowed: bool) -> None:
    approvers = frozenset({1}) if alone else frozenset({1, 2})
    if allowed:
        approval = check_approval(drafter_id=1, approver_id=1, approver_role="approver",
                                  active_approver_ids=approvers, rule=rule)  # fmt: skip
        assert approval.self_approved
    else:
        with pytest.raises(DomainError, match="other than its author"):
            check_approval(drafter_id=1, approver_id=1, approver_role="approver",
                           active_approver_ids=approvers, rule=rule)  # fmt: skip


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_only_approvers_and_admins_launch_or_cancel(role: str) -> None:
    check_can_send("approver")
    check_can_send("admin")
    with pytest.raises(DomainError, match="launching or cancelling"):
        check_can_send(role)
