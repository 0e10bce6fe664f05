"""Where the files the product ships beside its code are: the PBX configuration
templates and the prompts.

In the source tree ``asterisk-config`` and ``sounds`` here are symbolic links to the
top-level directories of the same names; a built wheel holds copies of them (package
data), so an installed package finds them wherever it is installed.
"""

from __future__ import annotations

from pathlib import Path

SHIPPED_DIR = Path(__file__).parent
ASTERISK_CONFIG_DIR = SHIPPED_DIR / "asterisk-config"
SOUNDS_DIR = SHIPPED_DIR / "sounds"
