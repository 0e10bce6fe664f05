"""Start, query and stop one Asterisk instance whose configuration is rendered.

Asterisk runs in the foreground as the ``asterisk`` user, inside its root (a
chroot when the root is not ``/``), reading the instance's own asterisk.conf.
Start returns once ``core waitfullybooted`` answers; a failed start raises
with the end of the instance's logs.

An instance never outlives the process that started it: ``setpriv`` drops to the
``asterisk`` user and then sets the parent-death signal, so the kernel stops Asterisk
when its owner dies, even by SIGKILL (Asterisk's own ``-U`` would change credentials
after that and clear it). Before starting, an instance still running from an owner
that died anyway (its pid file names a live Asterisk reading the same asterisk.conf)
is stopped, so the new start never talks to an old instance with an old configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from ivr.asterisk.layout import InstanceLayout
from ivr.processes import pid_alive

logger = logging.getLogger(__name__)

ASTERISK = "/usr/sbin/asterisk"
SETPRIV = "/usr/bin/setpriv"
_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
STALE_STOP_SECONDS = 10.0


class AsteriskError(RuntimeError):
    """Asterisk did not start, answer or stop as expected."""


class AsteriskProcess:
    """One running Asterisk instance described by ``layout``."""

    def __init__(self, layout: InstanceLayout, *, boot_timeout: float = 60.0) -> None:
        self.layout = layout
        self.boot_timeout = boot_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._started = 0.0

    def _command(self, *args: str, as_owner: bool = False) -> list[str]:
        command = [ASTERISK, "-C", str(self.layout.asterisk_conf), *args]
        if as_owner:
            command = [
                SETPRIV, "--reuid=asterisk", "--regid=asterisk", "--init-groups",
                "--pdeathsig=TERM", "--", *command,
            ]  # fmt: skip
        if self.layout.root.resolve() == Path("/"):
            return command
        return ["chroot", str(self.layout.root), *command]

    @property
    def pid_file(self) -> Path:
        return self.layout.host(self.layout.runtime_dirs["run_dir"]) / "asterisk.pid"

    @property
    def output_path(self) -> Path:
        """Where Asterisk's own standard output and error go."""
        return self.layout.host(self.layout.log_dir) / "asterisk.out"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> float:
        """Start Asterisk and wait until it is fully booted; return the boot time in s.

        Call it from the thread that lives as long as the instance should (the parent-
        death signal follows the thread that started it); ``start_owned`` does so from
        the event loop."""
        self.stop_stale()
        self.spawn()
        return self.wait_booted()

    def stop_stale(self) -> int | None:
        """Stop an instance left running on this configuration by an owner that died;
        return its pid (None if there was none)."""
        pid = self._stale_pid()
        if pid is None:
            return None
        logger.warning("asterisk %s: stopping a stale instance (pid %d)", self.layout.name, pid)
        for sig, wait in ((signal.SIGTERM, STALE_STOP_SECONDS), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if not pid_alive(pid):
                return pid
        raise AsteriskError(f"{self.layout.name}: stale instance (pid {pid}) does not stop")

    def _stale_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None
        config = str(self.layout.asterisk_conf).encode()
        is_ours = self._process is not None and self._process.pid == pid
        if is_ours or not command or Path(command[0].decode(errors="replace")).name != "asterisk":
            return None
        return pid if config in command else None

    def spawn(self) -> None:
        """Start the Asterisk process, owned by the calling thread; returns at once."""
        if self.running:
            raise AsteriskError(f"{self.layout.name}: already running")
        if not self.layout.host(self.layout.asterisk_conf).is_file():
            raise AsteriskError(f"{self.layout.name}: no rendered asterisk.conf; render it first")
        self._started = time.monotonic()
        with self.output_path.open("ab") as output:
            self._process = subprocess.Popen(
                self._command("-f", "-n", as_owner=True),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=_ENV,
                start_new_session=True,
            )

    def wait_booted(self) -> float:
        """Wait until the spawned Asterisk is fully booted; return seconds since spawn.
        Kills it and raises AsteriskError if it exits or does not boot in time."""
        booted = False
        try:
            self._wait_booted(self._started + self.boot_timeout)
            booted = True
        finally:
            if not booted:
                self._kill()
        elapsed = time.monotonic() - self._started
        logger.info("asterisk %s booted in %.2f s", self.layout.name, elapsed)
        return elapsed

    def _wait_booted(self, deadline: float) -> None:
        while True:
            if not self.running:
                raise AsteriskError(
                    f"{self.layout.name}: Asterisk exited during start\n{self.log_tail()}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AsteriskError(
                    f"{self.layout.name}: not fully booted in {self.boot_timeout} s\n"
                    f"{self.log_tail()}"
                )
            try:
                result = subprocess.run(
                    self._command("-rx", "core waitfullybooted"),
                    capture_output=True,
                    env=_ENV,
                    timeout=max(remaining, 0.1),
                    check=False,
                )
            except subprocess.TimeoutExpired:
                continue
            if result.returncode == 0 and b"fully booted" in result.stdout:
                return
            time.sleep(0.1)

    def rx(self, command: str, timeout: float = 15.0) -> str:
        """Run one CLI command (``asterisk -rx``) and return its output."""
        if "\n" in command or "\r" in command:
            raise ValueError("CLI command must be one line")
        try:
            result = subprocess.run(
                self._command("-rx", command),
                capture_output=True,
                env=_ENV,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise AsteriskError(f"{self.layout.name}: {command!r} timed out") from error
        output = result.stdout.decode("utf-8", errors="replace")
        if result.returncode != 0 or output.startswith("No such command"):
            reason = result.stderr.decode(errors="replace") or output
            raise AsteriskError(f"{self.layout.name}: {command!r} failed: {reason.strip()}")
        return output

    def stop(self, timeout: float = 15.0) -> None:
        """Stop Asterisk cleanly (``core stop now``), forcefully after ``timeout``."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            try:
                self.rx("core stop now", timeout=timeout)
            except AsteriskError as error:
                logger.warning("asterisk %s: clean stop failed: %s", self.layout.name, error)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.warning("asterisk %s did not stop; killing it", self.layout.name)
                self._kill()
        self._process = None

    def _kill(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def messages_log(self) -> str:
        """Asterisk's messages log (notices, warnings and errors) so far."""
        path = self.layout.host(self.layout.log_dir) / "messages.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the messages log and of Asterisk's own output."""
        parts = []
        for path in (
            self.layout.host(self.layout.log_dir) / "messages.log",
            self.output_path,
        ):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {path.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(parts) or "(no log)"

    def __enter__(self) -> AsteriskProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


async def start_owned(process: AsteriskProcess) -> float:
    """Start ``process`` from the event loop's thread, which lives as long as this
    program, so the instance dies with it; the slow parts run in worker threads."""
    await asyncio.to_thread(process.stop_stale)
    process.spawn()
    return await asyncio.to_thread(process.wait_booted)
