"""The ``pystrix`` command (also ``python -m pystrix``).

Subcommands:

* ``demo``: start the embedded simulator on a free port, run the seed example's flow
  against it (challenge, MD5 login, the four kinds of callback, a few actions), stop it.
* ``sim``: run the simulator until SIGINT or SIGTERM.
* ``action NAME [Key=Value ...]``: log in, send one action, print the answer.
* ``events``: log in and print events until interrupted.
* ``fastagi [--host H] [--port P] module:function``: serve a FastAGI handler.

Connection options fall back to environment variables (``PYSTRIX_HOST``, ``PYSTRIX_PORT``,
``PYSTRIX_USERNAME``, ``PYSTRIX_SECRET``), so a secret need not appear on a command line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import ssl
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from .ami import Manager, Message, Request, core, core_events
from .ami.errors import Error
from .ami.request import Response

__all__ = ["main", "run_demo"]

_DEFAULT_PORT = 5038


def _add_connection_options(parser: argparse.ArgumentParser, *, server: bool = False) -> None:
    env = os.environ
    parser.add_argument(
        "--host",
        default=env.get("PYSTRIX_HOST", "127.0.0.1"),
        help="AMI host (env PYSTRIX_HOST; default 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(env.get("PYSTRIX_PORT", _DEFAULT_PORT)),
        help=f"AMI port (env PYSTRIX_PORT; default {_DEFAULT_PORT})",
    )
    parser.add_argument(
        "--username",
        default=env.get("PYSTRIX_USERNAME", "admin"),
        help="AMI user (env PYSTRIX_USERNAME; default admin)",
    )
    parser.add_argument(
        "--secret",
        default=env.get("PYSTRIX_SECRET", "wordpass" if server else None),
        help="AMI secret (env PYSTRIX_SECRET" + ("; default wordpass)" if server else ")"),
    )


def _add_tls_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tls", action="store_true", help="connect with TLS (port 5039)")
    parser.add_argument(
        "--cafile", help="trust this CA bundle for TLS (implies --tls) instead of the system's"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pystrix", description="Asterisk Manager Interface tools and simulator"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("demo", help="run the seed example's flow against the simulator")

    sim = commands.add_parser("sim", help="run the Asterisk simulator until SIGINT/SIGTERM")
    _add_connection_options(sim, server=True)

    action = commands.add_parser("action", help="send one action and print the answer")
    _add_connection_options(action)
    _add_tls_options(action)
    action.add_argument("name", help="the action, e.g. Ping or CoreShowChannels")
    action.add_argument(
        "headers", nargs="*", metavar="Key=Value", help="headers (repeat a key for a list)"
    )
    action.add_argument("--json", action="store_true", help="print JSON")
    action.add_argument("--timeout", type=float, default=10, help="seconds to wait")

    events = commands.add_parser("events", help="print events until interrupted")
    _add_connection_options(events)
    _add_tls_options(events)
    events.add_argument("--json", action="store_true", help="one JSON object per line")
    events.add_argument(
        "--filter", action="append", metavar="NAME", help="only this event (repeatable)"
    )

    from .agi._cli import add_fastagi_parser

    add_fastagi_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            return run_demo(sys.stdout)
        if args.command == "sim":
            from .testing import serve

            return serve(args.host, args.port, username=args.username, secret=args.secret)
        if args.command == "action":
            return _run_action(args)
        if args.command == "events":
            return _run_events(args)
        if args.command == "fastagi":
            from .agi._cli import run_fastagi

            return run_fastagi(args)
    except Error as exc:
        print(f"pystrix: {exc}", file=sys.stderr)
        return 1
    return 2  # argparse rejects unknown commands before this


# -- demo ---------------------------------------------------------------------------------


def run_demo(out: TextIO) -> int:
    """The seed example's flow against a simulator on a free port; returns 0 on success."""
    from .testing import AsteriskSimulator

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    # A short time scale lets the simulated call finish in well under a second.
    with AsteriskSimulator(auth_failure_delay=0.1, time_scale=0.05) as simulator:
        say(f"Simulator listening on {simulator.host}:{simulator.port}")
        manager = Manager()
        shutdown = threading.Event()
        call_over = threading.Event()
        seen_user_event = threading.Event()

        def on_string(event: Message, _: Manager) -> None:
            say(f"Received string event: {event.name}")

        def on_regex(event: Message, _: Manager) -> None:
            say(f"Received regex event: {event.name}")

        def on_class(event: Message, _: Manager) -> None:
            say(f"Received class event: {event.name}")

        def on_any(event: Message, _: Manager) -> None:
            say(f"  event: {event.name}")
            if event.name == "UserEvent":
                seen_user_event.set()
            if event.name == "Hangup" and str(event.get("Channel", "")).endswith(";1"):
                call_over.set()

        def on_orphan(response: Message, _: Manager) -> None:
            say(f"Orphaned response: {dict(response)}")

        def on_shutdown(event: Message, _: Manager) -> None:
            say(f"Received Shutdown ({event.get('Shutdown')}): the example's loop would end")
            shutdown.set()

        manager.register_callback("FullyBooted", on_string)
        manager.register_callback(re.compile(r"Fully\w+"), on_regex)
        manager.register_callback(core_events.FullyBooted, on_class)
        manager.register_callback("", on_any)
        manager.register_callback(None, on_orphan)
        manager.register_callback("Shutdown", on_shutdown)

        manager.connect(simulator.host, simulator.port)
        say(f"Connected: {manager.get_asterisk_info()}")
        challenge = manager.send_action(core.Challenge())
        if challenge is None or not challenge.success:
            say("No MD5 challenge from the simulator")
            return 1
        token = challenge.result["Challenge"]
        say(f"Challenge token: {token}")
        manager.send_action(core.Login("admin", "wordpass", challenge=token))
        say("Logged in with an MD5 key")

        ping = manager.send_action(core.Ping())
        if ping is not None:
            say(f"Ping: {ping.response.get('Ping')} in {ping.time * 1000:.2f} ms")
        version = manager.send_action(core.Command("core show version"))
        if version is not None:
            say(f"core show version: {' '.join(version.result.data)}")

        originate = manager.send_action(core.Originate_Application("Local/200@test", "Wait", ["3"]))
        if originate is not None:
            say(f"Originate: {originate.response.get('Message')}")
        seen_user_event.wait(10)
        channels = core.CoreShowChannels()
        channels.synchronous = True
        listing = manager.send_action(channels)
        if listing is not None:
            found = listing.events.get(core_events.CoreShowChannel, [])
            say(
                f"CoreShowChannels: {len(found)} channel(s): "
                + ", ".join(c["Channel"] for c in found)
            )
        call_over.wait(10)

        manager.send_action(core.Setvar("DEMO", "42"))
        value = manager.send_action(core.Getvar("DEMO"))
        if value is not None:
            say(f"Getvar DEMO = {value.result.get('Value')}")
        manager.send_action(core.DBPut("demo", "answer", "42"))
        stored = manager.send_action(core.DBGet("demo", "answer"))
        if stored is not None:
            say(f"DBGet demo/answer = {stored.result.get('Val')}")

        say("Stopping the simulator (it sends Shutdown to every session)")
        simulator.stop()
        shutdown.wait(10)
        manager.close()
    from .agi._cli import fastagi_demo

    fastagi_ok = fastagi_demo(say)
    say("Demo finished")
    return 0 if shutdown.is_set() and fastagi_ok else 1


# -- action and events ------------------------------------------------------------------


def _login(args: argparse.Namespace) -> Manager:
    if args.secret is None:
        raise _UsageError("a secret is needed: --secret or the PYSTRIX_SECRET variable")
    manager = Manager()
    tls: bool | ssl.SSLContext = bool(args.tls)
    if args.cafile:
        tls = ssl.create_default_context(cafile=args.cafile)
    manager.connect(args.host, args.port, tls=tls)
    challenge = manager.send_action(core.Challenge())
    if challenge is not None and challenge.success:
        manager.send_action(
            core.Login(args.username, args.secret, challenge=challenge.result["Challenge"])
        )
    else:
        manager.send_action(core.Login(args.username, args.secret))
    return manager


class _UsageError(Error):
    pass


def _parse_headers(items: Sequence[str]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"expected Key=Value, got {item!r}")
        headers.append((key, value))
    return headers


def _message_json(message: Message) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in message.header_pairs():
        if key in body:
            previous = body[key]
            body[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            body[key] = value
    if message.data:
        body["data"] = list(message.data)
    return body


def _print_message(message: Message, out: TextIO) -> None:
    for key, value in message.header_pairs():
        print(f"{key}: {value}", file=out)
    if not message.get_all("Output"):  # Output lines were printed as headers already
        for line in message.data:
            print(line, file=out)
    print(file=out)


def _run_action(args: argparse.Namespace) -> int:
    request = Request(args.name)
    for key, value in _parse_headers(args.headers):
        if key in request:
            previous = request[key]
            request[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            request[key] = value
    request.timeout = args.timeout
    # Collect any event list into the answer instead of printing it as loose events.
    request.synchronous = True
    manager = _login(args)
    try:
        answer: Response | None = manager.send_action(request)
    finally:
        manager.close()
    if answer is None:
        print(f"pystrix: no answer to {args.name} within {args.timeout} s", file=sys.stderr)
        return 1
    events = answer.events.in_order
    if args.json:
        document = {
            "response": _message_json(answer.response),
            "events": [_message_json(event) for event in events],
            "success": answer.success,
        }
        print(json.dumps(document, indent=2))
    else:
        _print_message(answer.response, sys.stdout)
        for event in events:
            _print_message(event, sys.stdout)
    return 0 if answer.success else 1


def _run_events(args: argparse.Namespace) -> int:
    manager = _login(args)
    wanted = {name.lower() for name in args.filter or ()}
    done = threading.Event()
    lock = threading.Lock()

    def show(event: Message, _: Manager) -> None:
        if wanted and event.name.lower() not in wanted:
            return
        with lock:
            if args.json:
                print(json.dumps(_message_json(event)), flush=True)
            else:
                _print_message(event, sys.stdout)
                sys.stdout.flush()

    def lost(_: Manager, error: BaseException) -> None:
        print(f"pystrix: {error}", file=sys.stderr)
        done.set()

    manager.register_callback("", show)
    manager.register_disconnect_callback(lost)
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        connected = manager.is_connected()
        manager.close()
    return 0 if connected else 1
