"""FastAGI calls per second and server CPU per call, our servers beside reference servers.

Each call is what Asterisk does for ``AGI(agi://127.0.0.1:port/bench)``: connect, send the
22-line environment block of transcript 22, then answer the handler's four commands
(ANSWER, GET VARIABLE, STREAM FILE, VERBOSE) as the simulator's channel does; the server
closes the connection when the handler returns.  The simulated Asterisk runs in a child
process (``--caller``) so that it does not share the server's interpreter lock; it keeps
``--concurrency`` calls in flight and reports how long ``--calls`` calls took.

Every server runs in a process of its own (``fastagi_servers.py``); its CPU time per
call is read from ``/proc/<pid>/stat`` (user + system, all threads) before and after a
run, so the caller's CPU is not counted.  Rows: this project's threaded and asyncio
servers, a bare-socket baseline (asyncio streams, and one thread per call), panoramisk's
FastAGI ``Application`` (``pip install -e ".[bench]"``) and pystrix 1.3, run from a
virtual environment this script creates once (``pip install pystrix==1.3.0``, kept in the
temporary directory; ``--no-pystrix13`` skips it).  After one warm-up run per server,
``--repeat`` rounds run every server in turn; the table shows the median of each.

    python benchmarks/bench_fastagi.py                  # every server, 4000 calls, 16 at once
    python benchmarks/bench_fastagi.py --calls 10000 --concurrency 50 --server asyncio
    python benchmarks/bench_fastagi.py --server threaded --profile /tmp/threaded.prof
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pystrix.testing.agi import SimulatedChannel, fastagi_call

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "fastagi_servers.py"
PYSTRIX13 = "1.3.0"
ROWS = [
    ("threaded", "pystrix threaded"),
    ("asyncio", "pystrix asyncio"),
    ("baseline-asyncio", "baseline (asyncio streams)"),
    ("baseline-threaded", "baseline (thread per call)"),
    ("panoramisk", "panoramisk 1.4"),
    ("pystrix13", f"pystrix {PYSTRIX13}"),
]
_TICK = os.sysconf("SC_CLK_TCK")


def caller(port: int, calls: int, concurrency: int) -> None:
    """The child process: run the calls, print a JSON result."""
    failures = 0
    lock = threading.Lock()
    per_thread = [
        calls // concurrency + (1 if i < calls % concurrency else 0) for i in range(concurrency)
    ]

    def run(count: int) -> None:
        nonlocal failures
        for _ in range(count):
            record = fastagi_call("127.0.0.1", port, "bench", channel=SimulatedChannel())
            if record.ended_by != "server" or len(record.commands) != 4:
                with lock:
                    failures += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in per_thread]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"calls": calls, "seconds": elapsed, "failures": failures}))


def _drive(port: int, calls: int, concurrency: int) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--caller",
            str(port),
            "--calls",
            str(calls),
            "--concurrency",
            str(concurrency),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict (VmRSS, Threads...)."""
    with open(f"/proc/{pid}/status") as text:
        return dict(line.split(":", 1) for line in text if ":" in line)


def rss_kib(pid: int) -> int:
    return int(status(pid)["VmRSS"].split()[0])


class ServerProcess:
    """One server of ``fastagi_servers.py`` in its own process."""

    def __init__(self, kind: str, python: str = sys.executable, profile: str | None = None):
        command = [python, str(SERVERS), kind]
        if profile:
            command += ["--profile", profile]
        self.kind = kind
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.pid = self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> int:
        """Close the server's standard input; its count of failed calls."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        rest = self.process.stdout.read()
        self.process.wait(30)
        for line in rest.splitlines():
            if line.startswith("FAILED "):
                return int(line.split()[1])
        return -1


def pystrix13_python() -> tuple[str | None, str]:
    """The interpreter of a cached virtual environment holding pystrix 1.3 (or None, why)."""
    home = Path(tempfile.gettempdir()) / f"pystrix-bench-venv-{PYSTRIX13}"
    python = home / "bin" / "python"
    check = [str(python), "-c", "import pystrix.agi; print(pystrix.__file__)"]
    if python.exists():
        found = subprocess.run(check, capture_output=True, text=True, cwd=HERE)
        if found.returncode == 0 and str(home) in found.stdout:
            return str(python), ""
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(home)],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"pystrix=={PYSTRIX13}"],
            check=True,
            capture_output=True,
            timeout=180,
        )
        found = subprocess.run(check, capture_output=True, text=True, cwd=HERE, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"could not install pystrix {PYSTRIX13} in {home}: {error}"
    if str(home) not in found.stdout:
        return None, f"pystrix {PYSTRIX13} imported from {found.stdout.strip()}, not {home}"
    return str(python), ""


def start_servers(kinds: list[str]) -> tuple[dict[str, ServerProcess], dict[str, str]]:
    servers: dict[str, ServerProcess] = {}
    skipped: dict[str, str] = {}
    for kind in kinds:
        python = sys.executable
        if kind == "panoramisk" and importlib.util.find_spec("panoramisk") is None:
            skipped[kind] = 'skipped: pip install -e ".[bench]"'
            continue
        if kind == "pystrix13":
            found, why = pystrix13_python()
            if found is None:
                skipped[kind] = f"skipped: {why}"
                continue
            python = found
        try:
            servers[kind] = ServerProcess(kind, python)
        except (OSError, RuntimeError) as error:
            skipped[kind] = f"skipped: {error}"
    return servers, skipped


def run_once(server: ServerProcess, calls: int, concurrency: int) -> tuple[float, float, int]:
    """calls/s, server CPU µs per call, failed calls (the caller's count)."""
    before = server.cpu()
    result = _drive(server.port, calls, concurrency)
    used = server.cpu() - before
    return calls / result["seconds"], used / calls * 1e6, int(result["failures"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument(
        "--server",
        action="append",
        choices=[kind for kind, _ in ROWS] + ["all", "both"],
        help="a server to run (repeatable); 'both' is our two, default all",
    )
    parser.add_argument("--no-pystrix13", action="store_true", help="skip the pystrix 1.3 row")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the (single) server child into FILE"
    )
    parser.add_argument("--caller", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.caller:
        caller(args.caller, args.calls, args.concurrency)
        return
    chosen = args.server or ["all"]
    kinds: list[str] = []
    for name in chosen:
        expanded = {"all": [k for k, _ in ROWS], "both": ["threaded", "asyncio"]}.get(name, [name])
        kinds += [kind for kind in expanded if kind not in kinds]
    if args.no_pystrix13 and "pystrix13" in kinds:
        kinds.remove("pystrix13")
    if args.profile:
        if len(kinds) != 1:
            parser.error("--profile needs exactly one --server")
        servers = {kinds[0]: ServerProcess(kinds[0], profile=args.profile)}
        skipped: dict[str, str] = {}
    else:
        servers, skipped = start_servers(kinds)
    results: dict[str, list[tuple[float, float, int]]] = {kind: [] for kind in servers}
    server_failures: dict[str, int] = {}
    started = time.perf_counter()
    try:
        for server in servers.values():
            run_once(server, min(200, args.calls), args.concurrency)  # warm-up
        for _ in range(args.repeat):
            for kind, server in servers.items():
                results[kind].append(run_once(server, args.calls, args.concurrency))
    finally:
        for kind, server in servers.items():
            server_failures[kind] = server.stop()
    print(
        f"{args.calls} calls, {args.concurrency} at once, median of {args.repeat} interleaved "
        f"runs ({time.perf_counter() - started:.0f} s)\n"
    )
    print("| server | calls/s | server CPU µs per call | failed calls |")
    print("|---|---|---|---|")
    for kind, label in ROWS:
        if kind in results:
            runs = results[kind]
            rate = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            failed = sum(r[2] for r in runs)
            rates = ", ".join(f"{r[0]:,.0f}" for r in runs)
            print(f"| {label} | {rate:,.0f} ({rates}) | {cpu:,.0f} | {failed} |")
        elif kind in skipped:
            print(f"| {label} | {skipped[kind]} | | |")
    bad = {kind: n for kind, n in server_failures.items() if n}
    if bad:
        print(f"\nfailures counted by the servers: {bad}")


if __name__ == "__main__":
    main()
