"""A small application that uses pystrix; ``test_my_app.py`` next to it is its test suite.

The tests run against the embedded simulator through the fixtures of pystrix's pytest
plugin, with no Asterisk: see ``test_my_app.py``.
"""

from __future__ import annotations

import threading

from pystrix.agi import AGIAppError, AGIHangup, FastAGIServer, core
from pystrix.ami import Manager, ManagerSocketError, aio, core_events
from pystrix.ami import core as ami_core


def active_channels(manager: Manager) -> list[str]:
    """The names of the channels up on Asterisk."""
    request = ami_core.CoreShowChannels()
    request.synchronous = True
    listing = manager.send_action(request)
    if listing is None:
        raise TimeoutError("no answer to CoreShowChannels")
    return [event["Channel"] for event in listing.events[core_events.CoreShowChannel]]


async def active_channels_async(manager: aio.Manager) -> list[str]:
    """:func:`active_channels` for the asyncio Manager."""
    request = ami_core.CoreShowChannels()
    request.synchronous = True
    listing = await manager.send_action(request)
    if listing is None:
        raise TimeoutError("no answer to CoreShowChannels")
    return [event["Channel"] for event in listing.events[core_events.CoreShowChannel]]


def asterisk_version(manager: Manager) -> str | None:
    """Asterisk's version line, or ``None`` when Asterisk cannot be asked."""
    try:
        answer = manager.send_action(ami_core.Command("core show version"))
    except ManagerSocketError:  # the connection is gone (or went during the request)
        return None
    return answer.result.data[0] if answer is not None and answer.success else None


def ivr(agi, args, kwargs, match, path):
    """The FastAGI IVR: 1 and 2 choose a recording, anything else says goodbye."""
    try:
        agi.execute(core.Answer())
        pressed = agi.execute(core.StreamFile("hello-world", escape_digits="12"))
        key = pressed[0] if pressed else agi.execute(core.WaitForDigit(5000))
        choices = {"1": "demo-congrats", "2": "tt-monkeys"}
        agi.execute(core.StreamFile(choices.get(key, "vm-goodbye")))
        agi.execute(core.Hangup())
    except (AGIHangup, AGIAppError):
        pass  # the caller hung up


def start_ivr_server(interface: str = "127.0.0.1", port: int = 4573) -> FastAGIServer:
    """The IVR's FastAGI server, serving on a thread; ``shutdown()`` and
    ``server_close()`` stop it."""
    server = FastAGIServer(interface=interface, port=port)
    server.register_script_handler("ivr", ivr)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
