"""Small random populations for the targeting property tests: a hypothesis strategy,
a loader into PostgreSQL, and the expected deliveries computed in Python from the
rules of ivr.domain.audience (the oracle the SQL resolution is checked against)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from ivr.domain.alerts import CHANNELS, Channel, Language
from ivr.domain.audience import (
    effective_channel,
    opt_out_applies,
    pick_language,
    usable,
    wanted_language,
)
from ivr.storage.executor import Connection

SECTORS = {"a": None, "a1": "a", "a2": "a", "b": None}
"""Sector code -> parent code."""
LANGUAGES: tuple[Language, ...] = ("fr", "en", "innu")
_rarely = st.sampled_from([False, False, False, True])


@dataclass(frozen=True)
class Household:
    sector: str | None
    language: Language


@dataclass(frozen=True)
class Member:
    household: int
    language: Language
    tester: bool
    withdrew: bool
    """Withdrew consent to emergency alerts."""


@dataclass(frozen=True)
class Contact:
    kind: str
    line_type: str
    sms_capable: str
    verification: str
    not_in_service: bool


@dataclass(frozen=True)
class Population:
    households: list[Household]
    members: list[Member]
    contacts: list[Contact]
    choices: list[tuple[int, int, Channel]]
    """(member index, contact index, channel chosen)."""
    opt_outs: list[tuple[int, Channel]]
    exercise_opt_outs: list[tuple[int, Channel]] = field(default_factory=list)
    """Opt-outs that keep emergencies on (an email's one-click unsubscribe)."""


@dataclass(frozen=True)
class AlertSpec:
    exercise: bool
    target_all: bool
    sectors: frozenset[str]
    available: dict[Channel, frozenset[Language]] = field(default_factory=dict)


@st.composite
def populations(draw: st.DrawFn) -> Population:
    households = draw(
        st.lists(
            st.builds(Household, st.sampled_from([*SECTORS, None]), st.sampled_from(LANGUAGES)),
            min_size=1,
            max_size=6,
        )
    )
    members = draw(
        st.lists(
            st.builds(
                Member,
                st.integers(0, len(households) - 1),
                st.sampled_from(LANGUAGES),
                st.booleans(),
                _rarely,
            ),
            min_size=1,
            max_size=10,
        )
    )
    contacts = draw(
        st.lists(
            st.builds(
                Contact,
                st.sampled_from(["phone", "phone", "email"]),
                st.sampled_from(["landline", "mobile", "unknown"]),
                st.sampled_from(["unknown", "yes", "no"]),
                st.sampled_from(["unverified", "verified", "verified", "invalid"]),
                _rarely,
            ),
            max_size=8,
        )
    )
    choices: list[tuple[int, int, Channel]] = []
    if contacts:
        for _ in range(draw(st.integers(0, 16))):
            member = draw(st.integers(0, len(members) - 1))
            contact = draw(st.integers(0, len(contacts) - 1))
            if contacts[contact].kind == "email":
                channel: Channel = "email"
            else:
                channel = draw(st.sampled_from(["voice", "sms"]))
            choices.append((member, contact, channel))
    opt_outs = []
    if contacts:
        opt_outs = draw(
            st.lists(
                st.tuples(st.integers(0, len(contacts) - 1), st.sampled_from(CHANNELS)),
                max_size=3,
                unique=True,
            )
        )
    exercise_opt_outs: list[tuple[int, Channel]] = []
    if contacts:
        only_email: st.SearchStrategy[Channel] = st.sampled_from(["email"])
        exercise_opt_outs = draw(
            st.lists(
                st.tuples(st.integers(0, len(contacts) - 1), only_email), max_size=2, unique=True
            )
        )
    return Population(
        households, members, contacts, sorted(set(choices)), opt_outs, exercise_opt_outs
    )


@st.composite
def alert_specs(draw: st.DrawFn) -> AlertSpec:
    available: dict[Channel, frozenset[Language]] = {}
    for channel in CHANNELS:
        langs: set[Language] = draw(st.sets(st.sampled_from(["fr", "en"]), min_size=1))
        if channel == "voice" and draw(st.booleans()):
            langs.add("innu")
        available[channel] = frozenset(langs)
    return AlertSpec(
        exercise=draw(st.booleans()),
        target_all=draw(st.booleans()),
        sectors=frozenset(draw(st.sets(st.sampled_from(list(SECTORS)), max_size=2))),
        available=available,
    )


@dataclass(frozen=True)
class Loaded:
    sector_ids: dict[str, int]
    household_ids: list[int]
    member_ids: list[int]
    contact_ids: list[int]
    staff_id: int


async def load(conn: Connection, pop: Population) -> Loaded:
    """Insert the population (inside the caller's transaction)."""
    sector_ids: dict[str, int] = {}
    for code, parent in SECTORS.items():
        sector_ids[code] = await conn.fetchval(
            "INSERT INTO sectors (code, community, name_fr, name_en, parent_id) "
            "VALUES ($1, 'uashat', $1, $1, $2) RETURNING id",
            code,
            sector_ids.get(parent) if parent else None,
        )
    household_ids = [
        await conn.fetchval(
            "INSERT INTO households (community, sector_id, sector_method, preferred_language) "
            "VALUES ('uashat', $1, $2, $3) RETURNING id",
            sector_ids[h.sector] if h.sector else None,
            "staff" if h.sector else None,
            h.language,
        )
        for h in pop.households
    ]
    member_ids = []
    for i, m in enumerate(pop.members):
        member_id = await conn.fetchval(
            "INSERT INTO members (household_id, display_name, language) VALUES ($1, $2, $3) "
            "RETURNING id",
            household_ids[m.household],
            f"member {i}",
            m.language,
        )
        member_ids.append(member_id)
        if m.tester:
            await conn.execute(
                "INSERT INTO consents (member_id, purpose, wording_version, language, source) "
                "VALUES ($1, 'exercise_alerts', 'v1', 'fr', 'portal')",
                member_id,
            )
        if m.withdrew:
            await conn.execute(
                "INSERT INTO consents (member_id, purpose, wording_version, language, source, "
                "withdrawn_at) VALUES ($1, 'emergency_alerts', 'v1', 'fr', 'portal', now())",
                member_id,
            )
    contact_ids = []
    for i, c in enumerate(pop.contacts):
        contact_ids.append(
            await conn.fetchval(
                "INSERT INTO contact_points (kind, phone_e164, email, line_type, sms_capable, "
                "verification, source, not_in_service_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "'staff', CASE WHEN $7 THEN now() END) RETURNING id",
                c.kind,
                f"+1418962{1000 + i}" if c.kind == "phone" else None,
                f"p{i}@test.example" if c.kind == "email" else None,
                c.line_type,
                c.sms_capable,
                c.verification,
                c.not_in_service,
            )
        )
    await conn.executemany(
        "INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel) "
        "VALUES ($1, $2, $3, $4)",
        [(member_ids[m], contact_ids[c], pop.contacts[c].kind, ch) for m, c, ch in pop.choices],
    )
    staff_id = await conn.fetchval(
        "INSERT INTO staff (email, display_name, role, password_hash) "
        "VALUES ('t@test.example', 't', 'admin', 'x') RETURNING id"
    )
    loaded = Loaded(sector_ids, household_ids, member_ids, contact_ids, staff_id)
    await add_opt_outs(conn, loaded, pop.opt_outs)
    await add_opt_outs(conn, loaded, pop.exercise_opt_outs, emergencies=False)
    return loaded


async def add_opt_outs(
    conn: Connection, ids: Loaded, opt_outs: list[tuple[int, Channel]], *, emergencies: bool = True
) -> None:
    await conn.executemany(
        "INSERT INTO opt_outs (contact_point_id, channel, source, emergencies) "
        "VALUES ($1, $2, 'resident', $3) ON CONFLICT DO NOTHING",
        [(ids.contact_ids[c], ch, emergencies) for c, ch in opt_outs],
    )


async def create_alert(
    conn: Connection, ids: Loaded, alert: AlertSpec, follow_up_of: int | None = None
) -> int:
    """A draft alert as ``alert`` describes; a follow-up copies the earlier one's target."""
    category = "exercise" if alert.exercise else "evacuation"
    alert_id: int = await conn.fetchval(
        "INSERT INTO alerts (title, category, urgency, target_all, follow_up_of, drafted_by) "
        "VALUES ('t', $1, 'normal', $2, $3, $4) RETURNING id",
        "all_clear" if follow_up_of else category,
        alert.target_all,
        follow_up_of,
        ids.staff_id,
    )
    await conn.executemany(
        "INSERT INTO alert_sectors (alert_id, sector_id) VALUES ($1, $2)",
        [(alert_id, ids.sector_ids[code]) for code in alert.sectors],
    )
    for language in LANGUAGES:
        has = {ch: language in langs for ch, langs in alert.available.items()}
        if not any(has.values()):
            continue
        await conn.execute(
            "INSERT INTO alert_contents (alert_id, language, sms_text, email_subject, "
            "email_body, voice_recording) VALUES ($1, $2, $3, $4, $4, $5)",
            alert_id,
            language,
            "sms" if has["sms"] else None,
            "email" if has["email"] else None,
            "recording" if has["voice"] else None,
        )
    return alert_id


def targeted_sectors(alert: AlertSpec) -> set[str]:
    """The targeted sectors and all their sub-sectors."""
    found = set(alert.sectors)
    while True:
        more = {code for code, parent in SECTORS.items() if parent in found} - found
        if not more:
            return found
        found |= more


Pairs = frozenset[tuple[int, Channel]]
"""(contact index, channel) pairs an earlier alert delivered to."""


def in_scope(pop: Population, alert: AlertSpec, member: int, earlier: Pairs | None = None) -> bool:
    m = pop.members[member]
    sector = pop.households[m.household].sector
    in_target = alert.target_all or sector in targeted_sectors(alert)
    if earlier is not None:  # a follow-up also reaches whoever the earlier alert reached
        contacts = {c for c, _ in earlier}
        in_target = in_target or any(mm == member and c in contacts for mm, c, _ in pop.choices)
    if not in_target:
        return False
    if alert.exercise and not m.tester:
        return False
    return not m.withdrew


def usable_choices(
    pop: Population, alert: AlertSpec, earlier: Pairs | None = None
) -> list[tuple[int, int, Channel, Language]]:
    """(member, contact, effective channel, language asked for) for members in scope."""
    found = []
    for member, contact, chosen in pop.choices:
        if not in_scope(pop, alert, member, earlier):
            continue
        c = pop.contacts[contact]
        channel = effective_channel(chosen, c.line_type, c.sms_capable)
        if earlier is not None and (contact, channel) not in earlier:
            continue
        ok = usable(
            channel,
            verification=c.verification,
            not_in_service=c.not_in_service,
            opted_out=(contact, channel) in pop.opt_outs
            or (
                (contact, channel) in pop.exercise_opt_outs
                and opt_out_applies(covers_emergencies=False, exercise=alert.exercise)
            ),
        )
        if ok:
            m = pop.members[member]
            household_language = pop.households[m.household].language
            wanted = wanted_language(channel, c.line_type, m.language, household_language)
            found.append((member, contact, channel, wanted))
    return found


def expected_deliveries(
    pop: Population, alert: AlertSpec, earlier: Pairs | None = None
) -> set[tuple[int, Channel, Language, int]]:
    """(contact index, channel, language, member index) the resolution must create."""
    first: dict[tuple[int, Channel], tuple[int, Language]] = {}
    for member, contact, channel, wanted in sorted(usable_choices(pop, alert, earlier)):
        first.setdefault((contact, channel), (member, wanted))
    expected = set()
    for (contact, channel), (member, wanted) in first.items():
        language = pick_language(wanted, alert.available[channel])
        if language is not None:
            expected.add((contact, channel, language, member))
    return expected
