"""Wiring only: database, the enabled channels, the web server, until a stop signal."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator, Mapping

import asyncpg
from aiohttp import web

from ivr.accounts.passwords import generate_password
from ivr.accounts.staff import create_staff, staff_count
from ivr.channels import RUNTIMES
from ivr.channels.runtime import ChannelRuntime
from ivr.config import Settings, SettingsError
from ivr.storage.lifecycle import open_database
from ivr.storage.retention import periodic_retention
from ivr.systemd import notify, watchdog
from ivr.web.app import create_app
from ivr.web.keys import HealthProbes

log = logging.getLogger(__name__)

FIRST_ADMIN_FILE = "first-admin.txt"


def freeze_startup_heap() -> None:
    """Move what starting made (modules, templates, settings, pools) out of the garbage
    collector's view: a full collection then scans only what requests and calls made.
    Without it, full collections stalled the event loop up to 64 ms (bench/portal.py)."""
    gc.collect()
    gc.freeze()


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


@contextlib.contextmanager
def stop_requested() -> Iterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM. Entered before readiness is announced, so a
    stop sent the moment the service is ready still ends it cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def wait_for_stop(stop: asyncio.Event, engines: Mapping[str, asyncio.Task[None]]) -> None:
    """Return once a stop is requested; raise what an engine failed with if one ends
    first (a dead dispatcher must stop the process, so its supervisor restarts it)."""
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopped, *engines.values()}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    for channel, engine in engines.items():
        if engine.done():
            engine.result()  # raises the engine's error
            raise RuntimeError(f"the {channel} dispatch engine stopped")


@contextlib.asynccontextmanager
async def demo_phone_network(settings: Settings) -> AsyncIterator[None]:
    """The simulated phone network as the carrier, and when SMS or email is on, the
    simulated SMSC and mail relay, with the settings' credentials (demo only)."""
    from simnet.mailrelay import SimulatedMailRelay, TlsMode
    from simnet.network import PhoneNetwork
    from simnet.smsc import SimulatedSmsc

    # Named after the product's instance, so two installations on one machine (or a
    # test beside the demo) each have their own.
    network = PhoneNetwork.for_settings(settings, name=f"{settings.asterisk_instance}-simnet")
    await network.start_owned()
    log.info("demo phone network started", extra={"sip_port": settings.sip_trunk_port})
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(asyncio.to_thread, network.stop)
        if "sms" in settings.channels:
            workdir = settings.data_dir / "demo-smsc"
            workdir.mkdir(parents=True, exist_ok=True)
            smsc = SimulatedSmsc(
                workdir=workdir,
                host=settings.smpp_host,
                port=settings.smpp_port,
                system_id=settings.smpp_system_id,
                password=settings.smpp_password,
                system_type=settings.smpp_system_type,
            )
            await stack.enter_async_context(smsc)
            log.info("demo SMS gateway started", extra={"smpp_port": settings.smpp_port})
        if "email" in settings.channels:
            # Its certificate's CA is written where the email channel looks for it.
            workdir = settings.data_dir / "demo-mail"
            relay_tls: dict[str, TlsMode] = {
                "starttls": "starttls",
                "tls": "implicit",
                "none": "none",
            }
            relay = SimulatedMailRelay(
                workdir=workdir,
                host=settings.smtp_host,
                port=settings.smtp_port,
                tls=relay_tls[settings.smtp_tls],
                username=settings.smtp_user or None,
                password=settings.smtp_password if settings.smtp_user else None,
                certificate_dir=settings.smtp_ca_file.parent if settings.smtp_ca_file else None,
            )
            await stack.enter_async_context(relay)
            log.info("demo mail relay started",
                     extra={"smtp_port": relay.port, "bounces": str(relay.bounce_dir)})  # fmt: skip
        yield


@contextlib.asynccontextmanager
async def web_server(
    settings: Settings, pool: asyncpg.Pool, health_probes: HealthProbes
) -> AsyncIterator[str]:
    app = create_app(settings, pool, health_probes=health_probes)
    runner = web.AppRunner(app, access_log=None)
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
    unbuilt = [name for name in settings.channels if name not in RUNTIMES]
    if unbuilt:
        raise SettingsError(f"IVR_CHANNELS: the {unbuilt[0]} channel is not built yet")
    async with (
        watchdog(),
        open_database(settings, owner=True) as pool,
        contextlib.AsyncExitStack() as stack,
    ):
        password = await ensure_first_admin(pool, settings)
        await stack.enter_async_context(periodic_retention(pool, settings.retention_days))
        if settings.demo_phone_network:
            await stack.enter_async_context(demo_phone_network(settings))
        runtimes: dict[str, ChannelRuntime] = {}
        for name in settings.channels:
            runtimes[name] = await stack.enter_async_context(RUNTIMES[name](settings, pool))
        probes = {name: runtime.health for name, runtime in runtimes.items()}
        url = await stack.enter_async_context(web_server(settings, pool, probes))
        freeze_startup_heap()
        stop = stack.enter_context(stop_requested())  # before READY: a stop may follow at once
        print(f"Information ITUM — administration : {url}", flush=True)
        if password is not None:
            print(
                f"Premier administrateur / first admin: {settings.first_admin_email} "
                f"mot de passe / password: {password}",
                flush=True,
            )
        log.info("ready", extra={"url": url, "channels": ",".join(runtimes)})
        notify(f"READY=1\nSTATUS=serving {url}")
        await wait_for_stop(stop, {name: rt.engine_task for name, rt in runtimes.items()})
        notify("STOPPING=1")
        log.info("stopping")
