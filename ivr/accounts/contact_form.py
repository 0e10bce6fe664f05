"""The citizen portal's contact form: what a resident may say about their household,
read from the posted fields, checked, and saved in one transaction with a record of
what changed (who, when, what) that the resident can read.

The account's own number is always one of the holder's phones (proven by its code);
other numbers are taken as typed. An email address is used only once its link was
opened (ivr.accounts.email_links). Changes apply to the next alert: an alert's audience
is resolved when it is launched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import get_args

import asyncpg

from ivr.domain.alerts import CHANNELS, Channel, Language
from ivr.domain.contacts import parse_email
from ivr.domain.errors import DomainError
from ivr.domain.phone import display_phone, parse_phone
from ivr.domain.sectors import assign_sector
from ivr.storage import people
from ivr.storage import resident_profile as store
from ivr.storage.executor import Connection
from ivr.storage.resident_profile import Account, Profile, Street
from ivr.storage.sectors import load_sectors

LANGUAGES: tuple[Language, ...] = get_args(Language)
PHONE_USES = ("mobile", "landline", "work")
PHONE_CHANNELS: tuple[Channel, ...] = ("voice", "sms")
PURPOSES = ("emergency_alerts", "exercise_alerts", "optional_notices")
CONSENT_WORDING = "2026-11"
"""The version of the consent wording on the form (ivr/web/portal/texts.py)."""
MAX_OTHERS = 12
MAX_PHONES = 6
MAX_NAME = 200
MAX_UNIT = 20


@dataclass(frozen=True)
class PhoneEntry:
    e164: str
    use: str
    channels: tuple[Channel, ...]


@dataclass(frozen=True)
class OtherEntry:
    id: int | None
    """None: a member added by this form."""
    name: str
    language: Language


@dataclass(frozen=True)
class ContactForm:
    name: str
    language: Language
    street_key: str
    civic_number: int
    unit: str
    others: tuple[OtherEntry, ...]
    phones: tuple[PhoneEntry, ...]
    """The account's own number first."""
    new_email: str | None
    removed_emails: frozenset[int]
    channel_order: tuple[str, ...]
    consents: frozenset[str]


@dataclass
class FormErrors:
    """Errors by field name, each tied to its field on the page."""

    by_field: dict[str, DomainError] = field(default_factory=dict)

    def add(self, name: str, error: DomainError) -> None:
        self.by_field.setdefault(name, error)


class Fields:
    """The posted fields, one value or all values of a name."""

    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self._values = values

    def one(self, name: str) -> str:
        found = self._values.get(name, ())
        return found[0].strip() if found else ""

    def all(self, name: str) -> list[str]:
        return [v.strip() for v in self._values.get(name, ())]


def read_form(
    fields: Fields, account: Account, streets: Sequence[Street]
) -> tuple[ContactForm | None, FormErrors]:
    """The form, or the errors of its fields (all of them, not the first only)."""
    errors = FormErrors()
    name = _name(fields.one("name"), "name", errors)
    language = _language(fields.one("language"), "language", errors)
    known = {s.key: s for s in streets}
    street_key = fields.one("street")
    if street_key not in known:
        errors.add("street", DomainError("Choisissez votre rue dans la liste.",
                                         "Choose your street from the list."))  # fmt: skip
    civic_number, unit = _civic(fields.one("civic_number"), fields.one("unit"), errors)
    others = tuple(_others(fields, errors))
    phones = _phones(fields, account.phone_e164, errors)
    new_email = None
    if raw_email := fields.one("email_new"):
        try:
            new_email = parse_email(raw_email)
        except DomainError as error:
            errors.add("email_new", error)
    removed = frozenset(int(v) for v in fields.all("email_remove") if v.isdigit())
    order = _order(fields, errors)
    consents = frozenset(v for v in fields.all("consent") if v in PURPOSES)
    if errors.by_field:
        return None, errors
    form = ContactForm(name, language, street_key, civic_number, unit, others, phones,
                       new_email, removed, order, consents)  # fmt: skip
    return form, errors


def _name(raw: str, where: str, errors: FormErrors) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        errors.add(where, DomainError("Écrivez un nom (200 caractères au plus).",
                                      "Write a name (200 characters at most)."))  # fmt: skip
    return name


def _language(raw: str, where: str, errors: FormErrors) -> Language:
    for language in LANGUAGES:
        if raw == language:
            return language
    errors.add(where, DomainError("Choisissez une langue.", "Choose a language."))
    return "fr"


def _civic(raw: str, unit_raw: str, errors: FormErrors) -> tuple[int, str]:
    """``12``, or ``12A`` (the letter goes to the unit when none is given)."""
    digits = raw.rstrip("ABCDEFGHabcdefgh").strip()
    suffix = raw[len(digits) :].strip().upper()
    unit = " ".join(unit_raw.split()) or suffix
    if not digits.isdigit() or not 0 < int(digits) < 100_000:
        errors.add("civic_number", DomainError(
            "Écrivez le numéro civique en chiffres (par exemple 12 ou 12A).",
            "Write the civic number in digits (for example 12 or 12A)."))  # fmt: skip
        return 0, unit
    if len(unit) > MAX_UNIT or not unit.isprintable():
        errors.add("unit", DomainError("L'unité a 20 caractères au plus.",
                                       "The unit has 20 characters at most."))  # fmt: skip
    return int(digits), unit


def _others(fields: Fields, errors: FormErrors) -> list[OtherEntry]:
    others = []
    for n in range(MAX_OTHERS):
        raw_name = fields.one(f"member-{n}-name")
        raw_id = fields.one(f"member-{n}-id")
        if not raw_name:
            continue  # an empty name removes the member
        name = _name(raw_name, f"member-{n}-name", errors)
        language = _language(fields.one(f"member-{n}-language") or "fr",
                             f"member-{n}-language", errors)  # fmt: skip
        others.append(OtherEntry(int(raw_id) if raw_id.isdigit() else None, name, language))
    return others


def _phones(fields: Fields, own: str, errors: FormErrors) -> tuple[PhoneEntry, ...]:
    phones: list[PhoneEntry] = []
    seen = {own}
    for n in range(MAX_PHONES):
        raw = fields.one(f"phone-{n}-number")
        if n > 0 and not raw:
            continue  # an empty number removes it
        use = fields.one(f"phone-{n}-use")
        if use not in PHONE_USES:
            errors.add(f"phone-{n}-use", DomainError("Choisissez le type de téléphone.",
                                                     "Choose the kind of phone."))  # fmt: skip
        channels = tuple(c for c in PHONE_CHANNELS if fields.one(f"phone-{n}-{c}"))
        if "sms" in channels and use == "landline":
            errors.add(f"phone-{n}-sms", DomainError(
                "Un téléphone fixe ne reçoit pas de textos : choisissez l'appel.",
                "A landline cannot receive text messages: choose calls."))  # fmt: skip
        if n == 0:
            e164 = own
        else:
            try:
                e164 = parse_phone(raw).e164
            except DomainError as error:
                errors.add(f"phone-{n}-number", error)
                continue
            if e164 in seen:
                errors.add(f"phone-{n}-number", DomainError(
                    f"Le numéro {display_phone(e164)} est déjà dans la liste.",
                    f"The number {display_phone(e164)} is already in the list."))  # fmt: skip
                continue
        seen.add(e164)
        phones.append(PhoneEntry(e164, use, channels))
    return tuple(phones)


def _order(fields: Fields, errors: FormErrors) -> tuple[str, ...]:
    chosen = [fields.one(f"order-{n}") for n in (1, 2, 3)]
    order = tuple(c for c in chosen if c in CHANNELS)
    if len(set(order)) != len(order):
        errors.add("order-1", DomainError("Chaque moyen ne peut être choisi qu'une fois.",
                                          "Each way can be chosen only once."))  # fmt: skip
    return order


async def save(
    pool: asyncpg.Pool, account_id: int, form: ContactForm, streets: Sequence[Street]
) -> list[dict[str, str]]:
    """Apply the form; the changes recorded (empty when nothing changed)."""
    async with pool.acquire() as conn, conn.transaction():
        found = await store.account(conn, account_id, for_update=True)
        if found is None:
            raise DomainError("Ce compte n'existe plus.", "This account no longer exists.")
        before = await store.profile(conn, found)
        found = await _ensure_household(conn, found, form, streets)
        assert found.household_id is not None and found.member_id is not None
        await _write(conn, found, form, streets, {p.id for p in before.others})
        after = await store.profile(conn, found)
        changes = differences(before, after)
        if changes:
            await store.record_changes(conn, account_id, changes)
    return changes


async def open_profile(pool: asyncpg.Pool, account_id: int) -> Profile | None:
    """The account's data; on the first visit of an account whose number is already
    listed (a directory landline), that household becomes the account's."""
    async with pool.acquire() as conn, conn.transaction():
        found = await store.account(conn, account_id, for_update=True)
        if found is None:
            return None
        if found.household_id is None and (listed := await store.listed_member(
            conn, found.phone_e164)) is not None:  # fmt: skip
            member_id, household_id = listed
            await store.keep_household(conn, found.id, household_id, member_id)
            found = Account(found.id, found.phone_e164, household_id, member_id)
        return await store.profile(conn, found)


async def _ensure_household(
    conn: Connection, found: Account, form: ContactForm, streets: Sequence[Street]
) -> Account:
    if found.household_id is not None and found.member_id is not None:
        return found
    street = next(s for s in streets if s.key == form.street_key)
    address = people.Address(street.community, form.civic_number, street.name, form.unit)
    household_id = await people.add_household(conn, address, await load_sectors(conn),
                                               form.language)  # fmt: skip
    member_id = await people.add_member(conn, household_id, form.name, form.language)
    await store.keep_household(conn, found.id, household_id, member_id)
    return Account(found.id, found.phone_e164, household_id, member_id)


async def _write(
    conn: Connection,
    found: Account,
    form: ContactForm,
    streets: Sequence[Street],
    listed_others: set[int],
) -> None:
    household_id, holder = found.household_id, found.member_id
    assert household_id is not None and holder is not None
    street = next(s for s in streets if s.key == form.street_key)
    placed = assign_sector(await load_sectors(conn), form.civic_number, street.name)
    await store.move_household(
        conn, household_id, civic_number=form.civic_number, street=street, unit=form.unit,
        sector=(placed.sector_code, placed.method) if placed else None, language=form.language,
    )  # fmt: skip
    await store.rename_member(conn, household_id, holder, form.name, form.language)
    await store.order_channels(conn, holder, form.channel_order)
    await _write_others(conn, household_id, holder, form.others, listed_others)
    kept: list[tuple[int, str]] = []
    for phone in form.phones:
        contact_id = await people.add_phone(conn, phone.e164, "portal")
        await store.describe_phone(conn, contact_id, phone.use, household_id)
        for channel in phone.channels:
            await people.choose_channel(conn, holder, contact_id, channel)
            kept.append((contact_id, channel))
    await store.keep_only_phone_channels(conn, holder, kept)
    for contact_id in form.removed_emails:
        await store.drop_email(conn, holder, contact_id)
    if form.new_email is not None:
        language = "en" if form.language == "en" else "fr"
        await store.wait_for_email(conn, found.id, holder, form.new_email, language)
    await _write_consents(conn, holder, form)


async def _write_others(
    conn: Connection,
    household_id: int,
    holder: int,
    others: Sequence[OtherEntry],
    listed: set[int],
) -> None:
    """Members by the ids the page showed; an id the household does not have is taken
    as a new member (never as another household's)."""
    kept = set()
    for other in others:
        if other.id is not None and other.id in listed:
            await store.rename_member(conn, household_id, other.id, other.name, other.language)
            kept.add(other.id)
        else:
            await people.add_member(conn, household_id, other.name, other.language)
    for member_id in listed - kept - {holder}:
        await store.remove_member(conn, household_id, member_id, holder)


async def _write_consents(conn: Connection, holder: int, form: ContactForm) -> None:
    language = form.language
    for purpose in PURPOSES:
        if purpose in form.consents:
            await people.grant_consent(conn, holder, purpose, wording_version=CONSENT_WORDING,
                                       language=language, source="portal")  # fmt: skip
        elif not await people.withdraw_consent(conn, holder, purpose) and not (
            await store.any_consent(conn, holder, purpose)
        ):
            await store.record_refusal(conn, holder, purpose, CONSENT_WORDING, language)


def differences(before: Profile, after: Profile) -> list[dict[str, str]]:
    """What changed, field by field, as the resident will read it."""
    old, new = summary(before), summary(after)
    return [
        {"field": key, "before": old.get(key, ""), "after": new.get(key, "")}
        for key in sorted(old.keys() | new.keys())
        if old.get(key, "") != new.get(key, "")
    ]


def summary(found: Profile) -> dict[str, str]:
    """A profile as plain text by field (for the change history and the data download)."""
    shown: dict[str, str] = {}
    if found.holder is not None:
        shown["name"] = found.holder.name
        shown["language"] = found.holder.language
    if found.home is not None:
        number = str(found.home.civic_number or "")
        unit = f", {found.home.unit}" if found.home.unit else ""
        shown["address"] = f"{number} {found.home.street}{unit}".strip()
        shown["sector"] = found.home.sector_fr or ""
    shown["household"] = "; ".join(f"{p.name} ({p.language})" for p in found.others)
    shown["phones"] = "; ".join(
        f"{display_phone(p.e164)} ({p.use or p.line_type}: {', '.join(p.channels)})"
        for p in found.phones
    )
    shown["emails"] = "; ".join(e.email for e in found.emails)
    shown["channel_order"] = ", ".join(found.channel_order)
    shown["consents"] = ", ".join(sorted(found.consents))
    return {k: v for k, v in shown.items() if v}
