"""Where one Asterisk instance keeps its files, seen from inside and outside its root.

Asterisk runs inside a root directory (a Debian sid chroot in development and
tests, ``/`` in a container or on a host with Asterisk installed). Each
instance (the product's PBX, the simulated phone network) owns a directory
under ``/var/lib/information-itum/<name>`` inside that root, with its rendered
configuration, sockets, logs, spool, database and sounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

INSTANCES_DIR = PurePosixPath("/var/lib/information-itum")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


@dataclass(frozen=True)
class InstanceLayout:
    """The directories of one Asterisk instance named ``name`` under ``root``."""

    root: Path
    name: str

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"instance name {self.name!r}: lower-case letters, digits, '-'")

    @property
    def base(self) -> PurePosixPath:
        return INSTANCES_DIR / self.name

    @property
    def etc(self) -> PurePosixPath:
        return self.base / "etc"

    @property
    def asterisk_conf(self) -> PurePosixPath:
        return self.etc / "asterisk.conf"

    @property
    def runtime_dirs(self) -> dict[str, PurePosixPath]:
        """Directories Asterisk writes to, by template name."""
        return {
            "run_dir": self.base / "run",
            "log_dir": self.base / "log",
            "spool_dir": self.base / "spool",
            "lib_dir": self.base / "lib",
            "db_dir": self.base / "db",
            "cache_dir": self.base / "cache",
            "sounds_dir": self.base / "sounds",
            "recordings_dir": self.base / "recordings",
        }

    @property
    def log_dir(self) -> PurePosixPath:
        return self.runtime_dirs["log_dir"]

    @property
    def sounds_dir(self) -> PurePosixPath:
        """Audio this instance plays (messages, prompts); readable by Asterisk."""
        return self.runtime_dirs["sounds_dir"]

    @property
    def recordings_dir(self) -> PurePosixPath:
        return self.runtime_dirs["recordings_dir"]

    def host(self, path: PurePosixPath) -> Path:
        """The host path of ``path`` inside the root."""
        return self.root / path.relative_to("/")

    def directory_values(self) -> dict[str, str]:
        """Template values naming this instance's directories (inside the root)."""
        values = {name: str(path) for name, path in self.runtime_dirs.items()}
        values["etc_dir"] = str(self.etc)
        return values
