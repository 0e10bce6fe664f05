"""Alerts: categories, urgency, the life cycle and who may move an alert along it.

Life cycle: draft → approved → sending → completed; draft, approved or sending →
cancelled. Content may change only in draft.

Roles: an ``operator`` drafts and sends tests; an ``approver`` also approves, launches
and cancels; an ``admin`` also manages staff, sectors, imports and settings; a
``viewer`` reads.

Approval (the two-person rule, ``IVR_TWO_PERSON_RULE``): an ``admin`` or ``approver``
approves; by default (``unless-alone``) it must be someone other than the drafter,
unless the drafter is the only active staff member who can approve (a small office at
night must still be able to warn people); ``strict`` never allows it, ``off`` always
does. A self-approval is flagged so it is written to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ivr.domain.errors import DomainError
from ivr.domain.sms_text import check_sms_text

Category = Literal[
    "evacuation", "air_quality", "boil_water", "boil_water_lifted", "all_clear", "exercise", "other"
]
CATEGORIES: tuple[Category, ...] = (
    "evacuation",
    "air_quality",
    "boil_water",
    "boil_water_lifted",
    "all_clear",
    "exercise",
    "other",
)
Urgency = Literal["urgent", "high", "normal", "low"]
DEFAULT_URGENCY: dict[Category, Urgency] = {
    "evacuation": "urgent", "air_quality": "high", "boil_water": "high",
    "boil_water_lifted": "normal", "all_clear": "normal", "exercise": "low", "other": "normal",
}  # fmt: skip
"""What a new draft of each category starts with (the page lets staff change it)."""
URGENCIES: tuple[Urgency, ...] = ("urgent", "high", "normal", "low")
State = Literal["draft", "approved", "sending", "completed", "cancelled"]
Language = Literal["fr", "en", "innu"]
Channel = Literal["voice", "sms", "email"]
CHANNELS: tuple[Channel, ...] = ("voice", "sms", "email")

PRIORITY: Mapping[Urgency, int] = {"urgent": 3, "high": 2, "normal": 1, "low": 0}
"""Delivery priority from urgency; the dispatch engine serves higher numbers first."""

TRANSITIONS: Mapping[State, frozenset[State]] = {
    "draft": frozenset({"approved", "cancelled"}),
    "approved": frozenset({"sending", "cancelled"}),
    "sending": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
APPROVER_ROLES = frozenset({"admin", "approver"})
"""Approve, launch, cancel."""
DRAFTER_ROLES = frozenset({"admin", "approver", "operator"})
"""Draft, test sends."""
TwoPersonRule = Literal["strict", "unless-alone", "off"]
TWO_PERSON_RULES: tuple[TwoPersonRule, ...] = ("strict", "unless-alone", "off")

_STATE_FR = {
    "draft": "brouillon",
    "approved": "approuvée",
    "sending": "en cours d'envoi",
    "completed": "terminée",
    "cancelled": "annulée",
}


def two_person_rule(value: str) -> TwoPersonRule:
    """The rule a setting names."""
    for rule in TWO_PERSON_RULES:
        if value == rule:
            return rule
    raise DomainError(f"Règle inconnue : {value!r}.", f"Unknown rule: {value!r}.")


def check_transition(current: State, new: State) -> None:
    """Nothing if the alert may go from ``current`` to ``new``, else a DomainError."""
    if new not in TRANSITIONS[current]:
        raise DomainError(
            f"Une alerte {_STATE_FR[current]} ne peut pas devenir {_STATE_FR[new]}.",
            f"An alert in state {current} cannot become {new}.",
        )


def check_can_draft(role: str) -> None:
    if role not in DRAFTER_ROLES:
        raise DomainError(
            "Votre rôle ne permet pas de rédiger une alerte.",
            "Your role does not allow drafting alerts.",
        )


def check_can_send(role: str) -> None:
    """Launching or cancelling an alert: an approver or an administrator."""
    if role not in APPROVER_ROLES:
        raise DomainError(
            "Votre rôle ne permet pas de lancer ni d'annuler une alerte.",
            "Your role does not allow launching or cancelling alerts.",
        )


@dataclass(frozen=True)
class Approval:
    self_approved: bool
    """True when the drafter approved their own alert as the only possible approver."""


def check_approval(
    *,
    drafter_id: int,
    approver_id: int,
    approver_role: str,
    active_approver_ids: frozenset[int],
    rule: TwoPersonRule = "unless-alone",
) -> Approval:
    """Whether ``approver_id`` may approve an alert drafted by ``drafter_id``: never
    their own under the ``strict`` rule, only when nobody else could under
    ``unless-alone`` (a small office at night must still warn people), always under
    ``off``; a self-approval is flagged (and audited)."""
    if approver_role not in APPROVER_ROLES:
        raise DomainError(
            "Seul un administrateur ou un approbateur peut approuver une alerte.",
            "Only an administrator or an approver can approve an alert.",
        )
    if approver_id != drafter_id:
        return Approval(self_approved=False)
    if rule == "off" or (rule == "unless-alone" and active_approver_ids == {approver_id}):
        return Approval(self_approved=True)
    raise DomainError(
        "Une autre personne que l'auteur doit approuver cette alerte.",
        "Someone other than its author must approve this alert.",
    )


@dataclass(frozen=True)
class Content:
    """What an alert says in one language."""

    language: Language
    sms_text: str | None = None
    email_subject: str | None = None
    email_body: str | None = None
    voice_recording: str | None = None
    voice_text: str | None = None

    def has(self, channel: Channel) -> bool:
        if channel == "sms":
            return self.sms_text is not None
        if channel == "email":
            return self.email_subject is not None and self.email_body is not None
        return self.voice_recording is not None or self.voice_text is not None


_RECORDING = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}(?:/[A-Za-z0-9][A-Za-z0-9_-]{0,63}){0,3}(?:\.[A-Za-z0-9]{1,8})?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_TEXT = 5000


def check_content(content: Content) -> None:
    """Each field safe to store and to hand to a channel: a recording reference is a
    plain relative path (``alerts/42-fr.wav``: it ends up in a file name and an Asterisk
    Playback, so no ``..``, spaces or separators of any kind), the email subject is one
    line (a header), no text has control characters or exceeds MAX_TEXT characters."""
    ref = content.voice_recording
    if ref is not None and not _RECORDING.fullmatch(ref):
        raise DomainError(
            f"Référence d'enregistrement invalide « {ref[:80]} ».",
            f"Invalid recording reference '{ref[:80]}'.",
        )
    subject = content.email_subject
    if subject is not None and ("\n" in subject or "\r" in subject):
        raise DomainError(
            "L'objet du courriel doit tenir sur une ligne.",
            "The email subject must be a single line.",
        )
    for text in (content.sms_text, subject, content.email_body, content.voice_text):
        if text is not None and (len(text) > MAX_TEXT or _CONTROL.search(text)):
            raise DomainError(
                f"Texte trop long (maximum {MAX_TEXT}) ou caractère de contrôle.",
                f"Text too long (at most {MAX_TEXT}) or with a control character.",
            )


def check_contents(contents: Mapping[Language, Content]) -> None:
    """Content fit for approval: French on every channel (the last fallback of every
    language), Innu-aimun as a recording only, SMS texts sendable, no empty field."""
    french = contents.get("fr")
    for channel in CHANNELS:
        if french is None or not french.has(channel):
            raise DomainError(
                f"Le contenu en français manque pour le canal {channel}.",
                f"French content is missing for the {channel} channel.",
            )
    for language, content in contents.items():
        if content.language != language:
            raise DomainError("Langue du contenu incohérente.", "Content language mismatch.")
        texts = (content.sms_text, content.email_subject, content.email_body, content.voice_text)
        if language == "innu" and any(t is not None for t in texts):
            raise DomainError(
                "L'innu-aimun n'est diffusé qu'en enregistrement audio.",
                "Innu-aimun is sent as an audio recording only.",
            )
        fields = (*texts, content.voice_recording)
        if any(t is not None and not t.strip() for t in fields):
            raise DomainError(
                f"Un champ du contenu ({language}) est vide.",
                f"A content field ({language}) is empty.",
            )
        check_content(content)
        if content.sms_text is not None:
            check_sms_text(content.sms_text)
