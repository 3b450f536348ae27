"""The Redis bridge (pystrix.fleet.bridge) against a real redis-server and simulators.

Events are made with UserEvent actions sent by a separate asyncio Manager logged into
the same simulator.  Every wait is on a condition, bounded by a safety timeout only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from pystrix.ami import ReconnectPolicy, aio, core
from pystrix.fleet import streams
from pystrix.fleet.bridge import Bridge, assign, redact_url
from pystrix.fleet.config import FleetConfig, RedisSettings, ServerConfig, load_config
from pystrix.testing import AsteriskSimulator
from pystrix.testing.simulator import SimulatedUser
from redis_servers import RedisServer, free_port, running_redis

SAFETY = 30.0  # seconds: only ever a bound on a wait for a condition
FAST = ReconnectPolicy(initial_delay=0.05, max_delay=0.2, jitter=0.5)
AMI_SECRET = "ami-Sekr3t-xyzzy"
REDIS_PASSWORD = "redis-Pa55-plugh"
REPO = Path(__file__).resolve().parent.parent


# -- helpers ------------------------------------------------------------------------------


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """A coroutine test run on its own event loop (pytest sees the same fixtures)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


@contextlib.contextmanager
def simulators(count: int, **options: Any) -> Iterator[list[AsteriskSimulator]]:
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(
                AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.02, **options)
            )
            for _ in range(count)
        ]


def servers_of(sims: list[AsteriskSimulator], secret: str = "wordpass") -> tuple[ServerConfig, ...]:
    return tuple(
        ServerConfig(f"pbx-{index}", sim.host, sim.port, "admin", secret)
        for index, sim in enumerate(sims)
    )


def config_for(
    sims: list[AsteriskSimulator], server: RedisServer | None, **redis_options: Any
) -> FleetConfig:
    settings = None
    if server is not None:
        settings = RedisSettings(url=server.url, **redis_options)
    return FleetConfig(servers=servers_of(sims), reconnect=FAST, redis=settings)


async def until(condition: Callable[[], Any], what: str, timeout: float = SAFETY) -> None:
    """Wait until ``condition()`` is true (checked every few milliseconds)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def sender(sim: AsteriskSimulator, secret: str = "wordpass") -> AsyncIterator[aio.Manager]:
    manager = aio.Manager()
    try:
        await manager.connect(sim.host, sim.port)
        response = await manager.send_action(core.Login("admin", secret))
        assert response is not None and response.success
        yield manager
    finally:
        await manager.close()


async def send_events(manager: aio.Manager, tag: str, numbers: range) -> None:
    for number in numbers:
        response = await manager.send_action(
            core.UserEvent(tag, N=str(number), Rep=["first", "second"])
        )
        assert response is not None and response.success


def entries(client: redis.Redis, prefix: str, server: str) -> list[streams.StreamEntry]:
    return [
        streams.decode_stream_entry(fields)
        for _, fields in client.xrange(streams.events_key(prefix, server))
    ]


def tagged(found: list[streams.StreamEntry], tag: str) -> list[int]:
    """The N of each UserEvent ``tag`` among the entries, in stream order."""
    numbers = []
    for entry in found:
        if isinstance(entry, streams.EventEntry) and f"\r\nUserEvent: {tag}\r\n" in entry.raw:
            line = next(part for part in entry.raw.split("\r\n") if part.startswith("N: "))
            numbers.append(int(line[3:]))
    return numbers


@contextlib.contextmanager
def sync_client(server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(server.url, **server.client_options())
    try:
        yield client
    finally:
        client.close()


# -- pure parts ---------------------------------------------------------------------------


def test_assignment_is_even_and_agreed() -> None:
    servers = [f"pbx-{n}" for n in range(10)]
    owners = assign(["b", "a", "c"], servers)
    assert owners == assign(["c", "b", "a"], servers)
    loads = sorted(list(owners.values()).count(bridge) for bridge in "abc")
    assert loads == [3, 3, 4]
    assert assign([], servers) == {}


def test_redact_url() -> None:
    assert redact_url("redis://user:hunter2@host:6380/0") == "redis://user:***@host:6380/0"
    assert redact_url("rediss://:hunter2@[::1]:6380") == "rediss://:***@[::1]:6380"
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


# -- events into Redis --------------------------------------------------------------------


@run_async
async def test_events_of_three_servers_land_in_order(redis_server: RedisServer) -> None:
    with simulators(3) as sims:
        bridge = Bridge(config_for(sims, redis_server), bridge_id="bridge-one")
        async with bridge:
            await until(lambda: len(bridge.status().servers_connected) == 3, "connections")
            async with contextlib.AsyncExitStack() as stack:
                senders = [await stack.enter_async_context(sender(sim)) for sim in sims]
                await asyncio.gather(
                    *(send_events(manager, "Order", range(25)) for manager in senders)
                )
            with sync_client(redis_server) as client:

                def complete() -> bool:
                    return all(
                        tagged(entries(client, "pystrix", f"pbx-{n}"), "Order") == list(range(25))
                        for n in range(3)
                    )

                await until(complete, "every event in its stream")
                for n in range(3):
                    found = entries(client, "pystrix", f"pbx-{n}")
                    assert all(isinstance(entry, streams.EventEntry) for entry in found)
                    events = [e for e in found if isinstance(e, streams.EventEntry)]
                    assert {e.server for e in events} == {f"pbx-{n}"}
                    assert len({e.connection for e in events}) == 1
                    assert [e.seq for e in events] == list(range(1, len(events) + 1))
                    times = [e.time for e in events]
                    assert times == sorted(times) and times[0] > 1e9
                    user = next(e for e in events if "UserEvent: Order" in e.raw)
                    # Headers as received, repeats kept, CR LF between, no blank line.
                    assert "\r\nRep: first\r\nRep: second\r\n" in user.raw
                    assert user.raw.startswith("Event: UserEvent\r\n")
                    assert not user.raw.endswith("\r\n")
                    assert client.get(streams.lease_key("pystrix", f"pbx-{n}")) == b"bridge-one"
                assert client.smembers("pystrix:servers") == {b"pbx-0", b"pbx-1", b"pbx-2"}
                assert client.zscore("pystrix:bridges", "bridge-one") is not None
            await until(
                lambda: bridge.status().events_out == bridge.status().events_in, "all written"
            )
            status = bridge.status()
            assert status.servers_owned == ("pbx-0", "pbx-1", "pbx-2")
            assert status.events_dropped == 0 and status.redis_up and status.buffer_depth == 0
        with sync_client(redis_server) as client:
            # A graceful stop releases the leases and leaves the set of bridges.
            assert client.get(streams.lease_key("pystrix", "pbx-0")) is None
            assert client.zscore("pystrix:bridges", "bridge-one") is None


@run_async
async def test_json_lines_without_redis() -> None:
    output = io.StringIO()
    with simulators(2) as sims:
        bridge = Bridge(config_for(sims, None), output=output)
        async with bridge:
            await until(lambda: len(bridge.status().servers_connected) == 2, "connections")
            for sim in sims:
                async with sender(sim) as manager:
                    await send_events(manager, "Lines", range(5))

            def lines() -> list[dict[str, Any]]:
                return [json.loads(line) for line in output.getvalue().splitlines()]

            def user_events(server: str) -> list[dict[str, Any]]:
                return [
                    line
                    for line in lines()
                    if line["server"] == server and ["UserEvent", "Lines"] in line["headers"]
                ]

            await until(lambda: all(len(user_events(f"pbx-{n}")) == 5 for n in range(2)), "lines")
        for n in range(2):
            server = f"pbx-{n}"
            mine = [line for line in lines() if line["server"] == server]
            assert [line["seq"] for line in mine] == list(range(1, len(mine) + 1))
            first = user_events(server)[0]
            assert set(first) >= {"server", "conn", "seq", "time", "headers"}
            assert ["Rep", "first"] in first["headers"] and ["Rep", "second"] in first["headers"]
        assert bridge.status().servers_owned == ("pbx-0", "pbx-1")


@run_async
async def test_storm_with_redis_killed_and_restarted(redis_server: RedisServer) -> None:
    bound = 40
    with simulators(1) as sims:
        config = config_for(sims, redis_server, buffer=bound, batch=8, lease_ms=60_000)
        bridge = Bridge(config, bridge_id="storm")
        async with bridge, sender(sims[0]) as manager:
            await until(lambda: bridge.status().servers_connected == ("pbx-0",), "connection")
            with sync_client(redis_server) as client:
                await send_events(manager, "Storm", range(30))
                await until(
                    lambda: tagged(entries(client, "pystrix", "pbx-0"), "Storm") == list(range(30)),
                    "the first events in Redis",
                )
                await until(lambda: bridge.status().buffer_depth == 0, "an empty buffer")
            await asyncio.to_thread(redis_server.kill)
            received = bridge.status().events_in
            await send_events(manager, "Storm", range(30, 230))
            await until(lambda: bridge.status().events_in == received + 200, "the storm read")
            during = bridge.status()
            assert during.buffer_depth == bound and during.events_dropped == 200 - bound
            await asyncio.to_thread(redis_server.restart)
            # Once the buffer has drained into the restarted Redis, new events pass again.
            await until(lambda: bridge.status().buffer_depth == 0, "the drained buffer")
            await send_events(manager, "Storm", range(230, 240))
            with sync_client(redis_server) as client:
                await until(
                    lambda: tagged(entries(client, "pystrix", "pbx-0"), "Storm")[-1:] == [239],
                    "the last events",
                )
                found = entries(client, "pystrix", "pbx-0")
        seen = tagged(found, "Storm")
        # Every event up to the bound arrived, in order; the rest are counted.
        assert seen == [*range(30 + bound), *range(230, 240)]
        gaps = [entry for entry in found if isinstance(entry, streams.GapEntry)]
        assert [gap.reason for gap in gaps] == ["buffer_full"]
        assert gaps[0].dropped == 200 - bound == bridge.status().events_dropped
        assert gaps[0].start <= gaps[0].end
        assert len(seen) + gaps[0].dropped == 240  # sent = seen + counted drops
        # The gap sits where the events went missing, and the seq jump matches it.
        events = [entry for entry in found if isinstance(entry, streams.EventEntry)]
        position = found.index(gaps[0])
        before, after = found[position - 1], found[position + 1]
        assert isinstance(before, streams.EventEntry) and isinstance(after, streams.EventEntry)
        assert after.seq - before.seq - 1 == gaps[0].dropped
        assert [e.seq for e in events] == sorted({e.seq for e in events})


@run_async
async def test_reconnect_writes_a_disconnected_gap(redis_server: RedisServer) -> None:
    port = free_port()
    first = AsteriskSimulator(port=port, auth_failure_delay=0.01, time_scale=0.02).start()
    try:
        config = FleetConfig(
            servers=(ServerConfig("pbx-0", "127.0.0.1", port, "admin", "wordpass"),),
            reconnect=FAST,
            redis=RedisSettings(url=redis_server.url),
        )
        async with Bridge(config) as bridge:
            await until(lambda: bridge.status().servers_connected == ("pbx-0",), "connection")
            first.stop()
            await until(lambda: not bridge.status().servers_connected, "the loss")
            first = AsteriskSimulator(port=port, auth_failure_delay=0.01, time_scale=0.02).start()
            await until(lambda: bridge.status().servers_connected == ("pbx-0",), "reconnection")
            with sync_client(redis_server) as client:

                def gaps() -> list[streams.GapEntry]:
                    return [
                        e
                        for e in entries(client, "pystrix", "pbx-0")
                        if isinstance(e, streams.GapEntry)
                    ]

                await until(gaps, "the gap entry")
                (gap,) = gaps()
                assert gap.reason == "disconnected" and gap.dropped is None
                assert gap.start < gap.end
                found = entries(client, "pystrix", "pbx-0")
                await until(
                    lambda: (
                        len(
                            {
                                e.connection
                                for e in entries(client, "pystrix", "pbx-0")
                                if isinstance(e, streams.EventEntry)
                            }
                        )
                        == 2
                    ),
                    "the new connection's events",
                )
                found = entries(client, "pystrix", "pbx-0")
                index = found.index(gap)
                later = found[index + 1]
                assert isinstance(later, streams.EventEntry) and later.seq == 1
    finally:
        first.stop()


@run_async
async def test_fenced_write_layout_and_dedupe(redis_server: RedisServer) -> None:
    """The compact write script stores exactly the entries' fields (names, order, values)
    and, on a retry, skips what the failed round trip had already written."""
    from pystrix.ami.message import Message
    from pystrix.fleet.bridge import _Item

    config = FleetConfig(
        servers=(ServerConfig("pbx-0", "127.0.0.1", 1, "admin", "wordpass"),),
        redis=RedisSettings(url=redis_server.url),
    )
    bridge = Bridge(config, bridge_id="writer")
    assert bridge.settings is not None
    bridge._redis = bridge._client(bridge.settings)
    bridge._tokens["pbx-0"] = 1
    try:
        event = Message([("Event", "UserEvent"), ("Rep", "first"), ("Rep", "second")])
        gap = streams.GapEntry("pbx-0", "no_bridge", None, 1.5, 2.25, 3.125)
        items = [
            _Item("pbx-0", 1, gap=gap),
            *(
                _Item("pbx-0", 1, connection="abc", seq=n, when=1e9 + n / 7, event=event)
                for n in range(1, 4)
            ),
        ]
        assert await bridge._send_batch(items, False) == {"pbx-0": 4}
        # A retry of the same batch (its reply lost) writes nothing again; one with more
        # entries writes only those.
        assert await bridge._send_batch(items, True) == {"pbx-0": 0}
        more = _Item("pbx-0", 1, connection="abc", seq=4, when=1e9, event=event)
        assert await bridge._send_batch([*items, more], True) == {"pbx-0": 1}
        with sync_client(redis_server) as client:
            stored = [
                {name.decode(): value.decode() for name, value in fields.items()}
                for _, fields in client.xrange(streams.events_key("pystrix", "pbx-0"))
            ]
        expected = [item.fields() for item in [*items, more]]
        assert stored == expected
        assert [list(entry) for entry in stored] == [list(entry) for entry in expected]
        assert list(stored[1]) == ["kind", "server", "conn", "seq", "time", "raw"]
        assert stored[1]["raw"] == "Event: UserEvent\r\nRep: first\r\nRep: second"
    finally:
        await bridge._redis.aclose()


# -- sharing ------------------------------------------------------------------------------


def write_config(
    directory: Path, sims: list[AsteriskSimulator], redis_url: str, **redis_options: Any
) -> Path:
    lines = ["[fleet]", "reconnect = { initial_delay = 0.05, max_delay = 0.2, jitter = 0.5 }"]
    lines += ["[redis]", f'url = "{redis_url}"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in redis_options.items()]
    for index, sim in enumerate(sims):
        lines += [
            "[[servers]]",
            f'name = "pbx-{index}"',
            f'host = "{sim.host}"',
            f"port = {sim.port}",
            'username = "admin"',
            'secret_env = "TEST_AMI_SECRET"',
        ]
    path = directory / "fleet.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def owners(client: redis.Redis, count: int) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for n in range(count):
        value = client.get(streams.lease_key("pystrix", f"pbx-{n}"))
        found[f"pbx-{n}"] = None if value is None else value.decode()
    return found


@run_async
async def test_two_bridges_share_then_one_is_killed(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    with simulators(4) as sims:
        path = write_config(tmp_path, sims, redis_server.url, lease_ms=1000)
        environ = {**os.environ, "TEST_AMI_SECRET": "wordpass"}
        config = load_config(path, environ)
        child = subprocess.Popen(
            [sys.executable, "-m", "pystrix", "bridge", "--config", str(path), "--id", "two"],
            env={**environ, "PYTHONPATH": str(REPO / "src")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            async with Bridge(config, bridge_id="one") as bridge:
                with sync_client(redis_server) as client:

                    def split() -> bool:
                        held = list(owners(client, 4).values())
                        return held.count("one") == 2 and held.count("two") == 2

                    await until(split, "an even split")
                    await until(lambda: len(bridge.status().servers_connected) == 2, "connected")
                    assert len(bridge.status().servers_owned) == 2
                    theirs = sorted(s for s, owner in owners(client, 4).items() if owner == "two")
                    # The other bridge's streams have entries (its logins' events).
                    await until(
                        lambda: all(client.xlen(streams.events_key("pystrix", s)) for s in theirs),
                        "the other bridge's events",
                    )
                    child.send_signal(signal.SIGKILL)
                    child.wait(SAFETY)
                    killed = time.monotonic()
                    # Redis's time now (after the death) and each victim lease's expiry, read
                    # together: the victim renewed before it died, so its leases expire
                    # within lease_ms of its death, hence of this moment.
                    now, *leases = client.eval(
                        "local t = redis.call('TIME') local r = {t[1] * 1000 + math.floor("
                        "t[2] / 1000)} for i = 1, #KEYS do r[#r + 1] = redis.call('GET', "
                        "KEYS[i]) r[#r + 1] = redis.call('PTTL', KEYS[i]) end return r",
                        len(theirs),
                        *(streams.lease_key("pystrix", server) for server in theirs),
                    )
                    pairs = zip(leases[::2], leases[1::2], strict=True)
                    expiries = {
                        server: now + ttl
                        for server, (holder, ttl) in zip(theirs, pairs, strict=True)
                        if holder == b"two" and ttl >= 0
                    }
                    await until(lambda: set(owners(client, 4).values()) == {"one"}, "the takeover")
                    took = time.monotonic() - killed
                    await until(lambda: len(bridge.status().servers_owned) == 4, "owned")
                    # Takeover within the lease time, as an ordering rather than a timing:
                    # the survivor follows each lease it would win without its holder, and
                    # took each victim server with a SET NX timed for that lease's own last
                    # expiry (Redis's clock, recorded by the bridge), which the victim fixed
                    # by its last renewal, before it died: so at most lease_ms after the
                    # death, hence after `now`.  Nothing waited for a later round; only the
                    # survivor's wake-up at that instant is timing, and is not asserted.
                    for server in theirs:
                        expiry = bridge.taken_on_expiry[server]
                        assert expiry <= now + 1000 + 2  # milliseconds, PTTL rounding
                        if server in expiries:  # the same lease's expiry, read twice
                            assert abs(expiry - expiries[server]) <= 2
                    await until(lambda: len(bridge.status().servers_connected) == 4, "connected")
                    for server in theirs:

                        def no_bridge(server: str = server) -> list[streams.GapEntry]:
                            return [
                                e
                                for e in entries(client, "pystrix", server)
                                if isinstance(e, streams.GapEntry) and e.reason == "no_bridge"
                            ]

                        await until(no_bridge, f"the no_bridge gap of {server}")
                        gap = no_bridge()[0]
                        assert gap.dropped is None and gap.start <= gap.end
                    print(f"servers taken over {took:.2f} s after the SIGKILL (lease 1 s)")
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(SAFETY)
            assert child.stderr is not None
            child.stderr.close()


# -- password, TLS, secrets ---------------------------------------------------------------


@run_async
async def test_password_and_tls_and_no_secret_anywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    users = [SimulatedUser("admin", AMI_SECRET)]
    with (
        running_redis(password=REDIS_PASSWORD, tls=True) as server,
        simulators(1, users=users) as sims,
    ):
        assert server.ca_file is not None
        path = tmp_path / "fleet.toml"
        path.write_text(
            "[redis]\n"
            f'url = "{server.url}"\n'
            'password_env = "TEST_REDIS_PASSWORD"\n'
            f'tls_cafile = "{server.ca_file}"\n'
            "[bridge]\nstatus_interval = 0.05\nmetrics_port = 0\n"
            "[[servers]]\n"
            f'name = "pbx-0"\nhost = "{sims[0].host}"\nport = {sims[0].port}\n'
            'username = "admin"\nsecret_env = "TEST_AMI_SECRET"\n'
        )
        environ = {"TEST_REDIS_PASSWORD": REDIS_PASSWORD, "TEST_AMI_SECRET": AMI_SECRET}
        config = load_config(path, environ)
        async with Bridge(config) as bridge:
            await until(lambda: bridge.status().servers_connected == ("pbx-0",), "connection")
            async with sender(sims[0], AMI_SECRET) as manager:
                await send_events(manager, "Secure", range(3))
            with sync_client(server) as client:
                await until(
                    lambda: tagged(entries(client, "pystrix", "pbx-0"), "Secure") == [0, 1, 2],
                    "the events over TLS",
                )
                dump = repr(client.xrange(streams.events_key("pystrix", "pbx-0")))
            await until(
                lambda: any("events/s in" in r.getMessage() for r in caplog.records),
                "a status line",
            )
            address = bridge.metrics_address
            assert address is not None
            url = f"http://{address[0]}:{address[1]}/metrics"
            metrics = await asyncio.to_thread(lambda: urllib.request.urlopen(url).read().decode())
            status = repr(bridge.status())
        assert "\npystrix_bridge_buffer_depth " in metrics
        assert "\npystrix_bridge_servers_connected 1.0" in metrics
        assert "pystrix_bridge_redis_up 1.0" in metrics
        assert "pystrix_bridge_events_out_total" in metrics
        logs = "\n".join(record.getMessage() for record in caplog.records)
        assert "Redis rediss://127.0.0.1" in logs
        for secret in (AMI_SECRET, REDIS_PASSWORD):
            for text in (logs, dump, status, metrics, repr(config)):
                assert secret not in text


@run_async
async def test_redis_unreachable_at_start_is_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pystrix.fleet.bridge")
    server = RedisServer()
    try:
        with simulators(1) as sims:
            async with Bridge(config_for(sims, server, lease_ms=600)) as bridge:
                await until(
                    lambda: any("unreachable" in r.getMessage() for r in caplog.records),
                    "the warning",
                )
                assert not bridge.status().redis_up and not bridge.status().servers_owned
                await asyncio.to_thread(server.start)
                await until(lambda: bridge.status().servers_connected == ("pbx-0",), "ownership")
                assert bridge.status().redis_up
    finally:
        server.cleanup()


@run_async
async def test_a_lease_taken_by_another_is_dropped_then_retaken(redis_server: RedisServer) -> None:
    with simulators(1) as sims:
        bridge = Bridge(config_for(sims, redis_server, lease_ms=900), bridge_id="mine")
        async with bridge:
            await until(lambda: bridge.status().servers_connected == ("pbx-0",), "connection")
            with sync_client(redis_server) as client:
                lease = streams.lease_key("pystrix", "pbx-0")
                await until(lambda: client.xlen(streams.events_key("pystrix", "pbx-0")), "events")
                # Another owner, as after a partition: this bridge must let go at once.
                client.set(lease, "intruder", px=900)
                await until(lambda: not bridge.status().servers_owned, "the server dropped")
                assert client.get(lease) in (b"intruder", None)
                # The intruder's lease expires unrenewed: the server is taken back, and
                # the stream says that nobody carried its events meanwhile.
                await until(lambda: bridge.status().servers_connected == ("pbx-0",), "retaken")
                assert client.get(lease) == b"mine"

                def no_bridge() -> list[streams.GapEntry]:
                    return [
                        e
                        for e in entries(client, "pystrix", "pbx-0")
                        if isinstance(e, streams.GapEntry) and e.reason == "no_bridge"
                    ]

                await until(no_bridge, "the no_bridge gap")
                (gap,) = no_bridge()
                assert gap.dropped is None and gap.start <= gap.end

                def connections() -> set[str]:
                    return {
                        e.connection
                        for e in entries(client, "pystrix", "pbx-0")
                        if isinstance(e, streams.EventEntry)
                    }

                await until(lambda: len(connections()) == 2, "the new connection's events")
