"""Structured log lines: one line per event, fields as key=value, parseable back."""

from __future__ import annotations

import logging
import shlex

from ivr.logs import KeyValueFormatter


def format_record(message: str, **fields: object) -> str:
    record = logging.LogRecord("ivr.dispatch", logging.INFO, "x.py", 1, message, None, None)
    record.__dict__.update(fields)
    return KeyValueFormatter().format(record)


def test_fields_follow_the_message() -> None:
    line = format_record("call placed", alert_id=4, delivery_id=12, reference="ivr-12-1")
    tokens = shlex.split(line)
    assert tokens[1:4] == ["INFO", "ivr.dispatch", "call placed"]
    assert tokens[4:] == ["alert_id=4", "delivery_id=12", "reference=ivr-12-1"]


def test_values_with_spaces_quotes_and_newlines_stay_on_one_line() -> None:
    line = format_record("x", error='bad "thing"\nhappened')
    assert "\n" not in line
    assert shlex.split(line)[-1] == 'error=bad "thing"\\nhappened'
