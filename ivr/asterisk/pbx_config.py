"""Render an Asterisk configuration directory for one instance.

The shipped files (``asterisk-config/`` for the product, ``simnet/asterisk/``
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
from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings

PRODUCT_TEMPLATES = Path(__file__).resolve().parents[2] / "asterisk-config"
PRODUCT_RTP_PORTS = (10000, 10999)
# After a machine's greeting: this much silence means greeting and beep are over...
MACHINE_SILENCE_MS = 1500
# ...and the message starts anyway after this long.
MACHINE_WAIT_SECONDS = 20

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


def product_templates() -> list[Path]:
    """The product's configuration files, as shipped."""
    return sorted(PRODUCT_TEMPLATES.glob("*.conf"))


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


def product_values(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """Template values and blocks of the product's configuration, from ``settings``."""
    if not settings.ami_secret:
        raise PbxConfigError("IVR_AMI_SECRET is required to start Asterisk")
    values = {
        "ami_host": settings.ami_host,
        "ami_port": str(settings.ami_port),
        "ami_user": settings.ami_user,
        "ami_secret": settings.ami_secret,
        "fastagi_host": settings.fastagi_host,
        "fastagi_port": str(settings.fastagi_port),
        "sip_bind_host": settings.sip_bind_host,
        "sip_bind_port": str(settings.sip_bind_port),
        "sip_trunk_host": settings.sip_trunk_host,
        "sip_trunk_port": str(settings.sip_trunk_port),
        "caller_id_name": settings.caller_id_name,
        "caller_id_number": settings.caller_id_number,
        "staff_line_number": settings.staff_line_number,
        "rtp_start": str(PRODUCT_RTP_PORTS[0]),
        "rtp_end": str(PRODUCT_RTP_PORTS[1]),
        "machine_silence_ms": str(MACHINE_SILENCE_MS),
        "machine_wait_seconds": str(MACHINE_WAIT_SECONDS),
    }
    blocks = {"trunk_auth_section": "", "trunk_auth_option": ""}
    if settings.sip_trunk_user:
        user = check_value("IVR_SIP_TRUNK_USER", settings.sip_trunk_user)
        password = check_value("IVR_SIP_TRUNK_PASSWORD", settings.sip_trunk_password)
        blocks["trunk_auth_section"] = (
            f"\n[carrier-auth]\ntype = auth\nauth_type = userpass\n"
            f"username = {user}\npassword = {password}\n"
        )
        blocks["trunk_auth_option"] = "outbound_auth = carrier-auth"
    return values, blocks


def render_product_config(settings: Settings, layout: InstanceLayout) -> None:
    """Prepare the product's Asterisk instance from ``settings``."""
    values, blocks = product_values(settings)
    prepare_instance(layout, product_templates(), values, blocks)


def product_asterisk(settings: Settings, name: str | None = None) -> AsteriskProcess:
    """The product's Asterisk, its configuration rendered from ``settings``, ready to start.

    The run command, the demo and the tests start it the same way::

        pbx = product_asterisk(settings)
        pbx.start()   # returns once fully booted
        ...
        pbx.stop()
    """
    layout = InstanceLayout(settings.asterisk_root, name or settings.asterisk_instance)
    render_product_config(settings, layout)
    return AsteriskProcess(layout)
