"""Rendering the shipped templates from settings: values checked, nothing left unfilled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.asterisk.config_render import PbxConfigError, check_value, render_files
from ivr.channels.voice.pbx import product_templates, product_values
from ivr.config import load_settings
from simnet.network import PhoneNetwork

SECRET = "s" * 20


def render_product(tmp_path: Path, **overrides: object) -> dict[str, str]:
    values, blocks = product_values(load_settings({}, ami_secret=SECRET, **overrides))
    values |= {name: f"/srv/{name}" for name in ("etc_dir", "run_dir", "log_dir", "spool_dir")}
    values |= {name: f"/srv/{name}" for name in ("lib_dir", "db_dir", "cache_dir")}
    render_files(product_templates(), tmp_path, values, blocks)
    return {path.name: path.read_text() for path in tmp_path.glob("*.conf")}


def test_every_placeholder_is_filled(tmp_path: Path) -> None:
    files = render_product(tmp_path)
    assert {"asterisk.conf", "pjsip.conf", "manager.conf", "extensions.conf"} <= set(files)
    for name, text in files.items():
        assert "@{" not in text, name


def test_settings_reach_the_files(tmp_path: Path) -> None:
    files = render_product(tmp_path, sip_trunk_host="203.0.113.7", sip_trunk_port=5080)
    assert "contact = sip:203.0.113.7:5080" in files["pjsip.conf"]
    assert "match = 203.0.113.7" in files["pjsip.conf"]
    assert f"secret = {SECRET}" in files["manager.conf"]
    assert "FASTAGI = agi://127.0.0.1:4573" in files["extensions.conf"]
    assert "astrundir => /srv/run_dir" in files["asterisk.conf"]
    assert "exten => 4189620399,1,Answer()" in files["extensions.conf"]
    # The dialplan's own ${...} expressions are left alone.
    assert "${FASTAGI}/alert,${AMDSTATUS}" in files["extensions.conf"]


def test_trunk_credentials_only_when_set(tmp_path: Path) -> None:
    assert "outbound_auth" not in render_product(tmp_path / "none")["pjsip.conf"]
    pjsip = render_product(tmp_path / "auth", sip_trunk_user="itum", sip_trunk_password="pa55word")[
        "pjsip.conf"
    ]
    assert "outbound_auth = carrier-auth" in pjsip
    assert re.search(
        r"\[carrier-auth\]\ntype = auth\n.*username = itum\npassword = pa55word", pjsip, re.S
    )


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a;b", 'a"b', "${EVIL}", "@{ami_secret}"])
def test_unsafe_values_are_refused(value: str) -> None:
    with pytest.raises(PbxConfigError, match="ami_secret"):
        check_value("ami_secret", value)


def test_unsafe_trunk_password_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PbxConfigError, match="PASSWORD"):
        render_product(tmp_path, sip_trunk_user="itum", sip_trunk_password="x;load => evil.so")


def test_missing_secret_is_a_clear_error() -> None:
    with pytest.raises(PbxConfigError, match="IVR_AMI_SECRET"):
        product_values(load_settings({}))


def test_missing_value_names_file_and_placeholder(tmp_path: Path) -> None:
    template = tmp_path / "x.conf"
    template.write_text("[general]\nport = @{port}\n")
    with pytest.raises(PbxConfigError, match=r"x\.conf: no value for @\{port\}"):
        render_files([template], tmp_path / "out", {})


def test_network_templates_render(tmp_path: Path) -> None:
    network = PhoneNetwork(tmp_path, name="simnet")
    values, blocks = network.template_values()
    render_files(network.templates(), tmp_path, network.layout.directory_values() | values, blocks)
    files = {path.name: path.read_text() for path in tmp_path.glob("*.conf")}
    assert {"asterisk.conf", "pjsip.conf", "extensions.conf", "modules.conf"} <= set(files)
    assert all("@{" not in text for text in files.values())
    assert (
        "exten => 4189621004,1,Gosub(phone-start,s,1(${EXTEN},machine))" in files["extensions.conf"]
    )
    assert "contact = sip:127.0.0.1:5060" in files["pjsip.conf"]
