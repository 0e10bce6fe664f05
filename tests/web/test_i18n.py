"""Every interface text exists in French and English, and every key used exists."""

from __future__ import annotations

import re
from dataclasses import fields

from ivr.accounts.staff import ROLES
from ivr.storage.directory import Counts
from ivr.web.admin.render import TEMPLATES
from ivr.web.admin.texts import TEXT
from ivr.web.i18n import translator


def test_every_text_has_both_languages() -> None:
    for key, (french, english) in TEXT.items():
        assert french.strip(), key
        assert english.strip(), key
        # Placeholders match, so a translation cannot drop a value.
        assert set(re.findall(r"{(\w+)}", french)) == set(re.findall(r"{(\w+)}", english)), key


def test_every_key_used_in_templates_and_code_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r't\("([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    code = [TEMPLATES.parent / "views.py", TEMPLATES.parent / "errors.py"]
    code.append(TEMPLATES.parent / "auth.py")
    for path in code:
        used |= set(
            re.findall(
                r'(?:error|notice|message)\s*=\s*"([a-z_]+\.[a-z_]+)"',
                path.read_text(encoding="utf-8"),
            )
        )
    used |= {f"role.{role}" for role in ROLES}
    built = {  # keys a template builds from a value: the prefix and every value
        "directory.state_": ("reading", "ready", "applied", "failed"),
        "directory.count_": tuple(f.name for f in fields(Counts) if f.name != "rows"),
    }
    assert {key for key in used if key.endswith("_")} == set(built)
    used = {key for key in used if not key.endswith("_")}
    used |= {prefix + value for prefix, values in built.items() for value in values}
    assert used, "no keys found: the pattern is wrong"
    missing = sorted(key for key in used if key not in TEXT)
    assert not missing


def test_translator_fills_values() -> None:
    assert translator(TEXT, "fr")("dashboard.hello", name="Marie") == "Bonjour, Marie."
    assert translator(TEXT, "en")("dashboard.hello", name="Marie") == "Hello, Marie."


def test_every_audit_action_recorded_by_the_web_pages_has_a_label() -> None:
    actions: set[str] = set()
    for path in TEMPLATES.parents[1].rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        actions |= set(re.findall(r'record_action\(\s*request,\s*"([a-z_.]+)"', text))
        actions |= set(re.findall(r'action="([a-z_.]+)"', text))
        actions |= set(re.findall(r'"(personal_data\.read)"', text))
    assert {"login.succeeded", "login.failed", "staff.created"} <= actions
    missing = sorted(action for action in actions if f"action.{action}" not in TEXT)
    assert not missing
