"""One-time codes in the database: limits, single use, tries, expiry, nothing in clear."""

from __future__ import annotations

import asyncpg
import pytest

from ivr.accounts.one_time_codes import (
    PER_CLIENT_PER_HOUR,
    PER_PHONE_PER_HOUR,
    TRIES,
    CodeKeys,
    TooManyCodes,
    check_code,
    issue_code,
)
from ivr.domain.errors import DomainError

KEYS = CodeKeys("a secret key of this test site")
PHONE = "418 969-1080"
E164 = "+14189691080"
ADDRESS = "203.0.113.7"


async def issue(pool: asyncpg.Pool, phone: str = PHONE, address: str = ADDRESS) -> int:
    return await issue_code(
        pool, KEYS, phone=phone, purpose="sign_up", channel="sms", client_address=address
    )


async def code_of(pool: asyncpg.Pool, code_id: int) -> str:
    """What the sender would read: the sealed code, opened with the site's keys."""
    row = await pool.fetchrow("SELECT phone_e164, code_sealed FROM one_time_codes WHERE id = $1",
                              code_id)  # fmt: skip
    assert row is not None
    code = KEYS.open(row["phone_e164"], "sign_up", row["code_sealed"])
    assert code is not None
    return code


async def check(pool: asyncpg.Pool, code: str, phone: str = PHONE) -> str:
    result = await check_code(pool, KEYS, phone=phone, purpose="sign_up", code=code)
    assert result.accepted == (result.reason == "accepted")
    return result.reason


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_a_code_is_accepted_once(db: asyncpg.Pool) -> None:
    code = await code_of(db, await issue(db))
    assert await check(db, code, phone="+1 418-969-1080") == "accepted"  # any way it is typed
    assert await check(db, code) == "used"


async def test_five_wrong_codes_use_up_the_code(db: asyncpg.Pool) -> None:
    code = await code_of(db, await issue(db))
    for _ in range(TRIES):
        assert await check(db, other_than(code)) == "wrong"
    assert await check(db, code) == "too_many_tries"
    assert await db.fetchval("SELECT tries_left FROM one_time_codes") == 0


async def test_an_expired_code_is_refused(db: asyncpg.Pool) -> None:
    code_id = await issue(db)
    code = await code_of(db, code_id)
    await db.execute("UPDATE one_time_codes SET expires_at = now() - interval '1 second'")
    assert await check(db, code) == "expired"


async def test_a_new_code_replaces_the_earlier_one_and_purposes_are_apart(
    db: asyncpg.Pool,
) -> None:
    first = await code_of(db, await issue(db))
    second = await code_of(db, await issue(db))
    if first != second:
        assert await check(db, first) == "wrong"
    reset = await check_code(db, KEYS, phone=PHONE, purpose="reset", code=second)
    assert reset.reason == "no_code"
    assert await check(db, second) == "accepted"


async def test_codes_per_number_are_limited_whatever_the_address(db: asyncpg.Pool) -> None:
    for n in range(PER_PHONE_PER_HOUR):
        await issue(db, address=f"198.51.100.{n}")
    with pytest.raises(TooManyCodes) as refused:
        await issue(db, address="198.51.100.200")
    assert refused.value.limit == "phone"
    assert "Trop de codes" in refused.value.fr and "Too many codes" in refused.value.en
    await db.execute("UPDATE one_time_codes SET created_at = now() - interval '61 minutes'")
    await issue(db)  # the hour has passed


async def test_codes_per_address_are_limited_whatever_the_number(db: asyncpg.Pool) -> None:
    for n in range(PER_CLIENT_PER_HOUR):
        await issue(db, phone=f"418 969-10{n:02d}")
    with pytest.raises(TooManyCodes) as refused:
        await issue(db, phone="418 969-1099")
    assert refused.value.limit == "client"
    await issue(db, phone="418 969-1099", address="203.0.113.8")


async def test_the_table_holds_neither_the_code_nor_the_address_in_clear(
    db: asyncpg.Pool,
) -> None:
    code_id = await issue(db)
    code = await code_of(db, code_id)
    row = await db.fetchrow("SELECT * FROM one_time_codes WHERE id = $1", code_id)
    assert row is not None
    stored = b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in row.values()
    )
    assert code.encode() not in stored
    assert ADDRESS.encode() not in stored
    assert row["phone_e164"] == E164 and row["tries_left"] == TRIES
    assert CodeKeys("another site's secret key").open(E164, "sign_up", row["code_sealed"]) is None
    assert KEYS.open("+14189691081", "sign_up", row["code_sealed"]) is None  # bound to the number


async def test_a_bad_number_is_refused_and_codes_need_the_secret_key(db: asyncpg.Pool) -> None:
    with pytest.raises(DomainError):
        await issue(db, phone="12")
    assert await check(db, "123456", phone="12") == "no_code"
    with pytest.raises(DomainError):
        CodeKeys("")
    with pytest.raises(ValueError, match="fax"):
        await issue_code(db, KEYS, phone=PHONE, purpose="sign_up", channel="fax",
                         client_address=ADDRESS)  # fmt: skip
