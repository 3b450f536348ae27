"""The FastAGI parts of the ``pystrix`` command: ``pystrix fastagi`` and the demo's call.

Kept apart from :mod:`pystrix.cli` so that the AMI and AGI sides of the command can
change independently.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import itertools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from ..cli import _port
from . import aio, core
from .errors import AGIException, AGIHangup
from .fastagi import FastAGI, FastAGIServer

__all__ = ["add_fastagi_parser", "fastagi_demo", "load_handler", "run_fastagi"]


def add_fastagi_parser(commands: Any, **options: Any) -> None:
    """Add the ``fastagi`` subcommand to an argparse subparsers object; ``options`` (an
    ``epilog``, a ``formatter_class``) go to its ``add_parser``."""
    parser = commands.add_parser(
        "fastagi",
        help="serve a FastAGI handler function (module:function) until SIGINT/SIGTERM",
        description="Serve FastAGI calls with one handler function until SIGINT or SIGTERM "
        "(which end it with status 0). A plain function runs on the threaded server, a "
        "coroutine function on the asyncio one. It prints its address on stdout and logs "
        "one line per call on stderr (with --debug, every AGI line too).",
        **options,
    )
    parser.add_argument(
        "handler",
        metavar="module:function",
        help="called as function(agi, args, kwargs, match, path) for every call; "
        "a coroutine function runs on the asyncio server; the current directory is importable",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=_port(allow_zero=True),
        default=4573,
        help="port (default 4573; 0: any free port)",
    )
    parser.add_argument("--debug", action="store_true", help="log every AGI line received and sent")
    parser.add_argument(
        "--max-calls",
        type=_call_limit,
        default=-1,
        metavar="N",
        help="refuse new calls while N are running (default: 4000 on the threaded server, "
        "no limit on the asyncio one; 0: no limit)",
    )


def _call_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of calls: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a number of calls is 0 or more, not {value}")
    return value


def _limit_options(args: argparse.Namespace) -> dict[str, Any]:
    """The server's ``max_calls`` keyword from ``--max-calls`` (none: its default)."""
    if args.max_calls < 0:
        return {}
    return {"max_calls": args.max_calls or None}


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


#: Exit statuses, as :mod:`pystrix.cli` documents them.
_EXIT_OK = 0
_EXIT_USAGE = 2
_EXIT_CONNECTION = 3


def run_fastagi(args: argparse.Namespace) -> int:
    """``pystrix fastagi``: serve the handler until SIGINT or SIGTERM; returns 0 then, 2 if
    the handler cannot be loaded, 3 if the address cannot be listened on."""
    try:
        handler = load_handler(args.handler)
    except Exception as exc:  # whatever importing the user's module raised
        print(f"pystrix: cannot load {args.handler}: {exc}", file=sys.stderr)
        return _EXIT_USAGE
    stopped_by: list[str] = []
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped_by.append(signal.Signals(signum).name)
        stop.set()

    log = logging.getLogger("pystrix")
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    level = log.level
    log.addHandler(stream)
    log.setLevel(logging.DEBUG if args.debug else logging.INFO)
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if inspect.iscoroutinefunction(handler):
            asyncio.run(_serve_async(args, _logged_async(handler), stop))
        else:
            _serve_threaded(args, _logged(handler), stop)
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        print(
            f"pystrix: cannot listen on {where}: {os.strerror(exc.errno) if exc.errno else exc}",
            file=sys.stderr,
        )
        return _EXIT_CONNECTION
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        log.removeHandler(stream)
        log.setLevel(level)
    reason = stopped_by[0] if stopped_by else "a signal"
    print(f"pystrix: FastAGI server stopped by {reason}", file=sys.stderr, flush=True)
    return _EXIT_OK


_call_log = logging.getLogger("pystrix.agi.cli")
_numbers = itertools.count(1)


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "done"
    if isinstance(exc, AGIHangup):
        return f"hung up ({exc})"
    return f"failed: {type(exc).__name__}: {exc}"


def _describe(number: int, agi: Any, path: str, args: tuple[str, ...]) -> str:
    channel = agi.environment.channel
    return f"call {number}: channel {channel!r}, script {path!r}, args {list(args)}"


def _logged(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler``, logging one line when each call ends (exceptions go on to the server,
    which logs a failure's traceback)."""

    def call(agi: Any, args: tuple[str, ...], kwargs: Any, match: Any, path: str) -> Any:
        with _call_logged(agi, args, path):
            return handler(agi, args, kwargs, match, path)

    return call


def _logged_async(handler: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`_logged` for a coroutine function."""

    async def call(agi: Any, args: tuple[str, ...], kwargs: Any, match: Any, path: str) -> Any:
        with _call_logged(agi, args, path):
            return await handler(agi, args, kwargs, match, path)

    return call


@contextlib.contextmanager
def _call_logged(agi: Any, args: tuple[str, ...], path: str) -> Iterator[None]:
    """Log one line when the call made in the block ends, however it ends."""
    number = next(_numbers)
    try:
        yield
    except BaseException as exc:
        _call_log.info("%s: %s", _describe(number, agi, path, args), _outcome(exc))
        raise
    _call_log.info("%s: %s", _describe(number, agi, path, args), _outcome(None))


def _announce(kind: str, host: str, port: int) -> None:
    print(f"pystrix FastAGI ({kind}) listening on {host}:{port}", flush=True)


def _serve_threaded(args: argparse.Namespace, handler: Any, stop: threading.Event) -> None:
    server = FastAGIServer(args.host, args.port, debug=args.debug, **_limit_options(args))
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
    async with aio.FastAGIServer(
        args.host, args.port, debug=args.debug, **_limit_options(args)
    ) as server:
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
