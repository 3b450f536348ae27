"""The ``pystrix`` command (also ``python -m pystrix``).

Subcommands:

* ``demo``: start the embedded simulator on a free port, run the seed example's flow
  against it (challenge, MD5 login, the four kinds of callback, a few actions), stop it.
* ``sim``: run the simulator until SIGINT or SIGTERM (``python -m pystrix.testing`` is
  the same command).
* ``action NAME [Key=Value ...]``: log in, send one action, print the answer.
* ``events``: log in and print events until SIGINT or SIGTERM.
* ``fastagi module:function``: serve a FastAGI handler until SIGINT or SIGTERM.
* ``bridge --config fleet.toml``: carry a fleet's events over Redis Streams (JSON lines
  without Redis) until SIGINT or SIGTERM (:mod:`pystrix.fleet.bridge`).

``sim`` and the AMI clients (``action``, ``events``) share their defaults: host
127.0.0.1, port 5038 (5039 with ``--tls``), user ``admin``, secret ``wordpass``, so
``pystrix action Ping`` reaches ``pystrix sim`` with no options.  Each falls back to an
environment variable (``PYSTRIX_HOST``, ``PYSTRIX_PORT``, ``PYSTRIX_USERNAME``,
``PYSTRIX_SECRET``; an empty one counts as unset), so a secret need not appear on a
command line, and a simulator and its clients given the same variables agree.

Every failure ends in one line on standard error, ``pystrix: <what happened>``, never a
traceback (a usage error shows the usage above its line, as argparse does), and one of
these exit statuses:

==== =====================================================================================
0    success; also ``sim``, ``events``, ``fastagi`` and ``bridge`` stopped by SIGINT or
     SIGTERM
1    the action failed: Asterisk answered ``Error``, or no answer came within ``--timeout``
2    usage: a bad option or argument, an unreadable ``--cafile``, a handler that cannot be
     imported, a ``bridge`` configuration with a mistake
3    connection: refused, unreachable, timed out, TLS failed, lost; or (``sim``,
     ``fastagi``, ``bridge --metrics-port``) the address cannot be listened on, e.g. the
     port is busy
4    authentication: Asterisk refused the login
130  interrupted (SIGINT, Ctrl-C) before the command was done
==== =====================================================================================

:func:`build_parser` builds the argument parser (the documentation's CLI reference is
generated from it); :func:`main` runs the command.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import math
import os
import re
import shlex
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, TextIO

from . import __version__
from .ami import Manager, Message, Request, core, core_events
from .ami.errors import (
    Error,
    LocalProtocolError,
    ManagerAuthError,
    ManagerSocketError,
)
from .ami.request import Response

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_SECRET",
    "DEFAULT_TLS_PORT",
    "DEFAULT_USERNAME",
    "EXIT_ACTION_FAILED",
    "EXIT_AUTH",
    "EXIT_CONNECTION",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CLIError",
    "build_parser",
    "client_command",
    "main",
    "parse_args",
    "run_demo",
]

#: The defaults ``sim`` listens with and ``action``/``events`` connect with.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5038
DEFAULT_TLS_PORT = 5039
DEFAULT_USERNAME = "admin"
DEFAULT_SECRET = "wordpass"
#: Seconds ``--timeout`` allows by default.
DEFAULT_TIMEOUT = 10.0

EXIT_OK = 0
EXIT_ACTION_FAILED = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3
EXIT_AUTH = 4
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit status:
  0    success; also sim, events, fastagi and bridge stopped by SIGINT or SIGTERM
  1    the action failed: Asterisk answered Error, or no answer within --timeout
  2    usage: a bad option or argument, an unreadable --cafile, a handler that
       cannot be imported, a bridge configuration with a mistake
  3    connection: refused, unreachable, timed out, TLS failed or lost; or the
       address cannot be listened on (sim, fastagi, bridge --metrics-port), e.g.
       the port is busy
  4    authentication: Asterisk refused the login
  130  interrupted (SIGINT, Ctrl-C) before the command was done
Every failure is reported in one line on standard error (after the usage, for a
usage error).

environment:
  PYSTRIX_HOST, PYSTRIX_PORT, PYSTRIX_USERNAME, PYSTRIX_SECRET stand for the
  options of the same names (sim, action, events) when those are not given.
"""

_ENVIRONMENT = {
    "host": "PYSTRIX_HOST",
    "port": "PYSTRIX_PORT",
    "username": "PYSTRIX_USERNAME",
    "secret": "PYSTRIX_SECRET",
}


class CLIError(Exception):
    """A failure the command reports in one line, with its exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# -- the parser ---------------------------------------------------------------------------


def _port(*, allow_zero: bool) -> Callable[[str], int]:
    low = 0 if allow_zero else 1

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
        if not low <= value <= 65535:
            raise argparse.ArgumentTypeError(f"a port is {low} to 65535, not {value}")
        return value

    parse.__name__ = "port"
    return parse


def _seconds(*, allow_zero: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            wanted = "zero or more" if allow_zero else "more than zero"
            raise argparse.ArgumentTypeError(f"must be {wanted} seconds, not {text}")
        return value

    parse.__name__ = "seconds"
    return parse


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than zero, not {text}")
    return value


def _add_connection_options(parser: argparse.ArgumentParser, *, server: bool = False) -> None:
    where = "address to listen on" if server else "AMI host"
    parser.add_argument(
        "--host", help=f"{where} (env PYSTRIX_HOST; default {DEFAULT_HOST})", default=None
    )
    if server:
        port_help = f"port (env PYSTRIX_PORT; default {DEFAULT_PORT}; 0: any free port)"
    else:
        port_help = (
            f"AMI port (env PYSTRIX_PORT; default {DEFAULT_PORT}, {DEFAULT_TLS_PORT} with --tls)"
        )
    parser.add_argument("--port", type=_port(allow_zero=server), default=None, help=port_help)
    account = "the simulated account's user" if server else "AMI user"
    parser.add_argument(
        "--username",
        default=None,
        help=f"{account} (env PYSTRIX_USERNAME; default {DEFAULT_USERNAME})",
    )
    secret = "its secret" if server else "AMI secret"
    parser.add_argument(
        "--secret",
        default=None,
        help=f"{secret} (env PYSTRIX_SECRET; default {DEFAULT_SECRET}, the simulator's)",
    )


def _add_client_options(parser: argparse.ArgumentParser, *, answer: bool = False) -> None:
    _add_connection_options(parser)
    parser.add_argument(
        "--tls", action="store_true", help=f"connect with TLS (default port {DEFAULT_TLS_PORT})"
    )
    parser.add_argument(
        "--cafile",
        help="trust this CA bundle (PEM) for TLS instead of the system's; implies --tls",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds(allow_zero=False),
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="seconds for connecting and logging in, all steps together (TCP, TLS, banner, "
        + "login)"
        + ("; as long again for the action's answer" if answer else "")
        + f"; default {DEFAULT_TIMEOUT:g}",
    )
    parser.add_argument(
        "--debug", action="store_true", help="log every AMI message on stderr (secrets hidden)"
    )


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions to the terminal; keeps a text of several lines (the exit status
    epilog) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def build_parser() -> argparse.ArgumentParser:
    """The ``pystrix`` command's argument parser (stable: the CLI reference is made from
    it and from each subcommand's ``format_help()``)."""
    parser = argparse.ArgumentParser(
        prog="pystrix",
        description="Asterisk AMI and AGI tools, and an embedded Asterisk simulator.",
        epilog=EXIT_CODES_HELP,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pystrix {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=description,
            epilog=EXIT_CODES_HELP,
            formatter_class=_HelpFormatter,
        )

    add(
        "demo",
        "run the seed example's flow against a private simulator",
        "Start the embedded Asterisk simulator on a free port, run the seed example's flow "
        "against it (challenge, MD5 login, the four kinds of callback, Ping, Command, "
        "Originate, CoreShowChannels, Getvar/Setvar, the AstDB), stop it, and place one "
        "FastAGI call. Exits 0 when every step worked.",
    )

    sim = add(
        "sim",
        "run the Asterisk simulator until SIGINT/SIGTERM",
        "Run the embedded Asterisk AMI simulator until SIGINT or SIGTERM. It prints its "
        "address, its account and the pystrix action command that reaches it; the "
        "defaults are those of action and events, so `pystrix action Ping` reaches "
        "`pystrix sim` as is. `python -m pystrix.testing` is this same command.",
    )
    _add_connection_options(sim, server=True)
    sim.add_argument(
        "--time-scale",
        type=_positive_number,
        default=1.0,
        metavar="FACTOR",
        help="multiply every simulated duration (0.05: a 2 s call takes 0.1 s); default 1",
    )
    sim.add_argument(
        "--auth-failure-delay",
        type=_seconds(allow_zero=True),
        default=1.0,
        metavar="SECONDS",
        help="wait before refusing a login, as Asterisk does; default 1",
    )
    sim.add_argument(
        "-v", "--verbose", action="store_true", help="print each session and each action"
    )

    action = add(
        "action",
        "log in, send one action and print the answer",
        "Connect, log in (MD5 challenge when offered), send one action and print its "
        "response and any event list it answers with. Exits 1 when Asterisk answers Error.",
    )
    _add_client_options(action, answer=True)
    action.add_argument("name", help="the action, e.g. Ping or CoreShowChannels")
    action.add_argument(
        "headers", nargs="*", metavar="Key=Value", help="headers (repeat a key for a list)"
    )
    action.add_argument("--json", action="store_true", help="print one JSON document")

    events = add(
        "events",
        "log in and print events until SIGINT/SIGTERM",
        "Connect, log in and print every event (or those --filter names) until SIGINT or "
        "SIGTERM, which end it with status 0, or until the connection ends (status 3).",
    )
    _add_client_options(events)
    events.add_argument("--json", action="store_true", help="one JSON object per line")
    events.add_argument(
        "--filter",
        action="extend",
        nargs="+",
        metavar="PATTERN",
        help="only events whose name matches one of these shell patterns, ignoring case "
        "(e.g. 'Queue*' Newchannel); repeatable",
    )

    from .agi._cli import add_fastagi_parser

    add_fastagi_parser(commands, epilog=EXIT_CODES_HELP, formatter_class=_HelpFormatter)

    from .fleet._cli import add_bridge_parser

    add_bridge_parser(commands, epilog=EXIT_CODES_HELP, formatter_class=_HelpFormatter)
    return parser


#: The former name, kept: the documentation's CLI reference calls it.
_build_parser = build_parser


def _environment(name: str) -> str | None:
    return os.environ.get(_ENVIRONMENT[name]) or None


def _resolve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Fill the connection options left out from the environment, then the defaults."""
    if args.host is None:
        args.host = _environment("host") or DEFAULT_HOST
    if args.username is None:
        args.username = _environment("username") or DEFAULT_USERNAME
    if args.secret is None:
        args.secret = _environment("secret") or DEFAULT_SECRET
    if getattr(args, "cafile", None):
        args.tls = True
    if args.port is None:
        text = _environment("port")
        if text is None:
            args.port = DEFAULT_TLS_PORT if getattr(args, "tls", False) else DEFAULT_PORT
        else:
            try:
                args.port = _port(allow_zero=args.command == "sim")(text)
            except argparse.ArgumentTypeError as exc:
                parser.error(f"PYSTRIX_PORT: {exc}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse a command line as :func:`main` does, the environment's defaults applied."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("sim", "action", "events"):
        _resolve(parser, args)
    return args


def client_command(host: str, port: int, username: str, secret: str) -> str:
    """The ``pystrix action ... Ping`` command line that reaches this account, with only
    the options whose values differ from the defaults."""
    words = ["pystrix", "action"]
    if host != DEFAULT_HOST:
        words += ["--host", host]
    if port != DEFAULT_PORT:
        words += ["--port", str(port)]
    if username != DEFAULT_USERNAME:
        words += ["--username", username]
    if secret != DEFAULT_SECRET:
        words += ["--secret", secret]
    return shlex.join([*words, "Ping"])


# -- running ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (see the module's documentation)."""
    try:
        args = parse_args(argv)
        return _run(args)
    except CLIError as exc:
        return _fail(str(exc), exc.code)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except ManagerAuthError as exc:
        return _fail(f"login refused: {exc}", EXIT_AUTH)
    except ManagerSocketError as exc:
        return _fail(str(exc), EXIT_CONNECTION)
    except LocalProtocolError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except Error as exc:
        return _fail(str(exc), EXIT_ACTION_FAILED)


def _fail(message: str, code: int) -> int:
    print(f"pystrix: {message}", file=sys.stderr, flush=True)
    return code


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the exit's flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _reason(exc: OSError) -> str:
    """``Address already in use``, without the address repeated after it."""
    return os.strerror(exc.errno) if exc.errno else str(exc)


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return run_demo(sys.stdout)
    if args.command == "sim":
        return _run_sim(args)
    if args.command == "action":
        return _run_action(args)
    if args.command == "events":
        return _run_events(args)
    if args.command == "bridge":
        from .fleet._cli import run_bridge

        return run_bridge(args)
    from .agi._cli import run_fastagi

    return run_fastagi(args)


def _run_sim(args: argparse.Namespace) -> int:
    from .testing import serve

    try:
        return serve(
            args.host,
            args.port,
            username=args.username,
            secret=args.secret,
            verbose=args.verbose,
            time_scale=args.time_scale,
            auth_failure_delay=args.auth_failure_delay,
        )
    except OSError as exc:
        raise CLIError(
            f"cannot listen on {args.host}:{args.port}: {_reason(exc)}", EXIT_CONNECTION
        ) from exc


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

        try:
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

            originate = manager.send_action(
                core.Originate_Application("Local/200@test", "Wait", ["3"])
            )
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
        finally:
            manager.close()
    from .agi._cli import fastagi_demo

    fastagi_ok = fastagi_demo(say)
    say("Demo finished")
    return 0 if shutdown.is_set() and fastagi_ok else 1


# -- action and events ------------------------------------------------------------------


def _client_logger(debug: bool) -> logging.Logger:
    """The Manager's logger: silent (this command reports failures itself, once), or with
    ``--debug`` every message and event of the connection on stderr."""
    logger = logging.getLogger("pystrix.cli.ami")
    logger.propagate = False
    for old in list(logger.handlers):
        logger.removeHandler(old)
    if debug:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("pystrix: %(message)s"))
        logger.setLevel(logging.DEBUG)
    else:
        handler = logging.NullHandler()
        logger.setLevel(logging.CRITICAL)
    logger.addHandler(handler)
    return logger


def _tls(args: argparse.Namespace) -> bool | ssl.SSLContext:
    if not args.cafile:
        return bool(args.tls)
    try:
        return ssl.create_default_context(cafile=args.cafile)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise CLIError(f"cannot read the CA file {args.cafile}: {reason}", EXIT_USAGE) from exc


class _TimedOut(Exception):
    pass


def _login(args: argparse.Namespace, manager: Manager) -> None:
    """Connect and log in within ``args.timeout`` seconds in all, or raise a
    :class:`CLIError` that says what failed.

    The steps run on a helper thread while this one waits, so that the bound holds for
    the whole sequence and Ctrl-C (KeyboardInterrupt, here) is felt at once.
    """
    tls = _tls(args)
    address = f"{args.host}:{args.port}"
    timeout: float = args.timeout
    deadline = time.monotonic() + timeout
    outcome: list[BaseException | None] = []
    finished = threading.Event()

    def remaining() -> float:
        return max(deadline - time.monotonic(), 0.001)

    def send(request: Request) -> Response:
        request.timeout = remaining()
        answer = manager.send_action(request)
        if answer is None:
            raise _TimedOut
        return answer

    def steps() -> None:
        try:
            manager.connect(args.host, args.port, timeout=timeout, tls=tls)
            challenge = send(core.Challenge())
            if challenge.success:
                token = challenge.result["Challenge"]
                send(core.Login(args.username, args.secret, challenge=token))
            else:  # no MD5 on this server: a plain login
                send(core.Login(args.username, args.secret))
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)
        finally:
            finished.set()

    worker = threading.Thread(target=steps, name="pystrix-cli-login", daemon=True)
    try:
        worker.start()
        done = finished.wait(timeout)
    except BaseException:
        manager.close()
        raise
    error = outcome[0] if done else _TimedOut()
    if error is None:
        return
    manager.close()
    if isinstance(error, _TimedOut):
        raise CLIError(
            f"timed out after {timeout:g} s connecting to {address} and logging in",
            EXIT_CONNECTION,
        )
    if isinstance(error, ManagerAuthError):
        raise CLIError(f"login refused for user {args.username!r} at {address}: {error}", EXIT_AUTH)
    if isinstance(error, ManagerSocketError):
        raise CLIError(str(error), EXIT_CONNECTION)
    raise error


def _parse_headers(items: Sequence[str]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CLIError(f"expected Key=Value, got {item!r}", EXIT_USAGE)
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
    manager = Manager(logger=_client_logger(args.debug), debug=args.debug)
    try:
        _login(args, manager)
        answer: Response | None = manager.send_action(request)
    finally:
        manager.close()
    if answer is None:
        raise CLIError(f"no answer to {args.name} within {args.timeout:g} s", EXIT_ACTION_FAILED)
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
    sys.stdout.flush()
    if not answer.success:
        message = answer.response.get("Message") or "no message"
        return _fail(f"{args.name} failed: {message}", EXIT_ACTION_FAILED)
    return EXIT_OK


def _run_events(args: argparse.Namespace) -> int:
    patterns = [pattern.lower() for pattern in args.filter or ()]
    done = threading.Event()
    lock = threading.Lock()
    ended: list[str] = []  # why it ended: a signal's name, "pipe", or the lost connection
    printed = 0

    def wanted(name: str) -> bool:
        name = name.lower()
        return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)

    def show(event: Message, _: Manager) -> None:
        nonlocal printed
        if not wanted(event.name):
            return
        with lock:
            if done.is_set():
                return
            try:
                if args.json:
                    print(json.dumps(_message_json(event)), flush=True)
                else:
                    _print_message(event, sys.stdout)
                    sys.stdout.flush()
            except BrokenPipeError:  # the reader (`| head`) has had enough
                ended.append("pipe")
                done.set()
                return
            printed += 1

    def lost(_: Manager, error: BaseException) -> None:
        ended.append(f"connection lost: {error}")
        done.set()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        ended.append(signal.Signals(signum).name)
        done.set()

    manager = Manager(logger=_client_logger(args.debug), debug=args.debug)
    manager.register_callback("", show)
    manager.register_disconnect_callback(lost)
    previous: dict[signal.Signals, Any] = {}
    try:
        _login(args, manager)
        if threading.current_thread() is threading.main_thread():
            for caught in (signal.SIGINT, signal.SIGTERM):
                previous[caught] = signal.signal(caught, on_signal)
        done.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        manager.close()
    reason = ended[0]
    if reason == "pipe":
        _silence_stdout()
        return EXIT_OK
    if reason.startswith("connection lost"):
        return _fail(reason, EXIT_CONNECTION)
    return _fail(f"stopped by {reason} after {printed} event(s)", EXIT_OK)
