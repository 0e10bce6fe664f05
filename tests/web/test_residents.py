"""The residents pages: search by every key, the household with its flags, the audit of
every search and view, who may read and who may edit, refused edits saving nothing,
markup shown inert, and search → household in real Chromium on a 360 px screen."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from playwright.async_api import ConsoleMessage, Page, expect

from ivr.accounts.staff import create_staff
from ivr.domain.alerts import CHANNELS
from ivr.domain.sectors import Community
from ivr.storage import people
from ivr.storage.people import Address
from ivr.storage.residents import LANGUAGES
from ivr.storage.sectors import save_sectors
from ivr.web.admin.residents import DONE, FLAGS
from ivr.web.admin.texts import TEXT
from tests.fixtures.browser import LiveServer
from tests.storage.scenario import TOWN
from tests.web.conftest import (
    ADMIN_PASSWORD,
    ClientFactory,
    csrf_token_in,
    login,
    origin,
)

APPROVER = "anne@itum.example"
OPERATOR = "paul@itum.example"
VIEWER = "lise@itum.example"


@dataclass(frozen=True)
class Home:
    household: int
    marie: int
    jean: int
    mobile: int
    landline: int
    email: int
    other_household: int


async def _home(db: asyncpg.Pool) -> Home:
    """12 rue A (sector nord-est): Marie with a number not in service (voice, SMS) and a
    bouncing email; Jean with a landline that cannot take SMS and refused calls. Next
    door, another household."""
    async with db.acquire() as conn:
        await save_sectors(conn, TOWN)
    household = await people.add_household(db, Address("uashat", 12, "rue A"), TOWN)
    marie = await people.add_member(db, household, "Marie Tremblay", "fr")
    jean = await people.add_member(db, household, "Jean Vollant", "innu")
    mobile = await people.add_phone(db, "418 962-1001", "staff", "mobile")
    landline = await people.add_phone(db, "418 962-1002", "directory", "landline")
    email = await people.add_email(db, "marie@exemple.ca", "portal")
    await people.choose_channel(db, marie, mobile, "voice")
    await people.choose_channel(db, marie, mobile, "sms")
    await people.choose_channel(db, marie, email, "email")
    await people.choose_channel(db, jean, landline, "sms")
    await db.execute("UPDATE contact_points SET not_in_service_at = now() WHERE id = $1", mobile)
    await people.set_verification(db, email, "invalid")
    await people.set_sms_capable(db, landline, capable=False)
    await people.opt_out(db, landline, "voice", "resident")
    await people.grant_consent(
        db, marie, "exercise_alerts", wording_version="v1", language="fr", source="portal"
    )
    other = await people.add_household(db, Address("uashat", 14, "rue A"), TOWN)
    await people.add_member(db, other, "Voisin Fontaine", "fr")
    return Home(household, marie, jean, mobile, landline, email, other)


@pytest_asyncio.fixture
async def home(db: asyncpg.Pool) -> Home:
    return await _home(db)


@pytest_asyncio.fixture
async def staff(db: asyncpg.Pool, admin_id: int) -> dict[str, int]:
    return {
        "admin": admin_id,
        "approver": await create_staff(db, APPROVER, "Anne", "approver", ADMIN_PASSWORD),
        "operator": await create_staff(db, OPERATOR, "Paul", "operator", ADMIN_PASSWORD),
        "viewer": await create_staff(db, VIEWER, "Lise", "viewer", ADMIN_PASSWORD),
    }


async def _signed_in(make_client: ClientFactory, email: str) -> TestClient[Any, Any]:
    client = await make_client()
    assert (await login(client, email)).status == 303
    return client


async def _post(
    client: TestClient[Any, Any],
    path: str,
    fields: list[tuple[str, str]],
    *,
    token_from: str,
    with_token: bool = True,
) -> ClientResponse:
    """POST form fields (a name may repeat) with the page's CSRF token and our Origin."""
    form = aiohttp.FormData()
    if with_token:
        page = await client.get(token_from)
        form.add_field("csrf_token", csrf_token_in(await page.text()))
    for name, value in fields:
        form.add_field(name, value)
    return await client.post(
        path, data=form, headers={"Origin": origin(client)}, allow_redirects=False
    )


async def _reads(db: asyncpg.Pool) -> list[tuple[str, dict[str, Any]]]:
    rows = await db.fetch(
        "SELECT subject, details FROM audit_log WHERE action = 'personal_data.read' ORDER BY id"
    )
    return [(row["subject"], json.loads(row["details"])) for row in rows]


async def _actions(db: asyncpg.Pool, prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    rows = await db.fetch(
        "SELECT action, subject, details FROM audit_log WHERE action LIKE $1 ORDER BY id",
        prefix + "%",
    )
    return [(row["action"], row["subject"], json.loads(row["details"])) for row in rows]


@pytest.mark.parametrize(
    "query",
    [
        "tremblay",  # a member's name, any case
        "Jean Voll",
        "418-962-1001",  # a whole number, written any way
        "(418) 9621002",
        "+1 418 962 1001",
        "962-100",  # part of a number
        "MARIE@exemple.ca",  # an email
        "exemple.ca",
        "rue a",  # a street
        "12 Rue A",  # a civic number and its street
    ],
)
async def test_search_by_each_key_finds_the_household(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int], query: str
) -> None:
    client = await _signed_in(make_client, OPERATOR)
    response = await client.get("/admin/residents", params={"q": query})
    assert response.status == 200
    html = await response.text()
    assert f'href="/admin/residents/{home.household}"' in html, query
    assert "Marie Tremblay" in html
    # Every search is recorded: that it happened and what it showed, never its text.
    [(subject, details)] = await _reads(db)
    assert subject == "residents:search"
    assert home.household in details["households"]
    assert details["results"] == len(details["households"])
    assert "phone" in details["fields"]
    assert query.lower() not in json.dumps(details).lower()


async def test_search_shows_flags_and_nothing_for_a_stranger(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, OPERATOR)
    html = await (await client.get("/admin/residents?q=rue+A")).text()
    assert f'href="/admin/residents/{home.other_household}"' in html
    for flag in ("hors service", "adresse refusée", "pas de texto", "refuse : Appel vocal"):
        assert flag in html
    assert "418 962-1001" in html
    none = await (await client.get("/admin/residents?q=Zacharie")).text()
    assert "Aucun ménage ne correspond" in none
    assert [d["results"] for _, d in await _reads(db)] == [2, 0]
    # The query docs/security.md gives to tell a resident who saw their household.
    seen = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'personal_data.read' AND (subject = $1 "
        "OR details->'households' @> $2::jsonb)",
        f"household:{home.household}",
        str(home.household),
    )
    assert seen == 1


async def test_a_query_too_short_is_refused_at_its_field_and_not_searched(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, OPERATOR)
    response = await client.get("/admin/residents?q=a")
    assert response.status == 400
    html = await response.text()
    assert 'aria-describedby="q-hint q-error" aria-invalid="true"' in html
    assert '<p class="error" id="q-error" role="alert">Tapez au moins 2 caractères.</p>' in html
    assert await _reads(db) == []


async def test_search_results_are_capped_with_a_request_to_refine(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    for number in range(1, 52):
        household = await people.add_household(db, Address("uashat", number, "rue C"), TOWN)
        await people.add_member(db, household, f"Personne {number}", "fr")
    client = await _signed_in(make_client, OPERATOR)
    html = await (await client.get("/admin/residents?q=rue+C")).text()
    assert "Ménages trouvés : 50" in html
    assert "Seuls les 50 premiers ménages sont affichés : précisez la recherche." in html
    [(_, details)] = await _reads(db)
    assert details["results"] == 50
    assert details["more"] is True


async def test_the_household_shows_members_contacts_flags_and_consents_and_is_audited(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, OPERATOR)
    response = await client.get(f"/admin/residents/{home.household}")
    assert response.status == 200
    html = await response.text()
    for text in (
        "12 rue A",
        "Nord-est (selon la rue)",
        "Marie Tremblay",
        "Jean Vollant",
        "Innu-aimun",
        "418 962-1001",
        "418 962-1002",
        "marie@exemple.ca",
        '<span class="flag">hors service</span>',
        '<span class="flag">adresse refusée</span>',
        '<span class="flag">pas de texto</span>',
        '<span class="flag">refuse : Appel vocal</span>',
        "Exercices</strong>",
    ):
        assert text in html, text
    # Operators read; they get no forms.
    assert "Ajouter le téléphone" not in html
    assert 'method="post" action="/admin/residents' not in html
    [(subject, details)] = await _reads(db)
    assert subject == f"household:{home.household}"
    assert {"member.name", "phone", "email", "consents", "contact.flags"} <= set(details["fields"])
    assert (await client.get(f"/admin/residents/{home.household + 999}")).status == 404


async def test_a_viewer_gets_403_and_no_link(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    viewer = await _signed_in(make_client, VIEWER)
    for path in (
        "/admin/residents",
        "/admin/residents?q=rue+A",
        f"/admin/residents/{home.household}",
    ):
        response = await viewer.get(path)
        assert response.status == 403, path
    assert 'href="/admin/residents"' not in await (await viewer.get("/admin/")).text()
    operator = await _signed_in(make_client, OPERATOR)
    assert 'href="/admin/residents"' in await (await operator.get("/admin/")).text()
    assert await _reads(db) == []


async def test_an_operator_cannot_post_edits(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, OPERATOR)
    page = f"/admin/residents/{home.household}"
    for path, fields in (
        (f"{page}/members/{home.marie}", [("name", "Autre"), ("language", "en")]),
        (f"{page}/members/{home.marie}/contacts", [("kind", "email"), ("value", "x@y.ca")]),
        (
            f"{page}/contacts/{home.mobile}/clear",
            [("flag", "not_in_service"), ("confirmed", "yes")],
        ),
        (f"{page}/sector", [("sector", "sud")]),
    ):
        response = await _post(client, path, fields, token_from=page)
        assert response.status == 403, path
    assert await db.fetchval("SELECT display_name FROM members WHERE id = $1", home.marie) == (
        "Marie Tremblay"
    )
    assert await db.fetchval("SELECT count(*) FROM contact_points") == 3
    assert await _actions(db, "resident.") == []


async def test_a_post_without_the_csrf_token_is_refused(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, APPROVER)
    page = f"/admin/residents/{home.household}"
    response = await _post(
        client,
        f"{page}/members/{home.marie}",
        [("name", "Autre"), ("language", "en")],
        token_from=page,
        with_token=False,
    )
    assert response.status == 403
    assert "Cette page a expiré" in await response.text()
    assert await db.fetchval("SELECT language FROM members WHERE id = $1", home.marie) == "fr"


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("phone", "418 12", "n&#39;est pas un numéro de téléphone valide"),
        ("phone", "pas un numéro", "n&#39;est pas un numéro de téléphone"),
        ("email", "marie@", "n&#39;est pas une adresse courriel valide"),
    ],
)
async def test_a_bad_contact_is_shown_at_its_field_and_nothing_is_saved(
    make_client: ClientFactory,
    db: asyncpg.Pool,
    home: Home,
    staff: dict[str, int],
    kind: str,
    value: str,
    message: str,
) -> None:
    client = await _signed_in(make_client, APPROVER)
    page = f"/admin/residents/{home.household}"
    response = await _post(
        client,
        f"{page}/members/{home.jean}/contacts",
        [("kind", kind), ("value", value), ("channel", "voice")],
        token_from=page,
    )
    assert response.status == 400
    html = await response.text()
    field = f"{kind}-{home.jean}"
    tag = re.search(rf'<input id="{field}"[^>]*>', html)
    assert tag, field
    assert f'value="{value}"' in tag[0]  # what was typed comes back
    assert f"{field}-error" in tag[0]
    assert 'aria-invalid="true"' in tag[0]
    assert re.search(rf'<p class="error" id="{field}-error">[^<]*{message}', html)
    assert f'<a href="#{field}">' in html  # the summary leads to the field
    assert await db.fetchval("SELECT count(*) FROM contact_points") == 3
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 4
    assert await _actions(db, "resident.") == []


async def test_a_phone_without_any_channel_is_refused_at_the_channels(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, APPROVER)
    page = f"/admin/residents/{home.household}"
    response = await _post(
        client,
        f"{page}/members/{home.jean}/contacts",
        [("kind", "phone"), ("value", "418 962-1003")],
        token_from=page,
    )
    assert response.status == 400
    assert f'<p class="error" id="phone-{home.jean}-channels-error">' in await response.text()
    assert await db.fetchval("SELECT count(*) FROM contact_points") == 3


async def test_adding_an_email_then_a_channel(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, APPROVER)
    page = f"/admin/residents/{home.household}"
    response = await _post(
        client,
        f"{page}/members/{home.jean}/contacts",
        [("kind", "email"), ("value", " Jean.Vollant@Exemple.CA ")],
        token_from=page,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"{page}?done=contact_added#member-{home.jean}"
    email = await db.fetchrow(
        "SELECT id, email, source FROM contact_points WHERE email LIKE 'Jean.Vollant@%'"
    )
    assert email is not None
    assert email["source"] == "staff"
    html = await (await client.get(response.headers["Location"])).text()
    assert "Le contact est ajouté." in html
    assert email["email"] in html

    # Jean's landline gets voice as well as SMS.
    response = await _post(
        client,
        f"{page}/members/{home.jean}/contacts/{home.landline}",
        [("channel", "voice"), ("channel", "sms")],
        token_from=page,
    )
    assert response.status == 303
    channels = await db.fetch(
        "SELECT contact_point_id, channel FROM member_channels WHERE member_id = $1 "
        "ORDER BY contact_point_id, channel",
        home.jean,
    )
    assert [(r["contact_point_id"], r["channel"]) for r in channels] == [
        (home.landline, "sms"),
        (home.landline, "voice"),
        (email["id"], "email"),
    ]
    actions = await _actions(db, "resident.")
    assert [(a, s) for a, s, _ in actions] == [
        ("resident.contact_added", f"household:{home.household}"),
        ("resident.channels_changed", f"household:{home.household}"),
    ]
    assert actions[0][2] == {
        "member": home.jean,
        "contact": email["id"],
        "kind": "email",
        "channels": ["email"],
    }
    assert "vollant@" not in json.dumps([d for _, _, d in actions])


async def test_member_edit_flags_removal_and_sector(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, "admin@itum.example")
    page = f"/admin/residents/{home.household}"

    response = await _post(
        client,
        f"{page}/members/{home.marie}",
        [("name", "  Marie   Tremblay-Jourdain "), ("language", "en")],
        token_from=page,
    )
    assert response.status == 303
    row = await db.fetchrow("SELECT display_name, language FROM members WHERE id = $1", home.marie)
    assert row is not None
    assert (row["display_name"], row["language"]) == ("Marie Tremblay-Jourdain", "en")

    # Clearing a flag needs the box saying the resident confirmed.
    clear = f"{page}/contacts/{home.mobile}/clear"
    response = await _post(client, clear, [("flag", "not_in_service")], token_from=page)
    assert response.status == 400
    assert f'id="confirm-{home.mobile}-not_in_service-error"' in await response.text()
    assert await db.fetchval(
        "SELECT not_in_service_at IS NOT NULL FROM contact_points WHERE id = $1", home.mobile
    )
    for contact, flag in ((home.mobile, "not_in_service"), (home.email, "bouncing")):
        response = await _post(
            client,
            f"{page}/contacts/{contact}/clear",
            [("flag", flag), ("confirmed", "yes")],
            token_from=page,
        )
        assert response.status == 303
    flags = await db.fetch(
        "SELECT not_in_service_at, verification FROM contact_points WHERE id = ANY($1)",
        [home.mobile, home.email],
    )
    assert all(r["not_in_service_at"] is None and r["verification"] != "invalid" for r in flags)

    response = await _post(
        client, f"{page}/members/{home.marie}/contacts/{home.email}/remove", [], token_from=page
    )
    assert response.status == 303
    assert not await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM member_channels WHERE contact_point_id = $1)", home.email
    )

    response = await _post(client, f"{page}/sector", [("sector", "sud")], token_from=page)
    assert response.status == 303
    placed = await db.fetchrow(
        "SELECT s.code, h.sector_method FROM households h JOIN sectors s ON s.id = h.sector_id "
        "WHERE h.id = $1",
        home.household,
    )
    assert placed is not None
    assert (placed["code"], placed["sector_method"]) == ("sud", "staff")
    response = await _post(client, f"{page}/sector", [("sector", "nulle-part")], token_from=page)
    assert response.status == 400
    assert 'id="sector-error"' in await response.text()

    actions = [a for a, _, _ in await _actions(db, "resident.")]
    assert actions == [
        "resident.member_updated",
        "resident.flag_cleared",
        "resident.flag_cleared",
        "resident.contact_removed",
        "resident.sector_changed",
    ]


async def test_an_edit_cannot_reach_another_household(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, APPROVER)
    other = f"/admin/residents/{home.other_household}"
    for path, fields in (
        (f"{other}/members/{home.marie}", [("name", "Intrus"), ("language", "en")]),
        (
            f"{other}/contacts/{home.mobile}/clear",
            [("flag", "not_in_service"), ("confirmed", "yes")],
        ),
        (f"{other}/members/{home.marie}/contacts/{home.email}/remove", []),
    ):
        response = await _post(client, path, fields, token_from=other)
        assert response.status == 404, path
    assert await db.fetchval("SELECT display_name FROM members WHERE id = $1", home.marie) == (
        "Marie Tremblay"
    )
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 4
    assert await _actions(db, "resident.") == []


async def test_markup_in_a_name_is_shown_inert(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, APPROVER)
    page = f"/admin/residents/{home.household}"
    markup = '<script>alert("x")</script> Tremblay'
    response = await _post(
        client,
        f"{page}/members/{home.marie}",
        [("name", markup), ("language", "fr")],
        token_from=page,
    )
    assert response.status == 303
    assert await db.fetchval("SELECT display_name FROM members WHERE id = $1", home.marie) == markup
    for path in (page, "/admin/residents?q=Tremblay"):
        html = await (await client.get(path)).text()
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Tremblay" in html, path
        assert "<script" not in html, path


async def test_hostile_values_in_every_residents_form_never_cause_a_500(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    client = await _signed_in(make_client, APPROVER)
    page = f"/admin/residents/{home.household}"
    forms = {
        f"{page}/members/{home.marie}": ["name", "language"],
        f"{page}/members/{home.marie}/contacts": ["kind", "value", "channel"],
        f"{page}/members/{home.marie}/contacts/{home.mobile}": ["channel"],
        f"{page}/contacts/{home.mobile}/clear": ["flag", "confirmed"],
        f"{page}/sector": ["sector"],
    }
    hostile = ['"><script>alert(3)</script>', "'; DROP TABLE members; --", "é" * 5000, "🚨\r\n"]
    for path, fields in forms.items():
        for value in hostile:
            response = await _post(client, path, [(f, value) for f in fields], token_from=page)
            assert response.status in {303, 400}, (path, value[:10])
    for value in hostile:
        response = await client.get("/admin/residents", params={"q": value})
        assert response.status in {200, 400}
    assert await db.fetchval("SELECT count(*) FROM members") == 3


def test_every_value_the_pages_name_has_a_text() -> None:
    values = {
        "resident_channel": CHANNELS,
        "resident_language": LANGUAGES,
        "community": get_args(Community),
        "sector_method": ("street", "polygon", "staff"),
        "consent_purpose": ("emergency_alerts", "exercise_alerts", "optional_notices"),
        "consent_source": ("portal", "staff", "phone"),
        "residents_done": tuple(DONE),
        "flag_confirm": FLAGS,
        "flag_clear": FLAGS,
    }
    keys = [f"{prefix}.{value}" for prefix, names in values.items() for value in names]
    assert [key for key in keys if key not in TEXT] == []


# --- real Chromium ------------------------------------------------------------------


@pytest.mark.browser
async def test_search_then_household_on_a_phone_with_the_keyboard(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    home = await _home(live_server.pool)
    await create_staff(live_server.pool, APPROVER, "Anne", "approver", ADMIN_PASSWORD)
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto(live_server.url + "/admin/login")
    await page.get_by_label("Courriel").fill(APPROVER)
    await page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Bonjour, Anne.")).to_be_visible()

    await page.get_by_role("link", name="Résidents").click()
    await expect(page.get_by_role("heading", name="Résidents", exact=True)).to_be_visible()
    await _tab_to(page, "#q")
    await page.keyboard.type("962-1001")
    await page.keyboard.press("Enter")
    result = page.locator(f'#results a[href="/admin/residents/{home.household}"]')
    await expect(result).to_have_text("12 rue A")
    await expect(page.locator("#results")).to_contain_text("hors service")
    assert await _fits(page)
    shots = Path(os.environ.get("IVR_SCREENSHOT_DIR", tmp_path))
    await page.screenshot(path=str(shots / "residents-360.png"), full_page=True)

    await _tab_to(page, f'#results a[href="/admin/residents/{home.household}"]')
    outline = await result.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"  # where the keyboard is, is visible
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_server.url}/admin/residents/{home.household}")
    await expect(page.get_by_role("heading", name="Marie Tremblay")).to_be_visible()
    for flag in ("hors service", "adresse refusée", "pas de texto"):
        await expect(page.locator(".flag", has_text=flag)).to_be_visible()
    assert await _fits(page)
    await page.screenshot(path=str(shots / "household-360.png"), full_page=True)
    assert errors == []


async def _tab_to(page: Page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus (as someone without a mouse would)."""
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus")


async def _fits(page: Page) -> bool:
    """Nothing wider than the screen (no sideways scrolling)."""
    width: bool = await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return width


async def test_staff_corrections_show_in_the_residents_change_history(
    make_client: ClientFactory, db: asyncpg.Pool, home: Home, staff: dict[str, int]
) -> None:
    account = await db.fetchval(
        "INSERT INTO resident_accounts (phone_e164, password_hash, household_id, member_id) "
        "VALUES ('+14189621001', 'x', $1, $2) RETURNING id",
        home.household,
        home.marie,
    )
    client = await _signed_in(make_client, "admin@itum.example")
    page = f"/admin/residents/{home.household}"
    renamed = await _post(client, f"{page}/members/{home.marie}",
                          [("name", "Marie Tremblay-Jourdain"), ("language", "fr")],
                          token_from=page)  # fmt: skip
    assert renamed.status == 303
    refused = await _post(client, f"{page}/sector", [("sector", "nulle-part")], token_from=page)
    assert refused.status == 400
    moved = await _post(client, f"{page}/sector", [("sector", "sud")], token_from=page)
    assert moved.status == 303
    rows = await db.fetch(
        "SELECT by_staff_id, changes FROM resident_changes WHERE account_id = $1 ORDER BY id",
        account,
    )
    admin = await db.fetchval("SELECT id FROM staff WHERE email = 'admin@itum.example'")
    assert [r["by_staff_id"] for r in rows] == [admin, admin]
    assert json.loads(rows[0]["changes"]) == [
        {"field": "name", "before": "Marie Tremblay", "after": "Marie Tremblay-Jourdain"}
    ]
    assert json.loads(rows[1]["changes"]) == [
        {"field": "sector", "before": "Nord-est", "after": "Sud"}
    ]
