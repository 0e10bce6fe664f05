"""Run the simulated phone network on its own, as the carrier of a PBX that runs
elsewhere (a container, another machine), until SIGINT or SIGTERM; then print what
each phone saw, one line per call.

Run: ``python -m simnet --sip-host H --pbx-host P`` (as root; the network's Asterisk
comes from the root ``scripts/provision-asterisk`` builds). ``scripts/compose-check``
uses it to place a call through the compose stack.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
from pathlib import Path

from simnet.network import PhoneNetwork

PROVISION = Path(__file__).resolve().parents[1] / "scripts" / "provision-asterisk"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simnet", description=__doc__)
    parser.add_argument("--sip-host", required=True, help="address the network listens on")
    parser.add_argument("--sip-port", type=int, default=5070)
    parser.add_argument("--pbx-host", required=True, help="address of the PBX's SIP trunk")
    parser.add_argument("--pbx-port", type=int, default=5060)
    parser.add_argument("--name", default="simnet-standalone", help="instance name")
    return parser.parse_args()


async def serve(network: PhoneNetwork) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await network.start_owned()
    print(f"simulated phone network ready on {network.sip_host}:{network.sip_port}", flush=True)
    try:
        await stop.wait()
    finally:
        await asyncio.to_thread(network.stop)


def main() -> None:
    args = arguments()
    root = Path(subprocess.run([PROVISION], check=True, capture_output=True, text=True)
                .stdout.strip().splitlines()[-1])  # fmt: skip
    network = PhoneNetwork(
        root,
        name=args.name,
        sip_host=args.sip_host,
        sip_port=args.sip_port,
        pbx_host=args.pbx_host,
        pbx_port=args.pbx_port,
    )
    asyncio.run(serve(network))
    for call in network.calls():
        print(
            f"call to {call.number}: {call.behaviour} {call.action}, "
            f'caller "{call.caller_name}" <{call.caller_number}>, keys {call.keys or "-"}',
            flush=True,
        )


if __name__ == "__main__":
    main()
