"""The simulated phone network: a second Asterisk playing the carrier and its phones.

The product's Asterisk reaches it over the same PJSIP trunk a real carrier
would use (``sip_trunk_host``/``sip_trunk_port``). Every dialed number
behaves as ``simnet/phones.json`` says; every call is logged with what the
phone saw (see :mod:`simnet.calllog`).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

from ivr.asterisk.config_render import asterisk_ids, prepare_instance
from ivr.asterisk.layout import InstanceLayout
from ivr.asterisk.process import AsteriskProcess, start_owned
from ivr.channels.voice.pbx import PRODUCT_TEMPLATES
from ivr.config import Settings
from simnet.calllog import PhoneCall, read_calls
from simnet.phones import Phone, dialplan, load_phones, numbers_for
from simnet.sounds import make_network_sounds

NETWORK_TEMPLATES = Path(__file__).with_name("asterisk")
# Files that say nothing specific to either instance, taken from the product's.
SHARED_TEMPLATES = (
    "acl.conf",
    "ccss.conf",
    "cdr.conf",
    "cel.conf",
    "features.conf",
    "indications.conf",
    "logger.conf",
    "pjproject.conf",
    "stasis.conf",
    "udptl.conf",
)
NETWORK_RTP_PORTS = (12000, 12999)
RECEPTION_DESK = "4189620100"
"""The table's phone that plays the offices' reception desk."""
_STEP = re.compile(r"^(w[0-9]{1,3}(\.[0-9]{1,2})?|k[0-9*#]{1,20}|t[0-9]{2,6}|p[a-z0-9-]{1,40}|h)$")
STATE_FAMILY = "simnet-calls"


class PhoneNetwork:
    """A simulated phone network listening for SIP on ``sip_host:sip_port``."""

    def __init__(
        self,
        root: Path,
        *,
        name: str = "simnet",
        sip_host: str = "127.0.0.1",
        sip_port: int = 5070,
        pbx_host: str = "127.0.0.1",
        pbx_port: int = 5060,
        phones: list[Phone] | None = None,
    ) -> None:
        self.layout = InstanceLayout(root, name)
        self.process = AsteriskProcess(self.layout)
        self.sip_host = sip_host
        self.sip_port = sip_port
        self.pbx_host = pbx_host
        self.pbx_port = pbx_port
        self.phones = load_phones() if phones is None else phones

    @classmethod
    def for_settings(cls, settings: Settings, *, name: str = "simnet") -> PhoneNetwork:
        """The network the product's trunk settings point at."""
        pbx_host = settings.sip_bind_host
        if pbx_host == "0.0.0.0":  # noqa: S104 (a comparison, not a bind)
            pbx_host = "127.0.0.1"
        return cls(
            settings.asterisk_root,
            name=name,
            sip_host=settings.sip_trunk_host,
            sip_port=settings.sip_trunk_port,
            pbx_host=pbx_host,
            pbx_port=settings.sip_bind_port,
        )

    @property
    def call_log(self) -> Path:
        """Host path of the call log."""
        return self.layout.host(self.layout.log_dir) / "calls.csv"

    def templates(self) -> list[Path]:
        """The network's own templates plus the shared ones from asterisk-config/."""
        templates = sorted(NETWORK_TEMPLATES.glob("*.conf"))
        return templates + [PRODUCT_TEMPLATES / name for name in SHARED_TEMPLATES]

    def template_values(self) -> tuple[dict[str, str], dict[str, str]]:
        """Values and blocks (the generated [phones] dialplan) of the templates."""
        values = {
            "sip_host": self.sip_host,
            "sip_port": str(self.sip_port),
            "pbx_host": self.pbx_host,
            "pbx_port": str(self.pbx_port),
            "rtp_start": str(NETWORK_RTP_PORTS[0]),
            "rtp_end": str(NETWORK_RTP_PORTS[1]),
            "call_log": str(self.layout.log_dir / "calls.csv"),
        }
        return values, {"phone_table": dialplan(self.phones)}

    def prepare(self) -> None:
        """Render the network's configuration and make its sounds."""
        values, blocks = self.template_values()
        prepare_instance(self.layout, self.templates(), values, blocks)
        if not self.call_log.exists():
            self.call_log.touch(mode=0o644)
            uid, gid = asterisk_ids(self.layout.root)
            os.chown(self.call_log, uid, gid)
        beeps = {str(phone.params.get("beep", "none")) for phone in self.phones} - {"none"}
        make_network_sounds(self.layout, beeps)

    def start(self) -> float:
        """Prepare and start the network; return its boot time in seconds.

        Each number's call count starts from zero, so "busy twice, then answers" is
        busy twice again after a restart (the counts live in the root's astdb), and the
        call log starts empty: it tells of this run's calls only."""
        self.prepare()
        seconds = self.process.start()
        self.reset()
        return seconds

    async def start_owned(self) -> float:
        """``start`` from the event loop, the instance owned by this program (see
        ivr.asterisk.process.start_owned)."""
        await asyncio.to_thread(self.prepare)
        seconds = await start_owned(self.process)
        await asyncio.to_thread(self.reset)
        return seconds

    def stop(self) -> None:
        self.process.stop()

    def forget_call_counts(self) -> None:
        self.process.rx(f"database deltree {STATE_FAMILY}")

    def reset(self) -> None:
        """Forget every number's call count and empty the call log."""
        self.forget_call_counts()
        os.truncate(self.call_log, 0)

    def call_pbx(self, number: str, sound: str = "allo") -> None:
        """Call the product's ``number`` (an inbound line); once answered, play ``sound``.

        ``sound`` is one of the network's sounds (e.g. "allo", "greeting").
        Returns at once; the call runs in the network's Asterisk.
        """
        if not re.fullmatch(r"[0-9]{3,15}", number):
            raise ValueError(f"{number!r} is not a phone number")
        if not re.fullmatch(r"[a-z-]{1,40}", sound):
            raise ValueError(f"{sound!r} is not a sound of the network")
        path = self.layout.sounds_dir / sound
        self.process.rx(f"channel originate PJSIP/{number}@pbx application Playback {path}")

    def call_in(self, dialed: str, caller: str, script: Sequence[str] = ()) -> None:
        """Phone ``caller`` calls the product's ``dialed`` number (an inbound line) and,
        once answered, follows ``script``: "w2.5" listens 2.5 s, "k1234#" presses keys,
        "t3000" sends a 3 s tone, "pallo" says one of the network's sounds, "h" hangs up
        (the ``[caller]`` dialplan); then it listens until the product hangs up.

        Returns at once: a call file is handed to the network's Asterisk. The call is
        logged under ``caller`` with behaviour "caller", its recording being what it heard.
        """
        for number in (dialed, caller):
            if not re.fullmatch(r"[0-9]{3,15}", number):
                raise ValueError(f"{number!r} is not a phone number")
        for step in script:
            if not _STEP.match(step):
                raise ValueError(f"{step!r} is not a step of a caller's script")
        spool = self.layout.host(self.layout.runtime_dirs["spool_dir"])
        outgoing = spool / "outgoing"
        uid, gid = asterisk_ids(self.layout.root)
        outgoing.mkdir(exist_ok=True)
        os.chown(outgoing, uid, gid)
        text = (
            f"Channel: PJSIP/{dialed}@pbx\nCallerID: <{caller}>\nMaxRetries: 0\nWaitTime: 30\n"
            "Context: caller\nExtension: s\nPriority: 1\n"
            f"Setvar: CALLER_NUMBER={caller}\nSetvar: CALLER_SCRIPT={'/'.join(script)}\n"
        )
        staged = spool / f"call-{caller}-{time.monotonic_ns()}.call"
        staged.write_text(text, encoding="ascii")
        os.chown(staged, uid, gid)
        staged.rename(outgoing / staged.name)  # whole, at once: the spooler reads it on arrival

    def numbers_for(self, behaviour: str) -> list[str]:
        return numbers_for(self.phones, behaviour)

    def number_for(self, behaviour: str) -> str:
        """The first number of the table that behaves as ``behaviour``."""
        return self.numbers_for(behaviour)[0]

    def calls(self, number: str | None = None) -> list[PhoneCall]:
        """Calls logged so far (to ``number`` only, if given), oldest first."""
        calls = read_calls(self.call_log, self.layout)
        return [call for call in calls if number is None or call.number == number]

    async def wait_for_calls(
        self, number: str, count: int = 1, within: float = 30.0
    ) -> list[PhoneCall]:
        """Wait until ``count`` calls to ``number`` have ended and been logged."""
        deadline = time.monotonic() + within
        while True:
            calls = self.calls(number)
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(calls)} of {count} calls to {number} logged")
            await asyncio.sleep(0.1)
