"""Targeting rules, one function each; ivr/storage/sql/audience.sql applies the same
rules in bulk inside PostgreSQL (the property tests check that both agree).

- A member chooses channels per contact point. An SMS choice on a number known to be a
  landline, or whose receipts showed it cannot take SMS, or when SMS is not among the
  channels in service, becomes a voice call.
- The language asked for is the member's, except for a voice call to a landline: the
  household's (the whole home hears it).
- Fallback: the language asked for if the alert has it on that channel, else French,
  else English. Innu-aimun exists only as a recording, so text channels fall back.
- A contact point gets nothing on a channel it opted out of (an opt-out that keeps
  emergencies on, from an email's one-click unsubscribe, applies to exercises only); a
  phone flagged "not in service" gets no call or SMS; an address or number marked
  invalid gets nothing.
- A shared contact point gets one delivery per channel per alert, in the language of
  the member with the lowest id among those who chose it (the first registered).
"""

from __future__ import annotations

from collections.abc import Collection

from ivr.domain.alerts import CHANNELS, Channel, Language

FALLBACK: tuple[Language, ...] = ("fr", "en")


def effective_channel(
    chosen: Channel,
    line_type: str,
    sms_capable: str,
    in_service: Collection[str] = CHANNELS,
) -> Channel:
    """The channel actually used for a member's choice on a contact point, when the
    channels ``in_service`` run (a delivery on another one ends as unavailable)."""
    if chosen == "sms" and (
        line_type == "landline" or sms_capable == "no" or "sms" not in in_service
    ):
        return "voice"
    return chosen


def wanted_language(
    channel: Channel, line_type: str, member_language: Language, household_language: Language
) -> Language:
    """The language to ask for before any fallback."""
    if channel == "voice" and line_type == "landline":
        return household_language
    return member_language


def pick_language(wanted: Language, available: Collection[Language]) -> Language | None:
    """The first of ``wanted``, French, English that the alert has on the channel."""
    for language in (wanted, *FALLBACK):
        if language in available:
            return language
    return None


def opt_out_applies(*, covers_emergencies: bool, exercise: bool) -> bool:
    """Whether an opt-out stops this alert: every alert, or exercises only."""
    return covers_emergencies or exercise


def usable(channel: Channel, *, verification: str, not_in_service: bool, opted_out: bool) -> bool:
    """Whether a contact point may receive a message on ``channel``."""
    if verification == "invalid" or opted_out:
        return False
    return channel == "email" or not not_in_service
