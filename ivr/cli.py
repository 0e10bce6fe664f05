"""The ``ivr`` command: run the system and its maintenance tasks."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from ivr.asterisk.ami import AmiError
from ivr.asterisk.config_render import PbxConfigError
from ivr.asterisk.process import AsteriskError
from ivr.channels.email.bounces import MaildirError
from ivr.channels.email.signing import DkimKeyError
from ivr.channels.voice.audio import AudioError
from ivr.config import (
    Settings,
    SettingsError,
    load_settings,
    secret_settings,
    setting_docs,
    setting_text,
)
from ivr.domain.alerts import CATEGORIES
from ivr.domain.api_scopes import SCOPES
from ivr.domain.errors import DomainError
from ivr.logs import configure_logging
from ivr.storage.backup import BackupError, FileRoots
from ivr.storage.database import DatabaseUnavailable


class CommandError(Exception):
    """A command cannot do what was asked; the message says why."""


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


def _file_roots(settings: Settings) -> FileRoots:
    from ivr.alerts.launching import recordings_dir

    return FileRoots(recordings_dir(settings), settings.asterisk_root)


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.storage.backup import backup, server_url

    with server_url(settings) as url:
        made = await backup(url, args.file, _file_roots(settings))
    size = args.file.stat().st_size
    print(
        f"backup written: {args.file} ({size / 1e6:.1f} MB, schema "
        f"{made.manifest.schema_version}, {len(made.manifest.files) - 1} recordings and audio)"
    )
    print("it holds personal data: mode 0600; keep it as safe as the server (docs/backups.md)")
    for name in made.missing:
        print(f"warning: the database names {name} but the file is missing", file=sys.stderr)
    return 0


async def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.storage.backup import restore, server_url

    with server_url(settings) as url:
        restored = await restore(url, args.file, _file_roots(settings))
    manifest = restored.manifest
    print(
        f"restored {args.file} (made {manifest.created_at} by version {manifest.app_version}, "
        f"schema {manifest.schema_version}, {len(manifest.files) - 1} recordings and audio)"
    )
    print(f"migrations applied: {restored.migrations_applied or 'none (up to date)'}")
    return 0


async def _apply_retention(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from ivr.storage.lifecycle import open_database
    from ivr.storage.retention import apply_retention

    if settings.retention_days == 0:
        print("retention is off (IVR_RETENTION_DAYS=0): nothing is pseudonymized")
        return 0
    async with open_database(settings) as pool:
        done = await apply_retention(pool, settings.retention_days)
    if done is None:
        raise CommandError("retention is being applied by another process; try again later")
    counts = ", ".join(f"{name} {count}" for name, count in asdict(done).items())
    print(f"retention ({settings.retention_days} days) pseudonymized: {counts}")
    return 0


async def _create_staff(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.accounts.passwords import generate_password
    from ivr.accounts.staff import create_staff
    from ivr.storage.lifecycle import open_database

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else generate_password()
    async with open_database(settings) as pool:
        await create_staff(pool, args.email, args.name, args.role, password)
    print(f"staff created: {args.email} ({args.role})")
    if not args.password_stdin:
        print(f"password (shown once): {password}")
    return 0


async def _set_staff_pin(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from ivr.accounts.staff_pins import set_pin
    from ivr.storage.lifecycle import open_database

    pin = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("PIN: ")
    async with open_database(settings) as pool:
        staff_number = await set_pin(pool, args.email, pin)
    print(f"staff line PIN set for {args.email}; staff number: {staff_number}")
    return 0


async def _create_api_token(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.accounts.api_tokens import create_api_token
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        token_id, token = await create_api_token(pool, args.name, args.staff, args.scope)
    print(f"api token {token_id} created for {args.staff}")
    print(f"token (shown once): {token}")
    return 0


async def _revoke_api_token(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.accounts.api_tokens import revoke_api_token
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        await revoke_api_token(pool, args.token_id)
    print(f"api token {args.token_id} revoked")
    return 0


async def _list_api_tokens(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.accounts.api_tokens import list_api_tokens
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        tokens = await list_api_tokens(pool)
    print(f"{'id':>4}  {'name':<24} {'acts for':<28} {'last used':<16} {'revoked':<16} scopes")
    for t in tokens:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
        revoked = f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "-"
        print(
            f"{t.id:>4}  {t.name:<24} {t.staff_email:<28} {used:<16} {revoked:<16} "
            f"{','.join(t.scopes)}"
        )
    return 0


async def _staff_id(pool: Any, email: str) -> int:
    from ivr.storage import staff

    account = await staff.find_login(pool, email)
    if account is None or account.disabled:
        raise CommandError(f"no active staff account {email!r}")
    return account.id


async def _launch_alert(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.alerts.launching import launch_alert
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        staff_id = await _staff_id(pool, args.staff)
        launched = await launch_alert(pool, settings, args.alert_id, staff_id)
    print(f"alert {args.alert_id} launched: {launched.created} deliveries")
    _warn_unavailable(launched.unavailable, settings, "ended at once as channel_unavailable")
    return 0


def _warn_unavailable(unavailable: dict[str, int], settings: Settings, fate: str) -> None:
    for channel, count in sorted(unavailable.items()):
        print(
            f"warning: {count} deliveries on {channel}, which is not in service here "
            f"(IVR_CHANNELS={','.join(settings.channels)}): {fate}",
            file=sys.stderr,
        )


async def _preview_alert(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.storage.audience import preview
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        shown = await preview(pool, args.alert_id, limit=1, in_service=settings.channels)
    print(f"alert {args.alert_id}: {shown.total()} deliveries if launched now")
    print(f"{'sector':<16} {'channel':<8} {'deliveries':>10}")
    for count in shown.counts:
        print(f"{count.sector_code or '-':<16} {count.channel:<8} {count.deliveries:>10}")
    print(f"people concerned with no usable contact: {shown.unreachable_total}")
    _warn_unavailable(shown.unavailable(), settings, "they would end as channel_unavailable")
    return 0


async def _cancel_alert(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.alerts.launching import cancel_alert
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        staff_id = await _staff_id(pool, args.staff)
        stopped = await cancel_alert(pool, args.alert_id, staff_id)
    print(f"alert {args.alert_id} cancelled: {stopped} pending deliveries stopped")
    return 0


async def _alert_status(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.storage import alerts
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        alert = await alerts.get_alert(pool, args.alert_id)
        rows = await alerts.get_progress(pool, args.alert_id)
        details = await alerts.get_attempt_details(pool, args.alert_id) if args.details else []
        sms = await alerts.get_sms_summary(pool, args.alert_id)
    print(f"alert {alert.id}: {alert.state}")
    print(f"{'channel':<8} {'state':<12} {'last outcome':<24} {'deliveries':>10} {'attempts':>9}")
    for row in rows:
        print(
            f"{row.channel:<8} {row.state:<12} {row.outcome or '-':<24} "
            f"{row.deliveries:>10} {row.attempts:>9}"
        )
    if sms.parts:
        print(
            f"sms parts: {sms.parts} submitted, {sms.throttled} throttled and sent again, "
            f"{sms.resubmitted} sent again after a lost connection, {sms.receipts} receipts"
        )
    if details:
        _print_attempt_details(details)
    return 0


DETAIL_COLUMNS = (
    ("delivery", "delivery_id"),
    ("try", "attempt_number"),
    ("channel", "channel"),
    ("outcome", "outcome"),
    ("amd", "amd_status"),
    ("amd cause", "amd_cause"),
    ("amd s", "amd_seconds"),
    ("greeting end", "greeting_end"),
    ("waited s", "greeting_wait_seconds"),
    ("silence s", "silence_before_message"),
    ("beep in play", "beep_during_playback"),
    ("to audio s", "answer_to_audio_seconds"),
    ("keys", "keys_pressed"),
    ("cause", "hangup_cause"),
    ("parts", "sms_parts"),
    ("throttled", "sms_throttled"),
    ("resent", "sms_resubmitted"),
    ("receipts", "sms_receipts"),
    ("relay", "relay_answer"),
)


def _print_attempt_details(details: Sequence[Any]) -> None:
    """One line per attempt: how each answered call was heard (docs/voice.md), how each
    SMS went (docs/sms.md), what the mail relay answered (docs/email.md)."""

    def shown(value: object) -> str:
        if value is None or value == "":
            return "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value)

    lines = [[title for title, _ in DETAIL_COLUMNS]]
    lines += [[shown(getattr(detail, name)) for _, name in DETAIL_COLUMNS] for detail in details]
    widths = [max(len(line[i]) for line in lines) for i in range(len(DETAIL_COLUMNS))]
    print()
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


async def _test_call(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.alerts.test_call import start_test_call, wait_test_call
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        staff_id = await _staff_id(pool, args.staff)
        delivery_id = await start_test_call(pool, settings, args.number, staff_id, args.language)
        print(f"test call queued (delivery {delivery_id}); waiting for `ivr serve` to place it")
        try:
            result = await wait_test_call(pool, delivery_id, args.wait)
        except TimeoutError:
            raise CommandError(
                f"the call is not over after {args.wait:.0f} s: is `ivr serve` running?"
            ) from None
    print(f"{result.state}: {', '.join(result.outcomes) or 'no attempt'}")
    return 0 if result.state == "done" else 1


async def _read_bounces(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.channels.email.bounces import read_bounces
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        report = await read_bounces(pool, args.maildir)
    print(
        f"bounces: {report.read} read, {report.flagged} addresses flagged invalid; "
        f"{report.already_read} read before, {report.not_bounces} not permanent failures, "
        f"{report.unreadable} unreadable"
    )
    return 0


async def _test_email(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.channels.email.test_email import send_test_email
    from ivr.storage.lifecycle import open_database

    async with open_database(settings) as pool:
        staff_id = await _staff_id(pool, args.staff)
        answer = await send_test_email(
            pool,
            settings,
            args.address,
            staff_id=staff_id,
            category=args.category,
            language=args.language,
        )
    print(f"{'accepted' if answer.accepted else 'not sent'}: {answer}")
    return 0 if answer.accepted else 1


async def _import_directory(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.importers.directory_command import import_directory

    return await import_directory(settings, args.file, apply=args.apply, full=args.full)


async def _lift_directory_exclusion(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.importers.directory_command import lift_exclusion

    return await lift_exclusion(settings, args.number)


async def _load_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.importers.demo_data import load_demo_data
    from ivr.storage.lifecycle import open_database
    from ivr.storage.people import has_households

    async with open_database(settings) as pool:
        if args.if_empty and await has_households(pool):
            print("demo data: the database already has residents; nothing loaded")
            return 0
        summary = await load_demo_data(pool)
    print(
        f"demo data loaded: {summary.sectors} sectors, {summary.households} households, "
        f"{summary.members} residents, {summary.phones} phones, {summary.emails} emails"
    )
    return 0


async def _render_pbx_config(settings: Settings, args: argparse.Namespace) -> int:
    from ivr.channels.voice.pbx import render_product_config

    print(render_product_config(settings).asterisk_conf)
    return 0


async def _show_config(settings: Settings, args: argparse.Namespace) -> int:
    secrets = secret_settings()
    for variable, _default, _doc in setting_docs():
        name = variable.removeprefix("IVR_").lower()
        value = getattr(settings, name)
        shown = "(set)" if name in secrets and value else setting_text(value)
        print(f"{variable}={shown}")
    return 0


async def _check_health(settings: Settings, args: argparse.Namespace) -> int:
    import aiohttp

    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(settings.web_host, settings.web_host)  # noqa: S104
    url = f"http://{host}:{settings.web_port}/healthz"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=args.timeout)) as http,
            http.get(url) as answer,
        ):
            print(f"{answer.status} {await answer.text()}")
            return 0 if answer.status == 200 else 1
    except (aiohttp.ClientError, TimeoutError) as error:
        print(f"{url}: {error or type(error).__name__}")
        return 1


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

    backup = commands.add_parser(
        "backup",
        help="write the database, recordings and alert audio into one archive (docs/backups.md)",
    )
    backup.add_argument("file", type=Path, help="the archive to write (a new file)")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="restore an archive of `ivr backup` into an empty database"
    )
    restore.add_argument("file", type=Path, help="the archive")
    restore.set_defaults(handler=_restore)

    retention = commands.add_parser(
        "apply-retention",
        help="pseudonymize now what IVR_RETENTION_DAYS says is old (ivr serve does it too)",
    )
    retention.set_defaults(handler=_apply_retention)

    staff = commands.add_parser("create-staff", help="add a staff account")
    staff.add_argument("email", help="the staff member's email (their login)")
    staff.add_argument("--name", required=True, help="name shown in the pages and audit log")
    staff.add_argument(
        "--role",
        default="operator",
        choices=["admin", "approver", "operator", "viewer"],
        help="admin: everything; approver: approves, launches, cancels alerts; "
        "operator: drafts, test sends; viewer: reads",
    )
    staff.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of generating one",
    )
    staff.set_defaults(handler=_create_staff)

    pin = commands.add_parser(
        "set-staff-pin",
        help="set a staff member's PIN for the staff phone line (4-8 digits, from stdin "
        "or a prompt)",
    )
    pin.add_argument("email", help="the staff member's email (their login)")
    pin.set_defaults(handler=_set_staff_pin)

    token = commands.add_parser(
        "create-api-token", help="make a JSON API token acting for a staff member (shown once)"
    )
    token.add_argument("name", help="what the token is for, e.g. the integration's name")
    token.add_argument(
        "--as", dest="staff", required=True, metavar="EMAIL", help="the staff member it acts for"
    )
    token.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=SCOPES,
        help="what it may do (repeatable); the staff member's role must allow it too",
    )
    token.set_defaults(handler=_create_api_token)

    revoke = commands.add_parser("revoke-api-token", help="revoke a JSON API token at once")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(handler=_revoke_api_token)

    tokens = commands.add_parser("list-api-tokens", help="the JSON API tokens (no secrets)")
    tokens.set_defaults(handler=_list_api_tokens)

    launch = commands.add_parser(
        "launch-alert", help="launch an approved alert (make its audio, resolve its audience)"
    )
    launch.add_argument("alert_id", type=int)
    launch.add_argument("--as", dest="staff", required=True, metavar="EMAIL", help="who launches")
    launch.set_defaults(handler=_launch_alert)

    preview = commands.add_parser(
        "preview-alert",
        help="what launching an alert now would send, per sector and channel (counts only)",
    )
    preview.add_argument("alert_id", type=int)
    preview.set_defaults(handler=_preview_alert)

    cancel = commands.add_parser(
        "cancel-alert", help="cancel an alert: its pending calls and messages stop at once"
    )
    cancel.add_argument("alert_id", type=int)
    cancel.add_argument("--as", dest="staff", required=True, metavar="EMAIL", help="who cancels")
    cancel.set_defaults(handler=_cancel_alert)

    status = commands.add_parser(
        "alert-status", help="where an alert's deliveries stand (counts, no personal data)"
    )
    status.add_argument("alert_id", type=int)
    status.add_argument(
        "--details",
        action="store_true",
        help="also every attempt: AMD, greeting's end, waits, keys; SMS parts, receipts; "
        "the mail relay's answer",
    )
    status.set_defaults(handler=_alert_status)

    test_call = commands.add_parser(
        "test-call", help="call one number with a short test message (needs `ivr serve`)"
    )
    test_call.add_argument("number", help="the number to call, e.g. 418-962-1001")
    test_call.add_argument("--as", dest="staff", required=True, metavar="EMAIL", help="who calls")
    test_call.add_argument("--language", choices=["fr", "en"], default="fr")
    test_call.add_argument("--wait", type=float, default=300.0, help="seconds to wait (300)")
    test_call.set_defaults(handler=_test_call)

    test_email = commands.add_parser(
        "test-email", help="send one email from a category's current template to an address"
    )
    test_email.add_argument("address", help="where to send it")
    test_email.add_argument("--as", dest="staff", required=True, metavar="EMAIL", help="who sends")
    test_email.add_argument("--category", choices=CATEGORIES, default="exercise")
    test_email.add_argument("--language", choices=["fr", "en"], default="fr")
    test_email.set_defaults(handler=_test_email)

    bounces = commands.add_parser(
        "read-bounces",
        help="flag the addresses that bounced, from a Maildir of bounce messages (repeatable)",
    )
    bounces.add_argument("maildir", type=Path, help="the Maildir the bounce address delivers to")
    bounces.set_defaults(handler=_read_bounces)

    demo = commands.add_parser(
        "load-demo-data", help="load fictional sectors and residents (an empty database only)"
    )
    demo.add_argument(
        "--if-empty", action="store_true", help="do nothing (and succeed) if residents exist"
    )
    demo.set_defaults(handler=_load_demo_data)

    directory = commands.add_parser(
        "import-directory",
        help="read a 411 directory listing (CSV) and show what importing it would do; "
        "--apply to apply (docs/directory.md)",
    )
    directory.add_argument("file", type=Path, help="the listing, CSV with a header")
    directory.add_argument("--apply", action="store_true", help="apply it after the summary")
    directory.add_argument(
        "--full",
        action="store_true",
        help="the listing is complete: enrolled numbers absent from it are deactivated "
        "(unless claimed on the portal)",
    )
    directory.set_defaults(handler=_import_directory)

    lift = commands.add_parser(
        "lift-directory-exclusion",
        help="let the directory import enroll a number again (its account was deleted)",
    )
    lift.add_argument("number", help="the phone number, e.g. 418 962-0327")
    lift.set_defaults(handler=_lift_directory_exclusion)

    render = commands.add_parser(
        "render-pbx-config",
        help="write the product's Asterisk configuration for these settings; print asterisk.conf",
    )
    render.set_defaults(handler=_render_pbx_config)

    health = commands.add_parser(
        "check-health",
        help="ask the running `ivr serve` whether it is healthy (exit 0) or not (1): for "
        "container healthchecks and monitoring",
    )
    health.add_argument("--timeout", type=float, default=5.0, help="seconds (5)")
    health.set_defaults(handler=_check_health)

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
    configure_logging(settings.log_level, settings.log_format)
    handler: Command = args.handler
    try:
        return asyncio.run(handler(settings, args))
    except DatabaseUnavailable as error:
        print(f"ivr: {error}", file=sys.stderr)
        return 3
    except (
        CommandError,
        DomainError,
        AudioError,
        PbxConfigError,
        AsteriskError,
        SettingsError,
        MaildirError,
        DkimKeyError,
        BackupError,
    ) as error:
        print(f"ivr: {error}", file=sys.stderr)
        return 2
    except (AmiError, OSError) as error:
        print(f"ivr: Asterisk or a service is unreachable: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
