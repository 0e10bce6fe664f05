"""Settings: defaults, validation messages that name the variable, the optional file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config import SettingsError, load_settings, setting_docs


def test_defaults_match_the_brief() -> None:
    settings = load_settings({})
    assert settings.caller_id_name == "Information ITUM"
    assert settings.caller_id_number == "4189620327"
    assert settings.retry_count == 2
    assert settings.database_url == ""


@pytest.mark.parametrize(
    ("raw", "sender"),
    [("418-962-0327", "4189620327"), ("ITUM", "ITUM"), ("Alerte2026", "Alerte2026")],
)
def test_sms_sender_is_a_number_or_a_short_name(raw: str, sender: str) -> None:
    assert load_settings({"IVR_SMPP_SOURCE_ADDR": raw}).smpp_source_addr == sender


@pytest.mark.parametrize("raw", ["418-962-0327", "+1 418 962 0327", "(418) 962-0327"])
def test_caller_id_number_is_normalised(raw: str) -> None:
    assert load_settings({"IVR_CALLER_ID_NUMBER": raw}).caller_id_number == "4189620327"


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("IVR_CALLER_ID_NUMBER", "418-96", "IVR_CALLER_ID_NUMBER: '418-96' is not a valid North"),
        ("IVR_CALLER_ID_NUMBER", "+33 1 23 45 67 89", "not a valid North American number"),
        ("IVR_RETRY_COUNT", "two", "IVR_RETRY_COUNT: 'two' is not a whole number"),
        ("IVR_RETRY_COUNT", "11", "IVR_RETRY_COUNT: 11 is outside 0..10"),
        ("IVR_AMI_PORT", "70000", "IVR_AMI_PORT: 70000 is outside 1..65535"),
        ("IVR_DATABASE_URL", "mysql://x", "IVR_DATABASE_URL: must start with postgresql://"),
        ("IVR_SMTP_TLS", "maybe", "IVR_SMTP_TLS: 'maybe' must be one of"),
        ("IVR_AMI_SECRET", "short", "IVR_AMI_SECRET: must be at least 16 characters"),
        ("IVR_CALLER_ID_NAME", 'Bad "name"', "IVR_CALLER_ID_NAME"),
        ("IVR_AMI_USER", "ivr\r\nAction: Originate", "IVR_AMI_USER: line breaks"),
        ("IVR_CALLS_PER_SECOND", "fast", "IVR_CALLS_PER_SECOND: 'fast' is not a number"),
        ("IVR_LOG_LEVEL", "LOUD", "IVR_LOG_LEVEL"),
        ("IVR_RETRY_DELAY", "5", "IVR_RETRY_DELAY: unknown setting"),
        ("IVR_SMPP_PASSWORD", "ninechars", "IVR_SMPP_PASSWORD: at most 8 printable ASCII"),
        ("IVR_SMPP_SYSTEM_ID", "", "IVR_SMPP_SYSTEM_ID: must not be empty"),
        ("IVR_SMPP_SYSTEM_ID", "itum\nbind", "IVR_SMPP_SYSTEM_ID: at most 15 printable"),
        ("IVR_SMPP_SYSTEM_TYPE", "é", "IVR_SMPP_SYSTEM_TYPE: at most 12 printable ASCII"),
        (
            "IVR_SMPP_SOURCE_ADDR",
            "Information ITUM",
            "IVR_SMPP_SOURCE_ADDR: 'Information ITUM' must",
        ),
        ("IVR_SMPP_SOURCE_ADDR", "962-03", "IVR_SMPP_SOURCE_ADDR: '962-03' is not a valid"),
        ("IVR_SMPP_WINDOW", "0", "IVR_SMPP_WINDOW: 0 is outside 1..1000"),
        ("IVR_SMTP_FROM", "Information ITUM", "IVR_SMTP_FROM: 'Information ITUM' has no valid"),
        ("IVR_SMTP_FROM", "ITUM <alertes@itum>", "IVR_SMTP_FROM"),
        ("IVR_BOUNCE_ADDRESS", "retours", "IVR_BOUNCE_ADDRESS: 'retours' is not an email"),
        ("IVR_PUBLIC_URL", "alertes.itum.ca", "IVR_PUBLIC_URL: 'alertes.itum.ca' must be an"),
        ("IVR_PUBLIC_URL", "https://a.example/?x=1", "IVR_PUBLIC_URL"),
        ("IVR_SMTP_CONNECTIONS", "0", "IVR_SMTP_CONNECTIONS: 0 is outside 1..50"),
        ("IVR_MAP_TILES_URL", "http://tiles.example/{z}/{x}/{y}.png", "must be an https URL"),
        ("IVR_MAP_TILES_URL", "https://tiles.example/map.png", "IVR_MAP_TILES_URL"),
        ("IVR_MAP_TILES_URL", "https://t.example/{z}/{x}/{y}.png' *", "IVR_MAP_TILES_URL"),
    ],
)
def test_bad_value_names_the_variable(variable: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: raw})
    assert message in str(caught.value)


def test_settings_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "ivr.env"
    path.write_text("# comment\nIVR_WEB_PORT=9000\nIVR_RETRY_COUNT='3'\n\n")
    settings = load_settings({"IVR_SETTINGS_FILE": str(path), "IVR_WEB_PORT": "9100"})
    assert settings.web_port == 9100
    assert settings.retry_count == 3


def test_missing_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"IVR_SETTINGS_FILE: .* does not exist"):
        load_settings({"IVR_SETTINGS_FILE": str(tmp_path / "nope.env")})


def test_malformed_settings_file_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ivr.env"
    path.write_text("IVR_WEB_PORT=9000\nthis is not a setting\n")
    with pytest.raises(SettingsError, match=r"ivr.env:2: expected KEY=VALUE"):
        load_settings({"IVR_SETTINGS_FILE": str(path)})


def test_every_setting_is_documented() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    missing = [variable for variable, _, _ in setting_docs() if f"`{variable}`" not in doc]
    assert missing == []


def test_links_in_emails_use_the_public_address_or_the_web_server() -> None:
    assert load_settings({}).site_url == "http://127.0.0.1:8080"
    public = load_settings({"IVR_PUBLIC_URL": "https://alertes.itum.example/"})
    assert public.site_url == "https://alertes.itum.example"
    assert load_settings({"IVR_SMTP_FROM": "alertes@itum.example"}).smtp_from == (
        "alertes@itum.example"
    )
