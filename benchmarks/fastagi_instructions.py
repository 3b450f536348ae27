"""Instructions per FastAGI call on the server side, counted by valgrind.

A server child (``fastagi_servers.py KIND``) runs under callgrind while this process
places calls one at a time with the simulated Asterisk; a run of N calls is subtracted
from a run of 2N, so start-up and shutdown cancel out.  Counted instructions are
repeatable whatever else the machine does, unlike timings.

    python benchmarks/fastagi_instructions.py                    # our two servers
    python benchmarks/fastagi_instructions.py --server panoramisk --calls 100
    python benchmarks/fastagi_instructions.py --tree /tmp/before  # another checkout's code
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from pystrix.testing.agi import fastagi_call  # noqa: E402 (after the path)

KINDS = ["threaded", "asyncio", "baseline-asyncio", "baseline-threaded", "panoramisk"]


def counted(tree: Path, kind: str, calls: int) -> int:
    """User-space instructions of a server child that served ``calls`` calls."""
    handle, out = tempfile.mkstemp(suffix=".callgrind")
    os.close(handle)
    server = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(tree / "benchmarks" / "fastagi_servers.py"),
            kind,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        announced = re.search(r"(\d+)", server.stdout.readline())
        if announced is None:
            raise SystemExit(f"the {kind} server did not announce its port")
        port = int(announced.group(1))
        for _ in range(calls):
            record = fastagi_call("127.0.0.1", port, "bench", timeout=60)
            if record.ended_by != "server" or len(record.commands) != 4:
                raise SystemExit(f"{kind}: a call went wrong: {record.commands}")
        server.stdin.close()
        server.wait(300)
        text = Path(out).read_text()
    finally:
        if server.poll() is None:
            server.kill()
        os.unlink(out)
    total = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    assert total is not None, "no total in callgrind's output"
    return int(total.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--server", action="append", choices=KINDS, help="repeatable; default: our two"
    )
    parser.add_argument("--calls", type=int, default=100, help="N (the runs are N and 2N)")
    parser.add_argument(
        "--tree", type=Path, default=HERE.parent, help="the checkout whose servers to count"
    )
    args = parser.parse_args()
    for kind in args.server or ["threaded", "asyncio"]:
        short, long = counted(args.tree, kind, args.calls), counted(args.tree, kind, 2 * args.calls)
        print(f"{kind}: {(long - short) / args.calls:,.0f} instructions per call", flush=True)


if __name__ == "__main__":
    main()
