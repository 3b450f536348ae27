"""The Redis bridge: end-to-end throughput, Redis killed mid-stream, a bridge SIGKILLed.

Every bridge is ``python -m pystrix bridge --config <toml> --redis <url>`` in its own
process, as in production (the AMI secret in its environment, never in the file).  The
Asterisk side is a load server in another process; this process is the consumer
(:meth:`pystrix.fleet.FleetClient.events`) and asks for the floods through the bridge's
own action path (:meth:`FleetClient.send_action`): the load server answers an action on
the connection that sent it, so the request must come over the bridge's connection.

1. **Bridge end to end** (a ``redis-server`` without persistence, for speed):
   ``--servers`` server names, all pointing at ``loadserver.py``.  Each round sends one
   ``Blast`` per server (``--events`` in all) and times, from the first request, (a) the
   consumer having read and acknowledged all of them (end to end) and (b) the last
   entry being in Redis (the bridge's own figure: the newest entry id's millisecond
   time, which is Redis's clock on this same machine, so nothing is polled).  The
   reference row is a bare loop in this process that ``XADD``\\ s the same number of
   pre-built entries (``EventEntry`` fields made once from the load server's event
   text, ``MAXLEN ~`` as the bridge uses, round-robin over as many streams) in
   pipelines of ``--batch`` entries, with ``redis.asyncio`` as the bridge uses.  Rounds
   are interleaved (reference, bridge, reference, bridge...), the streams deleted after
   each; medians of ``--repeat``.  Each round also times the bridge with nobody reading
   (the consumer in this process shares the CPUs with the bridge and Redis): from the
   requests to the last entry, the stream lengths polled every 50 ms to know when.  The
   bridge's buffer is set above ``--events`` so that the flood is measured, not its
   drops (part 2 is about those).

2. **Redis killed for 5 s** (an append-only ``redis-server``, fsync every write, so
   that the restart keeps what was written, as a production Redis does).  The events
   must be *produced* while Redis is down, so that the bridge's buffer is what carries
   them; but no action reaches the bridge while Redis is down, and ``loadserver.py``
   writes a Blast all at once.  So this file has its own paced load server (run as a
   child: ``bench_bridge.py --paced-server``): ``Action: Stream`` with ``Count`` and
   ``Rate`` answers Success, then writes ``Count`` events at ``Rate`` per second over
   time (each carrying a ``BenchSeq`` header counting from 1), and prints how many it
   wrote.  One Stream per server is asked for through the bridge (Redis up), lasting
   ``FAULT_SECONDS``; Redis is SIGKILLed ``FAULT_KILL_AT`` s in, restarted 5 s later,
   and the consumer reads on (its own retries ride out the outage).  Reported: sent,
   seen by the consumer, in order (each server's ``BenchSeq`` one more than the last,
   or more by exactly the ``Dropped`` of a gap in between), dropped (the sum of the gap
   entries' counts), whether sent = seen + dropped, the bridge's own drop counter (its
   status line), and the same order check on the stream entries' ``conn``/``seq``.

3. **Two bridges, one SIGKILLed**: two bridge processes share 4 servers with
   ``lease_ms = FAILOVER_LEASE_MS``; once each holds 2 leases (``P:lease:*``), a small
   Blast per server puts fresh entries in every stream, one bridge is SIGKILLed, and
   the leases are read every 20 ms until the survivor holds all 4.  Reported: the time
   to each takeover against the lease time, and the spans of the ``no_bridge`` gap
   entries the survivor writes.  ``--repeat`` rounds: after each, a new bridge process
   joins, takes half the servers, and is the next victim.

    python benchmarks/bench_bridge.py [--events 200000] [--servers 4] [--batch 500] [--repeat 3]
        [--parts 123]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(SRC))

import redis.asyncio as aioredis  # noqa: E402 (after the path)
from loadserver import EVENT  # noqa: E402

from pystrix.ami.request import Request  # noqa: E402
from pystrix.fleet import streams  # noqa: E402
from pystrix.fleet.redis import FleetClient, FleetGap  # noqa: E402
from pystrix.testing.redis_server import RedisServer  # noqa: E402

PREFIX = "pystrix"
SECRET_ENV = "BENCH_AMI_SECRET"
SAFETY = 120.0  # seconds: a bound on waits for a condition, never a measurement
# Part 2: Stream length, when Redis is killed into it, for how long, the rate, the bound.
FAULT_SECONDS = 8.0
FAULT_KILL_AT = 1.5
FAULT_OUTAGE = 5.0
# Well below what the bridge writes on this kind of machine (so that its buffer is empty
# when Redis dies, and drains after), and such that the outage produces more events than
# the bound.
FAULT_RATE = 8_000  # events/s over all servers
FAULT_BUFFER = 20_000
# Part 3.
FAILOVER_SERVERS = 4
FAILOVER_LEASE_MS = 2000


# -- the paced load server (a child process) ----------------------------------------------

# The load server's Newchannel, plus a BenchSeq header: the consumer checks the order.
_PACED_EVENT = EVENT[: -len(b"\r\n\r\n")] + b"\r\nBenchSeq: %d\r\n\r\n"


def _paced_stream(
    conn: socket.socket, lock: threading.Lock, count: int, rate: float, out: threading.Lock
) -> None:
    start = time.monotonic()
    sent = 0
    try:
        while sent < count:
            due = min(count, int((time.monotonic() - start) * rate) + 1)
            if due > sent:
                chunk = b"".join(_PACED_EVENT % number for number in range(sent + 1, due + 1))
                with lock:
                    conn.sendall(chunk)
                sent = due
            time.sleep(0.005)
    except OSError:
        pass
    with out:
        print(f"sent {sent}", flush=True)


def _paced_connection(conn: socket.socket, out: threading.Lock) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    lock = threading.Lock()  # the reader's answers and a stream's events, never mixed
    conn.sendall(b"Asterisk Call Manager/11.0.0\r\n")
    buffer = b""
    try:
        while data := conn.recv(65536):
            buffer += data
            while b"\r\n\r\n" in buffer:
                block, buffer = buffer.split(b"\r\n\r\n", 1)
                headers = {}
                for line in block.split(b"\r\n"):
                    key, _, value = line.partition(b": ")
                    headers[key.lower()] = value
                answer = b"Response: Success\r\nActionID: " + headers.get(b"actionid", b"")
                with lock:
                    conn.sendall(answer + b"\r\n\r\n")
                if headers.get(b"action", b"").lower() == b"stream":
                    threading.Thread(
                        target=_paced_stream,
                        args=(
                            conn,
                            lock,
                            int(headers.get(b"count", b"0")),
                            float(headers.get(b"rate", b"1000")),
                            out,
                        ),
                        daemon=True,
                    ).start()
    except OSError:
        pass


def paced_server() -> None:
    """``Action: Stream`` (``Count``, ``Rate``): Success, then the events over time."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    print(f"port {listener.getsockname()[1]}", flush=True)
    out = threading.Lock()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_paced_connection, args=(conn, out), daemon=True).start()


# -- children -----------------------------------------------------------------------------


class Child:
    """A child process whose first stdout line is ``port N``; later lines are kept."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().split()[1])
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class BridgeProcess:
    """``python -m pystrix bridge`` with its log in a file."""

    def __init__(self, config: Path, redis_url: str, bridge_id: str) -> None:
        self.id = bridge_id
        self.log_path = config.parent / f"{bridge_id}.log"
        self._log = self.log_path.open("w")
        environ = {
            **os.environ,
            SECRET_ENV: "bench-secret",
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(SRC), os.environ.get("PYTHONPATH", "")])
            ),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pystrix",
                "bridge",
                "--config",
                str(config),
                "--redis",
                redis_url,
                "--id",
                bridge_id,
            ],
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as in a crash."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM (a graceful stop), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()
        self._log.close()


def write_config(
    directory: Path,
    name: str,
    redis_url: str,
    port: int,
    servers: list[str],
    **redis_options: int,
) -> Path:
    lines = [
        "[fleet]",
        "reconnect = { initial_delay = 0.05, max_delay = 0.5, jitter = 0.5 }",
        "[redis]",
        f'url = "{redis_url}"',
        f'prefix = "{PREFIX}"',
        *(f"{key} = {value}" for key, value in redis_options.items()),
        "[bridge]",
        "status_interval = 0.5",
    ]
    for server in servers:
        lines += [
            "[[servers]]",
            f'name = "{server}"',
            'host = "127.0.0.1"',
            f"port = {port}",
            'username = "bench"',
            f'secret_env = "{SECRET_ENV}"',
        ]
    path = directory / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


# -- helpers ------------------------------------------------------------------------------


def action(name: str, **headers: int | float) -> Request:
    request = Request(name)
    for key, value in headers.items():
        request[key] = str(value)
    return request


async def until_true(
    check: Callable[[], Any], what: str, timeout: float = SAFETY, every: float = 0.02
) -> None:
    """Wait for ``check()`` (a function or a coroutine function) to be true."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


async def send_when_connected(client: FleetClient, server: str, request: Request) -> None:
    """send_action, retried while the bridge is not yet owning/connected to ``server``."""
    deadline = time.monotonic() + SAFETY
    while True:
        try:
            response = await client.send_action(server, request, timeout=5.0)
            assert response.success, response
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def leases(redis: aioredis.Redis, servers: list[str]) -> dict[str, str | None]:
    values = await redis.mget([streams.lease_key(PREFIX, server) for server in servers])
    pairs = zip(servers, values, strict=True)
    return {server: None if value is None else value.decode() for server, value in pairs}


async def read_stream(redis: aioredis.Redis, key: str) -> list[tuple[bytes, Any]]:
    """Every entry of a stream, in chunks (one XRANGE of 100k entries takes redis-py
    longer than its read timeout)."""
    found: list[tuple[bytes, Any]] = []
    start = "-"
    while True:
        chunk = await redis.xrange(key, start, "+", count=10_000)
        found.extend(chunk)
        if len(chunk) < 10_000:
            return found
        start = "(" + chunk[-1][0].decode()


async def delete_streams(redis: aioredis.Redis, keys: list[str]) -> None:
    await redis.delete(*keys)


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- 1. end to end ------------------------------------------------------------------------


async def consume(
    client: FleetClient, group: str, total: int, batch: int, started: list[float]
) -> tuple[float, int]:
    """Read (and acknowledge) until ``total`` events (or counted drops) came; the time."""
    events = client.events(group, "bench", start="0", count=batch)
    seen = dropped = 0
    async for _, event in events:
        if isinstance(event, FleetGap):
            dropped += event.dropped or 0
        else:
            seen += 1
        if seen + dropped >= total:
            await events.ack()
            break
    return time.perf_counter() - started[0], dropped


async def bridge_round(
    client: FleetClient, servers: list[str], events: int, batch: int, group: str
) -> dict[str, float]:
    counts = split_events(servers, events)
    started = [0.0]
    consumer = asyncio.create_task(consume(client, group, events, batch, started))
    # Let the consumer make its groups (start "0": the streams hold this round only).
    await asyncio.sleep(0.2)
    wall = time.time()
    started[0] = time.perf_counter()
    await asyncio.gather(
        *(client.send_action(s, action("Blast", Count=n)) for s, n in counts.items() if n)
    )
    elapsed, dropped = await asyncio.wait_for(consumer, SAFETY)
    into_redis = await newest_entry(client.redis, servers) - wall
    return {
        "end to end": events / elapsed,
        "into Redis": events / into_redis,
        "dropped": dropped,
    }


async def newest_entry(redis: aioredis.Redis, servers: list[str]) -> float:
    """The time (epoch seconds, Redis's clock) of the newest entry of the streams."""
    last_ms = 0
    for server in servers:
        newest = await redis.xrevrange(streams.events_key(PREFIX, server), count=1)
        if newest:
            last_ms = max(last_ms, int(newest[0][0].decode().split("-")[0]))
    return last_ms / 1000


def split_events(servers: list[str], events: int) -> dict[str, int]:
    share, rest = divmod(events, len(servers))
    return {server: share + (1 if index < rest else 0) for index, server in enumerate(servers)}


async def alone_round(client: FleetClient, servers: list[str], events: int) -> float:
    """The bridge with nobody reading: events/s until the last entry is in Redis (the
    stream lengths polled every 50 ms to know when, the entry id for the time)."""
    keys = [streams.events_key(PREFIX, server) for server in servers]
    wall = time.time()
    await asyncio.gather(
        *(
            client.send_action(s, action("Blast", Count=n))
            for s, n in split_events(servers, events).items()
            if n
        )
    )

    async def written() -> bool:
        pipe = client.redis.pipeline(transaction=False)
        for key in keys:
            pipe.xlen(key)
        return sum(await pipe.execute()) >= events

    await until_true(written, "every entry in Redis", every=0.05)
    return events / (await newest_entry(client.redis, servers) - wall)


async def reference_round(
    redis: aioredis.Redis, entries: list[tuple[str, dict[str, str]]], batch: int, maxlen: int
) -> float:
    started = time.perf_counter()
    for first in range(0, len(entries), batch):
        pipe = redis.pipeline(transaction=False)
        for key, fields in entries[first : first + batch]:
            pipe.xadd(key, fields, maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
        await pipe.execute()
    return len(entries) / (time.perf_counter() - started)


async def end_to_end(args: argparse.Namespace, work: Path) -> None:
    servers = [f"pbx{index:02d}" for index in range(args.servers)]
    maxlen = max(100_000, args.events)
    redis_server = RedisServer(persistent=False)
    load: Child | None = None
    bridge: BridgeProcess | None = None
    try:
        redis_server.start()
        load = Child([sys.executable, str(HERE / "loadserver.py")])
        config = write_config(
            work,
            "e2e",
            redis_server.url,
            load.port,
            servers,
            batch=args.batch,
            maxlen=maxlen,
            buffer=2 * args.events,
        )
        bridge = BridgeProcess(config, redis_server.url, "bench-e2e")
        raw = EVENT.decode()[: -len("\r\n\r\n")]
        now = time.time()
        entries = [
            (
                f"bench:ref:{servers[n % len(servers)]}",
                streams.EventEntry(servers[n % len(servers)], "ref-1", n + 1, now, raw).fields(),
            )
            for n in range(args.events)
        ]
        ref_keys = [f"bench:ref:{server}" for server in servers]
        event_keys = [streams.events_key(PREFIX, server) for server in servers]
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            plain = aioredis.Redis.from_url(redis_server.url)
            try:
                # Warm up: the bridge owns and is connected to every server, the scripts
                # are loaded, the first events went through.
                await asyncio.gather(
                    *(send_when_connected(client, s, action("Ping")) for s in servers)
                )
                await bridge_round(client, servers, 1000 * len(servers), args.batch, "warm")
                await delete_streams(plain, event_keys)
                rounds: list[dict[str, float]] = []
                for number in range(args.repeat):
                    reference = await reference_round(plain, entries, args.batch, maxlen)
                    await delete_streams(plain, ref_keys)
                    figures = await bridge_round(
                        client, servers, args.events, args.batch, f"bench-{number}"
                    )
                    await delete_streams(plain, event_keys)
                    figures["alone"] = await alone_round(client, servers, args.events)
                    await delete_streams(plain, event_keys)
                    figures["reference"] = reference
                    rounds.append(figures)
            finally:
                await plain.aclose()
    finally:
        if bridge is not None:
            bridge.stop()
        if load is not None:
            load.stop()
        redis_server.cleanup()
    med = {key: median([r[key] for r in rounds]) for key in rounds[0]}
    ref = med["reference"]
    print(
        f"## Bridge end to end\n\n{args.events:,} events (15-header Newchannel) from "
        f"{args.servers} servers (all on one load server), batch {args.batch}, "
        f"redis-server without persistence, bridge in its own process; median of "
        f"{args.repeat} interleaved rounds; {os.cpu_count()} CPUs for everything.\n"
    )
    print("| path | events/s | ratio to reference | rounds (events/s) |\n|---|---|---|---|")

    def row(label: str, key: str) -> None:
        each = ", ".join(f"{r[key]:,.0f}" for r in rounds)
        print(f"| {label} | {med[key]:,.0f} | {med[key] / ref:.2f} | {each} |")

    row("reference: bare pipelined XADD loop (this process)", "reference")
    row("bridge: AMI into Redis, nobody reading (last entry id)", "alone")
    row("bridge: AMI into Redis, consumer reading (last entry id)", "into Redis")
    row("end to end: read and acknowledged by the consumer", "end to end")
    drops = sum(int(r["dropped"]) for r in rounds)
    print(f"\nEvents dropped by the bridge over all rounds: {drops}. Target: at least 0.70x.")


# -- 2. Redis killed ----------------------------------------------------------------------


@dataclass
class Seen:
    events: int = 0
    dropped: int = 0
    out_of_order: int = 0
    last: int = 0
    pending_skip: int = 0
    gaps: list[tuple[str, int | None]] = field(default_factory=list)


async def fault_consumer(client: FleetClient, seen: dict[str, Seen]) -> None:
    events = client.events("faults", "bench", start="0", count=500, claim_idle_ms=5000)
    async for server, event in events:
        state = seen[server]
        if isinstance(event, FleetGap):
            state.gaps.append((event.reason, event.dropped))
            if event.reason == "buffer_full" and event.dropped:
                state.dropped += event.dropped
                state.pending_skip += event.dropped
            continue
        number = int(event.get("BenchSeq") or 0)
        if number != state.last + 1 + state.pending_skip:
            state.out_of_order += 1
        state.last = number
        state.pending_skip = 0
        state.events += 1


def check_stream(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> tuple[int, int, int]:
    """(events, dropped in gaps, seq faults) of one stream's entries, by conn/seq."""
    count = dropped = faults = 0
    last: dict[str, int] = {}
    skip = 0
    for _, fields in entries:
        entry = streams.decode_stream_entry(fields)
        if isinstance(entry, streams.GapEntry):
            if entry.reason == "buffer_full" and entry.dropped:
                dropped += entry.dropped
                skip += entry.dropped
            continue
        expected = last.get(entry.connection, 0) + 1 + skip
        if entry.seq != expected:
            faults += 1
        last[entry.connection] = entry.seq
        skip = 0
        count += 1
    return count, dropped, faults


async def redis_killed(args: argparse.Namespace, work: Path) -> None:
    servers = [f"pbx{index:02d}" for index in range(args.servers)]
    per_server = int(FAULT_RATE * FAULT_SECONDS / len(servers))
    rate = FAULT_RATE / len(servers)
    redis_server = RedisServer(persistent=True)
    paced: Child | None = None
    bridge: BridgeProcess | None = None
    consumer: asyncio.Task[None] | None = None
    logging.getLogger("pystrix").setLevel(logging.CRITICAL)  # the outage's retry warnings
    try:
        redis_server.start()
        paced = Child([sys.executable, str(Path(__file__).resolve()), "--paced-server"])
        config = write_config(
            work,
            "faults",
            redis_server.url,
            paced.port,
            servers,
            batch=args.batch,
            maxlen=1_000_000,
            buffer=FAULT_BUFFER,
        )
        bridge = BridgeProcess(config, redis_server.url, "bench-faults")
        seen = {server: Seen() for server in servers}
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            # Owned and connected: a no-op action answered on every server.
            await asyncio.gather(*(send_when_connected(client, s, action("Ping")) for s in servers))
            consumer = asyncio.create_task(fault_consumer(client, seen))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            await asyncio.gather(
                *(
                    client.send_action(s, action("Stream", Count=per_server, Rate=rate))
                    for s in servers
                )
            )
            await asyncio.sleep(max(0.0, FAULT_KILL_AT - (time.monotonic() - started)))
            killed = time.monotonic()
            await asyncio.to_thread(redis_server.kill)
            await asyncio.sleep(FAULT_OUTAGE)
            await asyncio.to_thread(redis_server.start)
            outage = time.monotonic() - killed

            task = consumer

            def finished() -> bool:
                counted = all(s.events + s.dropped >= per_server for s in seen.values())
                return counted or task.done()

            await until_true(finished, "the consumer to see every event or its drop", every=0.1)
            drained = time.monotonic() - started
            if task.done():
                task.result()  # the consumer failed: say why
                raise RuntimeError("the consumer stopped early")
            lines = paced.lines
            await until_true(
                lambda: sum(line.startswith("sent ") for line in lines) >= len(servers),
                "the load server's counts",
            )
            sent_total = sum(int(line.split()[1]) for line in lines if line.startswith("sent "))
            # The status line logged after everything was written: the drop counter.
            await asyncio.sleep(1.2)
            # A client of its own: redis-py fails the first command on each pooled
            # connection left over from before the kill.
            fresh = aioredis.Redis.from_url(redis_server.url)
            try:
                by_stream = {
                    server: check_stream(
                        await read_stream(fresh, streams.events_key(PREFIX, server))
                    )
                    for server in servers
                }
            finally:
                await fresh.aclose()
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        log = bridge.log()
    finally:
        if consumer is not None and not consumer.done():
            consumer.cancel()
            await asyncio.gather(consumer, return_exceptions=True)
        if bridge is not None:
            bridge.stop()
        if paced is not None:
            paced.stop()
        redis_server.cleanup()
    status = re.findall(r"buffer (\d+)/(\d+), dropped (\d+)", log)
    deepest = max((int(depth) for depth, _, _ in status), default=0)
    bridge_dropped = int(status[-1][2]) if status else None
    print(
        f"\n## Faults: Redis killed for {FAULT_OUTAGE:.0f} s mid-stream\n\n"
        f"{len(servers)} servers, {FAULT_RATE:,} events/s in all for {FAULT_SECONDS:.0f} s "
        f"(paced load server), Redis (append-only, fsync always) SIGKILLed {FAULT_KILL_AT} s "
        f"in and answering again {outage:.2f} s later; bridge buffer bound "
        f"{FAULT_BUFFER:,} entries. Everything read {drained:.1f} s after the first event "
        f"was asked for.\n"
    )
    print(
        "| server | sent | seen by consumer | dropped (gap counts) | sent = seen + dropped "
        "| out of order (BenchSeq) | stream: events / gap drops / seq faults | gaps |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    total_seen = total_dropped = 0
    for server in servers:
        s = seen[server]
        total_seen += s.events
        total_dropped += s.dropped
        ok = "yes" if per_server == s.events + s.dropped else "**no**"
        gaps = ", ".join(f"{reason} {dropped}" for reason, dropped in s.gaps) or "none"
        count, dropped, faults = by_stream[server]
        print(
            f"| {server} | {per_server:,} | {s.events:,} | {s.dropped:,} | {ok} "
            f"| {s.out_of_order} | {count:,} / {dropped:,} / {faults} | {gaps} |"
        )
    ok = "yes" if sent_total == total_seen + total_dropped else "**no**"
    print(
        f"| all | {sent_total:,} (load server's count) | {total_seen:,} | {total_dropped:,} "
        f"| {ok} | {sum(s.out_of_order for s in seen.values())} | | |"
    )
    produced = FAULT_RATE * outage
    print(
        f"\nBridge's own counters (its last status line): dropped {bridge_dropped}, deepest "
        f"buffer {deepest:,}/{FAULT_BUFFER:,}. Produced while Redis was away: about "
        f"{produced:,.0f} (rate x outage); minus the bound: about {produced - FAULT_BUFFER:,.0f} "
        f"expected dropped, {total_dropped:,} counted."
    )


# -- 3. a bridge SIGKILLed ----------------------------------------------------------------


async def bridge_killed(args: argparse.Namespace, work: Path) -> None:
    servers = [f"pbx{index:02d}" for index in range(FAILOVER_SERVERS)]
    redis_server = RedisServer(persistent=False)
    load: Child | None = None
    bridges: list[BridgeProcess] = []
    rows: list[tuple[str, dict[str, float], dict[str, float]]] = []
    try:
        redis_server.start()
        load = Child([sys.executable, str(HERE / "loadserver.py")])
        config = write_config(
            work, "failover", redis_server.url, load.port, servers, lease_ms=FAILOVER_LEASE_MS
        )
        bridges = [BridgeProcess(config, redis_server.url, f"bench-{n}") for n in (1, 2)]
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            for number in range(args.repeat):
                live = [bridge for bridge in bridges if bridge.process.poll() is None]
                rows.append(await failover_round(client, servers, live, live[-1]))
                # A new bridge replaces the victim for the next round.
                bridges.append(BridgeProcess(config, redis_server.url, f"bench-{number + 3}"))
    finally:
        for bridge in bridges:
            bridge.stop()
        if load is not None:
            load.stop()
        redis_server.cleanup()
    lease = FAILOVER_LEASE_MS / 1000
    print(
        f"\n## Faults: two bridges, one SIGKILLed\n\n{FAILOVER_SERVERS} servers shared by 2 "
        f"bridge processes, lease {FAILOVER_LEASE_MS} ms (renewed, and the servers "
        f"reassigned, every lease/3); the victim SIGKILLed just after fresh entries in "
        f"its streams; leases read every 20 ms. {args.repeat} rounds (a new bridge joins "
        f"after each).\n"
    )
    print(
        "| round | server (the victim's) | held by the survivor after (s) | ratio to lease "
        "| no_bridge gap span (s) |\n|---|---|---|---|---|"
    )
    worst: list[float] = []
    for number, (victim, taken, spans) in enumerate(rows, 1):
        for server in sorted(taken):
            print(
                f"| {number} ({victim} killed) | {server} | {taken[server]:.2f} "
                f"| {taken[server] / lease:.2f} | {spans[server]:.2f} |"
            )
        worst.append(max(taken.values()))
    within = sum(time <= lease for time in worst)
    print(
        f"\nAll servers owned again after (per round, the last one): "
        f"{', '.join(f'{time:.2f} s' for time in worst)}; median {median(worst):.2f} s = "
        f"{median(worst) / lease:.2f}x the lease ({lease:.1f} s); within the lease time in "
        f"{within} of {len(worst)} rounds."
    )


async def failover_round(
    client: FleetClient, servers: list[str], live: list[BridgeProcess], victim: BridgeProcess
) -> tuple[str, dict[str, float], dict[str, float]]:
    """Wait for an even split of the leases, SIGKILL ``victim``, time the takeover."""
    redis = client.redis
    survivor = next(bridge for bridge in live if bridge is not victim)

    async def split() -> bool:
        held = list((await leases(redis, servers)).values())
        return all(held.count(b.id) == FAILOVER_SERVERS // 2 for b in live)

    await until_true(split, "each bridge to hold half the leases", every=0.05)
    keys = {server: streams.events_key(PREFIX, server) for server in servers}
    before = {server: await redis.xlen(key) for server, key in keys.items()}
    await asyncio.gather(
        *(send_when_connected(client, s, action("Blast", Count=200)) for s in servers)
    )

    async def filled() -> bool:
        lengths = {s: await redis.xlen(keys[s]) for s in servers}
        return all(lengths[s] >= before[s] + 200 for s in servers)

    await until_true(filled, "the Blasts in Redis")
    theirs = sorted(s for s, owner in (await leases(redis, servers)).items() if owner == victim.id)
    await asyncio.to_thread(victim.kill)
    killed = time.monotonic()
    killed_wall = time.time()
    taken: dict[str, float] = {}
    while len(taken) < len(theirs):
        owners = await leases(redis, theirs)
        now = time.monotonic() - killed
        for server, owner in owners.items():
            if owner == survivor.id and server not in taken:
                taken[server] = now
        if now > SAFETY:
            raise RuntimeError("no takeover")
        await asyncio.sleep(0.02)
    spans: dict[str, float] = {}

    async def gapped() -> bool:
        for server in theirs:
            for _, fields in await redis.xrevrange(keys[server], count=50):
                entry = streams.decode_stream_entry(fields)
                if (
                    isinstance(entry, streams.GapEntry)
                    and entry.reason == "no_bridge"
                    and entry.end >= killed_wall
                ):
                    spans[server] = entry.end - entry.start
                    break
        return len(spans) == len(theirs)

    await until_true(gapped, "the no_bridge gaps", every=0.05)
    return victim.id, taken, spans


# -- main ---------------------------------------------------------------------------------


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pystrix-bench-bridge-") as name:
        yield Path(name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median)")
    parser.add_argument("--parts", default="123", help="which tables (default: all three)")
    args = parser.parse_args()
    logging.getLogger("pystrix").setLevel(logging.ERROR)
    with workdir() as work:
        if "1" in args.parts:
            await end_to_end(args, work)
        if "2" in args.parts:
            await redis_killed(args, work)
        if "3" in args.parts:
            await bridge_killed(args, work)


if __name__ == "__main__":
    if "--paced-server" in sys.argv:
        paced_server()
    else:
        asyncio.run(main())
