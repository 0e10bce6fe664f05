"""Named SQL queries kept in ``.sql`` files beside this module.

A file ``sql/staff.sql`` holds blocks that start with ``-- name: get_by_email``;
they are looked up as ``QUERIES["staff.get_by_email"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
_NAME_LINE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_queries(prefix: str, text: str) -> dict[str, str]:
    """Split one file's text into ``{prefix.name: sql}``; duplicate names are an error."""
    queries: dict[str, str] = {}
    parts = _NAME_LINE.split(text)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        key = f"{prefix}.{name}"
        if key in queries:
            raise ValueError(f"duplicate query name {key}")
        sql = body.strip()
        if not sql:
            raise ValueError(f"query {key} is empty")
        queries[key] = sql
    return queries


def load_queries(directory: Path = SQL_DIR) -> Mapping[str, str]:
    """All named queries of every ``*.sql`` file in ``directory``."""
    queries: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        queries.update(parse_queries(path.stem, path.read_text(encoding="utf-8")))
    return queries


QUERIES: Mapping[str, str] = load_queries()
