"""The ``ivr`` command: run the system and its maintenance tasks."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ivr.config import Settings, SettingsError, load_settings, setting_docs
from ivr.logs import configure_logging
from ivr.storage.database import DatabaseUnavailable

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


async def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.main import run

    await run(settings)
    return 0


async def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.storage.lifecycle import open_database
    from ivr.storage.migrate import migrate

    async with open_database(settings, apply_migrations=False) as pool, pool.acquire() as conn:
        applied = await migrate(conn)
    print(f"migrations applied: {applied or 'none (up to date)'}")
    return 0


async def _create_staff(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.passwords import WeakPassword, generate_password
    from ivr.staff import StaffError, create_staff
    from ivr.storage.lifecycle import open_database

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else generate_password()
    async with open_database(settings) as pool:
        try:
            await create_staff(pool, args.email, args.name, args.role, password)
        except (StaffError, WeakPassword) as error:
            print(f"ivr: {error}", file=sys.stderr)
            return 2
    print(f"staff created: {args.email} ({args.role})")
    if not args.password_stdin:
        print(f"password (shown once): {password}")
    return 0


async def _show_config(settings: Settings, args: argparse.Namespace) -> int:
    secret_names = {
        "secret_key",
        "ami_secret",
        "sip_trunk_password",
        "smpp_password",
        "smtp_password",
    }
    for variable, _default, _doc in setting_docs():
        name = variable.removeprefix("IVR_").lower()
        value = getattr(settings, name)
        shown = "(set)" if name in secret_names and value else value
        print(f"{variable}={shown}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ivr",
        description="Information ITUM: emergency alerts by phone, text message and email.",
        epilog="Settings come from IVR_* environment variables; see docs/configuration.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the alert system (web pages, dispatch)")
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="bring the database to the current schema")
    migrate.set_defaults(handler=_migrate)

    staff = commands.add_parser("create-staff", help="add a staff account")
    staff.add_argument("email", help="the staff member's email (their login)")
    staff.add_argument("--name", required=True, help="name shown in the pages and audit log")
    staff.add_argument(
        "--role",
        default="author",
        choices=["admin", "approver", "author", "viewer"],
        help="admin: everything; approver: approves alerts; author: drafts; viewer: reads",
    )
    staff.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of generating one",
    )
    staff.set_defaults(handler=_create_staff)

    show = commands.add_parser("show-config", help="print the settings in force (secrets hidden)")
    show.set_defaults(handler=_show_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"ivr: configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    handler: Command = args.handler
    try:
        return asyncio.run(handler(settings, args))
    except DatabaseUnavailable as error:
        print(f"ivr: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
