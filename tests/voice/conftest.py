"""Fixtures of the voice tests."""

from tests.voice.harness import voice

__all__ = ["voice"]
