"""Start, query and stop one Asterisk instance whose configuration is rendered.

Asterisk runs in the foreground as the ``asterisk`` user, inside its root (a
chroot when the root is not ``/``), reading the instance's own asterisk.conf.
Start returns once ``core waitfullybooted`` answers; a failed start raises
with the end of the instance's logs.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from ivr.asterisk.layout import InstanceLayout

logger = logging.getLogger(__name__)

ASTERISK = "/usr/sbin/asterisk"
_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


class AsteriskError(RuntimeError):
    """Asterisk did not start, answer or stop as expected."""


class AsteriskProcess:
    """One running Asterisk instance described by ``layout``."""

    def __init__(self, layout: InstanceLayout, *, boot_timeout: float = 60.0) -> None:
        self.layout = layout
        self.boot_timeout = boot_timeout
        self._process: subprocess.Popen[bytes] | None = None

    def _command(self, *args: str) -> list[str]:
        command = [ASTERISK, "-C", str(self.layout.asterisk_conf), *args]
        if self.layout.root.resolve() == Path("/"):
            return command
        return ["chroot", str(self.layout.root), *command]

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
        """Start Asterisk and wait until it is fully booted; return the boot time in s."""
        if self.running:
            raise AsteriskError(f"{self.layout.name}: already running")
        if not self.layout.host(self.layout.asterisk_conf).is_file():
            raise AsteriskError(f"{self.layout.name}: no rendered asterisk.conf; render it first")
        started = time.monotonic()
        with self.output_path.open("ab") as output:
            self._process = subprocess.Popen(
                self._command("-f", "-n", "-U", "asterisk", "-G", "asterisk"),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=_ENV,
                start_new_session=True,
            )
        booted = False
        try:
            self._wait_booted(started + self.boot_timeout)
            booted = True
        finally:
            if not booted:
                self._kill()
        elapsed = time.monotonic() - started
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
