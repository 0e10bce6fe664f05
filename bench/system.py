"""The system under a benchmark: the product's Asterisk 22 and the simulated phone network
from the provisioned root, an embedded PostgreSQL in a temporary directory, on free
ports. The benchmark runs the voice channel in its own process (``voice_runtime``)."""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.channels.voice.pbx import product_asterisk
from ivr.config import Settings, load_settings
from ivr.storage.embedded import EmbeddedPostgres
from simnet.network import PhoneNetwork
from tests.fixtures.pbx import free_port

PROVISION = Path(__file__).resolve().parents[1] / "scripts" / "provision-asterisk"


@dataclass(frozen=True)
class BenchSystem:
    settings: Settings
    network: PhoneNetwork
    database_url: str
    workdir: Path


@contextlib.contextmanager
def bench_system(name: str, **overrides: Any) -> Iterator[BenchSystem]:
    """Everything started (instances ``bench-<name>``); stopped at the end."""
    output = subprocess.run([str(PROVISION)], check=True, capture_output=True, text=True)
    root = Path(output.stdout.split()[-1])
    settings = load_settings(
        {},
        asterisk_root=root,
        asterisk_instance=f"bench-{name}",
        asterisk_managed=False,  # started here, before the measured part
        ami_port=free_port(),
        ami_secret=secrets.token_hex(16),
        fastagi_port=free_port(),
        audiosocket_port=free_port(),
        sip_bind_port=free_port(socket.SOCK_DGRAM),
        sip_trunk_port=free_port(socket.SOCK_DGRAM),
        **overrides,
    )
    network = PhoneNetwork.for_settings(settings, name=f"bench-{name}-simnet")
    with tempfile.TemporaryDirectory(prefix=f"ivr-bench-{name}-") as directory:
        Path(directory).chmod(0o755)  # the embedded server runs as another user
        database = EmbeddedPostgres(Path(directory) / "pg")
        url = database.start()
        network.start()
        pbx = product_asterisk(settings)
        pbx.start()
        try:
            yield BenchSystem(settings, network, url, Path(directory))
        finally:
            pbx.stop()
            network.stop()
            database.stop()
