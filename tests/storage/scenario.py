"""A small hand-made town for the storage tests: sectors, then residents added with the
real repositories, and alerts drafted, approved and launched through them."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from shapely.geometry import box

from ivr.domain.alerts import Category, Channel, Content, Language, Urgency
from ivr.domain.sectors import Sector, StreetSegment
from ivr.storage import alerts, people
from ivr.storage.people import Address
from ivr.storage.queries import QUERIES
from ivr.storage.sectors import save_sectors

TOWN = (
    Sector("nord", "uashat", "Nord", "North", boundary=box(0, 1, 2, 2)),
    Sector(
        "nord-est",
        "uashat",
        "Nord-est",
        "North-east",
        parent_code="nord",
        segments=(StreetSegment("rue A", 1, 99),),
    ),
    Sector(
        "nord-ouest",
        "uashat",
        "Nord-ouest",
        "North-west",
        parent_code="nord",
        segments=(StreetSegment("rue B", 1, 99),),
    ),
    Sector("sud", "uashat", "Sud", "South", segments=(StreetSegment("rue C", 1, 99),)),
)
STREET_OF = {"nord-est": "rue A", "nord-ouest": "rue B", "sud": "rue C"}
FRENCH = Content("fr", "Avis.", "Avis", "Corps du message.", None, "Ceci est un avis.")
ENGLISH = Content("en", "Notice.", "Notice", "Message body.", None, "This is a notice.")


@dataclass
class Town:
    db: asyncpg.Pool
    author: int
    approver: int
    _numbers: int = 0

    async def household(self, sector: str, language: Language = "fr") -> int:
        address = Address("uashat", 10, STREET_OF[sector])
        return await people.add_household(self.db, address, TOWN, language)

    async def member(self, household: int, language: Language = "fr") -> int:
        return await people.add_member(self.db, household, f"Personne {household}", language)

    async def phone(self, line_type: str = "mobile") -> int:
        self._numbers += 1
        return await people.add_phone(
            self.db,
            f"418 962-{1000 + self._numbers}",
            "staff",
            line_type,  # type: ignore[arg-type]
        )

    async def email(self) -> int:
        self._numbers += 1
        return await people.add_email(self.db, f"p{self._numbers}@test.example", "portal")

    async def choose(self, member: int, contact: int, channel: Channel) -> None:
        await people.choose_channel(self.db, member, contact, channel)

    async def alert(
        self,
        *sectors: str,
        category: Category = "evacuation",
        contents: tuple[Content, ...] = (FRENCH,),
        follow_up_of: int | None = None,
        launch: bool = True,
        urgency: Urgency = "urgent",
    ) -> int:
        async with self.db.acquire() as conn:
            alert_id = await alerts.create_alert(
                conn,
                title="Test",
                category=category,
                urgency=urgency,
                drafted_by=self.author,
                sector_codes=sectors,
                target_all=not sectors and follow_up_of is None,
                follow_up_of=follow_up_of,
            )
            for content in contents:
                await alerts.set_content(conn, alert_id, content)
            if launch:
                await alerts.approve(conn, alert_id, self.approver)
                await alerts.launch(conn, alert_id, self.approver)
        return alert_id

    async def deliveries(self, alert_id: int) -> dict[tuple[int, str], str]:
        """(contact id, channel) -> language of each delivery of the alert."""
        rows = await self.db.fetch(
            "SELECT contact_point_id, channel, language FROM deliveries WHERE alert_id = $1",
            alert_id,
        )
        return {(r["contact_point_id"], r["channel"]): r["language"] for r in rows}


async def build_town(db: asyncpg.Pool) -> Town:
    async with db.acquire() as conn:
        await save_sectors(conn, TOWN)
    author = await db.fetchval(QUERIES["staff.create"], "a@test.example", "A", "operator", "x")
    approver = await db.fetchval(QUERIES["staff.create"], "b@test.example", "B", "approver", "x")
    return Town(db, author, approver)
