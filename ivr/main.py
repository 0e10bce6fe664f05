"""Wiring only: database, web server and background services, until a stop signal."""

from __future__ import annotations

import asyncio
import logging
import signal

import asyncpg
from aiohttp import web

from ivr.config import Settings
from ivr.passwords import generate_password
from ivr.staff import create_staff, staff_count
from ivr.storage.lifecycle import open_database
from ivr.web.app import create_app

log = logging.getLogger(__name__)

FIRST_ADMIN_FILE = "first-admin.txt"


async def ensure_first_admin(pool: asyncpg.Pool, settings: Settings) -> str | None:
    """On an install with no staff, create the first admin; return its password once.

    The credentials are also written (mode 0600) to ``data_dir/first-admin.txt`` so the
    operator who missed the console can find them; change the password and delete it.
    """
    if await staff_count(pool) > 0:
        return None
    password = generate_password()
    await create_staff(pool, settings.first_admin_email, "Administrateur", "admin", password)
    path = settings.data_dir / FIRST_ADMIN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(f"{settings.first_admin_email}\n{password}\n", encoding="utf-8")
    return password


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def run(settings: Settings) -> None:
    """Run the whole system until SIGINT or SIGTERM."""
    async with open_database(settings) as pool:
        password = await ensure_first_admin(pool, settings)
        runner = web.AppRunner(create_app(settings, pool), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.web_host, settings.web_port)
            await site.start()
            url = f"http://{settings.web_host}:{settings.web_port}/admin/"
            print(f"Information ITUM — administration : {url}", flush=True)
            if password is not None:
                print(
                    f"Premier administrateur / first admin: {settings.first_admin_email} "
                    f"mot de passe / password: {password}",
                    flush=True,
                )
            log.info("ready", extra={"url": url})
            await wait_for_stop_signal()
            log.info("stopping")
        finally:
            await runner.cleanup()
