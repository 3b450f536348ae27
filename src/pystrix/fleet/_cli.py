"""``pystrix bridge``: the Redis bridge as a command (see :mod:`pystrix.fleet.bridge`).

Kept apart from :mod:`pystrix.cli` so that ``redis`` is imported only when this
subcommand runs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import sys
from typing import Any

from ..cli import _port, _seconds

__all__ = ["add_bridge_parser", "run_bridge"]

#: Exit statuses, as :mod:`pystrix.cli` documents them.
_EXIT_OK = 0
_EXIT_USAGE = 2
_EXIT_CONNECTION = 3


def add_bridge_parser(commands: Any, **options: Any) -> None:
    """Add the ``bridge`` subcommand to an argparse subparsers object; ``options`` (an
    ``epilog``, a ``formatter_class``) go to its ``add_parser``."""
    parser = commands.add_parser(
        "bridge",
        help="carry a fleet's events (and actions) over Redis Streams until SIGINT/SIGTERM",
        description="Connect to the servers of a fleet configuration (TOML) and publish "
        "every event to Redis Streams, one stream per server, sharing the servers with the "
        "other bridges on the same Redis (leases), until SIGINT or SIGTERM (status 0). "
        "With no --redis and no [redis] table, events are printed as JSON lines on "
        "stdout. Redis unreachable at start is not an error: the bridge retries and logs. "
        "A status line is logged on stderr every --status-interval seconds.",
        **options,
    )
    parser.add_argument(
        "--config", required=True, metavar="FILE", help="the fleet's TOML configuration"
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="redis:// or rediss:// URL (overrides [redis] url; the password comes from "
        "the configuration's password_env or password_file, never from the URL)",
    )
    parser.add_argument(
        "--metrics-port",
        type=_port(allow_zero=True),
        metavar="N",
        help="serve Prometheus metrics on this port (needs pystrix[metrics]; 0: any free port)",
    )
    parser.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        metavar="H",
        help="address of the metrics endpoint (default 127.0.0.1)",
    )
    parser.add_argument(
        "--status-interval",
        type=_seconds(allow_zero=False),
        metavar="S",
        help="seconds between status lines (default: [bridge] status_interval, or 10)",
    )
    parser.add_argument(
        "--id",
        metavar="ID",
        help="this bridge's id in the leases (default: host name, process id and a random suffix)",
    )


def run_bridge(args: argparse.Namespace) -> int:
    """``pystrix bridge``: run until SIGINT or SIGTERM (0); 2 for a bad configuration or a
    missing extra, 3 when the metrics address cannot be listened on."""
    from . import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"pystrix: {exc}", file=sys.stderr, flush=True)
        return _EXIT_USAGE
    bridge_settings = config.bridge
    if args.metrics_port is not None:
        bridge_settings = dataclasses.replace(bridge_settings, metrics_port=args.metrics_port)
    if args.status_interval is not None:
        bridge_settings = dataclasses.replace(bridge_settings, status_interval=args.status_interval)
    config = dataclasses.replace(config, bridge=bridge_settings)
    try:
        from .bridge import Bridge
    except ImportError as exc:
        print(
            f"pystrix: the bridge needs redis-py: pip install 'pystrix[redis]' ({exc})",
            file=sys.stderr,
            flush=True,
        )
        return _EXIT_USAGE

    log = logging.getLogger("pystrix")
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    level = log.level
    log.addHandler(stream)
    log.setLevel(logging.INFO)
    stopped_by: list[str] = []

    async def serve() -> None:
        bridge = Bridge(
            config, redis_url=args.redis, bridge_id=args.id, metrics_host=args.metrics_host
        )
        loop = asyncio.get_running_loop()
        stopping: list[asyncio.Task[None]] = []

        def on_signal(signum: int) -> None:
            stopped_by.append(signal.Signals(signum).name)
            stopping.append(loop.create_task(bridge.stop()))

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            await bridge.run()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            await bridge.stop()

    try:
        asyncio.run(serve())
    except ConfigError as exc:  # --redis refused (not redis://, or holding a password)
        print(f"pystrix: --redis: {exc}", file=sys.stderr, flush=True)
        return _EXIT_USAGE
    except RuntimeError as exc:  # the metrics extra missing
        print(f"pystrix: {exc}", file=sys.stderr, flush=True)
        return _EXIT_USAGE
    except OSError as exc:  # the metrics address
        print(f"pystrix: cannot serve metrics: {exc}", file=sys.stderr, flush=True)
        return _EXIT_CONNECTION
    finally:
        log.removeHandler(stream)
        log.setLevel(level)
    reason = stopped_by[0] if stopped_by else "a signal"
    print(f"pystrix: bridge stopped by {reason}", file=sys.stderr, flush=True)
    return _EXIT_OK
