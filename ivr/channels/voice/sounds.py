"""Where the audio the PBX plays lives: the same file seen from the host (to write it)
and from Asterisk (to play it, by its name without suffix)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class PbxSounds:
    """The PBX's sounds directory ``sounds_dir`` (inside ``root``)."""

    root: Path
    sounds_dir: PurePosixPath

    def host(self, path: PurePosixPath) -> Path:
        return self.root / path.relative_to("/")

    @property
    def prompts_dir(self) -> PurePosixPath:
        return self.sounds_dir / "prompts"

    def prompt(self, language: str, name: str) -> str:
        return str(self.prompts_dir / language / name)

    def alert_message(self, alert_id: int, language: str) -> PurePosixPath:
        """The alert's message in ``language``, without suffix."""
        return self.sounds_dir / "alerts" / f"alert-{alert_id}-{language}"
