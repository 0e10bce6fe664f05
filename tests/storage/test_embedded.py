"""Who starts and stops the embedded PostgreSQL: one owner at a time; commands borrow a
running server and never stop it; an owner takes over a server whose owner died and
starts it again when it dies. Real servers, real processes."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ivr.storage.embedded import EmbeddedPostgres


def wait_until(condition: object, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


@pytest.fixture
def server(tmp_path: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres(tmp_path / "pg")


def test_a_command_borrows_the_running_server_and_leaves_it_running(
    server: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.start()
    owner_pid = server.running()
    assert owner_pid is not None
    try:
        caplog.set_level(logging.INFO, logger="ivr.storage.embedded")
        with EmbeddedPostgres(server.data_dir).borrow() as borrowed:
            assert borrowed == url
        assert server.running() == owner_pid
        assert not any("stopped" in r.getMessage() for r in caplog.records)
        assert not any("started" in r.getMessage() for r in caplog.records)
    finally:
        server.stop()
    assert server.running() is None


def test_with_no_server_a_command_starts_one_for_itself_and_stops_it(
    server: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ivr.storage.embedded")
    with server.borrow():
        assert server.running() is not None
    assert server.running() is None
    messages = [r.getMessage() for r in caplog.records]
    assert "embedded postgresql started for this command" in messages
    assert "embedded postgresql stopped" in messages


def test_an_owner_takes_over_a_server_whose_owner_died(server: EmbeddedPostgres) -> None:
    # An owner process killed without stopping its server (as by kill -9).
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from ivr.storage.embedded import EmbeddedPostgres\n"
        "EmbeddedPostgres(Path(sys.argv[1])).start()\n"
        "os.kill(os.getpid(), 9)\n"
    )
    died = subprocess.run([sys.executable, "-c", code, str(server.data_dir)], check=False)
    assert died.returncode == -signal.SIGKILL
    left = server.running()
    assert left is not None
    server.start()
    try:
        assert server.running() == left  # taken over, not started twice
    finally:
        server.stop()
    assert server.running() is None


def test_the_owner_starts_a_server_that_died_again(server: EmbeddedPostgres) -> None:
    server.start()
    try:
        first = server.running()
        assert first is not None
        assert not server.ensure_running()  # running: nothing to do
        os.kill(first.pid, signal.SIGKILL)
        wait_until(lambda: server.running() is None)
        # Its backends may still be exiting: the owner tries until it starts.
        wait_until(lambda: _restarted(server))
        second = server.running()
        assert second is not None and second.pid != first.pid
    finally:
        server.stop()


def _restarted(server: EmbeddedPostgres) -> bool:
    try:
        server.ensure_running()
    except Exception:  # the old backends still hold the shared memory: try again
        return False
    return server.running() is not None


def test_a_second_owner_waits_for_the_first(server: EmbeddedPostgres) -> None:
    server.start()
    second = EmbeddedPostgres(server.data_dir)
    owned = threading.Event()

    def take_over() -> None:
        second.start()
        owned.set()

    thread = threading.Thread(target=take_over)
    thread.start()
    try:
        assert not owned.wait(1.0)  # blocked while the first owns it
    finally:
        server.stop()
    assert owned.wait(30)
    thread.join()
    assert second.running() is not None
    second.stop()
    assert second.running() is None
