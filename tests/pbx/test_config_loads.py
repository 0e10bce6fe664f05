"""The shipped configuration loads cleanly into a real Asterisk 22, and so does the network's."""

from __future__ import annotations

import re

import pytest

from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings
from simnet.network import PhoneNetwork

pytestmark = pytest.mark.asterisk

PRODUCT_MODULES = [
    "chan_pjsip.so",
    "res_pjsip_caller_id.so",
    "res_agi.so",
    "app_amd.so",
    "app_audiosocket.so",
    "res_audiosocket.so",
    "app_playback.so",
    "pbx_config.so",
]
NETWORK_MODULES = ["chan_pjsip.so", "app_senddtmf.so", "app_record.so", "res_musiconhold.so"]


def problems(process: AsteriskProcess) -> list[str]:
    """Warnings and errors Asterisk logged since it started."""
    return [
        line
        for line in process.messages_log().splitlines()
        if re.search(r"\] (WARNING|ERROR)\[", line)
    ]


def test_product_modules_are_running(pbx: AsteriskProcess) -> None:
    for module in PRODUCT_MODULES:
        assert re.search(
            rf"^{re.escape(module)}\s.*\sRunning", pbx.rx(f"module show like {module}"), re.M
        ), module


def test_product_dialplan_has_its_contexts(pbx: AsteriskProcess, pbx_settings: Settings) -> None:
    for context in ["ivr-alert", "ivr-one-time-code", "ivr-inbound"]:
        assert f"Context '{context}' created by 'pbx_config'" in pbx.rx(f"dialplan show {context}")
    inbound = pbx.rx("dialplan show ivr-inbound")
    assert f"'{pbx_settings.staff_line_number}' =>" in inbound
    assert f"agi://{pbx_settings.fastagi_host}:{pbx_settings.fastagi_port}" in pbx.rx(
        "dialplan show globals"
    )


def test_product_trunk_points_at_the_carrier(pbx: AsteriskProcess, pbx_settings: Settings) -> None:
    endpoints = pbx.rx("pjsip show endpoints")
    assert "Endpoint:  carrier " in endpoints
    contact = f"sip:{pbx_settings.sip_trunk_host}:{pbx_settings.sip_trunk_port}"
    assert contact in endpoints
    endpoint = pbx.rx("pjsip show endpoint carrier")
    assert re.search(r"send_pai\s+:\s+true", endpoint)


def test_product_ami_is_loopback_only(pbx: AsteriskProcess, pbx_settings: Settings) -> None:
    user = pbx.rx(f"manager show user {pbx_settings.ami_user}")
    assert re.search(r"read perm:\s+call,user\s*$", user, re.M), user
    assert re.search(r"write perm:\s+call,originate\s*$", user, re.M), user
    settings = pbx.rx("manager show settings")
    assert re.search(rf"TCP Bindaddress:\s+127\.0\.0\.1:{pbx_settings.ami_port}", settings)


def test_product_logged_no_warning_or_error(pbx: AsteriskProcess) -> None:
    assert problems(pbx) == []


def test_network_loads_cleanly(phone_network: PhoneNetwork, pbx: AsteriskProcess) -> None:
    process = phone_network.process
    for module in NETWORK_MODULES:
        assert "Running" in process.rx(f"module show like {module}"), module
    phones = process.rx("dialplan show phones")
    for phone in phone_network.phones:
        assert f"'{phone.number}' =>" in phones
    assert "Endpoint:  pbx" in process.rx("pjsip show endpoints")
    assert problems(process) == []
