"""The product's Asterisk: its shipped configuration (``asterisk-config/``) rendered
with the values of ``Settings``, and the process that runs it."""

from __future__ import annotations

from pathlib import Path

from ivr.asterisk.config_render import PbxConfigError, check_value, prepare_instance
from ivr.asterisk.layout import InstanceLayout
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.sounds import PbxSounds
from ivr.config import Settings
from ivr.shipped import ASTERISK_CONFIG_DIR

PRODUCT_TEMPLATES = ASTERISK_CONFIG_DIR
PRODUCT_RTP_PORTS = (10000, 10999)


def product_templates() -> list[Path]:
    """The product's configuration files, as shipped."""
    return sorted(PRODUCT_TEMPLATES.glob("*.conf"))


def product_layout(settings: Settings) -> InstanceLayout:
    """Where the product's Asterisk instance keeps its files."""
    return InstanceLayout(settings.asterisk_root, settings.asterisk_instance)


def product_sounds(settings: Settings) -> PbxSounds:
    """The sounds directory of the product's Asterisk (prompts, alert messages)."""
    return PbxSounds(settings.asterisk_root, product_layout(settings).sounds_dir)


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


def render_product_config(settings: Settings) -> InstanceLayout:
    """Prepare the product's Asterisk instance from ``settings``; return its layout."""
    layout = product_layout(settings)
    values, blocks = product_values(settings)
    prepare_instance(layout, product_templates(), values, blocks)
    return layout


def product_asterisk(settings: Settings) -> AsteriskProcess:
    """The product's Asterisk, its configuration rendered from ``settings``, ready to start.

    The run command, the demo and the tests start it the same way::

        pbx = product_asterisk(settings)
        pbx.start()   # returns once fully booted
        ...
        pbx.stop()
    """
    return AsteriskProcess(render_product_config(settings))
