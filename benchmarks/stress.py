"""Stress: 50 concurrent Manager sessions against the simulator for a fixed time.

    python benchmarks/stress.py                      # threaded Managers, 30 s
    python benchmarks/stress.py --asyncio            # asyncio Managers (50 tasks), 30 s
    python benchmarks/stress.py --seconds 5 --sessions 10

The :class:`~pystrix.testing.AsteriskSimulator` runs in a child process (``--server
thread`` runs it in this process instead), with ``time_scale`` small so that a simulated
call lasts tens of milliseconds.  Each session logs in and, until the deadline, sends a
random mix of Ping, ``Command core show version``, Setvar then Getvar (checking the value
read back), DBPut then DBGet (likewise), a synchronous CoreShowChannels, UserEvent (each
reaches every session: an event burst) and an async Originate of ``Local/100@test`` or
``Local/200@test``.

Counted: actions completed, events delivered to callbacks (and UserEvents received
against the exact number expected: sent times sessions), errors (a ``None`` answer is a
timeout, an exception, an Error answer or a wrong value read back, a UserEvent lost, an
event dropped by a full queue, a response that reached the orphan callback), peak memory
(``ru_maxrss``) and RSS growth of this process.  Prints a table; exits 1 if any error.

Bounded: every loop stops at the deadline, the final drain waits at most ``--drain``
seconds, and every Manager and the simulator are closed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from pystrix.ami import Manager, core
from pystrix.ami import aio as ami_aio
from pystrix.ami.message import Message
from pystrix.testing import AsteriskSimulator

USER, SECRET = "admin", "wordpass"
BURST = "StressBurst"  # the UserEvent every session counts
END = "StressEnd"  # sent once at the end: when a session sees it, it has seen every burst

# How often each kind of action is picked (UserEvent and Originate fan out to every
# session, so they are rarer: each one is ~1 and ~20-30 events times the session count).
MIX = {
    "ping": 6,
    "command": 3,
    "setvar_getvar": 3,
    "dbput_dbget": 3,
    "coreshowchannels": 2,
    "userevent": 1,
    "originate": 1,
}


# -- the simulator, in a child process -------------------------------------------------------


def _serve(conn: Connection, time_scale: float) -> None:
    """Child process: run a simulator, send its port, stop when the parent says so."""
    simulator = AsteriskSimulator("127.0.0.1", 0, time_scale=time_scale).start()
    try:
        conn.send(simulator.port)
        conn.recv()  # blocks until the parent sends "stop" (or dies: EOFError)
    except EOFError:
        pass
    finally:
        simulator.stop()


class Server:
    """The simulator, in a child process (default) or in a thread of this process."""

    def __init__(self, mode: str, time_scale: float) -> None:
        self._process: Any = None
        self._simulator: AsteriskSimulator | None = None
        if mode == "thread":
            self._simulator = AsteriskSimulator("127.0.0.1", 0, time_scale=time_scale).start()
            self.port = self._simulator.port
            return
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, time_scale), daemon=True)
        self._process.start()
        if not self._conn.poll(30):
            self._process.kill()
            raise RuntimeError("the simulator did not start within 30 s")
        self.port = int(self._conn.recv())

    def stop(self) -> None:
        """Stop the simulator and reap the child process."""
        if self._simulator is not None:
            self._simulator.stop()
        if self._process is not None:
            self._conn.send("stop")
            self._process.join(30)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._conn.close()


# -- counting -------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one session counted (each session owns one, so no lock is needed)."""

    actions: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    bursts_sent: int = 0
    events: int = 0
    bursts_seen: int = 0
    orphans: int = 0
    end_seen: bool = False

    def on_event(self, event: Message, _manager: Any) -> None:
        """Every event, on the Manager's dispatcher."""
        self.events += 1
        if event.name == "UserEvent":
            name = event.get("UserEvent")
            if name == BURST:
                self.bursts_seen += 1
            elif name == END:
                self.end_seen = True

    def on_orphan(self, message: Message, _manager: Any) -> None:
        """A response nobody waited for: only possible after a timeout."""
        self.orphans += 1


def rss_kib() -> int:
    """Current resident set size of this process, in KiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


# -- one action ------------------------------------------------------------------------------


def plan(
    kind: str, worker: int, seq: int, rng: random.Random
) -> list[tuple[Any, Callable[..., str | None]]]:
    """The request(s) for one action, each with a check of its response.

    A check returns ``None`` when the answer is right, else what was wrong.
    """

    def ok(response: Any) -> str | None:
        return None if response.success else f"Error answer: {response.response.get('Message')}"

    if kind == "ping":
        return [(core.Ping(), ok)]
    if kind == "command":

        def version(response: Any) -> str | None:
            data = response.response.data
            return ok(response) or (None if data and "Asterisk" in data[0] else f"output {data!r}")

        return [(core.Command("core show version"), version)]
    if kind == "setvar_getvar":
        name, value = f"STRESS_{worker}", f"v{seq}"

        def read_back(response: Any) -> str | None:
            got = response.response.get("Value")
            return ok(response) or (None if got == value else f"Getvar {got!r} != {value!r}")

        return [(core.Setvar(name, value), ok), (core.Getvar(name), read_back)]
    if kind == "dbput_dbget":
        key, value = f"w{worker}", f"v{seq}"

        def db_read_back(response: Any) -> str | None:
            got = response.result.get("Val") if response.success else None
            return ok(response) or (None if got == value else f"DBGet {got!r} != {value!r}")

        return [(core.DBPut("stress", key, value), ok), (core.DBGet("stress", key), db_read_back)]
    if kind == "coreshowchannels":
        request = core.CoreShowChannels()
        request.synchronous = True

        def listed(response: Any) -> str | None:
            return ok(response) or ("list did not end" if response.events_timeout else None)

        return [(request, listed)]
    if kind == "userevent":
        return [(core.UserEvent(BURST, Worker=worker, Seq=seq), ok)]
    channel = rng.choice(["Local/100@test", "Local/200@test"])
    return [(core.Originate_Application(channel, "Wait", "1", async_=True), ok)]


def judge(tally: Tally, kind: str, response: Any, check: Callable[..., str | None]) -> bool:
    """Count one answer; false if it was an error."""
    if response is None:
        tally.errors[f"{kind}: timeout (None)"] += 1
        return False
    problem = check(response)
    if problem is not None:
        tally.errors[f"{kind}: {problem}"] += 1
        return False
    return True


def choose(rng: random.Random) -> str:
    """A kind of action, following :data:`MIX`."""
    return rng.choices(list(MIX), weights=list(MIX.values()))[0]


# -- threaded ---------------------------------------------------------------------------------


def run_threaded(port: int, sessions: int, seconds: float, drain: float) -> list[Tally]:
    """``sessions`` threads, one Manager each, until the deadline."""
    tallies = [Tally() for _ in range(sessions)]
    managers: list[Manager] = []
    for tally in tallies:
        manager = Manager()
        manager.register_callback("", tally.on_event)
        manager.register_callback(None, tally.on_orphan)
        manager.connect("127.0.0.1", port)
        manager.send_action(core.Login(USER, SECRET))
        managers.append(manager)
    start = threading.Barrier(sessions + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        manager, tally = managers[index], tallies[index]
        rng = random.Random(index)
        start.wait()
        seq = 0
        while time.monotonic() < deadline[0]:
            kind = choose(rng)
            seq += 1
            try:
                for request, check in plan(kind, index, seq, rng):
                    if not judge(tally, kind, manager.send_action(request), check):
                        break
                else:
                    tally.actions[kind] += 1
                    if kind == "userevent":
                        tally.bursts_sent += 1
            except Exception as error:  # any exception is an error to count, not a crash
                tally.errors[f"{kind}: {type(error).__name__}: {error}"] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    ends = [threading.Event() for _ in managers]
    for manager, tally, seen in zip(managers, tallies, ends, strict=True):

        def mark(event: Message, _manager: Any, seen: threading.Event = seen) -> None:
            if event.get("UserEvent") == END:
                seen.set()

        manager.register_callback("UserEvent", mark)
        if tally.end_seen:
            seen.set()
    # Every burst was broadcast before this END (its sender had its response), and each
    # session dispatches in arrival order: seeing END means every burst was dispatched.
    managers[0].send_action(core.UserEvent(END))
    limit = time.monotonic() + drain
    for seen in ends:
        seen.wait(max(0.0, limit - time.monotonic()))
    for manager, tally in zip(managers, tallies, strict=True):
        tally.errors["events dropped (queue full)"] += manager.events_dropped
        manager.close()
    return tallies


# -- asyncio ----------------------------------------------------------------------------------


async def run_asyncio(port: int, sessions: int, seconds: float, drain: float) -> list[Tally]:
    """``sessions`` tasks, one asyncio Manager each, until the deadline."""
    tallies = [Tally() for _ in range(sessions)]
    managers: list[ami_aio.Manager] = []
    for tally in tallies:
        manager = ami_aio.Manager()
        manager.register_callback("", tally.on_event)
        manager.register_callback(None, tally.on_orphan)
        await manager.connect("127.0.0.1", port)
        await manager.send_action(core.Login(USER, SECRET))
        managers.append(manager)
    deadline = time.monotonic() + seconds

    async def worker(index: int) -> None:
        manager, tally = managers[index], tallies[index]
        rng = random.Random(index)
        seq = 0
        while time.monotonic() < deadline:
            kind = choose(rng)
            seq += 1
            try:
                for request, check in plan(kind, index, seq, rng):
                    if not judge(tally, kind, await manager.send_action(request), check):
                        break
                else:
                    tally.actions[kind] += 1
                    if kind == "userevent":
                        tally.bursts_sent += 1
            except Exception as error:  # any exception is an error to count, not a crash
                tally.errors[f"{kind}: {type(error).__name__}: {error}"] += 1

    await asyncio.gather(*(worker(i) for i in range(sessions)))
    ends = [asyncio.Event() for _ in managers]
    for manager, tally, seen in zip(managers, tallies, ends, strict=True):

        def mark(event: Message, _manager: Any, seen: asyncio.Event = seen) -> None:
            if event.get("UserEvent") == END:
                seen.set()

        manager.register_callback("UserEvent", mark)
        if tally.end_seen:
            seen.set()
    # As in run_threaded: seeing END means every burst before it was dispatched.
    await managers[0].send_action(core.UserEvent(END))
    try:
        await asyncio.wait_for(asyncio.gather(*(seen.wait() for seen in ends)), drain)
    except asyncio.TimeoutError:
        pass  # the sessions that missed END are reported as lost events below
    for manager, tally in zip(managers, tallies, strict=True):
        tally.errors["events dropped (queue full)"] += manager.events_dropped
        await manager.close()
    return tallies


# -- report -----------------------------------------------------------------------------------


def report(
    tallies: list[Tally],
    *,
    mode: str,
    seconds: float,
    elapsed: float,
    rss: tuple[int, int, int, int],
) -> int:
    """Print the table; return the number of errors."""
    actions: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for tally in tallies:
        actions.update(tally.actions)
        errors.update({k: v for k, v in tally.errors.items() if v})
        if tally.orphans:
            errors["orphaned responses"] += tally.orphans
    bursts_sent = sum(t.bursts_sent for t in tallies)
    expected = bursts_sent * len(tallies)
    seen = sum(t.bursts_seen for t in tallies)
    if seen != expected:
        errors["UserEvents lost (seen != sent x sessions)"] += abs(expected - seen)
    events = sum(t.events for t in tallies)
    total_actions = sum(actions.values())
    start_rss, end_rss, maxrss, server_maxrss = rss
    rows = [
        ("mode", f"{mode}, {len(tallies)} sessions, {seconds:g} s ({elapsed:.1f} s with drain)"),
        ("actions completed", f"{total_actions:,} ({total_actions / seconds:,.0f}/s)"),
        *((f"  {kind}", f"{actions[kind]:,}") for kind in MIX),
        ("events to callbacks", f"{events:,} ({events / seconds:,.0f}/s)"),
        (
            "UserEvent bursts",
            f"{bursts_sent:,} sent x {len(tallies)} = {expected:,}; {seen:,} seen",
        ),
        ("errors", f"{sum(errors.values()):,}"),
        *((f"  {what}", f"{count:,}") for what, count in errors.most_common(10)),
        ("peak RSS (ru_maxrss)", f"{maxrss / 1024:,.1f} MiB (clients)"),
        ("simulator peak RSS", f"{server_maxrss / 1024:,.1f} MiB (child process)"),
        (
            "RSS start -> end",
            f"{start_rss / 1024:,.1f} -> {end_rss / 1024:,.1f} MiB "
            f"({(end_rss - start_rss) / 1024:+,.1f} MiB)",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return sum(errors.values())


def main(argv: list[str] | None = None) -> int:
    """Run the stress test; exit status 1 if any error was counted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--asyncio", action="store_true", help="asyncio Managers, one task each")
    parser.add_argument("--server", choices=("process", "thread"), default="process")
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--drain", type=float, default=30.0, help="max wait for the last events")
    args = parser.parse_args(argv)

    server = Server(args.server, args.time_scale)
    try:
        start_rss = rss_kib()
        started = time.monotonic()
        if args.asyncio:
            tallies = asyncio.run(run_asyncio(server.port, args.sessions, args.seconds, args.drain))
        else:
            tallies = run_threaded(server.port, args.sessions, args.seconds, args.drain)
        elapsed = time.monotonic() - started
        end_rss = rss_kib()
    finally:
        server.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    # The reaped simulator process (zero with --server thread: it is counted above).
    server_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    errors = report(
        tallies,
        mode="asyncio" if args.asyncio else "threaded",
        seconds=args.seconds,
        elapsed=elapsed,
        rss=(start_rss, end_rss, maxrss, server_maxrss),
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
