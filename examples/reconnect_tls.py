"""Staying connected: ``Manager(reconnect=True)``, ``monitor_connection`` and TLS.

The Manager reconnects by itself after a lost connection (with back-off), logs in again
(an MD5 login answers a fresh challenge) and keeps every callback; ``monitor_connection``
pings Asterisk so that a silent peer counts as lost too.  Usage::

    python examples/reconnect_tls.py [--tls | --cafile CA.pem] [--interval 2.5]
                                     [--host ... --port ... --username ... --secret ...]

``--tls`` speaks TLS (Asterisk's ``tlsenable`` port, usually 5039) and verifies the
certificate against the system's trusted roots; ``--cafile`` trusts that CA bundle instead
(and implies ``--tls``).  The other defaults match ``pystrix sim`` (127.0.0.1:5038,
admin/wordpass); the ``PYSTRIX_HOST``, ``PYSTRIX_PORT``, ``PYSTRIX_USERNAME`` and
``PYSTRIX_SECRET`` environment variables override them.  It runs until Ctrl-C (or
SIGTERM): restart Asterisk meanwhile to see the connection lost and restored.
"""

import argparse
import os
import signal
import ssl
import sys
import time

from pystrix.ami import Manager, core


def parse_options() -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Stay connected to Asterisk's AMI.")
    parser.add_argument("--host", default=env.get("PYSTRIX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PYSTRIX_PORT", "5038")))
    parser.add_argument("--username", default=env.get("PYSTRIX_USERNAME", "admin"))
    parser.add_argument("--secret", default=env.get("PYSTRIX_SECRET", "wordpass"))
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    parser.add_argument("--cafile", help="trust this CA bundle (implies --tls)")
    parser.add_argument("--interval", type=float, default=2.5, help="seconds between pings")
    return parser.parse_args()


def on_disconnect(manager, error):  # called as function(manager, error)
    print(f"connection lost: {error}")


def on_reconnect(manager):  # called once the login, Events mask and filters are restored
    print("reconnected and logged in again")


def main() -> int:
    options = parse_options()
    tls: bool | ssl.SSLContext = options.tls
    if options.cafile:
        tls = ssl.create_default_context(cafile=options.cafile)

    # reconnect=True uses the default back-off; pass a pystrix.ami.ReconnectPolicy
    # (initial_delay, max_delay, multiplier, jitter, max_attempts) to choose your own.
    with Manager(reconnect=True) as manager:
        manager.register_disconnect_callback(on_disconnect)
        manager.register_reconnect_callback(on_reconnect)
        manager.connect(options.host, options.port, tls=tls)

        # An MD5 login: the secret never crosses the network, and a reconnect answers a
        # fresh challenge by itself.
        challenge = manager.send_action(core.Challenge())
        if challenge is None or not challenge.success:
            print("no MD5 challenge from Asterisk")
            return 1
        token = challenge.result["Challenge"]
        manager.send_action(core.Login(options.username, options.secret, challenge=token))
        print(f"logged in to {options.host}:{options.port}" + (" over TLS" if tls else ""))

        # Ping every interval; an unanswered ping fails the connection (and so reconnects).
        manager.monitor_connection(options.interval)
        try:
            while True:
                time.sleep(60)  # your application's work goes here
        except KeyboardInterrupt:
            print("stopping")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops as Ctrl-C does
    sys.exit(main())
