"""One-time codes by text message: sent through the SMSC to the phone, then usable once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from ivr.accounts.one_time_codes import CodeKeys, check_code, issue_code
from ivr.channels.sms.runtime import sms_runtime
from simnet.smsc import SimulatedSmsc
from tests.sms.harness import SmsHarness, sms_settings

SECRET = "a secret key of this test site"
RESIDENT = "4189691080"


@pytest_asyncio.fixture
async def sms_with_key(smsc: SimulatedSmsc, db: asyncpg.Pool) -> AsyncIterator[SmsHarness]:
    settings = sms_settings(smsc, secret_key=SECRET)
    async with sms_runtime(settings, db) as runtime:
        harness = SmsHarness(runtime, db, smsc, settings)
        await harness.wait_bound()
        yield harness


async def test_a_code_reaches_the_phone_and_works_once(sms_with_key: SmsHarness) -> None:
    sms, keys = sms_with_key, CodeKeys(SECRET)
    code_id = await issue_code(sms.pool, keys, phone=RESIDENT, purpose="sign_up",
                               channel="sms", client_address="203.0.113.7")  # fmt: skip
    messages = await sms.smsc.wait_for(lambda: sms.smsc.handset_messages(RESIDENT), within=10)
    (text,) = [message["text"] for message in messages]
    match = re.fullmatch(
        r"Information ITUM : votre code est (\d{6})\. Il expire dans 10 minutes\. / "
        r"Your code is (\d{6})\. It expires in 10 minutes\.",
        text,
    )
    assert match is not None and match[1] == match[2]
    (submit,) = sms.smsc.submits()
    assert (submit["data_coding"], submit["esm_class"], submit["udh"]) == (0, 0, None)  # GSM-7
    await sms.wait_for("SELECT send_state = 'sent' FROM one_time_codes WHERE id = $1", code_id)
    row = await sms.pool.fetchrow("SELECT * FROM one_time_codes WHERE id = $1", code_id)
    assert row is not None
    assert row["code_sealed"] is None and row["sent_at"] is not None
    assert row["send_detail"].startswith("message id ")

    first = await check_code(sms.pool, keys, phone=RESIDENT, purpose="sign_up", code=match[1])
    second = await check_code(sms.pool, keys, phone=RESIDENT, purpose="sign_up", code=match[1])
    assert (first.accepted, first.reason) == (True, "accepted")
    assert (second.accepted, second.reason) == (False, "used")


async def test_a_code_the_smsc_refuses_is_recorded_and_not_sent_again(
    sms_with_key: SmsHarness,
) -> None:
    sms = sms_with_key
    code_id = await issue_code(sms.pool, CodeKeys(SECRET), phone="4189692001", purpose="reset",
                               channel="sms", client_address="203.0.113.7")  # fmt: skip
    await sms.wait_for("SELECT send_state = 'failed' FROM one_time_codes WHERE id = $1", code_id)
    row = await sms.pool.fetchrow("SELECT * FROM one_time_codes WHERE id = $1", code_id)
    assert row is not None
    assert row["code_sealed"] is None and row["sent_at"] is None
    assert row["send_detail"].startswith("SMSC: ")
    assert len(sms.smsc.submits()) == 1
