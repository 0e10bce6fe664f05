"""What a resident's account keeps up to date on the portal: its household (address,
members), the holder's numbers, addresses and channels, and consents; read as one
``Profile`` and written by ``ivr.accounts.contact_form``.

Every write names the household, so a form cannot reach another household's member or
contact by changing an id (ivr.storage.residents does the same for staff).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from ivr.domain.sectors import Community
from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class Account:
    id: int
    phone_e164: str
    household_id: int | None
    member_id: int | None


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    language: str


@dataclass(frozen=True)
class Home:
    civic_number: int | None
    street: str
    street_key: str
    unit: str
    community: str
    sector_fr: str | None
    sector_en: str | None


@dataclass(frozen=True)
class PhoneLine:
    id: int
    e164: str
    use: str | None
    line_type: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class EmailLine:
    id: int
    email: str


@dataclass(frozen=True)
class WaitingEmail:
    id: int
    email: str
    send_state: str


@dataclass(frozen=True)
class Street:
    name: str
    key: str
    community: Community


@dataclass(frozen=True)
class Profile:
    account: Account
    home: Home | None
    holder: Person | None
    others: tuple[Person, ...]
    channel_order: tuple[str, ...]
    phones: tuple[PhoneLine, ...]
    emails: tuple[EmailLine, ...]
    waiting: tuple[WaitingEmail, ...]
    consents: frozenset[str]


@dataclass(frozen=True)
class Change:
    at: datetime
    by_staff: bool
    changes: list[dict[str, str]]


def _account(row: Any) -> Account | None:
    if row is None:
        return None
    return Account(row["id"], row["phone_e164"], row["household_id"], row["member_id"])


async def account(db: Executor, account_id: int, *, for_update: bool = False) -> Account | None:
    """A live account (locked until the transaction ends with ``for_update``)."""
    query = "resident_profile.account_for_update" if for_update else "resident_profile.account"
    return _account(await db.fetchrow(QUERIES[query], account_id))


async def account_keeping(db: Executor, household_id: int) -> Account | None:
    return _account(await db.fetchrow(QUERIES["resident_profile.account_keeping"], household_id))


async def listed_member(db: Executor, phone_e164: str) -> tuple[int, int] | None:
    """(member, household) already listing this number and kept by no other account."""
    row = await db.fetchrow(QUERIES["resident_profile.listed_member"], phone_e164)
    return None if row is None else (row["member_id"], row["household_id"])


async def keep_household(db: Executor, account_id: int, household_id: int, member_id: int) -> None:
    await db.execute(QUERIES["resident_profile.keep_household"], account_id, household_id,
                     member_id)  # fmt: skip


async def profile(db: Executor, found: Account) -> Profile:
    if found.household_id is None or found.member_id is None:
        return Profile(found, None, None, (), (), (), (), await _waiting(db, found.id), frozenset())
    row = await db.fetchrow(QUERIES["resident_profile.household"], found.household_id)
    home = Home(**dict(row)) if row is not None else None
    people = await db.fetch(QUERIES["resident_profile.members"], found.household_id)
    holder = next((p for p in people if p["id"] == found.member_id), None)
    contacts = await db.fetch(QUERIES["resident_profile.member_contacts"], found.member_id)
    consents = await db.fetch(QUERIES["resident_profile.open_consents"], found.member_id)
    return Profile(
        account=found,
        home=home,
        holder=_person(holder) if holder is not None else None,
        others=tuple(_person(p) for p in people if p["id"] != found.member_id),
        channel_order=tuple(holder["channel_order"] or ()) if holder is not None else (),
        phones=tuple(
            PhoneLine(
                c["id"], c["phone_e164"], c["phone_use"], c["line_type"], tuple(c["channels"])
            )
            for c in contacts
            if c["kind"] == "phone"
        ),
        emails=tuple(EmailLine(c["id"], c["email"]) for c in contacts if c["kind"] == "email"),
        waiting=await _waiting(db, found.id),
        consents=frozenset(r["purpose"] for r in consents),
    )


def _person(row: Any) -> Person:
    return Person(row["id"], row["display_name"], row["language"])


async def _waiting(db: Executor, account_id: int) -> tuple[WaitingEmail, ...]:
    rows = await db.fetch(QUERIES["resident_profile.waiting_emails"], account_id)
    return tuple(WaitingEmail(r["id"], r["email"], r["send_state"]) for r in rows)


async def streets(db: Executor) -> list[Street]:
    rows = await db.fetch(QUERIES["resident_profile.streets"])
    return [Street(r["street"], r["street_key"], cast(Community, r["community"])) for r in rows]


async def move_household(
    db: Executor,
    household_id: int,
    *,
    civic_number: int,
    street: Street,
    unit: str,
    sector: tuple[str, str] | None,
    language: str,
) -> None:
    code, method = sector if sector is not None else (None, None)
    await db.execute(QUERIES["resident_profile.move_household"], household_id, civic_number,
                     street.name, street.key, unit, street.community, code, method,
                     language)  # fmt: skip


async def rename_member(
    db: Executor, household_id: int, member_id: int, name: str, language: str
) -> bool:
    """False when the member is not this household's."""
    found = await db.fetchval(QUERIES["resident_profile.rename_member"], member_id,
                              household_id, name, language)  # fmt: skip
    return found is not None


async def remove_member(db: Executor, household_id: int, member_id: int, holder_id: int) -> None:
    await db.execute(QUERIES["resident_profile.remove_member"], member_id, household_id,
                     holder_id)  # fmt: skip


async def order_channels(db: Executor, member_id: int, order: Sequence[str]) -> None:
    await db.execute(QUERIES["resident_profile.order_channels"], member_id, list(order) or None)


async def describe_phone(db: Executor, contact_id: int, use: str, household_id: int) -> None:
    await db.execute(QUERIES["resident_profile.describe_phone"], contact_id, use, household_id)


async def keep_only_phone_channels(
    db: Executor, member_id: int, kept: Sequence[tuple[int, str]]
) -> None:
    """Drop the member's phone channels other than ``kept`` (contact id, channel)."""
    await db.execute(QUERIES["resident_profile.drop_phone_channels"], member_id,
                     [f"{c}:{ch}" for c, ch in kept])  # fmt: skip


async def drop_email(db: Executor, member_id: int, contact_id: int) -> None:
    await db.execute(QUERIES["resident_profile.drop_email"], member_id, contact_id)


async def wait_for_email(
    db: Executor, account_id: int, member_id: int, email: str, language: str
) -> int:
    row = await db.fetchrow(QUERIES["resident_profile.wait_for_email"], account_id, member_id,
                            email, language)  # fmt: skip
    assert row is not None
    return int(row["id"])


async def any_consent(db: Executor, member_id: int, purpose: str) -> bool:
    return bool(await db.fetchval(QUERIES["resident_profile.any_consent"], member_id, purpose))


async def record_refusal(
    db: Executor, member_id: int, purpose: str, wording_version: str, language: str
) -> None:
    await db.execute(QUERIES["resident_profile.record_refusal"], member_id, purpose,
                     wording_version, language)  # fmt: skip


async def record_changes(
    db: Executor, account_id: int, changes: list[dict[str, str]], staff_id: int | None = None
) -> None:
    await db.execute(QUERIES["resident_profile.record_changes"], account_id, staff_id,
                     json.dumps(changes, ensure_ascii=False))  # fmt: skip


async def changes(db: Executor, account_id: int) -> list[Change]:
    rows = await db.fetch(QUERIES["resident_profile.changes"], account_id)
    return [Change(r["at"], r["by_staff"], json.loads(r["changes"])) for r in rows]
