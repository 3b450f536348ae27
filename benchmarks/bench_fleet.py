"""A fleet of AMI connections in one process: throughput, memory, and a mass reconnect.

The Asterisk side is ``loadserver.py`` in its own process (pre-encoded bytes, a thread
per connection), so the figures are the Fleet's.  Every server of the fleet is a
connection to that load server under its own name.

1. **One connection**: a Fleet of one server; ``Blast`` asks for N events; the time from
   the request to the N-th event gives events/s, the events taken by a listener (what
   the Redis bridge uses) and, separately, out of ``fleet.events()``.
2. **The fleet**: ``--servers`` connections (200); the same N events split between
   them, all asked at once; aggregate events/s, and the ratio to (1), measured in the
   same run.  Memory per idle connection is the process's RSS growth from no
   connection to all connected (logged in, idle), divided by their number.
3. **All dropping at once**: the load server is killed and started again on its port.
   Every connection is lost; the Fleet reconnects each after a delay drawn from its
   back-off policy (full jitter), so the attempts spread over the window instead of
   arriving together.  Printed: the time until the last server is back, and a histogram
   of when each one logged in again, from the fleet's own ``status()``.

    python benchmarks/bench_fleet.py [--servers 200] [--events 400000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from pystrix.ami import ReconnectPolicy  # noqa: E402 (after the path)
from pystrix.ami.request import Request  # noqa: E402
from pystrix.fleet import Fleet, ServerConfig  # noqa: E402


class LoadServer:
    """``loadserver.py`` as a child process; :meth:`restart` keeps its port."""

    def __init__(self, port: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "loadserver.py"), "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().split()[1])

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def restart(self) -> LoadServer:
        self.kill()
        return LoadServer(self.port)


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def configs(port: int, count: int) -> list[ServerConfig]:
    return [
        ServerConfig(
            name=f"pbx{number:03d}", host="127.0.0.1", port=port, username="bench", secret="x"
        )
        for number in range(count)
    ]


def blast(count: int) -> Request:
    request = Request("Blast")
    request["Count"] = str(count)
    return request


class _Counter:
    """A FleetListener that counts events and says when ``total`` arrived."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.seen = 0
        self.done = asyncio.get_running_loop().create_future()

    def server_event(
        self, server: str, connection: str, seq: int, at: float, event: object
    ) -> None:
        self.seen += 1
        if self.seen == self.total and not self.done.done():
            self.done.set_result(None)


async def throughput(fleet: Fleet, per_server: dict[str, int], path: str) -> float:
    """Events per second from asking every server for its share to the last event, taken
    by a listener (the bridge's path) or out of ``fleet.events()``."""
    total = sum(per_server.values())
    counter = _Counter(total)
    if path == "listener":
        fleet.add_listener(counter)
    else:
        # Subscribed now, before any event is asked for; room for every event, so that
        # a consumer slower than the sockets for a moment loses none.
        events = fleet.events(queue_size=total + 1)
    started = time.perf_counter()
    await asyncio.gather(
        *(fleet.send_action(name, blast(count)) for name, count in per_server.items() if count)
    )
    if path == "listener":
        await counter.done
        fleet.remove_listener(counter)
    else:
        seen = 0
        async for _ in events:
            seen += 1
            if seen == total:
                break
    return total / (time.perf_counter() - started)


async def idle_memory(port: int, servers: int) -> float:
    """KiB of RSS per connection, logged in and idle (measured before any event flood,
    whose freed memory the connections would otherwise reuse)."""
    async with Fleet(configs(port, 1)) as warm:  # imports and first-use caches
        await warm.start()
        assert await warm.wait_connected(timeout=30)
    gc.collect()
    before = rss_kib()
    async with Fleet(configs(port, servers)) as fleet:
        await fleet.start()
        assert await fleet.wait_connected(timeout=60), "not every server connected"
        gc.collect()
        return (rss_kib() - before) / servers


async def one_round(port: int, servers: int, events: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    async with Fleet(configs(port, 1)) as single:
        await single.start()
        assert await single.wait_connected(timeout=30)
        for path in PATHS:
            figures[f"alone {path}"] = await throughput(single, {"pbx000": events}, path)
    async with Fleet(configs(port, servers)) as fleet:
        await fleet.start()
        assert await fleet.wait_connected(timeout=60), "not every server connected"
        share, rest = divmod(events, servers)
        names = fleet.servers()
        split = {name: share + (1 if index < rest else 0) for index, name in enumerate(names)}
        for path in PATHS:
            figures[f"together {path}"] = await throughput(fleet, split, path)
    return figures


async def mass_drop(load: LoadServer, servers: int, policy: ReconnectPolicy) -> LoadServer:
    async with Fleet(configs(load.port, servers), reconnect=policy) as fleet:
        await fleet.start()
        assert await fleet.wait_connected(timeout=60), "not every server connected"
        dropped_at = time.time()
        load = load.restart()
        deadline = time.monotonic() + 120
        while True:
            status = fleet.status()
            back = [s for s in status.values() if s.connected and s.reconnects >= 1]
            if len(back) == servers or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)  # a benchmark's sampling of status(), not a test
        delays = sorted((s.since or dropped_at) - dropped_at for s in back)
    window = policy.initial_delay * (1 + policy.jitter)
    print(
        f"\nAll {servers} connections dropped at once (load server killed and restarted):"
        f" {len(back)} reconnected, the last after {delays[-1]:.2f} s"
        f" (back-off window: first delay {policy.initial_delay} s ± {policy.jitter:.0%})"
    )
    bins = 10
    width = max(window, delays[-1]) / bins
    counts = [0] * bins
    for delay in delays:
        counts[min(int(delay / width), bins - 1)] += 1
    print("\n| logged in again after (s) | servers | |\n|---|---|---|")
    for index, count in enumerate(counts):
        bar = "#" * round(40 * count / max(counts))
        print(f"| {index * width:.2f} to {(index + 1) * width:.2f} | {count} | `{bar}` |")
    return load


PATHS = ("listener", "events()")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median)")
    args = parser.parse_args()
    # The mass drop logs a warning per lost connection: expected here, not news.
    logging.getLogger("pystrix").setLevel(logging.ERROR)
    load = LoadServer()
    try:
        memory = await idle_memory(load.port, args.servers)
        rounds = [await one_round(load.port, args.servers, args.events) for _ in range(args.repeat)]
        median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        print(
            f"{args.events:,} events (15-header Newchannel), median of {args.repeat} rounds;"
            " each round measures every row\n"
        )
        print("| fleet | taken by | events/s | ratio to one connection |\n|---|---|---|---|")
        for path in PATHS:
            alone, together = median[f"alone {path}"], median[f"together {path}"]
            print(f"| 1 connection (reference) | {path} | {alone:,.0f} | 1.00 |")
            ratio = together / alone
            print(f"| {args.servers} connections | {path} | {together:,.0f} | {ratio:.2f} |")
        print(f"\nMemory per idle connection (logged in): {memory:.1f} KiB of RSS")
        load = await mass_drop(load, args.servers, ReconnectPolicy(initial_delay=1.0, jitter=1.0))
    finally:
        load.kill()


if __name__ == "__main__":
    asyncio.run(main())
