"""Render an Asterisk configuration directory for one instance.

Configuration files (``asterisk-config/`` for the product, ``simnet/asterisk/``
for the simulated phone network) are templates: ``@{name}`` is replaced by a
value checked here (no line break, no ``;`` that would start a comment, no
``${`` that the dialplan would expand, no ``"``). The ``@`` delimiter leaves
the dialplan's own ``${...}`` alone. A placeholder without a value is an
error that names the file and the placeholder.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping, Sequence
from pathlib import Path

from ivr.asterisk.layout import InstanceLayout

_UNSAFE = re.compile(r'[\r\n;"]|\$\{|@\{')


class PbxConfigError(ValueError):
    """A configuration value is missing or unsafe; the message says which."""


class ConfigTemplate(string.Template):
    """``@{name}`` placeholders only; any other ``@`` is left as it is."""

    delimiter = "@"
    # string.Template compiles a str pattern when the class is made.
    pattern = r"""
        @(?:
          (?P<escaped>(?!x)x) |
          (?P<named>(?!x)x) |
          \{(?P<braced>[a-z][a-z0-9_]*)\} |
          (?P<invalid>\{)
        )
    """  # type: ignore[assignment]


def check_value(name: str, value: str) -> str:
    """Return ``value`` if it can go into a configuration file as it is."""
    if _UNSAFE.search(value):
        raise PbxConfigError(f"{name}: line breaks, ';', '\"', '${{' and '@{{' are not allowed")
    return value


def render_files(
    templates: Sequence[Path],
    target: Path,
    values: Mapping[str, str],
    blocks: Mapping[str, str] | None = None,
) -> list[Path]:
    """Render ``templates`` into ``target`` (stale ``*.conf`` removed); return the files.

    ``values`` are checked with :func:`check_value`; ``blocks`` are whole
    sections built by code from checked values, inserted as they are.
    """
    mapping = {name: check_value(name, value) for name, value in values.items()}
    mapping.update(blocks or {})
    if not templates:
        raise PbxConfigError("no configuration templates given")
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.conf"):
        stale.unlink()
    written = []
    for template in templates:
        try:
            text = ConfigTemplate(template.read_text(encoding="utf-8")).substitute(mapping)
        except KeyError as missing:
            raise PbxConfigError(f"{template.name}: no value for @{{{missing.args[0]}}}") from None
        except ValueError as error:
            raise PbxConfigError(f"{template.name}: {error}") from None
        path = target / template.name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def asterisk_ids(root: Path) -> tuple[int, int]:
    """The uid and gid of the ``asterisk`` user inside ``root``."""
    passwd = root / "etc" / "passwd"
    try:
        lines = passwd.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PbxConfigError(f"cannot read {passwd}: is Asterisk installed there?") from error
    for line in lines:
        fields = line.split(":")
        if fields[0] == "asterisk" and len(fields) > 3:
            return int(fields[2]), int(fields[3])
    raise PbxConfigError(f"no 'asterisk' user in {passwd}: is Asterisk installed there?")


def prepare_instance(
    layout: InstanceLayout,
    templates: Sequence[Path],
    values: Mapping[str, str],
    blocks: Mapping[str, str] | None = None,
) -> None:
    """Create the instance's directories and render its configuration.

    Runtime directories belong to the ``asterisk`` user; configuration files
    are readable by its group only (manager.conf holds the AMI secret).
    """
    uid, gid = asterisk_ids(layout.root)
    base = layout.host(layout.base)
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)  # whatever the umask: Asterisk must reach its directories
    for path in layout.runtime_dirs.values():
        host_path = layout.host(path)
        host_path.mkdir(parents=True, exist_ok=True)
        os.chown(host_path, uid, gid)
        host_path.chmod(0o755)
    etc = layout.host(layout.etc)
    all_values = {**layout.directory_values(), **values}
    for rendered in render_files(templates, etc, all_values, blocks):
        os.chown(rendered, 0, gid)
        rendered.chmod(0o640)
    os.chown(etc, 0, gid)
    etc.chmod(0o750)
