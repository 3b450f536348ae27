"""The bridge: every event of a fleet's servers into Redis Streams, shared by many bridges.

A :class:`Bridge` holds a :class:`~pystrix.fleet.Fleet` of the servers it owns.  A
listener on the Fleet takes each event off the AMI connection and only appends it to a
bounded in-memory buffer (it never awaits, so the sockets are always read: Asterisk drops
a client that stops reading).  One writer task drains the buffer in batches of
``RedisSettings.batch`` entries, one round trip per batch, into ``<prefix>:events:<server>``
(layout: :mod:`pystrix.fleet.streams`), each ``XADD`` trimmed with ``MAXLEN ~``.

When Redis is slow or down, the writer retries with a capped back-off and the events wait
in the buffer (``RedisSettings.buffer`` entries for the whole bridge).  Past the bound the
newest events are dropped and counted per server; when room frees, a ``buffer_full`` gap
entry with the count and the time span goes into that server's stream, in its place.  A
reconnect to a server writes a ``disconnected`` gap (from the loss to the new connection);
taking a server over writes a ``no_bridge`` gap (from the stream's last entry to the new
connection): AMI has no replay, so consumers are told what they cannot have.

Leases: one Redis, ``SET NX PX``, compare-and-renew
---------------------------------------------------
Each server is owned by one bridge through ``<prefix>:lease:<server>``, taken with
``SET key <bridge id> NX PX lease_ms``, renewed every ``lease_ms / 3`` by a Lua script
that extends it only while it still holds this bridge's id (compare-and-``PEXPIRE``), and
released on a graceful stop by a compare-and-``DEL`` script.  The streams live on that same
Redis, so a lease there is exactly as available as the data it guards: Redlock's quorum
over independent masters would add failure modes (clock assumptions across nodes, partial
quorums) without making the single Redis that holds the streams any more available.  What
makes it safe is fencing, not the lease's timing: every batch for a server is written by
one ``EVALSHA`` of a script that checks, inside Redis, that the lease still names this
bridge before its ``XADD``\\ s (a free lease is taken back first, as a renewal would), so a
bridge that lost its lease while paused cannot write into the new owner's stream.
An event goes to the script as its four varying values (conn, seq, time, raw; the script
adds the field names, ``kind`` and ``server``), a gap as its fields: packing the command's
arguments is most of a batch's cost in the bridge.  Measured on loopback (redis-server
7.0, redis-py 8, 100,000 events of ~400 bytes in batches of 500, to one and to four
streams, three rounds each), the fenced script wrote 56-58k entries/s, 2.8 to 2.9 times
plain pipelined ``XADD``\\ s of the same batches (20k entries/s), and 2.3 to 2.6 times
the same script given every field's name and value (22-24k entries/s): one command and
one reply per server instead of one per entry outweighs the script's work, so the fenced
write is both the safe and the faster choice.

Sharing: bridges heartbeat in the sorted set ``<prefix>:bridges`` (score: Redis's own
time in milliseconds, read by the heartbeat script, so the bridges' clocks need not
agree; entries older than ``lease_ms`` are dead and removed).  The servers are split
by rendezvous hashing over the live bridges (the highest hash of bridge id and server
wins), with bounded loads so that the split is even (:func:`assign`); bridges sharing a
prefix are expected to have the same list of servers.  A bridge takes the servers it
wins, and any server whose lease stayed free for a whole lease time (so that nothing
stays unowned if its winner cannot take it); it hands over the servers it holds but no
longer wins, gracefully: stop that server's Manager, flush its buffered events, then
release the lease.  A bridge whose heartbeat is older than two rounds (``2 * lease_ms /
3``) wins nothing in that split: it is dead, or too stalled to take a server.  A bridge
that cannot renew (Redis down) keeps its connections and buffers; when Redis returns it
renews each lease still its own or free, and drops the servers another bridge took
meanwhile (their buffered events counted as dropped; the new owner has written a
``no_bridge`` gap).

Takeover: each round a bridge reads, with Redis's time, the holder and PTTL of every lease
it does not hold, and follows each one whose server it would win without that holder: a
timer at the lease's expiry, moved by every round to the expiry read then.  A live holder
renews every ``lease_ms / 3``, long before the timer; a killed bridge renewed before it
died, so its leases expire within ``lease_ms`` of its death, and the timer's ``SET NX``
(through the same path as a round's) takes each server then: within the lease time, give
or take the taker's wake-up (measured on loopback, ``lease_ms = 2000``, the victim
SIGKILLed: all its servers owned again 1.90-1.94 s after the kill in five rounds, median
0.97x the lease, against 2.12-2.52 s, median 1.09x, when they waited for a round).
``SET NX`` succeeds only once the lease has expired, so a live holder merely late keeps
its servers; a timer that finds the lease renewed follows it on; timers and attempts are
cancelled on stop.

With neither a Redis URL nor a ``[redis]`` table the bridge writes JSON lines instead (to
standard output by default): one object per event and per gap, and owns every server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import os
import socket
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisError

from . import streams
from ._fleet import Fleet
from .config import FleetConfig, RedisSettings, ServerConfig

if TYPE_CHECKING:
    from ..ami.message import Message

__all__ = ["Bridge", "BridgeStatus", "assign", "redact_url"]

_log = logging.getLogger("pystrix.fleet.bridge")

#: The writer's back-off while Redis refuses: from this many seconds, doubling...
_RETRY_FIRST = 0.05
#: ...up to this many.
_RETRY_CAP = 2.0
#: Seconds a stopping bridge waits for its buffer to reach Redis before it gives up.
_FLUSH_ON_STOP = 5.0
#: Seconds over which the events/s figures are averaged.
_RATE_WINDOW = 10.0

# The fenced write: KEYS = lease, stream; ARGV = bridge id, lease ms, maxlen, dedupe flag,
# server name, then the entries.  An event (nearly every entry) is passed as only what
# varies: its conn, seq, time and raw (the script adds the field names, ``kind`` and
# ``server``, in the order of streams.EventEntry.fields()); any other entry (a gap) as an
# empty marker (a conn is never empty), its field count, then its names and values.  With
# the dedupe flag (a retry after a failed round trip, which may have been carried out
# without its reply arriving) the entries up to the stream's last one (by conn and seq)
# are skipped.
_WRITE_SCRIPT = """
local owner = redis.call('GET', KEYS[1])
if owner ~= ARGV[1] then
  if owner then return -1 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
local first = 6
if ARGV[4] == '1' then
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
  if last then
    local f = last[2]
    local conn, seq
    for i = 1, #f, 2 do
      if f[i] == 'conn' then conn = f[i + 1] elseif f[i] == 'seq' then seq = f[i + 1] end
    end
    if conn and seq then
      local j = 6
      while j <= #ARGV do
        if ARGV[j] == '' then
          local n = tonumber(ARGV[j + 1])
          local c, s
          for k = j + 2, j + n, 2 do
            if ARGV[k] == 'conn' then c = ARGV[k + 1] end
            if ARGV[k] == 'seq' then s = ARGV[k + 1] end
          end
          j = j + 2 + n
          if c == conn and s == seq then first = j end
        else
          j = j + 4
          if ARGV[j - 4] == conn and ARGV[j - 3] == seq then first = j end
        end
      end
    end
  end
end
local stream, maxlen, server = KEYS[2], ARGV[3], ARGV[5]
local written = 0
local i = first
while i <= #ARGV do
  if ARGV[i] == '' then
    local n = tonumber(ARGV[i + 1])
    local command = {'XADD', stream, 'MAXLEN', '~', maxlen, '*'}
    for k = 1, n do command[6 + k] = ARGV[i + 1 + k] end
    redis.call(unpack(command))
    i = i + 2 + n
  else
    redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'kind', 'event', 'server', server,
      'conn', ARGV[i], 'seq', ARGV[i + 1], 'time', ARGV[i + 2], 'raw', ARGV[i + 3])
    i = i + 4
  end
  written = written + 1
end
return written
"""

# Renewal: extend the lease if it is ours, take it back if it is free, else report it lost.
_RENEW_SCRIPT = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
"""

# Heartbeat on Redis's clock (so that the bridges' own clocks may disagree): score this
# bridge now, forget the bridges silent for a lease time; returns Redis's time and the
# remaining bridges with their scores.
_HEARTBEAT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return {now, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}
"""

# The leases of servers this bridge does not hold: Redis's time (ms), then each lease's
# holder (false: free) and its PTTL, read together.
_LEASES_SCRIPT = """
local t = redis.call('TIME')
local reply = {tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
for i = 1, #KEYS do
  reply[#reply + 1] = redis.call('GET', KEYS[i])
  reply[#reply + 1] = redis.call('PTTL', KEYS[i])
end
return reply
"""

# Release: delete the lease only if it is still ours.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and status lines)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return "<unparsable URL>"


def _score(bridge_id: str, server: str) -> int:
    """The rendezvous hash of (bridge, server): the higher, the stronger its claim."""
    digest = hashlib.blake2b(f"{bridge_id}\0{server}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def assign(bridges: Iterable[str], servers: Iterable[str]) -> dict[str, str]:
    """Which of ``bridges`` should own each of ``servers``.

    Rendezvous hashing with bounded loads: the servers are taken in name order and each
    goes to the bridge with the highest hash of (bridge id, server) among those that
    have fewer than ``ceil(servers / bridges)`` so far.  Every bridge computes the same
    answer from the same live set, the split is even (loads differ by one at most), and a
    bridge joining or leaving moves few servers.
    """
    live = sorted(set(bridges))
    names = sorted(set(servers))
    if not live:
        return {}
    capacity = -(-len(names) // len(live))
    load = dict.fromkeys(live, 0)
    owners: dict[str, str] = {}
    for server in names:
        ranked = sorted(live, key=lambda bridge: (_score(bridge, server), bridge), reverse=True)
        chosen = next(bridge for bridge in ranked if load[bridge] < capacity)
        load[chosen] += 1
        owners[server] = chosen
    return owners


@dataclass(frozen=True)
class BridgeStatus:
    """A bridge's figures at one moment (also its status line and its metrics).

    ``events_in_per_second`` counts events taken from the AMI connections,
    ``events_out_per_second`` those written to Redis (or the JSON lines), both over the
    last ten seconds; ``buffer_depth`` the entries waiting (gap markers included);
    ``events_dropped`` the events lost to a full buffer or a lost lease;
    ``redis_lag_seconds`` the age of the oldest waiting entry (0 when none waits).
    """

    bridge_id: str
    servers_owned: tuple[str, ...]
    servers_connected: tuple[str, ...]
    events_in_per_second: float
    events_out_per_second: float
    buffer_depth: int
    buffer_limit: int
    events_dropped: int
    redis_lag_seconds: float
    redis_up: bool
    events_in: int = 0
    events_out: int = 0
    dropped_by_server: Mapping[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """The one-line summary the bridge logs."""
        return (
            f"bridge {self.bridge_id}: servers {len(self.servers_connected)} connected"
            f"/{len(self.servers_owned)} owned, events/s in {self.events_in_per_second:.1f}"
            f" out {self.events_out_per_second:.1f}, buffer {self.buffer_depth}"
            f"/{self.buffer_limit}, dropped {self.events_dropped}, redis lag "
            f"{self.redis_lag_seconds:.3f} s, redis {'up' if self.redis_up else 'down'}"
        )


class _Item:
    """One buffered entry: an event (kept as received, encoded by the writer) or a gap."""

    __slots__ = ("connection", "event", "gap", "queued", "seq", "server", "token", "when")

    def __init__(
        self,
        server: str,
        token: int,
        *,
        connection: str = "",
        seq: int = 0,
        when: float = 0.0,
        event: Message | None = None,
        gap: streams.GapEntry | None = None,
    ) -> None:
        self.server = server
        self.token = token  # the ownership it was taken under: stale after a loss
        self.connection = connection
        self.seq = seq
        self.when = when
        self.event = event
        self.gap = gap
        self.queued = time.monotonic()

    def headers(self) -> list[tuple[str, str]]:
        assert self.event is not None
        return self.event.header_pairs()

    def raw(self) -> str:
        """The event as received: the ``raw`` field of its stream entry."""
        assert self.event is not None
        return streams.wire_text(self.event)

    def fields(self) -> dict[str, str]:
        if self.gap is not None:
            return self.gap.fields()
        entry = streams.EventEntry(self.server, self.connection, self.seq, self.when, self.raw())
        return entry.fields()

    def document(self) -> dict[str, Any]:
        if self.gap is not None:
            gap = self.gap
            return {
                "kind": "gap",
                "server": gap.server,
                "reason": gap.reason,
                "dropped": gap.dropped,
                "start": gap.start,
                "end": gap.end,
                "time": gap.time,
            }
        return {
            "kind": "event",
            "server": self.server,
            "conn": self.connection,
            "seq": self.seq,
            "time": self.when,
            "headers": [list(pair) for pair in self.headers()],
        }


class _Drops:
    """Events of one server dropped since its last gap entry: how many, and when."""

    __slots__ = ("count", "end", "start")

    def __init__(self, at: float) -> None:
        self.count = 0
        self.start = at
        self.end = at


class _Listener:
    """The Fleet's listener: hands every notice to the bridge, synchronously."""

    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge

    def server_connected(self, server: str, connection: str, at: float) -> None:
        self._bridge._connected(server, at)

    def server_disconnected(self, server: str, connection: str, at: float) -> None:
        self._bridge._lost_at[server] = at

    def server_event(
        self, server: str, connection: str, seq: int, at: float, event: Message
    ) -> None:
        self._bridge._event(server, connection, seq, at, event)

    def server_removed(self, server: str) -> None:
        self._bridge._lost_at.pop(server, None)


class Bridge:
    """Carries a fleet's events into Redis Streams (or JSON lines), sharing the servers
    with the other bridges on the same Redis (see the module's documentation).

    ``redis_url`` overrides ``config.redis.url`` (the other ``[redis]`` settings still
    apply, or their defaults); with neither, events go to ``output`` (default
    ``sys.stdout``) as JSON lines.  ``bridge_id`` names this bridge in the leases
    (default: host name, process id and a random suffix).  ``metrics_host`` is where the
    Prometheus endpoint listens when ``config.bridge.metrics_port`` is set.
    """

    def __init__(
        self,
        config: FleetConfig,
        *,
        redis_url: str | None = None,
        output: TextIO | None = None,
        bridge_id: str | None = None,
        logger: logging.Logger | None = None,
        metrics_host: str = "127.0.0.1",
    ) -> None:
        self.config = config
        self._log = logger or _log
        settings = config.redis
        if redis_url is not None:
            settings = RedisSettings(
                **{**_settings_fields(settings or RedisSettings()), "url": redis_url}
            )
        #: The Redis settings in use, ``None`` in JSON-lines mode.
        self.settings: RedisSettings | None = settings
        self._output = output
        self.bridge_id = bridge_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.metrics_host = metrics_host
        self._servers: dict[str, ServerConfig] = {server.name: server for server in config.servers}
        self.fleet = Fleet(
            reconnect=config.reconnect,
            event_queue_size=config.event_queue_size,
            logger=logger,
        )
        self._listener = _Listener(self)
        self._limit = settings.buffer if settings is not None else 100_000
        self._batch = settings.batch if settings is not None else 500
        # The buffer: one queue for every server (each server's entries stay in order);
        # only the listener appends, only the writer pops.
        self._buffer: deque[_Item] = deque()
        self._buffered: dict[str, int] = {}
        self._drops: dict[str, _Drops] = {}
        self._dropped: dict[str, int] = {}
        self._lost_at: dict[str, float] = {}
        self._takeover: dict[str, float | None] = {}
        # Ownership: a server's token changes each time it is taken, so entries buffered
        # under an ownership that was lost are recognised (and counted dropped).
        self._tokens: dict[str, int] = {}
        self._token_numbers = itertools.count(1)
        self._owned: set[str] = set()
        self._releasing: set[str] = set()
        self._free_since: dict[str, float] = {}
        # The leases of others followed to their expiry: holder, expiry (Redis's clock)
        # and the timer that starts an attempt to take it then; the attempts running.
        self._following: dict[str, tuple[str, int, asyncio.TimerHandle]] = {}
        self._expiry_takes: dict[str, asyncio.Task[None]] = {}
        #: Servers taken by such an attempt: the lease's expiry it was made for, in Redis's
        #: clock (epoch milliseconds), as read by this bridge.
        self.taken_on_expiry: dict[str, int] = {}
        self._actions: dict[str, asyncio.Task[None]] = {}
        # Servers being removed from the Fleet after a lost lease (awaited before a retake).
        self._removals: dict[str, asyncio.Task[None]] = {}
        self._writer: asyncio.Task[None] | None = None
        self._handovers: set[asyncio.Task[None]] = set()
        self._events_in = 0
        self._events_out = 0
        self._samples: deque[tuple[float, int, int]] = deque()
        self._redis_up = settings is None
        self._redis_warned = False
        self._redis: aioredis.Redis | None = None
        self._scripts: dict[str, str] = {}
        self._wake: asyncio.Event | None = None
        self._progress: asyncio.Condition | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._stopping = False
        self._stopped: asyncio.Event | None = None
        self._metrics_server: Any = None
        self._metrics_address: tuple[str, int] | None = None
        self._snapshot: BridgeStatus | None = None
        self._serve_actions: Any = None
        # Set whenever a server is taken or connects: wakes wait_serving().
        self._serving_changed: asyncio.Event | None = None

    # -- life cycle ------------------------------------------------------------------------

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """Where the Prometheus endpoint listens (``None``: not serving)."""
        return self._metrics_address

    async def start(self) -> None:
        """Start the Fleet and the bridge's tasks; returns at once (Redis unreachable is
        not an error: the bridge retries, and logs it)."""
        if self._started:
            return
        self._started = True
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._stopped = asyncio.Event()
        self._serving_changed = asyncio.Event()
        self._start_metrics()
        self.fleet.add_listener(self._listener)
        await self.fleet.start()
        loop = asyncio.get_running_loop()
        if self.settings is None:
            self._log.info(
                "bridge %s: writing JSON lines for %d server(s)", self.bridge_id, len(self._servers)
            )
            for name in self._servers:
                await self._take(name, None)
            self._writer = loop.create_task(self._write_lines(), name="pystrix-bridge-writer")
        else:
            self._redis = self._client(self.settings)
            self._load_actions()
            self._log.info(
                "bridge %s: Redis %s, prefix %r, %d server(s) configured, lease %d ms",
                self.bridge_id,
                redact_url(self.settings.url),
                self.settings.prefix,
                len(self._servers),
                self.settings.lease_ms,
            )
            self._writer = loop.create_task(self._write_redis(), name="pystrix-bridge-writer")
            self._tasks.append(loop.create_task(self._coordinate(), name="pystrix-bridge-leases"))
        self._tasks.append(loop.create_task(self._report(), name="pystrix-bridge-status"))

    async def wait_serving(
        self, servers: Iterable[str] | None = None, timeout: float | None = None
    ) -> bool:
        """Wait until this bridge owns ``servers`` (default: every configured server) and
        is logged in to each; false if ``timeout`` seconds passed first.  With several
        bridges sharing the servers, ask each for the ones it owns, or wait on the
        client's side instead (an action waits for the bridge that will own its server).
        """
        if self._serving_changed is None:
            raise RuntimeError("start() the bridge first")
        changed = self._serving_changed
        names = list(self._servers if servers is None else servers)

        async def ready() -> None:
            while not all(name in self._owned and self.fleet.is_connected(name) for name in names):
                changed.clear()
                await changed.wait()

        try:
            await asyncio.wait_for(ready(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Start, then carry events until :meth:`stop` (from another task, or a signal
        handler) has finished."""
        await self.start()
        assert self._stopped is not None
        await self._stopped.wait()

    async def stop(self) -> None:
        """Stop the Managers, write what is buffered (a few seconds at most), release the
        leases and leave the set of bridges.  Idempotent."""
        if not self._started or self._stopping:
            if self._stopped is not None:
                await self._stopped.wait()
            return
        self._stopping = True
        assert self._stopped is not None
        try:
            # The coordinator and the status first; the writer goes on to flush the buffer.
            for server in list(self._following):
                self._unfollow(server)
            expiry_takes = list(self._expiry_takes.values())
            for task in (*self._tasks, *self._handovers, *expiry_takes):
                task.cancel()
            await asyncio.gather(
                *self._tasks,
                *self._handovers,
                *expiry_takes,
                *self._removals.values(),
                return_exceptions=True,
            )
            for name in list(self._actions):
                await self._stop_actions(name)
            self.fleet.remove_listener(self._listener)
            await self.fleet.close()
            self._add_pending_gaps()
            if not await self._flushed(None, _FLUSH_ON_STOP):
                self._log.warning(
                    "bridge %s: stopped with %d entries not written",
                    self.bridge_id,
                    len(self._buffer),
                )
            if self._writer is not None:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)
            await self._leave()
        finally:
            self._stop_metrics()
            if self._redis is not None:
                with contextlib.suppress(Exception):
                    await self._redis.aclose()
            self._log.info("bridge %s: stopped", self.bridge_id)
            self._stopped.set()

    async def __aenter__(self) -> Bridge:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- status ----------------------------------------------------------------------------

    def status(self) -> BridgeStatus:
        """The bridge's figures now."""
        now = time.monotonic()
        rate_in = rate_out = 0.0
        if self._samples:
            then, was_in, was_out = self._samples[0]
            elapsed = now - then
            if elapsed > 0:
                rate_in = (self._events_in - was_in) / elapsed
                rate_out = (self._events_out - was_out) / elapsed
        try:
            states = self.fleet.status()
        except RuntimeError:  # closed
            states = {}
        connected = tuple(sorted(name for name, state in states.items() if state.connected))
        lag = now - self._buffer[0].queued if self._buffer else 0.0
        return BridgeStatus(
            bridge_id=self.bridge_id,
            servers_owned=tuple(sorted(self._owned)),
            servers_connected=connected,
            events_in_per_second=rate_in,
            events_out_per_second=rate_out,
            buffer_depth=len(self._buffer),
            buffer_limit=self._limit,
            events_dropped=sum(self._dropped.values()),
            redis_lag_seconds=lag,
            redis_up=self._redis_up,
            events_in=self._events_in,
            events_out=self._events_out,
            dropped_by_server=dict(self._dropped),
        )

    async def _report(self) -> None:
        """Sample the counters every second; log the status line every status_interval."""
        interval = self.config.bridge.status_interval
        tick = min(1.0, interval)
        next_line = time.monotonic() + interval
        while True:
            now = time.monotonic()
            self._samples.append((now, self._events_in, self._events_out))
            while self._samples and now - self._samples[0][0] > _RATE_WINDOW:
                self._samples.popleft()
            self._snapshot = self.status()
            if now >= next_line:
                next_line = now + interval
                self._log.info("%s", self._snapshot.line())
            await asyncio.sleep(tick)

    # -- what the listener calls (synchronously, on the loop: never awaits) --------------

    def _event(self, server: str, connection: str, seq: int, at: float, event: Message) -> None:
        self._events_in += 1
        token = self._tokens.get(server)
        if token is None:  # being removed: not ours any more
            return
        if len(self._buffer) >= self._limit:
            drops = self._drops.get(server)
            if drops is None:
                drops = self._drops[server] = _Drops(at)
            drops.count += 1
            drops.end = at
            self._dropped[server] = self._dropped.get(server, 0) + 1
            return
        if server in self._drops:
            self._gap_for_drops(server)
        self._push(_Item(server, token, connection=connection, seq=seq, when=at, event=event))

    def _connected(self, server: str, at: float) -> None:
        if self._serving_changed is not None:
            self._serving_changed.set()
        token = self._tokens.get(server)
        if token is None:
            return
        if server in self._takeover:
            start = self._takeover.pop(server)
            self._lost_at.pop(server, None)
            if start is not None:
                self._push_gap(server, "no_bridge", None, start, at)
        elif server in self._lost_at:
            self._push_gap(server, "disconnected", None, self._lost_at.pop(server), at)

    def _push_gap(
        self, server: str, reason: str, dropped: int | None, start: float, end: float
    ) -> None:
        gap = streams.GapEntry(server, reason, dropped, start, end, time.time())
        self._push(_Item(server, self._tokens[server], gap=gap))

    def _gap_for_drops(self, server: str) -> None:
        drops = self._drops.pop(server)
        self._push_gap(server, "buffer_full", drops.count, drops.start, drops.end)

    def _add_pending_gaps(self) -> None:
        """Gap entries for servers whose drops have not been marked yet, room permitting
        (a marker may exceed the bound by one per server)."""
        for server in list(self._drops):
            if len(self._buffer) >= self._limit:
                return
            if server in self._tokens:
                self._gap_for_drops(server)
            else:
                del self._drops[server]

    def _push(self, item: _Item) -> None:
        self._buffer.append(item)
        self._buffered[item.server] = self._buffered.get(item.server, 0) + 1
        wake = self._wake
        if wake is not None:
            wake.set()

    # -- the writer ------------------------------------------------------------------------

    def _take_batch(self) -> list[_Item]:
        """The next batch: the buffer's head up to the first stale entry (of an ownership
        lost since), after removing and counting stale entries at the head.  The entries
        stay buffered until written."""
        buffer = self._buffer
        while buffer and self._tokens.get(buffer[0].server) != buffer[0].token:
            item = buffer[0]
            self._pop(1)
            if item.gap is None:
                self._dropped[item.server] = self._dropped.get(item.server, 0) + 1
        batch: list[_Item] = []
        for item in itertools.islice(buffer, self._batch):
            if self._tokens.get(item.server) != item.token:
                break
            batch.append(item)
        return batch

    def _pop(self, count: int) -> None:
        for _ in range(count):
            item = self._buffer.popleft()
            left = self._buffered[item.server] - 1
            if left:
                self._buffered[item.server] = left
            else:
                del self._buffered[item.server]

    async def _written(self, count: int) -> None:
        self._pop(count)
        self._add_pending_gaps()
        assert self._progress is not None
        async with self._progress:
            self._progress.notify_all()

    async def _next_batch(self) -> list[_Item]:
        assert self._wake is not None
        while True:
            batch = self._take_batch()
            if batch:
                return batch
            self._add_pending_gaps()
            if self._buffer:
                continue
            self._wake.clear()
            await self._wake.wait()

    async def _write_lines(self) -> None:
        """JSON-lines mode: each entry as one line on the output."""
        output = self._output if self._output is not None else sys.stdout
        while True:
            batch = await self._next_batch()
            text = "".join(json.dumps(item.document()) + "\n" for item in batch)
            try:
                output.write(text)
                output.flush()
            except (OSError, ValueError) as exc:
                self._log.error("bridge %s: cannot write the JSON lines: %s", self.bridge_id, exc)
                self._pop(len(batch))
                asyncio.get_running_loop().create_task(self.stop())
                return
            self._events_out += sum(1 for item in batch if item.gap is None)
            await self._written(len(batch))

    async def _write_redis(self) -> None:
        """Redis mode: each batch in one round trip, one fenced script call per server."""
        delay = _RETRY_FIRST
        retry = False
        while True:
            batch = await self._next_batch()
            try:
                results = await self._send_batch(batch, retry)
            except (RedisError, OSError) as exc:
                self._redis_failed(exc)
                retry = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_CAP)
                continue
            self._redis_back()
            delay = _RETRY_FIRST
            retry = False
            for server, result in results.items():
                if result < 0:
                    self._log.warning(
                        "bridge %s: the lease of %s is another bridge's: dropping it",
                        self.bridge_id,
                        server,
                    )
                    self._lose(server)
            for item in batch:
                if item.gap is not None:
                    continue
                if results.get(item.server, 0) < 0:
                    self._dropped[item.server] = self._dropped.get(item.server, 0) + 1
                else:
                    self._events_out += 1
            await self._written(len(batch))

    async def _send_batch(self, batch: list[_Item], retry: bool) -> dict[str, int]:
        settings = self.settings
        assert settings is not None and self._redis is not None
        groups: dict[str, list[_Item]] = {}
        for item in batch:
            groups.setdefault(item.server, []).append(item)
        sha = await self._script("write")
        calls: list[tuple[str, list[str], list[str]]] = []
        for server, items in groups.items():
            args = [
                self.bridge_id,
                str(settings.lease_ms),
                str(settings.maxlen),
                "1" if retry else "0",
                server,
            ]
            extend = args.extend
            for item in items:
                if item.gap is None and item.connection:
                    # The values of streams.EventEntry.fields(), as it formats them.
                    extend((item.connection, str(item.seq), repr(item.when), item.raw()))
                else:
                    entry = item.fields()
                    extend(("", str(len(entry) * 2)))
                    for name, value in entry.items():
                        extend((name, value))
            keys = [
                streams.lease_key(settings.prefix, server),
                streams.events_key(settings.prefix, server),
            ]
            calls.append((server, keys, args))
        for attempt in range(2):
            pipe = self._redis.pipeline(transaction=False)
            for _, keys, args in calls:
                pipe.evalsha(sha, len(keys), *keys, *args)
            replies = await pipe.execute(raise_on_error=False)
            if not any(isinstance(reply, NoScriptError) for reply in replies) or attempt:
                break
            # Redis restarted and forgot the script: load it, and send again with the
            # dedupe flag (the calls that did run are not repeated).
            self._scripts.clear()
            sha = await self._script("write")
            for _, _, args in calls:
                args[3] = "1"
        results: dict[str, int] = {}
        for (server, _, _), reply in zip(calls, replies, strict=True):
            if isinstance(reply, Exception):
                raise reply
            results[server] = int(reply)
        return results

    async def _script(self, name: str) -> str:
        sha = self._scripts.get(name)
        if sha is None:
            assert self._redis is not None
            source = {
                "write": _WRITE_SCRIPT,
                "renew": _RENEW_SCRIPT,
                "release": _RELEASE_SCRIPT,
                "heartbeat": _HEARTBEAT_SCRIPT,
                "leases": _LEASES_SCRIPT,
            }[name]
            sha = str(await self._redis.script_load(source))
            self._scripts[name] = sha
        return sha

    async def _run_script(self, name: str, keys: list[str], args: list[str]) -> Any:
        assert self._redis is not None
        sha = await self._script(name)
        try:
            reply = await self._redis.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:
            self._scripts.clear()
            sha = await self._script(name)
            reply = await self._redis.evalsha(sha, len(keys), *keys, *args)
        return reply

    async def _flushed(self, server: str | None, timeout: float) -> bool:
        """Wait until the buffer holds nothing of ``server`` (``None``: nothing at all)."""
        assert self._progress is not None

        def done() -> bool:
            return not self._buffer if server is None else server not in self._buffered

        if self.settings is not None and not self._redis_up and not done():
            return False  # Redis is down: waiting would only delay the stop
        try:
            async with self._progress:
                await asyncio.wait_for(self._progress.wait_for(done), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def _redis_failed(self, exc: BaseException) -> None:
        if self._redis_up or not self._redis_warned:
            assert self.settings is not None
            self._log.warning(
                "bridge %s: Redis at %s unreachable (%s): buffering events and retrying",
                self.bridge_id,
                redact_url(self.settings.url),
                _reason(exc),
            )
            self._redis_warned = True
        self._redis_up = False

    def _redis_back(self) -> None:
        if not self._redis_up:
            if self._redis_warned:
                self._log.info("bridge %s: Redis is reachable again", self.bridge_id)
            self._redis_up = True

    # -- ownership -------------------------------------------------------------------------

    def _client(self, settings: RedisSettings) -> aioredis.Redis:
        options: dict[str, Any] = {
            "socket_timeout": max(settings.lease_ms / 3000, 1.0),
            "socket_connect_timeout": max(settings.lease_ms / 3000, 1.0),
            # One immediate retry (a pooled connection found dead after a Redis restart);
            # the bridge's own loops do the backing off.
            "retry": Retry(NoBackoff(), 1),
        }
        if settings.password is not None:
            options["password"] = settings.password
        if settings.tls_cafile is not None:
            options["ssl_ca_certs"] = settings.tls_cafile
        return aioredis.Redis.from_url(settings.url, **options)

    def _load_actions(self) -> None:
        try:
            from ._actions import serve_actions
        except ImportError as exc:
            self._log.error(
                "bridge %s: actions are not served (pystrix.fleet._actions: %s)",
                self.bridge_id,
                exc,
            )
            return
        self._serve_actions = serve_actions

    async def _take(self, server: str, takeover_start: float | None) -> None:
        """Own ``server``: start its Manager (and serve its actions, with Redis)."""
        removal = self._removals.pop(server, None)
        if removal is not None:
            await removal
        self._tokens[server] = next(self._token_numbers)
        self._owned.add(server)
        self._free_since.pop(server, None)
        if self.settings is not None:
            self._takeover[server] = takeover_start
        try:
            await self.fleet.add_server(self._servers[server])
        except ValueError:
            # Still held by the Fleet (an earlier ownership being removed): it stays.
            pass
        if self._serving_changed is not None:
            self._serving_changed.set()
        if self.settings is not None and self._serve_actions is not None and self._redis:
            self._actions[server] = asyncio.get_running_loop().create_task(
                self._serve_actions(
                    self._redis, self.settings, server, self.fleet, self.bridge_id, self._log
                ),
                name=f"pystrix-bridge-actions-{server}",
            )

    async def _stop_actions(self, server: str) -> None:
        task = self._actions.pop(server, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _stop_server(self, server: str) -> None:
        await self._stop_actions(server)
        with contextlib.suppress(KeyError):
            await self.fleet.remove_server(server)

    def _lose(self, server: str) -> None:
        """Another bridge holds ``server``'s lease: forget it now (its buffered entries
        become stale and are counted dropped) and stop its Manager."""
        if self._tokens.pop(server, None) is None:
            return
        self._owned.discard(server)
        self._takeover.pop(server, None)
        self._lost_at.pop(server, None)
        drops = self._drops.pop(server, None)
        del drops  # already counted in _dropped
        self._removals[server] = asyncio.get_running_loop().create_task(self._stop_server(server))

    async def _hand_over(self, server: str) -> None:
        """Give ``server`` to the bridge that wins it: stop its Manager, write its
        buffered events, then release the lease."""
        assert self.settings is not None
        self._releasing.add(server)
        try:
            self._log.info("bridge %s: handing %s over", self.bridge_id, server)
            await self._stop_server(server)
            if server in self._drops and server in self._tokens:
                self._gap_for_drops(server)
            if not await self._flushed(server, self.settings.lease_ms / 1000):
                # Redis is down or too slow: what is left is dropped (counted), rather than
                # written later without a lease.
                self._log.warning(
                    "bridge %s: %d entries of %s not written before the handover",
                    self.bridge_id,
                    self._buffered.get(server, 0),
                    server,
                )
            token = self._tokens.pop(server, None)
            self._owned.discard(server)
            self._takeover.pop(server, None)
            self._lost_at.pop(server, None)
            if token is not None:
                await self._run_script(
                    "release",
                    [streams.lease_key(self.settings.prefix, server)],
                    [self.bridge_id],
                )
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
        finally:
            self._releasing.discard(server)

    async def _coordinate(self) -> None:
        """Heartbeat, renew, hand over and take servers, every lease_ms / 3."""
        assert self.settings is not None
        period = self.settings.lease_ms / 3000
        while True:
            try:
                await self._round()
                self._redis_back()
            except (RedisError, OSError) as exc:
                self._redis_failed(exc)
            await asyncio.sleep(period)

    async def _round(self) -> None:
        settings = self.settings
        assert settings is not None and self._redis is not None
        prefix = settings.prefix
        # The configured names, every round: a Redis restarted without its data has them
        # again at once.
        if self._servers:
            await self._redis.sadd(streams.servers_key(prefix), *self._servers)
        now, scored = await self._run_script(
            "heartbeat", [streams.bridges_key(prefix)], [self.bridge_id, str(settings.lease_ms)]
        )
        # The bridges that heartbeat within two rounds: one silent longer is taken for dead
        # (it stays listed for a lease time, but wins no server meanwhile); a live one late
        # for a while only misses the free servers it would win, as its leases stay its own.
        fresh_after = int(now) - 2 * settings.lease_ms / 3
        live = {
            _text(member)
            for member, score in zip(scored[::2], scored[1::2], strict=True)
            if float(_text(score)) >= fresh_after
        } | {self.bridge_id}

        # Renew what we hold (those being handed over too: until their release).
        held = sorted(self._owned)
        if held:
            sha = await self._script("renew")
            pipe = self._redis.pipeline(transaction=False)
            for server in held:
                pipe.evalsha(
                    sha, 1, streams.lease_key(prefix, server), self.bridge_id, settings.lease_ms
                )
            try:
                outcomes = await pipe.execute()
            except NoScriptError:
                self._scripts.clear()
                raise
            for server, outcome in zip(held, outcomes, strict=True):
                if int(outcome) == 0 and server in self._tokens:
                    self._log.warning(
                        "bridge %s: %s was taken by another bridge while Redis was out of "
                        "reach: dropping it",
                        self.bridge_id,
                        server,
                    )
                    self._lose(server)

        # Hand over the servers another live bridge now wins.
        owners = assign(live, self._servers)
        for server in sorted(self._owned - self._releasing):
            if owners.get(server) != self.bridge_id:
                task = asyncio.get_running_loop().create_task(self._hand_over(server))
                self._handovers.add(task)
                task.add_done_callback(self._handovers.discard)

        # Take the servers we win, and those left free for a whole lease time.
        candidates = [s for s in self._servers if s not in self._owned]
        if not candidates:
            return
        reply = await self._run_script(
            "leases", [streams.lease_key(prefix, server) for server in candidates], []
        )
        redis_now = int(reply[0])
        clock = time.monotonic()
        at = asyncio.get_running_loop().time()
        # Each lease held by another bridge is followed: the bridge that would win its
        # server without that holder keeps a timer at the lease's expiry (each round moves
        # it to the expiry read then).  A live holder renews every lease_ms / 3, long before
        # the timer; a dead one renewed before it died, so the timer is at most lease_ms
        # after its death, and SET NX succeeds there (and only once the lease has expired:
        # a holder merely late keeps its servers).
        without: dict[str, dict[str, str]] = {}
        for server, owner, pttl in zip(candidates, reply[1::2], reply[2::2], strict=True):
            if owner:
                self._free_since.pop(server, None)
                holder = _text(owner)
                ttl = int(pttl)
                if holder == self.bridge_id:
                    continue  # being taken (an attempt at expiry between its steps)
                if holder not in without:
                    without[holder] = assign(live - {holder}, self._servers)
                if ttl >= 0 and without[holder].get(server) == self.bridge_id:
                    self._follow(server, holder, redis_now + ttl, at + ttl / 1000)
                else:
                    self._unfollow(server)
                continue
            # Free: the round takes it if it should (its timer may try as well: one SET NX
            # wins).
            followed = self._following.get(server)
            since = self._free_since.setdefault(server, clock)
            wins = owners.get(server) == self.bridge_id
            if wins or clock - since >= settings.lease_ms / 1000:
                await self._acquire(server, followed[1] if followed else None)

    def _follow(self, server: str, holder: str, expiry: int, deadline: float) -> None:
        """Try to take ``server`` when ``holder``'s lease expires: at ``expiry`` on
        Redis's clock, ``deadline`` on the loop's (replaces any earlier timer)."""
        loop = asyncio.get_running_loop()
        earlier = self._following.get(server)
        if earlier is not None:
            earlier[2].cancel()
        timer = loop.call_at(deadline, self._expired, server)
        self._following[server] = (holder, expiry, timer)

    def _unfollow(self, server: str) -> None:
        followed = self._following.pop(server, None)
        if followed is not None:
            followed[2].cancel()

    def _expired(self, server: str) -> None:
        """A followed lease's timer: try to take it (unless an attempt is running)."""
        followed = self._following.pop(server, None)
        if followed is None or self._stopping or server in self._expiry_takes:
            return
        self._expiry_takes[server] = asyncio.get_running_loop().create_task(
            self._take_on_expiry(server, followed[1]), name=f"pystrix-bridge-expiry-{server}"
        )

    async def _take_on_expiry(self, server: str, expiry: int) -> None:
        settings = self.settings
        assert settings is not None and self._redis is not None
        try:
            if server in self._owned or await self._acquire(server, expiry):
                return
            # Not free: renewed (the holder lives), taken by another, or reached a
            # millisecond early (PTTL rounds).  Follow it on, unless a round did meanwhile.
            key = streams.lease_key(settings.prefix, server)
            now, owner, ttl = await self._run_script("leases", [key], [])
            ttl = int(ttl)
            if owner is None:
                ttl = 0
            elif _text(owner) == self.bridge_id or ttl < 0:
                return
            if server not in self._following and not self._stopping:
                loop = asyncio.get_running_loop()
                holder = _text(owner) if owner is not None else ""
                self._follow(server, holder, int(now) + ttl, loop.time() + ttl / 1000)
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
        finally:
            del self._expiry_takes[server]

    async def _acquire(self, server: str, expiry: int | None = None) -> bool:
        """Take ``server``'s lease if it is free (true: taken); ``expiry``: the expired
        lease's end this attempt was timed for (recorded in :attr:`taken_on_expiry`)."""
        settings = self.settings
        assert settings is not None and self._redis is not None
        taken = await self._redis.set(
            streams.lease_key(settings.prefix, server),
            self.bridge_id,
            nx=True,
            px=settings.lease_ms,
        )
        if not taken:
            return False
        if expiry is not None:
            self.taken_on_expiry[server] = expiry
        last = await self._redis.xrevrange(
            streams.events_key(settings.prefix, server), "+", "-", count=1
        )
        start: float | None = None
        if last:
            entry_id, entry = last[0]
            try:
                start = streams.decode_stream_entry(entry or {}).time
            except streams.EntryError:
                start = _entry_id_time(entry_id or "0")
        self._log.info("bridge %s: took %s", self.bridge_id, server)
        await self._take(server, start)
        return True

    async def _leave(self) -> None:
        """Release every lease still held and leave the set of bridges (best effort)."""
        settings = self.settings
        if settings is None or self._redis is None:
            return
        try:
            for server in sorted(self._owned):
                await self._run_script(
                    "release", [streams.lease_key(settings.prefix, server)], [self.bridge_id]
                )
            await self._redis.zrem(streams.bridges_key(settings.prefix), self.bridge_id)
        except (RedisError, OSError) as exc:
            self._log.warning(
                "bridge %s: could not release its leases (%s): they expire in %d ms",
                self.bridge_id,
                _reason(exc),
                settings.lease_ms,
            )
        self._owned.clear()
        self._tokens.clear()

    # -- metrics ---------------------------------------------------------------------------

    def _start_metrics(self) -> None:
        port = self.config.bridge.metrics_port
        if port is None:
            return
        try:
            import prometheus_client
            from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        except ImportError:
            raise RuntimeError(
                "--metrics-port needs prometheus-client: pip install 'pystrix[metrics]'"
            ) from None
        bridge = self

        class Collector:
            def collect(self) -> Iterable[Any]:
                status = bridge._snapshot or bridge.status()
                figures = [
                    ("servers_owned", "Servers this bridge owns", len(status.servers_owned)),
                    (
                        "servers_connected",
                        "Owned servers connected now",
                        len(status.servers_connected),
                    ),
                    ("events_in_per_second", "Events/s from AMI", status.events_in_per_second),
                    ("events_out_per_second", "Events/s written", status.events_out_per_second),
                    ("buffer_depth", "Entries waiting for Redis", status.buffer_depth),
                    ("buffer_limit", "The buffer's bound", status.buffer_limit),
                    (
                        "redis_lag_seconds",
                        "Age of the oldest waiting entry",
                        status.redis_lag_seconds,
                    ),
                    ("redis_up", "1 when Redis answers", 1.0 if status.redis_up else 0.0),
                ]
                for name, text, value in figures:
                    yield GaugeMetricFamily(f"pystrix_bridge_{name}", text, value=value)
                for name, text, value in (
                    ("events_in", "Events taken from AMI", status.events_in),
                    ("events_out", "Events written", status.events_out),
                ):
                    yield CounterMetricFamily(f"pystrix_bridge_{name}", text, value=value)
                dropped = CounterMetricFamily(
                    "pystrix_bridge_events_dropped", "Events dropped", labels=["server"]
                )
                for server, count in sorted(status.dropped_by_server.items()):
                    dropped.add_metric([server], count)
                yield dropped

        registry = prometheus_client.CollectorRegistry(auto_describe=False)
        registry.register(Collector())
        server, _ = prometheus_client.start_http_server(
            port, addr=self.metrics_host, registry=registry
        )
        self._metrics_server = server
        self._metrics_address = (self.metrics_host, int(server.server_port))
        self._log.info(
            "bridge %s: metrics on http://%s:%d/metrics",
            self.bridge_id,
            self.metrics_host,
            server.server_port,
        )

    def _stop_metrics(self) -> None:
        server = self._metrics_server
        if server is not None:
            self._metrics_server = None
            server.shutdown()
            server.server_close()


def _settings_fields(settings: RedisSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in RedisSettings.__dataclass_fields__}


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _entry_id_time(entry_id: bytes | str) -> float:
    """A stream entry id's time part, in epoch seconds."""
    return int(_text(entry_id).split("-")[0]) / 1000


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
