"""Residents' accounts: sign-up with a code read from the phone, sign-in, reset."""

from __future__ import annotations

import html
import statistics
import time
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from ivr.accounts.residents import save_password
from simnet.smsc import SimulatedSmsc
from tests.portal.conftest import ClientFactory, one_row, send, session_cookie, sms_code
from tests.web.conftest import origin

MOBILE = "4185550101"
OTHER = "4185550199"
PASSWORD = "la rivière Moisie au printemps"
NEW_PASSWORD = "neige sur la baie de Sept-Îles"


async def ask_code(client: TestClient[Any, Any], number: str = MOBILE) -> None:
    asked = await send(client, "/portal/sign-up", {"phone": number, "channel": "sms"})
    assert (asked.status, asked.headers["Location"]) == (303, "/portal/code")


async def give_code(client: TestClient[Any, Any], code: str) -> Any:
    return await send(client, "/portal/code", {"code": code})


async def sign_in(client: TestClient[Any, Any], number: str, password: str) -> Any:
    return await send(client, "/portal/sign-in", {"phone": number, "password": password})


async def test_sign_up_with_the_code_sent_by_text_message(
    client: TestClient[Any, Any], codes: SimulatedSmsc
) -> None:
    await ask_code(client)
    pre_login = session_cookie(client)
    accepted = await give_code(client, await sms_code(codes, MOBILE))
    assert (accepted.status, accepted.headers["Location"]) == (303, "/portal/password")
    proven = session_cookie(client)
    chosen = await send(client, "/portal/password", {"password": PASSWORD})
    assert (chosen.status, chosen.headers["Location"]) == (303, "/portal/account")
    assert len({pre_login, proven, session_cookie(client)}) == 3  # rotated at each step
    page = await client.get("/portal/account")
    assert "418 555-0101" in await page.text()
    signed_out = await send(client, "/portal/sign-out", {}, form_at="/portal/account")
    assert signed_out.headers["Location"] == "/portal/?bye=1"
    assert (await client.get("/portal/account")).url.path == "/portal/sign-in"


async def test_a_code_by_phone_call_is_not_offered_yet(
    client: TestClient[Any, Any], db: asyncpg.Pool
) -> None:
    refused = await send(client, "/portal/sign-up", {"phone": MOBILE, "channel": "voice"})
    assert refused.status == 400
    assert "n'est pas encore offert. Choisissez le texto" in html.unescape(await refused.text())
    assert await db.fetchval("SELECT count(*) FROM one_time_codes") == 0


async def test_a_bad_number_is_told_at_its_field(client: TestClient[Any, Any]) -> None:
    refused = await send(client, "/portal/sign-up", {"phone": "12", "channel": "sms"})
    page = html.unescape(await refused.text())
    assert refused.status == 400
    assert 'aria-describedby="phone-hint phone-error"' in page
    assert 'id="phone-error">« 12 » n\'est pas un numéro de téléphone valide' in page


async def test_five_wrong_codes_use_up_the_code(
    client: TestClient[Any, Any], codes: SimulatedSmsc
) -> None:
    await ask_code(client)
    right = await sms_code(codes, MOBILE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert (await give_code(client, wrong)).status == 400
    refused = await give_code(client, right)
    assert refused.status == 400
    assert "Ce code n'est pas bon ou n'est plus valide" in html.unescape(await refused.text())


async def test_an_expired_code_is_refused(
    client: TestClient[Any, Any], codes: SimulatedSmsc, db: asyncpg.Pool
) -> None:
    await ask_code(client)
    code = await sms_code(codes, MOBILE)
    await db.execute("UPDATE one_time_codes SET expires_at = now() - interval '1 second'")
    assert (await give_code(client, code)).status == 400


async def test_a_used_code_is_refused(client: TestClient[Any, Any], codes: SimulatedSmsc) -> None:
    await ask_code(client)
    code = await sms_code(codes, MOBILE)
    assert (await give_code(client, code)).status == 303
    assert (await give_code(client, code)).status == 400


async def test_sign_in_same_answer_for_unknown_number_and_wrong_password(
    client: TestClient[Any, Any], db: asyncpg.Pool
) -> None:
    await save_password(db, "+1" + MOBILE, PASSWORD)
    wrong = await sign_in(client, MOBILE, "pas le bon mot de passe")
    unknown = await sign_in(client, OTHER, PASSWORD)
    assert wrong.status == unknown.status == 200
    assert (await wrong.text()).replace(MOBILE, OTHER) == await unknown.text()
    assert "Numéro ou mot de passe incorrect." in await wrong.text()
    pre_login = session_cookie(client)
    right = await sign_in(client, "418 555-0101", PASSWORD)
    assert (right.status, right.headers["Location"]) == (303, "/portal/account")
    assert session_cookie(client) != pre_login


async def test_sign_in_limited_per_number(client: TestClient[Any, Any], db: asyncpg.Pool) -> None:
    await save_password(db, "+1" + MOBILE, PASSWORD)
    for _ in range(5):
        await sign_in(client, MOBILE, "pas le bon mot de passe")
    blocked = await sign_in(client, MOBILE, PASSWORD)
    assert blocked.status == 429


async def test_forgot_password_answers_the_same_for_every_number(
    client: TestClient[Any, Any], codes: SimulatedSmsc, db: asyncpg.Pool
) -> None:
    await save_password(db, "+1" + MOBILE, PASSWORD)
    answers: dict[str, list[str]] = {MOBILE: [], OTHER: []}
    seconds: dict[str, list[float]] = {MOBILE: [], OTHER: []}
    for _ in range(11):
        for number in (MOBILE, OTHER):
            page = await client.get("/portal/forgot")
            token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
            began = time.perf_counter()
            asked = await client.post("/portal/forgot", allow_redirects=False,
                                      data={"phone": number, "csrf_token": token},
                                      headers={"Origin": origin(client)})  # fmt: skip
            seconds[number].append(time.perf_counter() - began)
            code_page = await client.get(asked.headers["Location"])
            shown = f"{number[:3]} {number[3:6]}-{number[6:]}"
            answers[number].append(
                f"{asked.status} " + (await code_page.text()).replace(shown, "N")
            )
    assert set(answers[MOBILE]) == set(answers[OTHER]) and len(set(answers[MOBILE])) == 1
    assert "Si le N a un compte" in answers[OTHER][0]
    known, unknown = (statistics.median(seconds[n][1:]) for n in (MOBILE, OTHER))
    assert max(known, unknown) <= 1.5 * min(known, unknown), (known, unknown)
    assert len(codes.handset_messages(MOBILE)) == 3  # the hourly limit, answered alike
    assert codes.handset_messages(OTHER) == []


async def test_a_reset_ends_every_session_and_signs_in_nobody(
    make_client: ClientFactory, codes: SimulatedSmsc, db: asyncpg.Pool
) -> None:
    await save_password(db, "+1" + MOBILE, PASSWORD)
    elsewhere, here = await make_client(), await make_client()
    assert (await sign_in(elsewhere, MOBILE, PASSWORD)).status == 303
    assert (await send(here, "/portal/forgot", {"phone": MOBILE})).status == 303
    assert (await give_code(here, await sms_code(codes, MOBILE))).status == 303
    changed = await send(here, "/portal/password", {"password": NEW_PASSWORD})
    assert (changed.status, changed.headers["Location"]) == (303, "/portal/sign-in?changed=1")
    assert session_cookie(here) is None
    for browser in (here, elsewhere):
        assert (await browser.get("/portal/account")).url.path == "/portal/sign-in"
    assert (await sign_in(here, MOBILE, PASSWORD)).status == 200
    assert (await sign_in(here, MOBILE, NEW_PASSWORD)).status == 303

    def notices() -> list[str]:
        texts = [m["text"] for m in codes.handset_messages(MOBILE)]
        return [t for t in texts if "mot de passe de votre compte vient d'être changé" in t]

    (notice,) = await codes.wait_for(notices, within=10)
    assert "418 962-0327" in notice and "Your account password was just changed" in notice
    sent = await one_row(db, "SELECT kind, send_state FROM resident_notices")
    assert dict(sent) == {"kind": "password_changed", "send_state": "sent"}


async def test_signing_up_a_number_with_an_account_replaces_its_password(
    client: TestClient[Any, Any], codes: SimulatedSmsc, db: asyncpg.Pool
) -> None:
    await save_password(db, "+1" + MOBILE, PASSWORD)
    await ask_code(client)
    await give_code(client, await sms_code(codes, MOBILE))
    assert "Ce numéro a déjà un compte" in await (await client.get("/portal/password")).text()
    changed = await send(client, "/portal/password", {"password": NEW_PASSWORD})
    assert changed.headers["Location"] == "/portal/sign-in?changed=1"
    assert await db.fetchval("SELECT count(*) FROM resident_accounts") == 1


async def test_a_weak_password_is_refused_at_its_field(
    client: TestClient[Any, Any], codes: SimulatedSmsc
) -> None:
    await ask_code(client)
    await give_code(client, await sms_code(codes, MOBILE))
    refused = await send(client, "/portal/password", {"password": "motdepasse"})
    assert refused.status == 400
    assert 'id="password-error">Ce mot de passe est trop courant.' in await refused.text()


async def test_forms_without_the_csrf_token_are_refused(client: TestClient[Any, Any]) -> None:
    await client.get("/portal/sign-in")
    headers = {"Origin": origin(client)}
    data = {"phone": MOBILE, "password": PASSWORD}
    assert (await client.post("/portal/sign-in", data=data, headers=headers)).status == 403
    forged = await send(client, "/portal/sign-up", {"phone": MOBILE, "channel": "sms"},
                        form_at="/portal/sign-in")  # fmt: skip
    assert forged.status == 303  # the token of any form of the session is the session's
    foreign = await client.post("/portal/sign-in", data=data,
                                headers={"Origin": "https://evil.example"})  # fmt: skip
    assert foreign.status == 403


async def test_pages_switch_to_english(client: TestClient[Any, Any]) -> None:
    page = await client.get("/portal/?lang=en")
    assert "Create an account" in await page.text()
    assert "Sign in" in await (await client.get("/portal/sign-in")).text()


async def test_changing_the_password_while_signed_in_asks_the_current_one(
    make_client: ClientFactory, codes: SimulatedSmsc, db: asyncpg.Pool
) -> None:
    await save_password(db, "+1" + MOBILE, PASSWORD)
    here, elsewhere = await make_client(), await make_client()
    for browser in (here, elsewhere):
        assert (await sign_in(browser, MOBILE, PASSWORD)).status == 303
    wrong = await send(
        here, "/portal/change-password", {"current": "pas le bon", "new": NEW_PASSWORD}
    )
    assert wrong.status == 400 and 'id="current-error"' in await wrong.text()
    weak = await send(here, "/portal/change-password", {"current": PASSWORD, "new": "court"})
    assert weak.status == 400 and 'id="new-error"' in await weak.text()
    changed = await send(
        here, "/portal/change-password", {"current": PASSWORD, "new": NEW_PASSWORD}
    )
    assert changed.headers["Location"] == "/portal/sign-in?changed=1"
    for browser in (here, elsewhere):
        assert (await browser.get("/portal/account")).url.path == "/portal/sign-in"
    assert (await sign_in(here, MOBILE, NEW_PASSWORD)).status == 303

    def notices() -> list[Any]:
        return [m for m in codes.handset_messages(MOBILE) if "mot de passe" in m["text"]]

    assert len(await codes.wait_for(notices, within=10)) == 1
