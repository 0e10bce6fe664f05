"""The AGI wire format: reply parsing (with property tests), quoting, validation."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.asterisk.agi_protocol import (
    MAX_COMMAND_BYTES,
    USAGE_END,
    AgiArgumentError,
    AgiProtocolError,
    AgiResult,
    ReplyAssembler,
    build_request,
    check_application_argument,
    check_digits,
    check_readable_name,
    check_sound_name,
    check_text,
    check_variable_name,
    digit_from_code,
    format_command,
    parse_env_line,
    split_script,
)


def asterisk_words(line: str) -> list[str]:
    """How res_agi's parse_args splits a command line (spaces, quotes, backslash)."""
    words: list[str] = []
    current: str | None = None
    quoted = escaped = False
    for char in line:
        if char == '"' and not escaped:
            quoted = not quoted
            current = "" if current is None else current
        elif char in " \t" and not quoted and not escaped:
            if current is not None:
                words.append(current)
            current = None
        elif char == "\\" and not escaped:
            escaped = True
        else:
            current = (current or "") + char
            escaped = False
    if current is not None:
        words.append(current)
    return words


def feed_all(*lines: str) -> list[object]:
    assembler = ReplyAssembler(max_usage_lines=5)
    return [assembler.feed(line) for line in lines]


def only_reply(line: str) -> AgiResult:
    reply = ReplyAssembler().feed(line)
    assert reply is not None
    assert reply.code == 200
    assert reply.result is not None
    return reply.result


def test_asterisk_reply_forms() -> None:
    assert only_reply("200 result=1") == AgiResult("1")
    assert only_reply("200 result=0 endpos=8000") == AgiResult("0", None, 8000)
    assert only_reply("200 result=49 endpos=1234") == AgiResult("49", None, 1234)
    assert only_reply("200 result=1 (MACHINE)") == AgiResult("1", "MACHINE")
    assert only_reply("200 result=1 (a (b) c)") == AgiResult("1", "a (b) c")
    assert only_reply("200 result=0 (timeout) endpos=16000") == AgiResult("0", "timeout", 16000)
    timed_out = only_reply("200 result= (timeout)")
    assert timed_out == AgiResult("", "timeout")
    assert timed_out.timed_out
    assert only_reply("200 result=123 (timeout)").result == "123"
    assert not only_reply("200 result=123").timed_out
    assert only_reply("200 result=-1 (hangup) endpos=0") == AgiResult("-1", "hangup", 0)


def test_error_replies_keep_code_message_and_usage() -> None:
    unknown = ReplyAssembler().feed("510 Invalid or unknown command")
    assert unknown is not None
    assert (unknown.code, unknown.message) == (510, "Invalid or unknown command")
    dead = ReplyAssembler().feed("511 Command Not Permitted on a dead channel or intercept routine")
    assert dead is not None
    assert dead.code == 511
    usage = feed_all(
        "520-Invalid command syntax.  Proper usage follows:",
        " Usage: STREAM FILE <filename> <escape_digits> [sample offset]",
        "",
        USAGE_END,
    )
    assert usage[:3] == [None, None, None]
    last = usage[3]
    assert last is not None
    assert getattr(last, "code", None) == 520
    assert getattr(last, "usage", None) == (
        " Usage: STREAM FILE <filename> <escape_digits> [sample offset]\n"
    )
    short = ReplyAssembler().feed("520 Invalid command syntax.  Proper usage not available.")
    assert short is not None
    assert short.code == 520
    assert short.usage == ""


@pytest.mark.parametrize(
    "line",
    [
        "",
        "HTTP/1.1 200 OK",
        "200",
        "200 result",
        "200 ok=1",
        "300 result=1",
        "abc result=1",
        "200 result=1 (x) endpos=",
        "200 result=1 trailing",
        "201-more",
    ],
)
def test_malformed_replies_are_protocol_errors(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        ReplyAssembler().feed(line)


def test_usage_block_is_bounded() -> None:
    with pytest.raises(AgiProtocolError, match="too long"):
        feed_all("520-Invalid command syntax.", *(["usage"] * 6))


no_space = st.text(st.characters(blacklist_characters="\n").filter(lambda c: not c.isspace()))


@given(
    result=no_space,
    data=st.none() | st.text(st.characters(blacklist_characters="\n")),
    endpos=st.none() | st.integers(-(10**17), 10**17),
)
def test_any_result_line_parses_back(result: str, data: str | None, endpos: int | None) -> None:
    original = AgiResult(result, data, endpos)
    assert only_reply(original.to_line()) == original


@given(st.text(st.characters(blacklist_characters="\n"), max_size=200))
def test_arbitrary_lines_never_crash_the_parser(line: str) -> None:
    with contextlib.suppress(AgiProtocolError):
        ReplyAssembler().feed(line)


@given(st.lists(st.text(st.characters(blacklist_characters="\n")), max_size=4))
def test_usage_text_is_kept_whole(lines: list[str]) -> None:
    lines = [line for line in lines if line != USAGE_END]
    replies = feed_all("520-Invalid command syntax.  Proper usage follows:", *lines, USAGE_END)
    assert replies[:-1] == [None] * (len(lines) + 1)
    assert getattr(replies[-1], "usage", None) == "\n".join(lines)


@given(st.lists(st.text(st.characters(blacklist_characters="\r\n\0")), max_size=6))
def test_quoted_arguments_reach_asterisk_unchanged(arguments: list[str]) -> None:
    try:
        line = format_command("EXEC", *arguments)
    except AgiArgumentError as error:
        if "Unicode" in str(error):  # a lone surrogate cannot go on the wire
            assert any(0xD800 <= ord(c) <= 0xDFFF for a in arguments for c in a)
        else:
            assert sum(len(a.encode()) for a in arguments) > MAX_COMMAND_BYTES // 2 - 20
        return
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert asterisk_words(line.decode()[:-1]) == ["EXEC", *arguments]


def test_commands_refuse_line_breaks_and_excess_length() -> None:
    assert format_command("WAIT FOR DIGIT", 5000) == b"WAIT FOR DIGIT 5000\n"
    assert format_command("STREAM FILE", 'a "b" \\c', "") == b'STREAM FILE "a \\"b\\" \\\\c" ""\n'
    for bad in ("a\nb", "a\rb", "a\0b"):
        with pytest.raises(AgiArgumentError):
            format_command("VERBOSE", bad)
    with pytest.raises(AgiArgumentError, match="longer"):
        format_command("VERBOSE", "x" * MAX_COMMAND_BYTES)


def test_values_are_validated_before_sending() -> None:
    assert check_text("Évacuation : secteur 3 (100 %)", "value") == "Évacuation : secteur 3 (100 %)"
    for bad in ("${SHELL(rm)}", "$[1+1]", "a\nSET VARIABLE X 1", "a\r"):
        with pytest.raises(AgiArgumentError):
            check_text(bad, "value")
    assert check_variable_name("IVR_ATTEMPT_ID") == "IVR_ATTEMPT_ID"
    for bad in ("", "A B", "A-B", "A(B)", "É"):
        with pytest.raises(AgiArgumentError):
            check_variable_name(bad)
    assert check_readable_name("CHANNEL(state)") == "CHANNEL(state)"
    with pytest.raises(AgiArgumentError):
        check_readable_name("SHELL(rm -rf)")
    assert check_sound_name("ivr/alert-12_fr") == "ivr/alert-12_fr"
    assert check_sound_name("/var/lib/ivr/sounds/alert.12") == "/var/lib/ivr/sounds/alert.12"
    for bad in ("", "a b", "../etc/x", "ivr/../../x", "-x", "a;b", "a\nb"):
        with pytest.raises(AgiArgumentError):
            check_sound_name(bad)
    assert check_digits("0123456789*#") == "0123456789*#"
    with pytest.raises(AgiArgumentError):
        check_digits("1x")
    assert check_application_argument("2500") == "2500"
    with pytest.raises(AgiArgumentError):
        check_application_argument("a,b")


def test_key_codes() -> None:
    assert digit_from_code(0) is None
    assert digit_from_code(ord("1")) == "1"
    assert digit_from_code(ord("#")) == "#"
    for bad in (65 + 32, -5, 10**9):
        with pytest.raises(AgiProtocolError):
            digit_from_code(bad)


def test_environment_lines_and_request() -> None:
    assert parse_env_line("agi_channel: PJSIP/trunk-00000001") == (
        "agi_channel",
        "PJSIP/trunk-00000001",
    )
    assert parse_env_line("agi_accountcode: ") == ("agi_accountcode", "")
    assert parse_env_line("agi_accountcode:") == ("agi_accountcode", "")
    assert parse_env_line("agi_calleridname: a: b") == ("agi_calleridname", "a: b")
    for bad in ("GET / HTTP/1.1", "agi_: x", "agi_x x", "HANGUP", "200 result=1"):
        with pytest.raises(AgiProtocolError):
            parse_env_line(bad)
    request = build_request(
        [
            ("agi_network_script", "alert/call?attempt=12&lang=fr"),
            ("agi_uniqueid", "1700000000.7"),
            ("agi_arg_2", "b"),
            ("agi_arg_1", "a"),
        ]
    )
    assert request.route == "alert/call"
    assert request.query == {"attempt": "12", "lang": "fr"}
    assert request.args == ("a", "b")
    assert request.uniqueid == "1700000000.7"
    with pytest.raises(AgiProtocolError, match="numbered"):
        build_request([("agi_arg_1", "a"), ("agi_arg_3", "c")])
    with pytest.raises(AgiProtocolError, match="duplicate"):
        build_request([("agi_arg_1", "a"), ("agi_arg_1", "b")])


def test_route_and_query_string() -> None:
    assert split_script("") == ("", {})
    assert split_script("/call/") == ("call", {})
    assert split_script("call?x=%C3%A9&y=") == ("call", {"x": "é", "y": ""})
    with pytest.raises(AgiProtocolError, match="query"):
        split_script("call?" + "&".join(f"k{n}=v" for n in range(100)))


@given(
    st.from_regex(r"agi_[a-z0-9_]{1,20}", fullmatch=True),
    st.text(st.characters(blacklist_characters="\n")),
)
def test_any_environment_value_is_kept(key: str, value: str) -> None:
    assert parse_env_line(f"{key}: {value}") == (key, value)


@given(st.lists(st.text(st.characters(blacklist_characters="\n")), max_size=20))
def test_arguments_come_back_in_order(values: list[str]) -> None:
    pairs = [(f"agi_arg_{n}", v) for n, v in enumerate(values, start=1)]
    request = build_request([("agi_network_script", "alert"), *reversed(pairs)])
    assert request.args == tuple(values)
    assert request.route == "alert"
