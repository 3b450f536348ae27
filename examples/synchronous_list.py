"""Synchronous lists: ``CoreShowChannels`` and ``QueueStatus`` read through ``response.events``.

An AMI list action is answered with a response, then one event per item, then a
``...Complete`` event.  With ``request.synchronous = True``, ``send_action`` waits for the
whole list and ``response.events`` holds it: each item class maps to a list (empty when
no item came), and the closing class to the ``...Complete`` event.  Usage::

    python examples/synchronous_list.py [--host ... --port ... --username ... --secret ...]

The defaults match ``pystrix sim`` (127.0.0.1:5038, admin/wordpass); the
``PYSTRIX_HOST``, ``PYSTRIX_PORT``, ``PYSTRIX_USERNAME`` and ``PYSTRIX_SECRET``
environment variables override them.
"""

import argparse
import os
import sys

from pystrix.ami import Manager, core, core_events


def parse_options() -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="List channels and queues.")
    parser.add_argument("--host", default=env.get("PYSTRIX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PYSTRIX_PORT", "5038")))
    parser.add_argument("--username", default=env.get("PYSTRIX_USERNAME", "admin"))
    parser.add_argument("--secret", default=env.get("PYSTRIX_SECRET", "wordpass"))
    return parser.parse_args()


def main() -> int:
    options = parse_options()
    with Manager() as manager:
        manager.connect(options.host, options.port)
        manager.send_action(core.Login(options.username, options.secret))

        request = core.CoreShowChannels()
        request.synchronous = True  # wait for CoreShowChannelsComplete
        listing = manager.send_action(request)
        if listing is None or listing.events_timeout:  # no answer, or the list never ended
            print("CoreShowChannels did not complete")
            return 1
        channels = listing.events[core_events.CoreShowChannel]
        print(f"{len(channels)} active channel(s)")
        for channel in channels:
            application = f"{channel['Application']}({channel['ApplicationData']})"
            print(f"  {channel['Channel']} {channel['ChannelStateDesc']} {application}")

        request = core.QueueStatus()  # every queue; QueueStatus(queue="q1") for one
        request.synchronous = True
        status = manager.send_action(request)
        if status is None or status.events_timeout:
            print("QueueStatus did not complete")
            return 1
        for queue in status.events[core_events.QueueParams]:
            print(f"queue {queue['Queue']} ({queue['Strategy']}): {queue['Calls']} waiting")
        for member in status.events[core_events.QueueMember]:
            paused = " (paused)" if member["Paused"] == "1" else ""
            print(f"  member {member['Name']} of {member['Queue']}{paused}")
        # The closing event, also found by name ("QueueStatusComplete"):
        print("items listed:", status.events[core_events.QueueStatusComplete]["ListItems"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
