"""Many long calls: 2,000 FastAGI calls held at once on each of our two servers.

Each call runs script ``held`` (``fastagi_servers.py``): the server sends ``WAIT FOR
DIGIT -1`` and the simulated caller does not answer until every call is waiting; then
all callers press a key, and each server answers and hangs up.  The caller is one
asyncio process holding every connection; each server runs in its own process.  While
all calls are held the script reads the server's ``VmRSS``, ``VmSize`` and ``Threads``
from ``/proc/<pid>/status``, and reports the growth per held call, the time from the
first connection to the last call waiting (or refused: closed before any command, past
the server's ``max_calls``), the time to finish them all once released,
and the failures (a call that did not see exactly its three commands and the server's
close, or a handler that raised).  Both processes raise their soft limit on open files
to the hard limit.

    python benchmarks/bench_fastagi_held.py                 # 2000 calls, both servers
    python benchmarks/bench_fastagi_held.py --held 5000 --server threaded
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fastagi import ServerProcess, cpu_seconds, status
from fastagi_servers import raise_fd_limit

from pystrix.testing.agi import ChannelResponder, SimulatedChannel

EXPECTED = ["WAIT FOR DIGIT -1", "ANSWER", "HANGUP"]


async def _caller(port: int, count: int, wait_seconds: float) -> None:
    """The child process: hold ``count`` calls, print a JSON line when all wait (or
    after ``wait_seconds``), release them on a line from standard input, print a
    JSON line at the end."""
    loop = asyncio.get_running_loop()
    waiting = 0
    refused = 0  # closed by the server before any command: past its max_calls
    all_waiting = asyncio.Event()
    release = asyncio.Event()
    problems: dict[str, int] = {}

    def problem(what: str) -> None:
        problems[what] = problems.get(what, 0) + 1

    def settled() -> None:
        if waiting + refused == count:
            all_waiting.set()

    async def call(number: int) -> None:
        nonlocal waiting, refused
        responder = ChannelResponder(SimulatedChannel.numbered(number, digits=["5"]))
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as error:
            problem(f"connect: {error.__class__.__name__}")
            return
        commands: list[str] = []
        try:
            writer.write(responder.environment("held", (), "127.0.0.1", port))
            while True:
                raw = await reader.readline()
                if not raw:
                    if not commands:
                        refused += 1
                        settled()
                        return
                    break
                line = raw.decode().rstrip("\r\n")
                commands.append(line)
                if line.startswith("WAIT FOR DIGIT"):
                    waiting += 1
                    settled()
                    await release.wait()
                reply = responder.respond(line)
                if reply is None:
                    problem("dropped")
                    return
                writer.write(("\n".join(reply) + "\n").encode())
            if commands != EXPECTED:
                problem(f"commands {commands!r}")
        except OSError as error:
            problem(f"{error.__class__.__name__} after {len(commands)} commands")
        finally:
            writer.close()

    started = time.perf_counter()
    tasks = [asyncio.create_task(call(number)) for number in range(count)]
    try:
        await asyncio.wait_for(all_waiting.wait(), wait_seconds)
    except asyncio.TimeoutError:
        pass
    held_after = time.perf_counter() - started
    print(json.dumps({"waiting": waiting, "refused": refused, "seconds": held_after}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    released = time.perf_counter()
    release.set()
    done, pending = await asyncio.wait(tasks, timeout=max(60.0, wait_seconds))
    for task in pending:
        task.cancel()
        problem("still running after the release")
    finished = time.perf_counter() - released
    for task in done:
        if task.exception() is not None:
            problem(repr(task.exception()))
    result = {"seconds": finished, "problems": problems, "failures": sum(problems.values())}
    print(json.dumps(result), flush=True)


def listen_overflows() -> int:
    """The system's count of connections a full listen queue turned away (TcpExt
    ListenOverflows, /proc/net/netstat): each costs its caller a SYN retransmission."""
    with open("/proc/net/netstat") as netstat:
        lines = netstat.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(table.get("ListenOverflows", 0))
    return 0


def _kib(value: str) -> int:
    return int(value.split()[0])


def hold(kind: str, count: int, wait_seconds: float) -> dict[str, Any]:
    server = ServerProcess(kind)
    time.sleep(0.3)
    before = status(server.pid)
    cpu_before = cpu_seconds(server.pid)
    overflows = listen_overflows()
    command = [sys.executable, __file__, "--caller", str(server.port), "--held", str(count)]
    command += ["--wait", str(wait_seconds)]
    caller = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert caller.stdin is not None and caller.stdout is not None
    try:
        accepted = json.loads(caller.stdout.readline())
        overflows = listen_overflows() - overflows
        time.sleep(0.5)  # let the last handlers settle before reading /proc
        held = status(server.pid)
        cpu_held = cpu_seconds(server.pid)
        caller.stdin.write("go\n")
        caller.stdin.flush()
        ended = json.loads(caller.stdout.readline())
        caller.wait(30)
        time.sleep(0.5)
        after = status(server.pid)
    finally:
        if caller.poll() is None:
            caller.kill()
        server_failures = server.stop()
    waiting = accepted["waiting"]
    return {
        "kind": kind,
        "waiting": waiting,
        "refused": accepted["refused"],
        "accept_seconds": accepted["seconds"],
        "release_seconds": ended["seconds"],
        "rss_before_kib": _kib(before["VmRSS"]),
        "rss_held_kib": _kib(held["VmRSS"]),
        "rss_after_kib": _kib(after["VmRSS"]),
        "vmsize_growth_kib": _kib(held["VmSize"]) - _kib(before["VmSize"]),
        "kib_per_call": (_kib(held["VmRSS"]) - _kib(before["VmRSS"])) / max(waiting, 1),
        "threads": (int(before["Threads"]), int(held["Threads"]), int(after["Threads"])),
        "cpu_ms_per_call_to_hold": (cpu_held - cpu_before) / max(waiting, 1) * 1e3,
        "listen_overflows": overflows,
        "caller_failures": ended["failures"],
        "caller_problems": ended["problems"],
        "server_failures": server_failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--held", type=int, default=2000, help="calls held at once")
    parser.add_argument("--server", choices=["threaded", "asyncio", "both"], default="both")
    parser.add_argument(
        "--wait", type=float, default=120.0, help="give up waiting for every call after this"
    )
    parser.add_argument("--caller", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    raise_fd_limit()
    if args.caller:
        asyncio.run(_caller(args.caller, args.held, args.wait))
        return
    kinds = ["threaded", "asyncio"] if args.server == "both" else [args.server]
    rows = [hold(kind, args.held, args.wait) for kind in kinds]
    print(f"{args.held} calls held at once in WAIT FOR DIGIT\n")
    print(
        "| server | calls waiting | s to accept all | s to finish after the digit "
        "| RSS MiB before → held → after | KiB RSS per held call | VmSize growth MiB "
        "| threads before → held → after | server CPU ms per call to hold "
        "| listen queue overflows | refused | failures |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        mib = [row[f"rss_{when}_kib"] / 1024 for when in ("before", "held", "after")]
        failures = row["caller_failures"] + max(row["server_failures"], 0)
        print(
            f"| {row['kind']} | {row['waiting']} | {row['accept_seconds']:.2f} "
            f"| {row['release_seconds']:.2f} "
            f"| {mib[0]:.1f} → {mib[1]:.1f} → {mib[2]:.1f} | {row['kib_per_call']:.1f} "
            f"| {row['vmsize_growth_kib'] / 1024:,.0f} "
            f"| {' → '.join(map(str, row['threads']))} "
            f"| {row['cpu_ms_per_call_to_hold']:.2f} | {row['listen_overflows']} "
            f"| {row['refused']} | {failures} |"
        )
    for row in rows:
        if row["caller_problems"] or row["server_failures"]:
            print(
                f"\n{row['kind']}: caller saw {row['caller_problems']}, "
                f"server counted {row['server_failures']} failed handler(s)"
            )


if __name__ == "__main__":
    main()
