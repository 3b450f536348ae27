"""A FastAGI IVR on the asyncio server: answer, play a prompt, read a digit, branch,
hang up.

Asterisk runs it for a dialplan line such as::

    exten => 123,1,AGI(agi://127.0.0.1:4573/ivr)

Usage::

    python examples/fastagi_ivr_asyncio.py [--interface 127.0.0.1] [--port 4573]

``--port 0`` listens on any free port; the port chosen is printed.  Each call is a task
running the coroutine handler.  It serves until Ctrl-C (or SIGTERM).  Try it without
Asterisk, from another shell (the simulated caller presses 1)::

    python -c "from pystrix.testing.agi import SimulatedChannel, fastagi_call; print(
        fastagi_call('127.0.0.1', 4573, 'ivr', channel=SimulatedChannel(digits=['1'])))"
"""

import argparse
import asyncio
import signal

from pystrix.agi import AGIAppError, AGIHangup, aio, core

# Sounds of Asterisk's core sound package (the simulator knows them too).
PROMPT = "hello-world"
CHOICES = {"1": "demo-congrats", "2": "tt-monkeys"}
GOODBYE = "vm-goodbye"


async def ivr(agi, args, kwargs, match, path):
    """One call: ``await agi.execute`` sends a command and returns its parsed result."""
    channel = agi.get_environment()["agi_channel"]
    try:
        await agi.execute(core.Answer())
        # Play the prompt; a key among the escape digits stops it: (key, offset), or None.
        pressed = await agi.execute(core.StreamFile(PROMPT, escape_digits="12"))
        if pressed:
            key = pressed[0]
        else:
            key = await agi.execute(core.WaitForDigit(5000))  # None on timeout
        await agi.execute(core.StreamFile(CHOICES.get(key, GOODBYE)))
        await agi.execute(core.Hangup())
        print(f"{channel}: pressed {key or 'nothing'}, hung up")
    except AGIHangup:  # the caller hung up: later commands would fail too
        print(f"{channel}: caller hung up")
    except AGIAppError as error:  # result=-1: a sound that does not exist, or a hang-up
        print(f"{channel}: {error}")  # during playback (Asterisk answers both alike)
    # When the handler returns, the connection is closed and the dialplan goes on.


async def serve(options: argparse.Namespace) -> None:
    # Stop on Ctrl-C or SIGTERM (a service manager's stop); add_signal_handler is Unix's.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    # Listening from the start of the block; leaving it calls shutdown(), which gives
    # running calls up to 5 s to finish, then cancels them.
    async with aio.FastAGIServer(interface=options.interface, port=options.port) as server:
        server.register_script_handler(None, ivr)  # every script path; or a regex per path
        print(f"FastAGI IVR listening on {options.interface}:{server.port}", flush=True)
        await stop.wait()
    print("stopped")


def main() -> None:
    parser = argparse.ArgumentParser(description="A FastAGI IVR (asyncio server).")
    parser.add_argument("--interface", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4573, help="0 for any free port")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
