"""A FastAGI IVR on the threaded server: answer, play a prompt, read a digit, branch,
hang up.

Asterisk runs it for a dialplan line such as::

    exten => 123,1,AGI(agi://127.0.0.1:4573/ivr)

Usage::

    python examples/fastagi_ivr.py [--interface 127.0.0.1] [--port 4573]

``--port 0`` listens on any free port; the port chosen is printed.  Each call runs in a
thread of its own.  It serves until Ctrl-C (or SIGTERM).  Try it without Asterisk, from
another shell (the simulated caller presses 1)::

    python -c "from pystrix.testing.agi import SimulatedChannel, fastagi_call; print(
        fastagi_call('127.0.0.1', 4573, 'ivr', channel=SimulatedChannel(digits=['1'])))"
"""

import argparse
import signal

from pystrix.agi import AGIAppError, AGIHangup, FastAGIServer, core

# Sounds of Asterisk's core sound package (the simulator knows them too).
PROMPT = "hello-world"
CHOICES = {"1": "demo-congrats", "2": "tt-monkeys"}
GOODBYE = "vm-goodbye"


def ivr(agi, args, kwargs, match, path):
    """One call: ``agi.execute`` sends a command and returns its parsed result."""
    channel = agi.get_environment()["agi_channel"]
    try:
        agi.execute(core.Answer())
        # Play the prompt; a key among the escape digits stops it: (key, offset), or None.
        pressed = agi.execute(core.StreamFile(PROMPT, escape_digits="12"))
        key = pressed[0] if pressed else agi.execute(core.WaitForDigit(5000))  # None: timeout
        agi.execute(core.StreamFile(CHOICES.get(key, GOODBYE)))
        agi.execute(core.Hangup())
        print(f"{channel}: pressed {key or 'nothing'}, hung up")
    except AGIHangup:  # the caller hung up: later commands would fail too
        print(f"{channel}: caller hung up")
    except AGIAppError as error:  # result=-1: a sound that does not exist, or a hang-up
        print(f"{channel}: {error}")  # during playback (Asterisk answers both alike)
    # When the handler returns, the connection is closed and the dialplan goes on.


def main() -> None:
    parser = argparse.ArgumentParser(description="A FastAGI IVR (threaded server).")
    parser.add_argument("--interface", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4573, help="0 for any free port")
    options = parser.parse_args()

    server = FastAGIServer(interface=options.interface, port=options.port)
    server.register_script_handler(None, ivr)  # every script path; or a regex per path
    print(f"FastAGI IVR listening on {options.interface}:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()  # running calls get up to 5 s to finish
        server.server_close()
    print("stopped")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops as Ctrl-C does
    main()
