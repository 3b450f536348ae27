"""AsyncAGI: run an IVR on calls parked in ``AGI(agi:async)``, over the AMI connection.

A dialplan hands a call to AsyncAGI with ``exten => 123,1,AGI(agi:async)``: Asterisk
announces it with an ``AsyncAGIStart`` event, runs each AGI command sent with the AMI
``AGI`` action, and reports the reply in an ``AsyncAGIExec`` event.
``pystrix.agi.asyncagi.AsyncAGI`` hides all that behind FastAGI's ``execute()``.  Usage::

    python examples/asyncagi.py [--originate CHANNEL]
                                [--host ... --port ... --username ... --secret ...]

It serves calls one at a time until Asterisk goes away (or Ctrl-C).  ``--originate
CHANNEL`` first places a call from CHANNEL into ``AGI(agi:async)``, so there is one to
serve (with ``pystrix sim``: ``--originate Local/400@test``).  The defaults match
``pystrix sim`` (127.0.0.1:5038, admin/wordpass); the ``PYSTRIX_HOST``, ``PYSTRIX_PORT``,
``PYSTRIX_USERNAME`` and ``PYSTRIX_SECRET`` environment variables override them.
"""

import argparse
import contextlib
import os

from pystrix.agi import AGIAppError, AGIHangup, core
from pystrix.agi.asyncagi import AsyncAGI, start_environment
from pystrix.ami import Manager, ManagerSocketError
from pystrix.ami import core as ami_core

# Sounds of Asterisk's core sound package (the simulator knows them too).
PROMPT = "hello-world"
CHOICES = {"1": "demo-congrats", "2": "tt-monkeys"}
GOODBYE = "vm-goodbye"


def parse_options() -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="An IVR over AsyncAGI.")
    parser.add_argument("--host", default=env.get("PYSTRIX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PYSTRIX_PORT", "5038")))
    parser.add_argument("--username", default=env.get("PYSTRIX_USERNAME", "admin"))
    parser.add_argument("--secret", default=env.get("PYSTRIX_SECRET", "wordpass"))
    parser.add_argument("--originate", metavar="CHANNEL", help="call CHANNEL into AsyncAGI")
    return parser.parse_args()


def ivr(agi: AsyncAGI) -> None:
    """The same IVR as the FastAGI examples, on the same ``execute()``."""
    try:
        agi.execute(core.Answer())
        pressed = agi.execute(core.StreamFile(PROMPT, escape_digits="12"))  # (key, offset)
        key = pressed[0] if pressed else agi.execute(core.WaitForDigit(5000))  # or None
        agi.execute(core.StreamFile(CHOICES.get(key, GOODBYE)))
        agi.execute(core.Hangup())  # ends AsyncAGI; AsyncAGIBreak() returns to the dialplan
        print(f"{agi.channel}: pressed {key or 'nothing'}, hung up")
    except AGIHangup:  # the call left AsyncAGI (the caller hung up)
        print(f"{agi.channel}: caller hung up")
    except AGIAppError as error:  # result=-1: a missing sound, or a hang-up during playback
        print(f"{agi.channel}: {error}")


def main() -> None:
    options = parse_options()
    with Manager() as manager:
        manager.connect(options.host, options.port)
        manager.send_action(ami_core.Login(options.username, options.secret))

        # Iterate on this thread, not in a callback: execute() waits for AsyncAGIExec
        # events, which the callback thread delivers.  Collection starts here, so the
        # call placed below cannot be missed.
        calls = manager.events("AsyncAGIStart")
        if options.originate:
            call = ami_core.Originate_Application(options.originate, "AGI", ["agi:async"])
            manager.send_action(call)

        print("waiting for AsyncAGI calls", flush=True)
        try:
            for event in calls:  # ends when the connection does
                environment = start_environment(event)  # the agi_* variables of the call
                extension = environment.variables["agi_extension"]
                print(f"call on {environment.channel} to extension {extension}")
                with AsyncAGI(manager, event["Channel"]) as agi:
                    ivr(agi)
        except ManagerSocketError as error:  # Asterisk went away during a call
            print(f"connection lost: {error}")
    print("connection closed")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
