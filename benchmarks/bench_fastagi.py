"""FastAGI calls per second, threaded and asyncio servers.

Each call is what Asterisk does for ``AGI(agi://127.0.0.1:port/bench)``: connect, send the
22-line environment block of transcript 22, then answer the handler's four commands
(ANSWER, GET VARIABLE, STREAM FILE, VERBOSE) as the simulator's channel does; the server
closes the connection when the handler returns.  The simulated Asterisk runs in a child
process (``--caller``) so that it does not share the server's interpreter lock; it keeps
``--concurrency`` calls in flight and reports how long ``--calls`` calls took.

    python benchmarks/bench_fastagi.py                  # both servers, 4000 calls, 16 at once
    python benchmarks/bench_fastagi.py --calls 10000 --concurrency 50 --server asyncio
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pystrix.agi import FastAGIServer, aio, core
from pystrix.testing.agi import SimulatedChannel, fastagi_call


def _sync_handler(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> None:
    agi.execute(core.Answer())
    agi.execute(core.GetVariable("FOO"))
    agi.execute(core.StreamFile("beep", "#"))
    agi.execute(core.Verbose("bench", 1))


async def _async_handler(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> None:
    await agi.execute(core.Answer())
    await agi.execute(core.GetVariable("FOO"))
    await agi.execute(core.StreamFile("beep", "#"))
    await agi.execute(core.Verbose("bench", 1))


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


def bench_threaded(calls: int, concurrency: int) -> dict[str, Any]:
    server = FastAGIServer(port=0)
    server.register_script_handler(None, _sync_handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        return _drive(server.port, calls, concurrency)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def bench_asyncio(calls: int, concurrency: int) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        async with aio.FastAGIServer(port=0) as server:
            server.register_script_handler(None, _async_handler)
            return await asyncio.to_thread(_drive, server.port, calls, concurrency)

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--server", choices=["threaded", "asyncio", "both"], default="both")
    parser.add_argument("--caller", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.caller:
        caller(args.caller, args.calls, args.concurrency)
        return
    kinds = ["threaded", "asyncio"] if args.server == "both" else [args.server]
    for kind in kinds:
        bench = bench_threaded if kind == "threaded" else bench_asyncio
        bench(min(200, args.calls), args.concurrency)  # warm-up
        result = bench(args.calls, args.concurrency)
        rate = result["calls"] / result["seconds"]
        print(
            f"{kind:9s} {result['calls']} calls, {args.concurrency} at once: "
            f"{rate:,.0f} calls/s ({result['seconds']:.2f} s, {result['failures']} failed)"
        )


if __name__ == "__main__":
    main()
