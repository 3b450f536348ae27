"""The asyncio Manager: connect, log in, callbacks, and ``async for`` over events.

It watches calls until Asterisk goes away (or Ctrl-C): a callback prints each new
channel, an ``async for`` loop each hang-up.  Usage::

    python examples/asyncio_manager.py [--host ... --port ... --username ... --secret ...]

The defaults match ``pystrix sim`` (127.0.0.1:5038, admin/wordpass); the
``PYSTRIX_HOST``, ``PYSTRIX_PORT``, ``PYSTRIX_USERNAME`` and ``PYSTRIX_SECRET``
environment variables override them.  To see a call, place one from another shell, for
example ``python examples/originate.py``.
"""

import argparse
import asyncio
import contextlib
import os

from pystrix.ami import aio, core


def parse_options() -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Watch calls with the asyncio Manager.")
    parser.add_argument("--host", default=env.get("PYSTRIX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PYSTRIX_PORT", "5038")))
    parser.add_argument("--username", default=env.get("PYSTRIX_USERNAME", "admin"))
    parser.add_argument("--secret", default=env.get("PYSTRIX_SECRET", "wordpass"))
    return parser.parse_args()


async def on_newchannel(event, manager):  # a coroutine function; plain functions work too
    print(f"new channel {event['Channel']} ({event['ChannelStateDesc']})")


async def watch(options: argparse.Namespace) -> None:
    async with aio.Manager() as manager:  # closed when the block ends, however it ends
        # Callbacks registered before connecting miss no event.  They run one at a time,
        # in arrival order, on a dispatcher task: a slow one never stops the reading.
        manager.register_callback("Newchannel", on_newchannel)

        await manager.connect(options.host, options.port)
        # A refused login raises pystrix.ami.ManagerAuthError.
        await manager.send_action(core.Login(options.username, options.secret))

        answer = await manager.send_action(core.Command("core show version"))
        if answer is not None:  # None: no answer within the request's timeout
            print(answer.result.data[0])

        print("watching calls (Ctrl-C to stop)", flush=True)
        # Events are collected from the loop's first step on.  The loop ends when the
        # connection does (here: when Asterisk shuts down).
        async for event in manager.events("Hangup"):
            print(f"hangup {event['Channel']}: {event['Cause-txt']}")
    print("connection closed")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(watch(parse_options()))
