"""What pyproject.toml promises is what CI tests: every direct dependency's lower bound
is the version requirements.lock pins (and scripts/setup installs from the lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)(?: ;([^\\]+))?", re.MULTILINE)


def locked() -> dict[str, set[Version]]:
    """Every version the lock pins, by package (a package may be pinned per Python)."""
    pins: dict[str, set[Version]] = {}
    for name, version, _marker in _PIN.findall((ROOT / "requirements.lock").read_text()):
        pins.setdefault(canonicalize_name(name), set()).add(Version(version))
    return pins


def direct_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(text) for text in texts]


def test_every_direct_dependency_is_locked_at_its_lower_bound() -> None:
    pins = locked()
    for requirement in direct_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock"
        floors = {Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")}
        assert floors, f"{requirement}: give a lower bound (>=) equal to the locked version"
        assert floors == pins[name], (
            f"{requirement}: the lower bound must be the locked version {sorted(pins[name])}"
        )
        assert all(requirement.specifier.contains(v) for v in pins[name]), requirement


def test_every_lock_line_has_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(blocks) > 20
    for block in blocks:
        assert "--hash=sha256:" in block, block.splitlines()[0]
