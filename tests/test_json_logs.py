"""IVR_LOG_FORMAT=json: one JSON object a line, with the same fields as the text lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.config import SettingsError, load_settings
from ivr.logs import JsonFormatter, KeyValueFormatter, configure_logging


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A real logger writing JSON lines into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("ivr.test.json")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log, stream
    log.removeHandler(handler)


def test_each_event_is_one_json_object_with_its_fields(
    logger: tuple[logging.Logger, io.StringIO],
) -> None:
    log, stream = logger
    log.info("attempt ended", extra={"delivery_id": 12, "outcome": "listened"})
    log.warning("odd value", extra={"path": Path("/var/ivr"), "error": 'bad "x"\nhere'})

    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first.keys() == {"time", "level", "logger", "message", "delivery_id", "outcome"}
    assert first["level"] == "INFO"
    assert first["logger"] == "ivr.test.json"
    assert first["message"] == "attempt ended"
    assert (first["delivery_id"], first["outcome"]) == (12, "listened")
    assert second["path"] == "/var/ivr"
    assert second["error"] == 'bad "x"\nhere'


def test_an_exception_stays_inside_its_line(logger: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = logger
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("handler failed", extra={"route": "alert"})

    (line,) = stream.getvalue().splitlines()
    event = json.loads(line)
    assert event["route"] == "alert"
    assert "RuntimeError: boom" in event["exception"]


@pytest.mark.parametrize(
    ("raw", "formatter"), [("text", KeyValueFormatter), ("JSON", JsonFormatter)]
)
def test_the_setting_chooses_the_format(raw: str, formatter: type[logging.Formatter]) -> None:
    settings = load_settings({"IVR_LOG_FORMAT": raw})
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging(settings.log_level, settings.log_format)
        assert type(root.handlers[0].formatter) is formatter
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_an_unknown_format_names_the_variable() -> None:
    assert load_settings({}).log_format == "text"
    with pytest.raises(SettingsError, match="IVR_LOG_FORMAT: 'yaml' must be text or json"):
        load_settings({"IVR_LOG_FORMAT": "yaml"})
