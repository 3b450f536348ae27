"""Originate a call asynchronously, then wait for its ``OriginateResponse``.

An asynchronous Originate is answered at once ("Originate successfully queued"); whether
the call was answered comes later, in an ``OriginateResponse`` event that carries the
Originate's ActionID.  So: choose the ActionID yourself, register the callback before
sending, and wait for the event with that ActionID.  (``manager.originate(request)`` does
all of this in one call; this program shows how it works, with the 1.x API.)

Usage::

    python examples/originate.py [--channel Local/100@test] [--host ... --port ...
                                  --username ... --secret ...]

The defaults match ``pystrix sim`` (127.0.0.1:5038, admin/wordpass; its ``test``
dialplan answers ``Local/100@test``); the ``PYSTRIX_HOST``, ``PYSTRIX_PORT``,
``PYSTRIX_USERNAME`` and ``PYSTRIX_SECRET`` environment variables override them.  Exits
with 0 if the call was answered, 1 if not.
"""

import argparse
import os
import queue
import sys
import uuid

from pystrix.ami import Manager, core


def parse_options() -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Originate a call and wait for the outcome.")
    parser.add_argument("--host", default=env.get("PYSTRIX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PYSTRIX_PORT", "5038")))
    parser.add_argument("--username", default=env.get("PYSTRIX_USERNAME", "admin"))
    parser.add_argument("--secret", default=env.get("PYSTRIX_SECRET", "wordpass"))
    parser.add_argument("--channel", default="Local/100@test", help="the channel to call")
    return parser.parse_args()


def main() -> int:
    options = parse_options()
    action_id = f"originate-{uuid.uuid4().hex}"  # unique, so only our call's event matches
    outcomes: queue.Queue = queue.Queue()

    def on_originate_response(event, manager):  # runs on the Manager's dispatcher thread
        if event.action_id == action_id:
            outcomes.put(event)

    with Manager() as manager:  # closed (no thread left behind) when the block ends
        manager.register_callback("OriginateResponse", on_originate_response)
        manager.connect(options.host, options.port)
        manager.send_action(core.Login(options.username, options.secret))

        # Once answered, the call runs Wait(2) and hangs up; it may ring for 30 s.
        request = core.Originate_Application(options.channel, "Wait", ["2"], timeout=30_000)
        request["ActionID"] = action_id
        queued = manager.send_action(request)
        if queued is None or not queued.success:  # None: no answer within request.timeout
            print("Originate refused:", queued.response.get("Message") if queued else "no answer")
            return 1
        print(f"Originate queued, ActionID {action_id}")

        try:
            event = outcomes.get(timeout=60)  # the ring timeout and then some
        except queue.Empty:
            print("no OriginateResponse came")
            return 1
        # Reason: 4 answered, 1 no answer, 5 busy, 8 congestion, 0 no such channel...
        print(
            f"OriginateResponse: {event['Response']}, {event['Channel']}, reason {event['Reason']}"
        )
        return 0 if event["Response"] == "Success" else 1


if __name__ == "__main__":
    sys.exit(main())
