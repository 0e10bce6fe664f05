"""Fictional demo data: sectors, streets and residents of Uashat and Mani-utenam.

Every name, street and address is invented. The phone numbers are lines of the
simulated phone network (``simnet/phones.json``): 418 962-1001 to 1012 (one of each
behaviour) and the 418 968-5xxx ranges (people, answering machines, busy, no answer),
so a demo alert rings real simulated phones. Emails use the reserved ``.example`` TLD.
Every resident can be reached except one, left without contact to show the preview.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import asyncpg
from shapely.geometry import box

from ivr.domain.alerts import Channel, Language
from ivr.domain.errors import DomainError
from ivr.domain.sectors import Community, Sector, StreetSegment, street_key
from ivr.storage import people
from ivr.storage.executor import Connection
from ivr.storage.people import Address
from ivr.storage.sectors import save_sectors

log = logging.getLogger(__name__)

SECTORS = (
    Sector("uashat", "uashat", "Uashat", "Uashat", boundary=box(-66.420, 50.200, -66.380, 50.230)),
    Sector(
        "uashat-nord",
        "uashat",
        "Uashat nord",
        "Uashat North",
        parent_code="uashat",
        boundary=box(-66.420, 50.215, -66.380, 50.230),
        segments=(
            StreetSegment("rue des Épinettes", 1, 199),
            StreetSegment("rue du Caribou", 1, 99, "odd"),
        ),
    ),
    Sector(
        "uashat-sud",
        "uashat",
        "Uashat sud",
        "Uashat South",
        parent_code="uashat",
        boundary=box(-66.420, 50.200, -66.380, 50.215),
        segments=(
            StreetSegment("rue du Caribou", 2, 98, "even"),
            StreetSegment("rue de la Baie", 1, 299),
        ),
    ),
    Sector(
        "mani-utenam",
        "mani-utenam",
        "Mani-utenam",
        "Mani-utenam",
        boundary=box(-66.090, 50.215, -66.030, 50.245),
    ),
    Sector(
        "mani-utenam-centre",
        "mani-utenam",
        "Mani-utenam centre",
        "Mani-utenam Centre",
        parent_code="mani-utenam",
        segments=(StreetSegment("rue des Outardes", 1, 199), StreetSegment("chemin du Lac", 1, 99)),
    ),
    Sector(
        "mani-utenam-plage",
        "mani-utenam",
        "Mani-utenam plage",
        "Mani-utenam Beach",
        parent_code="mani-utenam",
        segments=(StreetSegment("rue de la Plage", 1, 149),),
    ),
)
_STREETS: dict[str, tuple[str, ...]] = {
    "uashat": ("rue des Épinettes", "rue du Caribou", "rue de la Baie"),
    "mani-utenam": ("rue des Outardes", "chemin du Lac", "rue de la Plage"),
}
_FIRST = ("Marie", "Jean", "Anne", "Paul", "Julie", "Marc", "Sophie", "Luc", "Emma", "Noah")
_LAST = ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Morin", "Lavoie", "Fortin")

UNREACHABLE_NAME = "Résident sans contact"
SPECIAL_NUMBERS = tuple(f"418962{n}" for n in range(1001, 1013))
PERSON_NUMBERS = tuple(f"418968{n}" for n in range(5000, 5060))
MACHINE_NUMBERS = tuple(f"418968{n}" for n in range(5120, 5140))
BUSY_NUMBERS = tuple(f"418968{n}" for n in range(5160, 5170))
NO_ANSWER_NUMBERS = tuple(f"418968{n}" for n in range(5180, 5190))


@dataclass(frozen=True)
class DemoSummary:
    sectors: int
    households: int
    members: int
    phones: int
    emails: int


async def load_demo_data(pool: asyncpg.Pool, seed: int = 418) -> DemoSummary:
    """Load the demo into an empty database (sectors may exist; residents may not)."""
    async with pool.acquire() as conn, conn.transaction():
        if await people.has_households(conn):
            raise DomainError(
                "La base contient déjà des résidents; les données de démonstration ne sont "
                "chargées que dans une base vide.",
                "The database already has residents; demo data is loaded only into an empty one.",
            )
        await save_sectors(conn, SECTORS)
        summary = await _residents(conn, random.Random(seed))
    log.info("demo data loaded", extra={"households": summary.households})
    return summary


async def _residents(conn: Connection, rng: random.Random) -> DemoSummary:
    landlines = list(SPECIAL_NUMBERS + MACHINE_NUMBERS + BUSY_NUMBERS + NO_ANSWER_NUMBERS)
    mobiles = list(PERSON_NUMBERS)
    rng.shuffle(landlines)
    households = members = emails = 0
    while landlines or mobiles:
        community: Community = "uashat" if households % 2 == 0 else "mani-utenam"
        street = rng.choice(_STREETS[community])
        address = Address(community, rng.randrange(1, 99), street)
        language: Language = rng.choices(("fr", "innu", "en"), (6, 3, 1))[0]
        household = await people.add_household(conn, address, SECTORS, language)
        households += 1
        landline = None
        if landlines:
            landline = await people.add_phone(conn, landlines.pop(), "directory", "landline")
        for _ in range(rng.randint(1, 3)):
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            member = await people.add_member(conn, household, name, language)
            members += 1
            if landline is not None:
                await people.choose_channel(conn, member, landline, "voice")
            mobile = None
            if mobiles and (landline is None or rng.random() < 0.6):
                mobile = await people.add_phone(conn, mobiles.pop(), "portal", "mobile")
                channel: Channel = rng.choice(("sms", "voice"))
                await people.choose_channel(conn, member, mobile, channel)
            if (landline is None and mobile is None) or rng.random() < 0.3:
                local = street_key(name).replace(" ", ".")
                email = await people.add_email(conn, f"{local}{members}@demo.example", "portal")
                await people.choose_channel(conn, member, email, "email")
                emails += 1
            if rng.random() < 0.2:
                await people.grant_consent(
                    conn,
                    member,
                    "exercise_alerts",
                    wording_version="2026-1",
                    language="fr" if language == "innu" else language,
                    source="portal",
                )
    # one resident with no contact at all, so the preview has someone to list
    unreachable = Address("uashat", 7, "rue de la Baie")
    household = await people.add_household(conn, unreachable, SECTORS, "fr")
    await people.add_member(conn, household, UNREACHABLE_NAME, "fr")
    households, members = households + 1, members + 1
    phones = len(SPECIAL_NUMBERS + PERSON_NUMBERS + MACHINE_NUMBERS + BUSY_NUMBERS)
    phones += len(NO_ANSWER_NUMBERS)
    return DemoSummary(len(SECTORS), households, members, phones, emails)
