"""Wiring only: database, PBX, voice channel and web server, until a stop signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from ivr.asterisk.layout import InstanceLayout
from ivr.asterisk.pbx_config import product_asterisk
from ivr.config import Settings
from ivr.passwords import generate_password
from ivr.staff import create_staff, staff_count
from ivr.storage.lifecycle import open_database
from ivr.voice.service import voice_channel
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


async def wait_for_stop(service: asyncio.Task[None]) -> None:
    """Return on SIGINT or SIGTERM; raise what ``service`` failed with if it ends first
    (a dead dispatcher must stop the process, so its supervisor restarts it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopped, service}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if service.done():
        service.result()  # raises the engine's error
        raise RuntimeError("the dispatch engine stopped")


@contextlib.asynccontextmanager
async def demo_phone_network(settings: Settings) -> AsyncIterator[None]:
    """The simulated phone network as the carrier (demo only; not in production)."""
    from simnet.network import PhoneNetwork

    network = PhoneNetwork.for_settings(settings)
    await asyncio.to_thread(network.start)
    log.info("demo phone network started", extra={"sip_port": settings.sip_trunk_port})
    try:
        yield
    finally:
        await asyncio.to_thread(network.stop)


@contextlib.asynccontextmanager
async def managed_asterisk(settings: Settings) -> AsyncIterator[None]:
    """The product's Asterisk, its configuration rendered from ``settings``."""
    process = product_asterisk(settings)
    seconds = await asyncio.to_thread(process.start)
    log.info(
        "asterisk started", extra={"instance": process.layout.name, "boot_s": round(seconds, 2)}
    )
    try:
        yield
    finally:
        await asyncio.to_thread(process.stop)


@contextlib.asynccontextmanager
async def web_server(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[str]:
    runner = web.AppRunner(create_app(settings, pool), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.web_host, settings.web_port).start()
        yield f"http://{settings.web_host}:{settings.web_port}/admin/"
    finally:
        await runner.cleanup()


async def run(settings: Settings) -> None:
    """Run the whole system until SIGINT or SIGTERM."""
    # Audio and configuration written here must be readable by the PBX's own user,
    # whatever umask started us; secrets are written with explicit modes.
    os.umask(0o022)
    layout = InstanceLayout(settings.asterisk_root, settings.asterisk_instance)
    async with open_database(settings) as pool, contextlib.AsyncExitStack() as stack:
        password = await ensure_first_admin(pool, settings)
        if settings.demo_phone_network:
            await stack.enter_async_context(demo_phone_network(settings))
        if settings.asterisk_managed:
            await stack.enter_async_context(managed_asterisk(settings))
        voice = await stack.enter_async_context(voice_channel(settings, pool, layout.sounds_dir))
        url = await stack.enter_async_context(web_server(settings, pool))
        print(f"Information ITUM — administration : {url}", flush=True)
        if password is not None:
            print(
                f"Premier administrateur / first admin: {settings.first_admin_email} "
                f"mot de passe / password: {password}",
                flush=True,
            )
        log.info("ready", extra={"url": url})
        await wait_for_stop(voice.engine_task)
        log.info("stopping")
