"""The FastAGI server over real TCP on loopback, against protocol transcripts that
play Asterisk's side (environment, replies, HANGUP notices, misbehaving peers)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable

import pytest

from ivr.asterisk.agi_protocol import AgiArgumentError, AgiProtocolError
from ivr.asterisk.fastagi_server import FastAgiServer, Handler
from ivr.asterisk.fastagi_session import (
    AgiCommandError,
    AgiSession,
    AgiTimeout,
    ChannelHungUp,
    DigitsInput,
    Playback,
    Recording,
)
from tests.asterisk.transcript import FAST_LIMITS, AsteriskSide, environment, running_server


async def eventually(predicate: Callable[[], bool], within: float = 2.0) -> None:
    """Server-side counters settle a moment after the client sees the close."""
    for _ in range(int(within / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    assert predicate()


def answering(log: list[object]) -> Handler:
    """A route that answers and records what happened."""

    async def handler(session: AgiSession) -> None:
        log.append(session.args)
        await session.answer()

    return handler


async def test_normal_session_runs_the_route_with_env_args_and_typed_commands() -> None:
    seen: dict[str, object] = {}

    async def call(session: AgiSession) -> None:
        seen["args"] = session.args
        seen["query"] = dict(session.request.query)
        seen["channel"] = session.env["agi_channel"]
        await session.answer()
        seen["amd"] = await session.get_variable("AMDSTATUS")
        seen["unset"] = await session.get_variable("NOT_SET")
        seen["full"] = await session.get_full_variable("${AMDCAUSE}")
        seen["exec"] = await session.exec("WaitForSilence", "2500", "1", "10")
        seen["playback"] = await session.stream_file("ivr/alert-42-fr", "129")
        seen["menu"] = await session.get_data("ivr/menu-fr", 5, 1)
        seen["key"] = await session.wait_for_digit(3)
        await session.set_variable("IVR_CONFIRMED", "1")
        seen["recording"] = await session.record_file(
            "ivr/rec-1", "wav", "#", 30, beep=True, silence=3
        )
        await session.verbose("fin de l'appel « test »")

    async with running_server({"alert/call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start("alert/call?attempt=42", ["42", "fr"])
        await asterisk.answer("ANSWER", "200 result=0")
        await asterisk.answer('GET VARIABLE "AMDSTATUS"', "200 result=1 (MACHINE)")
        await asterisk.answer('GET VARIABLE "NOT_SET"', "200 result=0")
        await asterisk.answer(
            'GET FULL VARIABLE "${AMDCAUSE}"', "200 result=1 (MAXWORDLENGTH-5000)"
        )
        await asterisk.answer('EXEC "WaitForSilence" "2500,1,10"', "200 result=0")
        await asterisk.answer(
            'STREAM FILE "ivr/alert-42-fr" "129"', f"200 result={ord('2')} endpos=12000"
        )
        await asterisk.answer('GET DATA "ivr/menu-fr" 5000 1', "200 result=2")
        await asterisk.answer("WAIT FOR DIGIT 3000", "200 result=0")
        await asterisk.answer('SET VARIABLE "IVR_CONFIRMED" "1"', "200 result=1")
        await asterisk.answer(
            'RECORD FILE "ivr/rec-1" "wav" "#" 30000 "BEEP" "s=3"',
            f"200 result={ord('#')} (dtmf) endpos=24000",
        )
        await asterisk.answer('VERBOSE "fin de l\'appel « test »" 1', "200 result=1")
        await asterisk.finish("OK")

    assert seen == {
        "args": ("42", "fr"),
        "query": {"attempt": "42"},
        "channel": "PJSIP/trunk-00000001",
        "amd": "MACHINE",
        "unset": None,
        "full": "MAXWORDLENGTH-5000",
        "exec": 0,
        "playback": Playback("2", 12000),
        "menu": DigitsInput("2", False),
        "key": None,
        "recording": Recording("dtmf", "#", 24000),
    }
    assert server.stats.completed == 1
    assert server.active_sessions == 0


async def test_eof_before_the_blank_line_closes_without_calling_the_handler() -> None:
    calls: list[object] = []
    async with running_server({"call": answering(calls)}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.send(environment()[:150])
        asterisk.writer.write_eof()
        started = time.monotonic()
        assert await asterisk.closed()
        assert time.monotonic() - started < 0.3
        await eventually(lambda: server.active_sessions == 0)
        assert server.stats.disconnects == 1
    assert calls == []


async def test_port_scanner_connect_and_close_then_normal_service() -> None:
    calls: list[object] = []
    async with running_server({"call": answering(calls)}) as server:
        for _ in range(50):
            _, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.close()
            await writer.wait_closed()
        await eventually(lambda: server.stats.disconnects == 50 and server.active_sessions == 0)
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start("call", ["7"])
        await asterisk.answer("ANSWER", "200 result=0")
        await asterisk.finish()
    assert calls == [("7",)]
    assert server.stats.protocol_errors == 0


async def test_stalled_clients_time_out_while_others_are_served() -> None:
    calls: list[object] = []
    async with running_server({"call": answering(calls)}) as server:
        silent = await AsteriskSide.connect(server.port)
        half_env = await AsteriskSide.connect(server.port)
        await half_env.send(environment()[:100])
        mute = await AsteriskSide.connect(server.port)
        await mute.start("call", ["mute"])
        assert await mute.command() == "ANSWER"  # and never answer it

        async def normal(n: int) -> None:
            asterisk = await AsteriskSide.connect(server.port)
            await asterisk.start("call", [str(n)])
            await asterisk.answer("ANSWER", "200 result=0")
            await asterisk.finish()

        started = time.monotonic()
        await asyncio.gather(*(normal(n) for n in range(20)))
        assert time.monotonic() - started < FAST_LIMITS.env_timeout
        assert server.stats.completed == 20

        for stalled in (silent, half_env, mute):
            assert await stalled.closed()
        assert time.monotonic() - started < 1.5
        await eventually(lambda: server.active_sessions == 0)
    assert server.stats.timeouts == 3
    assert len(calls) == 21


async def test_garbage_environment_is_refused_at_once() -> None:
    calls: list[object] = []
    async with running_server({"call": answering(calls)}) as server:
        http = await AsteriskSide.connect(server.port)
        await http.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        binary = await AsteriskSide.connect(server.port)
        await binary.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xff\n")
        gap = await AsteriskSide.connect(server.port)
        await gap.send(b"agi_network: yes\nagi_arg_2: x\n\n")
        for peer in (http, binary, gap):
            assert await peer.closed()
        await eventually(lambda: server.stats.protocol_errors == 3)
    assert calls == []


async def test_oversized_lines_close_the_connection() -> None:
    outcome: list[object] = []

    async def call(session: AgiSession) -> None:
        try:
            await session.get_variable("BIG")
        except AgiProtocolError as error:
            outcome.append(error)
            raise

    async with running_server({"call": call}) as server:
        flood = await AsteriskSide.connect(server.port)
        await flood.send(b"agi_network_script: " + b"x" * (3 * FAST_LIMITS.max_line_bytes))
        assert await flood.closed()

        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start("call")
        assert await asterisk.command() == 'GET VARIABLE "BIG"'
        await asterisk.send("200 result=1 (" + "y" * 20000 + ")\n")
        assert await asterisk.closed()
        await eventually(lambda: server.active_sessions == 0)
    assert server.stats.protocol_errors == 2
    assert len(outcome) == 1


async def test_too_many_environment_lines_are_refused() -> None:
    async with running_server({}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        with contextlib.suppress(ConnectionError):  # the server may close while we write
            await asterisk.send("".join(f"agi_arg_{n}: x\n" for n in range(1, 400)))
        assert await asterisk.closed()
        await eventually(lambda: server.stats.protocol_errors == 1)


async def test_garbage_reply_fails_the_command_and_closes() -> None:
    errors: list[str] = []

    async def call(session: AgiSession) -> None:
        try:
            await session.answer()
        except AgiProtocolError as error:
            errors.append(str(error))
            raise

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer("ANSWER", "this is not AGI \x1b[31m")
        assert await asterisk.closed()  # no status: the stream is out of step
    assert errors == ["not an AGI reply: this is not AGI ?[31m"]


async def test_hangup_notice_before_a_reply_is_taken_aside() -> None:
    seen: list[object] = []

    async def call(session: AgiSession) -> None:
        seen.append(await session.get_variable("AMDSTATUS"))
        seen.append(session.hung_up)
        try:
            await session.stream_file("ivr/alert")
        except ChannelHungUp as error:
            seen.append(str(error))
        seen.append(await session.get_variable("HANGUPCAUSE"))

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer('GET VARIABLE "AMDSTATUS"', "HANGUP", "200 result=1 (HUMAN)")
        # stream_file raised without sending: the next line is the next dead-safe command
        await asterisk.answer('GET VARIABLE "HANGUPCAUSE"', "200 result=1 (16)")
        await asterisk.finish()
    assert seen == [
        "HUMAN",
        True,
        "STREAM FILE: the channel has hung up",
        "16",
    ]


async def test_hangup_during_playback_raises_channel_hung_up() -> None:
    outcome: list[object] = []

    async def call(session: AgiSession) -> None:
        try:
            await session.stream_file("ivr/alert-1-fr", "")
        except ChannelHungUp:
            outcome.append("hung up")
            raise
        finally:
            outcome.append(session.hung_up)

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer('STREAM FILE "ivr/alert-1-fr" ""', "200 result=-1 endpos=4000")
        await asterisk.answer("NOOP", "HANGUP", "200 result=0")
        assert await asterisk.closed()
        await eventually(lambda: server.stats.hangups == 1)
    assert outcome == ["hung up", True]


async def test_failed_playback_without_hangup_is_a_command_error() -> None:
    outcome: list[object] = []

    async def call(session: AgiSession) -> None:
        try:
            await session.stream_file("ivr/missing")
        except AgiCommandError as error:
            outcome.append(str(error))
        outcome.append(session.hung_up)

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer('STREAM FILE "ivr/missing" ""', "200 result=-1 endpos=0")
        await asterisk.answer("NOOP", "200 result=0")
        await asterisk.finish()
    assert outcome == ["STREAM FILE failed", False]


async def test_510_511_520_replies() -> None:
    outcome: list[object] = []

    async def call(session: AgiSession) -> None:
        for command in (session.answer, session.answer):
            try:
                await command()
            except AgiCommandError as error:
                assert error.reply is not None
                outcome.append((error.reply.code, error.reply.usage))
        try:
            await session.answer()
        except ChannelHungUp as error:
            outcome.append(str(error))
        outcome.append(session.hung_up)

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer("ANSWER", "510 Invalid or unknown command")
        await asterisk.answer(
            "ANSWER",
            "520-Invalid command syntax.  Proper usage follows:",
            " Usage: ANSWER",
            "    Answers channel if not already in answer state.",
            "520 End of proper usage.",
        )
        await asterisk.answer(
            "ANSWER", "511 Command Not Permitted on a dead channel or intercept routine"
        )
        await asterisk.finish()
    assert outcome == [
        (510, ""),
        (520, " Usage: ANSWER\n    Answers channel if not already in answer state."),
        "ANSWER: not permitted on a dead channel",
        True,
    ]


async def test_timeout_marker_and_escape_digits() -> None:
    seen: list[object] = []

    async def call(session: AgiSession) -> None:
        seen.append(await session.get_data("ivr/menu", 3, 4))
        seen.append(await session.get_data("ivr/menu", 3, 4))
        seen.append(await session.get_data("ivr/menu", 3, 4))
        seen.append(await session.stream_file("ivr/alert", "129#"))
        seen.append(await session.stream_file("ivr/alert", "129#"))
        seen.append(await session.wait_for_digit(0.5))
        seen.append(await session.record_file("ivr/rec", "wav", "#", 5))
        for bad in ("1x", "12 3"):
            try:
                await session.stream_file("ivr/alert", bad)
            except AgiArgumentError:
                seen.append(f"refused {bad}")

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer('GET DATA "ivr/menu" 3000 4', "200 result= (timeout)")
        await asterisk.answer('GET DATA "ivr/menu" 3000 4', "200 result=12 (timeout)")
        await asterisk.answer('GET DATA "ivr/menu" 3000 4', "200 result=1234")
        await asterisk.answer('STREAM FILE "ivr/alert" "129#"', "200 result=0 endpos=96000")
        await asterisk.answer(
            'STREAM FILE "ivr/alert" "129#"', f"200 result={ord('#')} endpos=8000"
        )
        await asterisk.answer("WAIT FOR DIGIT 500", f"200 result={ord('9')}")
        await asterisk.answer(
            'RECORD FILE "ivr/rec" "wav" "#" 5000', "200 result=0 (timeout) endpos=40000"
        )
        await asterisk.finish()
    assert seen == [
        DigitsInput("", True),
        DigitsInput("12", True),
        DigitsInput("1234", False),
        Playback(None, 96000),
        Playback("#", 8000),
        "9",
        Recording("timeout", None, 40000),
        "refused 1x",
        "refused 12 3",
    ]


async def test_unsafe_values_never_reach_asterisk() -> None:
    refused: list[str] = []

    async def call(session: AgiSession) -> None:
        attempts = [
            session.set_variable("IVR_NAME", "x\nEXEC System rm"),
            session.set_variable("IVR_NAME", "${SHELL(id)}"),
            session.set_variable("BAD NAME", "1"),
            session.exec("System;x"),
            session.exec("Playback", "a,b"),
            session.stream_file("../../etc/passwd"),
            session.verbose("a\r\nb"),
            session.verbose("ok", level=9),
            session.get_full_variable("${X}\nANSWER"),
            session.get_data("ivr/menu", 5, 0),
            session.wait_for_digit(-1),
            session.record_file("ivr/rec", "wav;rm", "#", 5),
        ]
        for attempt in attempts:
            try:
                await attempt
            except AgiArgumentError as error:
                refused.append(type(error).__name__)

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.finish()  # the first line the server sends is the final status
    assert refused == ["AgiArgumentError"] * 12


async def test_unknown_route_sets_noroute_and_hangs_up_the_session() -> None:
    async with running_server({"call": answering([])}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start("nowhere?x=1")
        await asterisk.finish("NOROUTE")
    assert server.stats.unknown_routes == 1
    assert server.stats.completed == 0


async def test_handler_error_is_logged_with_fields_and_reported_to_the_dialplan(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(session: AgiSession) -> None:
        await session.answer()
        raise RuntimeError("bug in the call flow")

    caplog.set_level(logging.INFO, logger="ivr.asterisk.fastagi")
    async with running_server({"broken": broken, "call": answering([])}) as server:
        failing = await AsteriskSide.connect(server.port)
        await failing.start("broken")
        await failing.answer("ANSWER", "200 result=0")
        await failing.finish("ERROR")
        healthy = await AsteriskSide.connect(server.port)
        await healthy.start("call")
        await healthy.answer("ANSWER", "200 result=0")
        await healthy.finish("OK")
    assert server.stats.handler_errors == 1
    assert server.stats.completed == 1
    [record] = [r for r in caplog.records if r.getMessage() == "AGI handler failed"]
    assert (getattr(record, "channel", None), getattr(record, "route", None)) == (
        "1700000000.1",
        "broken",
    )
    assert record.exc_info is not None


async def test_command_reply_timeout_is_bounded() -> None:
    errors: list[object] = []

    async def call(session: AgiSession) -> None:
        started = time.monotonic()
        try:
            await session.get_variable("SLOW")
        except AgiTimeout:
            elapsed = time.monotonic() - started
            errors.append(
                FAST_LIMITS.command_timeout <= elapsed < FAST_LIMITS.command_timeout + 0.3
            )
        try:
            await session.answer()
        except Exception as error:
            errors.append(type(error).__name__)

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        assert await asterisk.command() == 'GET VARIABLE "SLOW"'
        assert await asterisk.closed()
    assert errors == [True, "AgiConnectionClosed"]


async def test_hundreds_of_concurrent_sessions() -> None:
    """300 sessions at once each get their own answers, and all complete. (How fast is
    the benchmarks' business: the limits are loose so a loaded machine does not fail it.)"""
    count = 300
    calls: list[object] = []
    limits = dataclasses.replace(FAST_LIMITS, env_timeout=10.0, command_timeout=10.0)
    async with running_server({"call": answering(calls)}, limits) as server:

        async def one(n: int) -> None:
            asterisk = await AsteriskSide.connect(server.port)
            await asterisk.start("call", [str(n)])
            await asterisk.answer("ANSWER", "200 result=0")
            await asterisk.finish()

        await asyncio.gather(*(one(n) for n in range(count)))
    assert sorted(int(args[0]) for args in calls if isinstance(args, tuple)) == list(range(count))
    assert server.stats.completed == count


async def test_close_ends_running_sessions_and_refuses_new_ones() -> None:
    started = asyncio.Event()
    cancelled: list[bool] = []

    async def waiting(session: AgiSession) -> None:
        started.set()
        try:
            await session.wait_for_digit(60)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async with running_server({"call": waiting}) as server:
        port = server.port
        sessions = [await AsteriskSide.connect(port) for _ in range(5)]
        for asterisk in sessions:
            await asterisk.start()
        await started.wait()
        for asterisk in sessions:
            assert await asterisk.command() == "WAIT FOR DIGIT 60000"
        began = time.monotonic()
        await server.close(grace=0.1)
        assert time.monotonic() - began < 0.5
        for asterisk in sessions:
            assert await asterisk.closed()
        assert server.active_sessions == 0
        with pytest.raises(ConnectionError):
            await asyncio.open_connection("127.0.0.1", port)
    assert cancelled == [True] * 5


async def test_our_hangup_stops_live_commands_but_not_variable_reads() -> None:
    seen: list[object] = []

    async def call(session: AgiSession) -> None:
        await session.hangup()
        await session.hangup()  # already gone: nothing sent
        try:
            await session.answer()
        except ChannelHungUp as error:
            seen.append(str(error))
        seen.append(await session.get_variable("IVR_ATTEMPT"))

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        await asterisk.answer("HANGUP", "200 result=1", "HANGUP")
        await asterisk.answer('GET VARIABLE "IVR_ATTEMPT"', "200 result=1 (17)")
        await asterisk.finish()
    assert seen == ["ANSWER: the channel has hung up", "17"]


async def test_playback_wait_is_bounded_per_call() -> None:
    outcome: list[object] = []

    async def call(session: AgiSession) -> None:
        started = time.monotonic()
        try:
            await session.stream_file("ivr/alert", reply_within=0.2)
        except AgiTimeout:
            elapsed = time.monotonic() - started
            outcome.append(0.2 <= elapsed < 0.5)

    async with running_server({"call": call}) as server:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.start()
        assert await asterisk.command() == 'STREAM FILE "ivr/alert" ""'
        assert await asterisk.closed()
        await eventually(lambda: server.stats.completed == 1)
    assert outcome == [True]


async def test_connections_beyond_the_session_limit_are_closed_on_arrival() -> None:
    limits = dataclasses.replace(FAST_LIMITS, max_sessions=2)
    async with running_server({"call": answering([])}, limits) as server:
        holders = [await AsteriskSide.connect(server.port) for _ in range(2)]
        await eventually(lambda: server.active_sessions == 2)
        extra = await AsteriskSide.connect(server.port)
        assert await extra.closed()
        assert server.stats.refused == 1
        for holder in holders:
            holder.close()
        await eventually(lambda: server.active_sessions == 0)
        again = await AsteriskSide.connect(server.port)
        await again.start()
        await again.answer("ANSWER", "200 result=0")
        await again.finish()


async def test_connections_from_other_addresses_than_the_pbx_are_closed() -> None:
    log: list[object] = []
    server = FastAgiServer({"call": answering(log)}, FAST_LIMITS, allowed_peers=["192.0.2.7"])
    await server.start("127.0.0.1", 0)
    try:
        asterisk = await AsteriskSide.connect(server.port)
        await asterisk.send(environment())
        assert await asterisk.closed()
        asterisk.close()
        await eventually(lambda: server.stats.refused == 1)
    finally:
        await server.close()
    assert log == []
    assert server.stats.sessions == 0
