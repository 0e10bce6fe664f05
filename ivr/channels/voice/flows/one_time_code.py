"""The one-time code call flow (FastAGI route ``one-time-code``): "Information ITUM.
Votre code est : 1, 2, 3, 4, 5, 6. Je répète : 1, 2, 3, 4, 5, 6.", then hang up.

The words are prompts made once at start (``code-intro``, ``code-repeat`` and one per
digit, in ``sounds/prompts.json``), so no call synthesises speech and the code is never
written to a file. A session is served only with the token the code sender gave the
call; any other is hung up without a word, the code kept for the right one.
"""

from __future__ import annotations

import logging

from ivr.asterisk.agi_protocol import printable
from ivr.asterisk.fastagi_session import AgiSession
from ivr.channels.voice.code_calls import CodeCalls
from ivr.channels.voice.sender import FLOW_TOKEN_VARIABLE
from ivr.channels.voice.sounds import PbxSounds

log = logging.getLogger(__name__)

LANGUAGE = "fr"


def code_prompts(code: str) -> list[str]:
    """The names of the prompts that read ``code`` twice, in order."""
    digits = [f"code-digit-{digit}" for digit in code]
    return ["code-intro", *digits, "code-repeat", *digits]


class OneTimeCodeCall:
    """The FastAGI handler of one-time code calls."""

    def __init__(self, calls: CodeCalls, sounds: PbxSounds) -> None:
        self.calls = calls
        self.sounds = sounds

    async def __call__(self, session: AgiSession) -> None:
        reference = session.request.uniqueid
        token = await session.get_variable(FLOW_TOKEN_VARIABLE)
        code = self.calls.take(reference, token)
        if code is None:
            log.warning(
                "FastAGI session refused",
                extra={
                    "reference": printable(reference),
                    "reason": "no code for this call and token",
                    "channel": printable(session.request.channel),
                },
            )
            await session.hangup()
            return
        for name in code_prompts(code):
            await session.stream_file(self.sounds.prompt(LANGUAGE, name))
        log.info("one-time code read", extra={"reference": reference})
        await session.hangup()
