"""The sectors page: the list, the GeoJSON export, the administrators' import (all or
nothing, every bad Feature named), and the map in real Chromium."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient
from playwright.async_api import ConsoleMessage, Page, expect

from ivr.accounts.staff import create_staff
from ivr.domain.sectors import sectors_from_geojson
from ivr.storage import people
from ivr.storage.people import Address
from ivr.storage.sectors import load_sectors, save_sectors
from tests.fixtures.axe import serious_violations
from tests.fixtures.browser import LiveServer
from tests.web.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    csrf_token_in,
    login,
    origin,
    post_form,
)

OPERATOR_EMAIL = "paul@itum.example"


def _feature(
    code: str, community: str, names: tuple[str, str], ring: list[list[float]] | None, **more: Any
) -> dict[str, Any]:
    geometry = None if ring is None else {"type": "Polygon", "coordinates": [ring]}
    properties = {"code": code, "community": community, "name_fr": names[0], "name_en": names[1]}
    return {"type": "Feature", "geometry": geometry, "properties": {**properties, **more}}


def _box(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


# Around Uashat (50.23 N, 66.40 W) and Mani-utenam (50.22 N, 66.18 W).
UASHAT_WEST = _feature(
    "uashat-ouest",
    "uashat",
    ("Uashat ouest", "Uashat West"),
    [[-66.425, 50.22], [-66.405, 50.218], [-66.402, 50.235], [-66.415, 50.242], [-66.425, 50.22]],
)
UASHAT_EAST = _feature(
    "uashat-est", "uashat", ("Uashat est", "Uashat East"), _box(-66.398, 50.22, -66.378, 50.24)
)
MANI = _feature(
    "mani-utenam",
    "mani-utenam",
    ("Mani-utenam", "Mani-utenam"),
    _box(-66.2, 50.21, -66.16, 50.235),
    streets=[{"street": "Route 138", "from": 1, "to": 999, "side": "both"}],
)
MANI_RIVER = _feature(
    "mani-riviere",
    "mani-utenam",
    ("Bord de la rivière", "Riverside"),
    None,
    parent="mani-utenam",
    streets=[{"street": "rue de la Rivière", "from": 1, "to": 99, "side": "both"}],
)
SAMPLE = {"type": "FeatureCollection", "features": [UASHAT_WEST, UASHAT_EAST, MANI, MANI_RIVER]}


def _encoded(collection: dict[str, Any]) -> bytes:
    return json.dumps(collection).encode()


async def _upload(
    client: TestClient[Any, Any], content: bytes, *, with_token: bool = True
) -> ClientResponse:
    form = FormData()
    if with_token:
        page = await client.get("/admin/sectors")
        form.add_field("csrf_token", csrf_token_in(await page.text()))
    form.add_field(
        "file", content, filename="secteurs.geojson", content_type="application/geo+json"
    )
    return await client.post("/admin/sectors", data=form, headers={"Origin": origin(client)})


async def _households(db: asyncpg.Pool) -> None:
    """One household placed by its position (Uashat), one by its street (Mani-utenam)."""
    await people.add_household(db, Address("uashat", None, "", point=(-66.39, 50.23)), [])
    await people.add_household(db, Address("mani-utenam", 12, "Rue de la Riviere"), [])


async def _sector_of_households(db: asyncpg.Pool) -> list[str | None]:
    return [
        row["code"]
        for row in await db.fetch(
            "SELECT s.code FROM households h LEFT JOIN sectors s ON s.id = h.sector_id "
            "ORDER BY h.id"
        )
    ]


async def test_the_geojson_needs_sign_in_and_holds_every_sector(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    async with db.acquire() as conn:
        await save_sectors(conn, sectors_from_geojson(SAMPLE))
    response = await client.get("/admin/sectors.geojson", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login"

    await login(client)
    response = await client.get("/admin/sectors.geojson")
    assert response.status == 200
    assert response.content_type == "application/geo+json"
    collection = await response.json(content_type=None)
    by_code = {f["properties"]["code"]: f for f in collection["features"]}
    assert set(by_code) == {"uashat-ouest", "uashat-est", "mani-utenam", "mani-riviere"}
    assert by_code["mani-riviere"]["geometry"] is None
    assert by_code["mani-riviere"]["properties"]["parent"] == "mani-utenam"
    assert by_code["uashat-est"]["properties"]["name_en"] == "Uashat East"
    assert by_code["uashat-est"]["geometry"]["type"] == "Polygon"
    # What it gives, the import reads back.
    assert sectors_from_geojson(collection) == await load_sectors(db)

    chosen = await client.get("/admin/sectors.geojson?sector=mani-utenam&sector=uashat-est")
    codes = [f["properties"]["code"] for f in (await chosen.json(content_type=None))["features"]]
    assert sorted(codes) == ["mani-utenam", "uashat-est"]


async def test_the_page_lists_the_sectors_with_their_households(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    sectors = sectors_from_geojson(SAMPLE)
    async with db.acquire() as conn:
        await save_sectors(conn, sectors)
    await people.add_household(db, Address("uashat", None, "", point=(-66.39, 50.23)), sectors)
    await login(client)
    html = await (await client.get("/admin/sectors")).text()
    assert '<a href="/admin/sectors" aria-current="page">Secteurs</a>' in html
    assert "Uashat est" in html and '<span class="other-name" lang="en">Uashat East</span>' in html
    assert (
        '<input type="checkbox" id="pick-mani-riviere" name="sector" value="mani-riviere">' in html
    )
    row = html.split('value="uashat-est"')[1].split("</tr>")[0]
    assert '<td class="number">1</td>' in row  # one household
    assert "<td>oui</td>" in row  # a polygon
    river = html.split('value="mani-riviere"')[1].split("</tr>")[0]
    assert "<td><code>mani-utenam</code></td>" in river  # its parent
    assert "<td>non</td>" in river and '<td class="number">1</td>' in river  # streets only
    # Without JavaScript the map stays hidden; the list does the work.
    assert '<figure id="sector-map-figure" hidden>' in html


async def test_an_admin_imports_sectors_and_households_are_placed_again(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await _households(db)
    await login(client)
    response = await _upload(client, _encoded(SAMPLE))
    assert response.status == 200
    html = await response.text()
    assert (
        "Fichier importé. Secteurs ajoutés : 4; remplacés : 0. Ménages qui ont changé de "
        "secteur : 2." in html
    )
    assert [s.code for s in await load_sectors(db)] == [
        "uashat-ouest",
        "uashat-est",
        "mani-utenam",
        "mani-riviere",
    ]
    assert await _sector_of_households(db) == ["uashat-est", "mani-riviere"]

    # A second file replaces the sectors of the same code and keeps the others.
    moved_east = _feature(
        "uashat-est", "uashat", ("Uashat est", "Uashat East"), _box(-66.37, 50.22, -66.35, 50.24)
    )
    child = _feature(
        "uashat-ouest-plage",
        "uashat",
        ("La plage", "The beach"),
        _box(-66.42, 50.221, -66.41, 50.225),
        parent="uashat-ouest",
    )
    response = await _upload(
        client, _encoded({"type": "FeatureCollection", "features": [moved_east, child]})
    )
    assert "Secteurs ajoutés : 1; remplacés : 1. Ménages qui ont changé de secteur : 1." in (
        await response.text()
    )
    assert len(await load_sectors(db)) == 5
    assert await _sector_of_households(db) == [None, "mani-riviere"]

    rows = await db.fetch(
        "SELECT staff_id, subject, details FROM audit_log WHERE action = 'sectors.uploaded' "
        "ORDER BY id"
    )
    assert [(r["staff_id"], r["subject"], json.loads(r["details"])) for r in rows] == [
        (admin_id, "sectors", {"added": 4, "updated": 0, "moved": 2}),
        (admin_id, "sectors", {"added": 1, "updated": 1, "moved": 1}),
    ]


async def test_every_bad_feature_is_named_and_nothing_is_saved(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    bowtie = _feature(
        "mani-papillon",
        "mani-utenam",
        ("Papillon", "Bowtie"),
        [[-66.2, 50.21], [-66.16, 50.235], [-66.16, 50.21], [-66.2, 50.235], [-66.2, 50.21]],
    )
    unnamed = _feature(
        "uashat-sans-nom", "uashat", ("Sans nom", ""), _box(-66.42, 50.22, -66.4, 50.24)
    )
    del unnamed["properties"]["name_en"]
    collection = {"type": "FeatureCollection", "features": [UASHAT_EAST, bowtie, unnamed]}
    await login(client)
    response = await _upload(client, _encoded(collection))
    assert response.status == 400
    html = await response.text()
    errors = html.split('<div class="error" role="alert" id="upload-errors">')[1].split("</div>")[0]
    assert "Rien n&#39;a été enregistré. Problèmes trouvés : 2." in errors
    assert "<li>Feature 2 (mani-papillon) : polygone invalide (Self-intersection" in errors
    assert "<li>Feature 3 (uashat-sans-nom) : la propriété « name_en » manque" in errors
    # The errors belong to the form's file field.
    assert 'aria-invalid="true" aria-describedby="upload-errors upload-hint"' in html
    assert await db.fetchval("SELECT count(*) FROM sectors") == 0
    refused = await db.fetchrow(
        "SELECT details FROM audit_log WHERE action = 'sectors.upload_refused'"
    )
    assert refused is not None and json.loads(refused["details"]) == {"problems": 2}


async def test_a_long_list_of_problems_is_cut_and_counted(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    unnamed = [
        _feature(f"s{i}", "uashat", ("", ""), _box(-66.42, 50.22, -66.4, 50.24)) for i in range(102)
    ]
    await login(client)
    response = await _upload(client, _encoded({"type": "FeatureCollection", "features": unnamed}))
    html = await response.text()
    assert "Problèmes trouvés : 102." in html
    assert html.count("<li>Feature ") == 100
    assert "<li>Problèmes non affichés : 2.</li>" in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choisissez un fichier GeoJSON."),
        (b"\xff\xfe{", "Le fichier n&#39;est pas du texte UTF-8."),
        (b'{"type": "FeatureCollection",\n "features": [}', "(ligne 2, colonne 15)"),
        (b"[" * 100_000, "Le fichier n&#39;est pas du JSON valide."),
        (b'{"type": "Feature"}', "Le fichier doit être une FeatureCollection GeoJSON"),
        (b'{"type": "FeatureCollection", "features": []}', "aucune Feature"),
        (
            _encoded({"type": "FeatureCollection", "features": [MANI_RIVER]}),
            "Le secteur parent mani-utenam de mani-riviere n&#39;existe pas.",
        ),
    ],
)
async def test_a_file_that_is_not_a_sector_collection_is_refused_clearly(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int, content: bytes, message: str
) -> None:
    await login(client)
    response = await _upload(client, content)
    assert response.status == 400
    assert message in await response.text()
    assert await db.fetchval("SELECT count(*) FROM sectors") == 0


async def test_a_file_over_5_mb_is_refused_whole(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    response = await _upload(client, _encoded(SAMPLE) + b" " * (5 * 1024 * 1024))
    assert response.status == 413
    assert await db.fetchval("SELECT count(*) FROM sectors") == 0


async def test_only_an_admin_imports_and_only_with_the_csrf_token(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await create_staff(db, OPERATOR_EMAIL, "Paul Vollant", "operator", ADMIN_PASSWORD)
    await login(client)
    refused = await _upload(client, _encoded(SAMPLE), with_token=False)
    assert refused.status == 403
    assert "Cette page a expiré" in await refused.text()

    await post_form(client, "/admin/logout", {}, token_from="/admin/sectors")
    await login(client, OPERATOR_EMAIL, ADMIN_PASSWORD)
    page = await (await client.get("/admin/sectors")).text()
    assert "Aucun secteur pour l&#39;instant." in page
    assert 'type="file"' not in page
    forbidden = await _upload(client, _encoded(SAMPLE))
    assert forbidden.status == 403
    assert await db.fetchval("SELECT count(*) FROM sectors") == 0


# --- In Chromium -----------------------------------------------------------------------


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the page logs, such as Content-Security-Policy violations."""
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    return errors


async def _sign_in_as_admin(page: Page, server: LiveServer) -> None:
    await create_staff(server.pool, ADMIN_EMAIL, "Marie Jourdain", "admin", ADMIN_PASSWORD)
    await page.goto(server.url + "/admin/login")
    await page.get_by_label("Courriel").fill(ADMIN_EMAIL)
    await page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(server.url + "/admin/")


def _screenshot(tmp_path: Path, name: str) -> str:
    return str(Path(os.environ.get("IVR_SCREENSHOT_DIR", tmp_path)) / name)


@pytest.mark.browser
async def test_the_map_and_the_list_select_the_same_sectors(
    page: Page, live_server: LiveServer, console_errors: list[str], tmp_path: Path
) -> None:
    async with live_server.pool.acquire() as conn:
        await save_sectors(conn, sectors_from_geojson(SAMPLE))
    await _sign_in_as_admin(page, live_server)
    await page.get_by_role("link", name="Secteurs").click()

    await expect(page.get_by_text("Carte des secteurs, une aide visuelle")).to_be_visible()
    # One path per polygon; the sector without one is only in the list.
    await expect(page.locator(".sector-map path")).to_have_count(3)
    await expect(page.locator(".sector-map")).to_have_attribute("aria-hidden", "true")
    await expect(page.locator(".sector-map-label")).to_have_text(
        ["Uashat ouest", "Uashat est", "Mani-utenam"]
    )
    east = page.locator('path[data-sector="uashat-est"]')
    checkbox = page.get_by_role("checkbox", name="Uashat est")
    await expect(east).to_have_attribute("fill-opacity", "0.08")

    await east.click()  # the map ticks the list
    await expect(checkbox).to_be_checked()
    await expect(east).to_have_attribute("fill-opacity", "0.55")
    await east.click()
    await expect(checkbox).not_to_be_checked()
    await expect(east).to_have_attribute("fill-opacity", "0.08")

    await page.get_by_role("checkbox", name="Mani-utenam").check()  # the list fills the map
    await expect(page.locator('path[data-sector="mani-utenam"]')).to_have_attribute(
        "fill-opacity", "0.55"
    )
    await page.screenshot(path=_screenshot(tmp_path, "sectors.png"), full_page=True)
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Télécharger en GeoJSON").click()
    download = await download_info.value
    exported = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
    assert [f["properties"]["code"] for f in exported["features"]] == ["mani-utenam"]

    assert await serious_violations(page) == []
    assert console_errors == []


@pytest.mark.browser
async def test_an_admin_imports_a_file_on_a_phone_sized_screen(
    page: Page, live_server: LiveServer, console_errors: list[str], tmp_path: Path
) -> None:
    await page.set_viewport_size({"width": 360, "height": 740})
    await _sign_in_as_admin(page, live_server)
    await page.goto(live_server.url + "/admin/sectors")
    await expect(page.get_by_text("Aucun secteur pour l'instant.")).to_be_visible()

    geojson = tmp_path / "secteurs.geojson"
    geojson.write_bytes(_encoded(SAMPLE))
    await page.get_by_label("Fichier GeoJSON").set_input_files(geojson)
    await page.get_by_role("button", name="Importer").click()
    await expect(page.locator("#upload-done")).to_contain_text("Secteurs ajoutés : 4")
    await expect(page.locator("#sector-table tbody tr")).to_have_count(4)
    await expect(page.locator(".sector-map path")).to_have_count(3)
    # The table scrolls in its own box: the page itself fits the screen.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    await page.screenshot(path=_screenshot(tmp_path, "sectors-phone.png"), full_page=True)
    assert await serious_violations(page) == []

    await page.get_by_role("link", name="English").click()
    await expect(page.locator(".sector-map-label")).to_have_text(
        ["Uashat West", "Uashat East", "Mani-utenam"]
    )
    assert await serious_violations(page) == []
    assert console_errors == []
