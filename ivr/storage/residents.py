"""Households as staff look them up and correct them: search, one household's members,
contact points, channels and consents, and the corrections staff make for a resident.

Every edit names the household it belongs to and is refused (nothing changes) when the
member or the contact point is not that household's, so a form cannot reach another
household by changing an id. Readers must audit what they show (ivr.web.admin.audit).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from ivr.domain.alerts import CHANNELS, Channel, Language
from ivr.domain.contacts import ContactKind, kind_for, parse_email
from ivr.domain.errors import DomainError
from ivr.domain.phone import display_phone, parse_phone
from ivr.domain.sectors import street_key
from ivr.storage import people
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES

LANGUAGES: tuple[Language, ...] = get_args(Language)
MAX_NAME_LENGTH = 200
MIN_PHONE_DIGITS = 4
_PHONE_CHARACTERS = frozenset("0123456789 +-().")


@dataclass(frozen=True)
class Contact:
    """A contact point as one member lists it."""

    id: int
    kind: ContactKind
    value: str
    """The number in E.164, or the email address."""
    line_type: str
    sms_capable: str
    verification: str
    not_in_service_at: datetime | None
    channels: tuple[Channel, ...]
    """What this member chose on it."""
    refused: tuple[Channel, ...]
    """Channels it opted out of entirely."""
    refused_exercises: tuple[Channel, ...]
    """Channels it opted out of for exercises only (emergencies still come)."""

    @property
    def shown(self) -> str:
        return display_phone(self.value) if self.kind == "phone" else self.value

    @property
    def not_in_service(self) -> bool:
        return self.kind == "phone" and self.not_in_service_at is not None

    @property
    def bouncing(self) -> bool:
        return self.verification == "invalid"

    @property
    def no_sms(self) -> bool:
        return self.kind == "phone" and self.sms_capable == "no"

    @property
    def possible_channels(self) -> tuple[Channel, ...]:
        return channels_for(self.kind)


@dataclass(frozen=True)
class Member:
    id: int
    display_name: str
    language: Language
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class Household:
    id: int
    civic_number: int | None
    street: str
    unit: str
    community: str
    postal_code: str
    preferred_language: Language
    sector_code: str | None
    sector_fr: str | None
    sector_en: str | None
    sector_method: str | None
    members: tuple[Member, ...]

    @property
    def address(self) -> str:
        street = " ".join(str(p) for p in (self.civic_number, self.street) if p)
        return f"{street}, {self.unit}" if self.unit else street


@dataclass(frozen=True)
class Consent:
    member_id: int
    purpose: str
    wording_version: str
    language: Language
    source: str
    granted_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class SectorName:
    code: str
    name_fr: str
    name_en: str


def channels_for(kind: ContactKind) -> tuple[Channel, ...]:
    """The channels a phone (voice, SMS) or an email address (email) can carry."""
    return tuple(c for c in CHANNELS if kind_for(c) == kind)


def _like(text: str) -> str:
    """``%text%`` for LIKE, with the pattern characters of ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_pattern(text: str) -> str | None:
    """A whole number (any way it is written) matches exactly; four digits or more
    match anywhere in the number."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < MIN_PHONE_DIGITS or not set(text) <= _PHONE_CHARACTERS:
        return None
    try:
        return parse_phone(text).e164
    except DomainError:
        return f"%{digits}%"


def _street_pattern(text: str) -> tuple[str | None, int | None]:
    """``12 rue A`` looks for rue A at number 12; ``rue A`` anywhere on that street."""
    number, _, rest = text.partition(" ")
    civic = int(number) if number.isascii() and number.isdigit() and rest else None
    key = street_key(rest if civic is not None else text)
    return (f"%{key}%" if key else None), civic


async def search(db: Executor, text: str, limit: int) -> tuple[list[Household], bool]:
    """Households matching ``text`` by a member's name, a phone number, an email address
    or the street; at most ``limit``, and whether there were more."""
    street, civic = _street_pattern(text)
    rows = await db.fetch(
        QUERIES["residents.search"],
        _like(text),
        _phone_pattern(text),
        _like(text.lower()),
        street,
        civic,
        limit + 1,
    )
    ids = [row["id"] for row in rows]
    return await households(db, ids[:limit]), len(ids) > limit


async def households(db: Executor, ids: list[int]) -> list[Household]:
    """These households with their members and contact points, in the order given."""
    contacts: dict[int, list[Contact]] = {}
    for row in await db.fetch(QUERIES["residents.contacts"], ids):
        contacts.setdefault(row["member_id"], []).append(
            Contact(
                row["id"],
                row["kind"],
                row["phone_e164"] or row["email"],
                row["line_type"],
                row["sms_capable"],
                row["verification"],
                row["not_in_service_at"],
                tuple(row["channels"]),
                tuple(row["refused"]),
                tuple(row["refused_exercises"]),
            )
        )
    members: dict[int, list[Member]] = {}
    for row in await db.fetch(QUERIES["residents.members"], ids):
        members.setdefault(row["household_id"], []).append(
            Member(
                row["id"], row["display_name"], row["language"], tuple(contacts.get(row["id"], ()))
            )
        )
    return [
        Household(**dict(row), members=tuple(members.get(row["id"], ())))
        for row in await db.fetch(QUERIES["residents.households"], ids)
    ]


async def household(db: Executor, household_id: int) -> Household | None:
    found = await households(db, [household_id])
    return found[0] if found else None


async def consents(db: Executor, household_id: int) -> list[Consent]:
    return [
        Consent(**dict(row)) for row in await db.fetch(QUERIES["residents.consents"], household_id)
    ]


async def sectors(db: Executor) -> list[SectorName]:
    return [SectorName(**dict(row)) for row in await db.fetch(QUERIES["residents.sectors"])]


async def is_member(db: Executor, household_id: int, member_id: int) -> bool:
    found: bool = await db.fetchval(QUERIES["residents.is_member"], household_id, member_id)
    return found


async def contact_kind(db: Executor, household_id: int, contact_id: int) -> ContactKind | None:
    """The kind of a contact point a member of this household lists, else None."""
    kind: ContactKind | None = await db.fetchval(
        QUERIES["residents.contact_kind"], household_id, contact_id
    )
    return kind


def member_name(raw: str) -> str:
    """A member's name: spaces collapsed, 1 to 200 printable characters."""
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise DomainError(
            f"Le nom doit compter de 1 à {MAX_NAME_LENGTH} caractères imprimables.",
            f"The name must be 1 to {MAX_NAME_LENGTH} printable characters.",
        )
    return name


def member_language(raw: str) -> Language:
    for language in LANGUAGES:
        if raw == language:
            return language
    raise DomainError("Langue inconnue.", "Unknown language.")


def contact_value(kind: ContactKind, raw: str) -> str:
    """The number in E.164 or the address as kept; a DomainError if it is not one."""
    return parse_phone(raw).e164 if kind == "phone" else parse_email(raw)


def chosen_channels(kind: ContactKind, raw: Collection[str]) -> list[Channel]:
    """The channels asked for that this kind of contact can carry; at least one."""
    chosen = [c for c in channels_for(kind) if c in raw]
    if not chosen:
        raise DomainError(
            "Choisissez au moins un canal, ou retirez ce contact.",
            "Choose at least one channel, or remove this contact.",
        )
    return chosen


async def update_member(
    db: Executor, household_id: int, member_id: int, name: str, language: str
) -> None:
    """A member's name and language; a DomainError (nothing saved) if either is wrong."""
    await db.execute(
        QUERIES["residents.update_member"],
        household_id,
        member_id,
        member_name(name),
        member_language(language),
    )


async def add_contact(
    conn: Connection, member_id: int, kind: ContactKind, raw: str, channels: Collection[str]
) -> int:
    """A phone number or email address for a member, with the channels chosen on it;
    checked before anything is written. Returns the contact point's id."""
    value = contact_value(kind, raw)
    wanted = chosen_channels(kind, channels)
    async with conn.transaction():
        if kind == "phone":
            contact_id = await people.add_phone(conn, value, "staff")
        else:
            contact_id = await people.add_email(conn, value, "staff")
        for channel in wanted:
            await people.choose_channel(conn, member_id, contact_id, channel)
    return contact_id


async def set_channels(
    conn: Connection, member_id: int, contact_id: int, kind: ContactKind, channels: Collection[str]
) -> list[Channel]:
    """Exactly these channels for the member on this contact point; returns them."""
    wanted = chosen_channels(kind, channels)
    async with conn.transaction():
        for channel in channels_for(kind):
            if channel in wanted:
                await people.choose_channel(conn, member_id, contact_id, channel)
            else:
                await people.drop_channel(conn, member_id, contact_id, channel)
    return wanted


async def remove_contact(db: Executor, member_id: int, contact_id: int) -> None:
    """The member no longer lists this contact point. The point itself stays, with its
    opt-outs, for the other members who list it and for the delivery history."""
    await db.execute(QUERIES["residents.drop_member_contact"], member_id, contact_id)
