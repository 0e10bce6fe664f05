"""Households, members, contact points, channel choices, opt-outs and consents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from ivr.domain.alerts import Channel, Language
from ivr.domain.contacts import Source, kind_for, parse_email
from ivr.domain.errors import DomainError
from ivr.domain.phone import LineType, parse_phone
from ivr.domain.sectors import Community, Sector, assign_sector, street_key
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class Address:
    community: Community
    civic_number: int | None
    street: str
    unit: str = ""
    postal_code: str = ""
    point: tuple[float, float] | None = None
    """(longitude, latitude) when known."""

    def __post_init__(self) -> None:
        texts = (self.street, self.unit, self.postal_code)
        bad_number = self.civic_number is not None and not 0 < self.civic_number < 1_000_000
        bad_text = any(len(t) > 200 or not t.isprintable() for t in texts)
        bad_point = self.point is not None and not (
            -180 <= self.point[0] <= 180 and -90 <= self.point[1] <= 90
        )
        if bad_number or bad_text or bad_point:
            raise DomainError(
                "Adresse invalide : numéro civique, rue, unité, code postal ou coordonnées.",
                "Invalid address: civic number, street, unit, postal code or coordinates.",
            )


async def add_household(
    db: Executor, address: Address, sectors: Sequence[Sector], preferred_language: Language = "fr"
) -> int:
    """A household at ``address``, placed in its sector (see domain.sectors.assign_sector);
    a household no sector covers is kept without one and reached only by alerts to all."""
    found = assign_sector(sectors, address.civic_number, address.street, address.point)
    longitude, latitude = address.point if address.point else (None, None)
    household_id: int = await db.fetchval(
        QUERIES["people.add_household"],
        address.civic_number,
        address.street.strip(),
        street_key(address.street),
        address.unit.strip(),
        address.community,
        address.postal_code.strip().upper(),
        latitude,
        longitude,
        found.sector_code if found else None,
        found.method if found else None,
        preferred_language,
    )
    return household_id


async def add_member(db: Executor, household_id: int, display_name: str, language: Language) -> int:
    name = " ".join(display_name.split())
    if not name or len(name) > 200:
        raise DomainError(
            "Le nom doit avoir de 1 à 200 caractères.", "The name must be 1 to 200 characters."
        )
    member_id: int = await db.fetchval(QUERIES["people.add_member"], household_id, name, language)
    return member_id


async def add_phone(
    db: Executor, raw: str, source: Source, line_type: LineType | None = None
) -> int:
    """The contact point of a phone number (created if new). ``line_type`` is what the
    resident or the directory says; without it, what the numbering plan tells."""
    phone = parse_phone(raw)
    contact_id: int = await db.fetchval(
        QUERIES["people.upsert_phone"], phone.e164, line_type or phone.line_type, source
    )
    return contact_id


async def add_email(db: Executor, raw: str, source: Source) -> int:
    contact_id: int = await db.fetchval(QUERIES["people.upsert_email"], parse_email(raw), source)
    return contact_id


async def choose_channel(db: Executor, member_id: int, contact_id: int, channel: Channel) -> None:
    """The member wants alerts on this contact point by ``channel``."""
    try:
        await db.execute(QUERIES["people.choose_channel"], member_id, contact_id, channel)
    except asyncpg.CheckViolationError:
        wanted = kind_for(channel)
        raise DomainError(
            f"Le canal {channel} demande un contact de type {wanted}.",
            f"The {channel} channel needs a {wanted} contact.",
        ) from None


async def drop_channel(db: Executor, member_id: int, contact_id: int, channel: Channel) -> None:
    await db.execute(QUERIES["people.drop_channel"], member_id, contact_id, channel)


async def opt_out(db: Executor, contact_id: int, channel: Channel, source: str) -> None:
    """This number or address receives nothing more on ``channel`` (all members)."""
    await db.execute(QUERIES["people.opt_out"], contact_id, channel, source)


async def opt_in(db: Executor, contact_id: int, channel: Channel) -> None:
    await db.execute(QUERIES["people.opt_in"], contact_id, channel)


async def grant_consent(
    db: Executor,
    member_id: int,
    purpose: str,
    *,
    wording_version: str,
    language: Language,
    source: str,
) -> bool:
    """Record consent; False if the member already has an open consent for ``purpose``."""
    consent_id = await db.fetchval(
        QUERIES["people.grant_consent"], member_id, purpose, wording_version, language, source
    )
    return consent_id is not None


async def withdraw_consent(db: Executor, member_id: int, purpose: str) -> bool:
    """Withdraw the open consent for ``purpose``; False if there was none."""
    return await db.fetchval(QUERIES["people.withdraw_consent"], member_id, purpose) is not None


async def set_sms_capable(db: Executor, contact_id: int, capable: bool) -> None:
    """What a delivery receipt taught: a number that cannot take SMS gets calls instead."""
    await db.execute(QUERIES["people.set_sms_capable"], contact_id, "yes" if capable else "no")


async def set_verification(db: Executor, contact_id: int, state: str) -> None:
    await db.execute(QUERIES["people.set_verification"], contact_id, state)


async def clear_not_in_service(db: Executor, contact_id: int) -> None:
    """The resident or staff confirmed the number works again."""
    await db.execute(QUERIES["people.clear_not_in_service"], contact_id)


async def reassign_households(conn: Connection, sectors: Sequence[Sector]) -> int:
    """Place every household again after the sectors changed (those placed by staff
    stay where staff put them). Reads through a cursor, in batches: memory stays flat.
    Returns how many households changed sector."""
    changed = 0
    async with conn.transaction():
        batch: list[tuple[int, str | None, str | None]] = []
        async for row in conn.cursor(QUERIES["people.households_to_place"], prefetch=1000):
            point = None
            if row["longitude"] is not None:
                point = (row["longitude"], row["latitude"])
            found = assign_sector(sectors, row["civic_number"], row["street"], point)
            code, method = (found.sector_code, found.method) if found else (None, None)
            if (code, method) != (row["sector_code"], row["sector_method"]):
                batch.append((row["id"], code, method))
            if len(batch) >= 1000:
                await conn.executemany(QUERIES["people.place_household"], batch)
                changed, batch = changed + len(batch), []
        await conn.executemany(QUERIES["people.place_household"], batch)
    return changed + len(batch)


async def set_household_sector(db: Executor, household_id: int, sector_code: str) -> None:
    """Staff place a household by hand; reassignment will not move it."""
    if (
        await db.fetchval(
            QUERIES["people.set_household_sector_by_staff"], household_id, sector_code
        )
        is None
    ):
        raise DomainError("Ménage ou secteur introuvable.", "No such household or sector.")


async def has_households(db: Executor) -> bool:
    """Whether any resident is registered yet."""
    exists: bool = await db.fetchval(QUERIES["people.any_household"])
    return exists
