"""The FastAGI parts of the ``pystrix`` command: ``pystrix fastagi`` and the demo's call.

Kept apart from :mod:`pystrix.cli` so that the AMI and AGI sides of the command can
change independently.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from . import aio, core
from .errors import AGIException
from .fastagi import FastAGI, FastAGIServer

__all__ = ["add_fastagi_parser", "fastagi_demo", "load_handler", "run_fastagi"]


def add_fastagi_parser(commands: Any) -> None:
    """Add the ``fastagi`` subcommand to an argparse subparsers object."""
    parser = commands.add_parser(
        "fastagi", help="serve a FastAGI handler function (module:function) until SIGINT/SIGTERM"
    )
    parser.add_argument(
        "handler",
        metavar="module:function",
        help="called as function(agi, args, kwargs, match, path) for every call; "
        "a coroutine function runs on the asyncio server",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4573, help="port (default 4573; 0: any)")
    parser.add_argument("--debug", action="store_true", help="log every AGI line")


def load_handler(spec: str) -> Callable[..., Any]:
    """Import ``module:function`` (the current directory is importable)."""
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise ValueError(f"expected module:function, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"{spec} is not callable")
    return target  # type: ignore[no-any-return]


def run_fastagi(args: argparse.Namespace) -> int:
    """``pystrix fastagi``: serve the handler until SIGINT or SIGTERM; returns 0."""
    try:
        handler = load_handler(args.handler)
    except (ImportError, AttributeError, ValueError) as exc:
        print(f"pystrix: cannot load {args.handler}: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if inspect.iscoroutinefunction(handler):
            asyncio.run(_serve_async(args, handler, stop))
        else:
            _serve_threaded(args, handler, stop)
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
    return 0


def _announce(kind: str, host: str, port: int) -> None:
    print(f"pystrix FastAGI ({kind}) listening on {host}:{port}", flush=True)


def _serve_threaded(args: argparse.Namespace, handler: Any, stop: threading.Event) -> None:
    server = FastAGIServer(args.host, args.port, debug=args.debug)
    server.register_script_handler(None, handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    _announce("threaded", args.host, server.port)
    try:
        stop.wait()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def _serve_async(args: argparse.Namespace, handler: Any, stop: threading.Event) -> None:
    async with aio.FastAGIServer(args.host, args.port, debug=args.debug) as server:
        server.register_script_handler(None, handler)
        _announce("asyncio", args.host, server.port)
        await asyncio.to_thread(stop.wait)


def fastagi_demo(say: Callable[[str], None]) -> bool:
    """A FastAGI call from the simulator to a server on a free port; true if it worked."""
    from ..testing.agi import SimulatedChannel, fastagi_call

    outcome: list[str] = []

    def hello(agi: FastAGI, args: tuple[str, ...], kwargs: Any, match: Any, path: str) -> None:
        say(f"FastAGI call for {agi.environment.channel}: path {path!r}, args {args}")
        agi.execute(core.Answer())
        say(f"  GET VARIABLE FOO -> {agi.execute(core.GetVariable('FOO'))!r}")
        pressed = agi.execute(core.StreamFile("hello-world", "123"))
        if pressed is None:
            say("  STREAM FILE hello-world -> played to the end")
        else:
            key, offset = pressed
            say(f"  STREAM FILE hello-world -> key {key!r} at sample {offset}")
        say(f"  WAIT FOR DIGIT -> {agi.execute(core.WaitForDigit(2000))!r}")
        try:
            agi.execute(core.StreamFile("no-such-sound-file"))
        except AGIException as exc:
            say(f"  STREAM FILE no-such-sound-file -> {type(exc).__name__}")
        agi.execute(core.Verbose("hello from pystrix", core.LOG_INFO))
        agi.execute(core.Hangup())
        say(f"  HANGUP -> channel hung up: {agi.hungup}")
        outcome.append("done")

    server = FastAGIServer(port=0)
    server.register_script_handler("hello", hello)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        say(f"FastAGI server listening on 127.0.0.1:{server.port}")
        channel = SimulatedChannel(digits=["2", "7"])
        record = fastagi_call("127.0.0.1", server.port, "hello", ["demo"], channel=channel)
        say(
            f"The simulated channel sent {len(record.commands)} commands; call ended by the "
            f"{record.ended_by}"
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    return outcome == ["done"] and record.ended_by == "server"
