"""The services' client, ``pystrix.fleet.redis.FleetClient``, on a real redis-server.

Events written to a server's stream come back as the classes a local Manager gives, in
order, acknowledged only after the loop body; a consumer that dies leaves its entry
pending and another takes it over; gaps arrive as ``FleetGap``.  Actions sent through
``serve_actions`` return what a local Manager returns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from pystrix.ami import aio, core, core_events
from pystrix.ami.errors import ManagerError, ManagerSocketError, ManagerTimeoutError
from pystrix.ami.events import Event
from pystrix.ami.message import Message
from pystrix.ami.protocol import build_event
from pystrix.ami.request import Request
from pystrix.fleet.config import RedisSettings
from pystrix.fleet.redis import (
    FleetActionError,
    FleetClient,
    FleetGap,
    NotConnectedError,
    OutcomeUnknownError,
    UnknownServerError,
)
from pystrix.fleet.streams import (
    EventEntry,
    GapEntry,
    Reply,
    actions_key,
    events_key,
    servers_key,
)
from pystrix.testing import AsteriskSimulator
from redis_servers import RedisServer, free_port, running_redis
from test_fleet_actions import GUARD, PREFIX, BridgeSide, server_config

NEWCHANNEL = (
    "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: Local/200@test-00000001;1\r\n"
    "ChannelState: 0\r\nChannelStateDesc: Down\r\nUniqueid: 1700000000.1"
)
USER_EVENT = "Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: Lab\r\nKey: 1\r\nKey: 2"
HANGUP = (
    "Event: Hangup\r\nPrivilege: call,all\r\nChannel: Local/200@test-00000001;1\r\n"
    "Uniqueid: 1700000000.1\r\nCause: 16\r\nCause-txt: Normal Clearing"
)


@pytest.fixture
def long_calls() -> Iterator[AsteriskSimulator]:
    """A simulator whose calls last long enough to be listed at leisure."""
    with AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.02) as running:
        yield running


def event_fields(raw: str, seq: int, server: str = "pbx1") -> dict[str, str]:
    return EventEntry(server, "conn-1", seq, time.time(), raw).fields()


async def add_events(redis: aioredis.Redis, server: str, *raws: str) -> list[str]:
    ids = []
    for seq, raw in enumerate(raws, 1):
        found = await redis.xadd(events_key(PREFIX, server), event_fields(raw, seq, server))  # type: ignore[arg-type]
        ids.append(found.decode() if isinstance(found, bytes) else str(found))
    return ids


async def pending(redis: aioredis.Redis, group: str, server: str = "pbx1") -> list[tuple[str, str]]:
    """(entry id, consumer) of every entry pending in ``group``."""
    rows = await redis.xpending_range(events_key(PREFIX, server), group, "-", "+", 100)
    return [(row["message_id"].decode(), row["consumer"].decode()) for row in rows]


async def next_of(iterator: Any) -> tuple[str, Event]:
    result: tuple[str, Event] = await asyncio.wait_for(iterator.__anext__(), GUARD)
    return result


def test_events_come_back_as_a_local_manager_types_them_and_are_acked_after_the_loop_body(
    redis_server: RedisServer,
) -> None:
    async def scenario() -> None:
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            redis = client.redis
            await redis.sadd(servers_key(PREFIX), "pbx1", "pbx2")
            ids = await add_events(redis, "pbx1", NEWCHANNEL, USER_EVENT, HANGUP)
            other = await add_events(redis, "pbx2", USER_EVENT)
            stream = client.events("svc", "svc-1", start="0")
            seen: list[tuple[str, Event]] = []
            async for server, event in stream:
                # While the loop body runs, its entry is pending (not acknowledged).
                held = {entry for entry, _ in await pending(redis, "svc", server)}
                mine = ids if server == "pbx1" else other
                assert mine[sum(s == server for s, _ in seen)] in held
                seen.append((server, event))
                if len(seen) == 4:
                    await stream.ack()
                    break
            by_server = [event for server, event in seen if server == "pbx1"]
            assert [type(event) for event in by_server] == [
                core_events.Newchannel,
                core_events.UserEvent,
                core_events.Hangup,
            ]
            assert [type(event) for event in by_server] == [
                type(build_event(raw)) for raw in (NEWCHANNEL, USER_EVENT, HANGUP)
            ]
            assert by_server[1].get_all("Key") == ["1", "2"]
            assert by_server[2].typed("Cause") == 16
            assert by_server[1].raw == USER_EVENT.replace("\r\n", "\n")
            assert [server for server, _ in seen].count("pbx2") == 1
            assert await pending(redis, "svc") == []
            assert await pending(redis, "svc", "pbx2") == []

    asyncio.run(scenario())


def test_a_filter_selects_events_and_the_others_are_acknowledged(
    redis_server: RedisServer,
) -> None:
    async def scenario() -> None:
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            redis = client.redis
            await add_events(redis, "pbx1", NEWCHANNEL, USER_EVENT, HANGUP, USER_EVENT)
            async with client.events(
                "f", "f-1", servers=["pbx1"], filter="userevent", start="0"
            ) as stream:
                names = [(await next_of(stream))[1].name for _ in range(2)]
            assert names == ["UserEvent", "UserEvent"]
            assert await pending(redis, "f") == []  # left normally: the last one acked too

            def hangups(server: str, event: Event) -> bool:
                return server == "pbx1" and isinstance(event, core_events.Hangup)

            async with client.events(
                "p", "p-1", servers="pbx1", filter=hangups, start="0"
            ) as stream:
                server, event = await next_of(stream)
            assert (server, type(event)) == ("pbx1", core_events.Hangup)

    asyncio.run(scenario())


def test_a_killed_consumer_leaves_its_entry_pending_and_another_reclaims_it(
    redis_server: RedisServer,
) -> None:
    async def scenario() -> None:
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            redis = client.redis
            await redis.sadd(servers_key(PREFIX), "pbx1")
            ids = await add_events(redis, "pbx1", NEWCHANNEL, USER_EVENT, HANGUP)
            handling = asyncio.Event()

            async def doomed() -> None:
                async for _ in client.events("crm", "dies", start="0"):
                    handling.set()
                    await asyncio.Event().wait()  # the handler never finishes

            task = asyncio.create_task(doomed())
            await asyncio.wait_for(handling.wait(), GUARD)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            # Its entry stays pending (with those it had read ahead, never handled).
            assert await pending(redis, "crm") == [(entry, "dies") for entry in ids]

            # A loop left by an exception leaves its entry pending too.
            with pytest.raises(RuntimeError):
                async for _ in client.events("crm2", "raises", start="0"):
                    raise RuntimeError("the handler failed")
            assert await pending(redis, "crm2") == [(entry, "raises") for entry in ids]

            # Another consumer takes the dead one's entry over, first, then goes on.
            survivor = client.events("crm", "lives", claim_idle_ms=0)
            got = [(await next_of(survivor))[1].name for _ in range(3)]
            assert got == ["Newchannel", "UserEvent", "Hangup"]
            await survivor.ack()
            assert await pending(redis, "crm") == []

            # A consumer restarted under its own name gets its own pending entry again.
            again = client.events("crm2", "raises", claim_idle_ms=GUARD_MS)
            server, event = await next_of(again)
            assert (server, event.name) == ("pbx1", "Newchannel")

    asyncio.run(scenario())


GUARD_MS = int(GUARD * 1000)


def test_gap_entries_arrive_as_fleet_gap_events_in_order(redis_server: RedisServer) -> None:
    async def scenario() -> None:
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            redis = client.redis
            key = events_key(PREFIX, "pbx1")
            await add_events(redis, "pbx1", NEWCHANNEL)
            gap = GapEntry("pbx1", "buffer_full", 42, 1700000000.5, 1700000003.25, time.time())
            await redis.xadd(key, gap.fields())  # type: ignore[arg-type]
            unknown = GapEntry("pbx1", "no_bridge", None, 1700000004.0, 1700000009.0, time.time())
            await redis.xadd(key, unknown.fields())  # type: ignore[arg-type]
            await add_events(redis, "pbx1", HANGUP)
            async with client.events(
                "g", "g-1", servers=["pbx1"], filter="Hangup", start="0"
            ) as stream:
                got = [await next_of(stream) for _ in range(3)]
            assert [type(event) for _, event in got] == [FleetGap, FleetGap, core_events.Hangup]
            first, second = got[0][1], got[1][1]
            assert isinstance(first, FleetGap) and isinstance(second, FleetGap)
            assert first.name == "FleetGap" and first["Server"] == "pbx1"
            assert (first.reason, first.dropped, first.start, first.end) == (
                "buffer_full",
                42,
                1700000000.5,
                1700000003.25,
            )
            assert first["Dropped"] == "42" and first.typed("Start") == 1700000000.5
            assert (second.reason, second.dropped, second["Dropped"]) == (
                "no_bridge",
                None,
                "unknown",
            )

    asyncio.run(scenario())


def test_send_action_times_out_when_no_bridge_serves_and_refuses_unknown_servers(
    redis_server: RedisServer,
) -> None:
    async def scenario() -> None:
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            redis = client.redis
            await redis.sadd(servers_key(PREFIX), "pbx1")
            assert await client.servers() == ["pbx1"]
            with pytest.raises(ManagerTimeoutError) as timed_out:
                await client.send_action("pbx1", core.Ping(), timeout=0.05)
            assert timed_out.value.action == "Ping"
            assert await redis.xlen(actions_key(PREFIX, "pbx1")) == 1  # written, unserved
            for name in ("pbx9", "bad:name", "bad name"):
                with pytest.raises(UnknownServerError):
                    await client.send_action(name, core.Ping(), timeout=1)
            assert sorted(await redis.keys("*")) == [
                actions_key(PREFIX, "pbx1").encode(),
                servers_key(PREFIX).encode(),
            ]
            assert issubclass(UnknownServerError, ManagerError)

    asyncio.run(scenario())


def test_error_replies_raise_manager_errors() -> None:
    ping = core.Ping()
    for kind, error in (
        ("refused_action", FleetActionError),
        ("outcome_unknown", OutcomeUnknownError),
        ("not_connected", NotConnectedError),
    ):
        reply = Reply("r", ok=False, error_kind=kind, error_message="why")
        with pytest.raises(error) as raised:
            FleetClient._response(ping, reply)
        assert raised.value.kind == kind and raised.value.message == "why"
        assert isinstance(raised.value, ManagerError)
    assert issubclass(NotConnectedError, ManagerSocketError)


async def _local(simulator: AsteriskSimulator) -> aio.Manager:
    manager = aio.Manager()
    await manager.connect(simulator.host, simulator.port)
    await manager.send(core.Login("admin", "wordpass"))
    return manager


def _header_names(message: Message) -> list[str]:
    return [name for name, _ in message.header_pairs()]


def test_ping_and_a_list_through_redis_return_what_a_local_manager_returns(
    redis_server: RedisServer, long_calls: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [server_config("pbx1", long_calls.host, long_calls.port)]
        async with BridgeSide(redis_server, configs) as side:
            local = await _local(long_calls)
            await side.connected()
            side.serve()
            async with FleetClient.from_settings(side.settings) as client:
                here = await local.send(core.Ping())
                there = await client.send_action("pbx1", core.Ping(), timeout=GUARD)
                assert type(there) is type(here)
                assert type(there.result) is type(here.result)
                assert type(there.response) is type(here.response)
                assert there.success is here.success is True
                assert _header_names(there.result) == _header_names(here.result)
                assert isinstance(there.result["RTT"], float)
                assert there.result["RTT"] == there.time >= 0
                assert there.action_id and there.response.action_id == there.action_id
                assert there.events == {} and there.events_timeout is False

                # A call up (two Local channels), waiting long even with time_scale.
                await local.originate(
                    core.Originate_Application("Local/500@test", "Wait", "100000"),
                    timeout=GUARD,
                )
                sent = core.CoreShowChannels()
                sent.synchronous = True
                here_list = core.CoreShowChannels()
                here_list.synchronous = True
                here = await local.send(here_list)
                there = await client.send_action("pbx1", sent, timeout=GUARD)
                assert there.request is sent
                assert there.success is here.success is True
                assert [type(e) for e in there.events.in_order] == [
                    type(e) for e in here.events.in_order
                ]
                assert len(there.events[core_events.CoreShowChannel]) == 2
                assert set(there.events) == set(here.events)
                complete = there.events["CoreShowChannelsComplete"]
                assert isinstance(complete, core_events.CoreShowChannelsComplete)
                assert complete.typed("ListItems") == 2
                for mine, theirs in zip(there.events.in_order, here.events.in_order, strict=True):
                    assert _header_names(mine) == _header_names(theirs)
                assert _header_names(there.response) == _header_names(here.response)

                # An unknown action: Asterisk's own error, as a local Manager gets it.
                strange = await client.send_action("pbx1", Request("NoSuchAction"))
                assert strange.success is False
                assert "Invalid/unknown command" in (strange.response.get("Message") or "")
                # A refused one: the bridge's error.
                with pytest.raises(FleetActionError) as refused:
                    await client.send_action("pbx1", core.Login("admin", "x"), timeout=GUARD)
                assert refused.value.kind == "refused_action"
            await local.close()

    asyncio.run(scenario())


def test_a_server_the_bridge_cannot_reach_raises_not_connected(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [
            server_config("pbx1", simulator.host, simulator.port),
            server_config("pbx2", "127.0.0.1", free_port()),
        ]
        async with BridgeSide(redis_server, configs) as side:
            await side.connected("pbx1")
            side.serve("pbx2")
            async with FleetClient(redis_server.url, prefix=PREFIX) as client:
                with pytest.raises(ManagerSocketError):
                    await client.send_action("pbx2", core.Ping(), timeout=GUARD)

    asyncio.run(scenario())


def test_password_and_tls() -> None:
    async def scenario(server: RedisServer) -> None:
        settings = RedisSettings(
            url=server.url, password=server.password, prefix=PREFIX, tls_cafile=server.ca_file
        )
        async with FleetClient.from_settings(settings) as client:
            await client.redis.sadd(servers_key(PREFIX), "pbx1")
            assert await client.servers() == ["pbx1"]

    with running_redis(password="s3cret", tls=True, persistent=False) as server:
        asyncio.run(scenario(server))


def test_the_event_iterator_outlives_a_redis_restart(redis_server: RedisServer) -> None:
    async def scenario() -> None:
        async with FleetClient(redis_server.url, prefix=PREFIX) as client:
            redis = client.redis
            await add_events(redis, "pbx1", NEWCHANNEL)
            stream = client.events("r", "r-1", servers=["pbx1"], start="0")
            assert (await next_of(stream))[1].name == "Newchannel"
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, redis_server.kill)
            reading = asyncio.ensure_future(next_of(stream))  # retries while Redis is away
            await loop.run_in_executor(None, redis_server.restart)
            writer = aioredis.Redis.from_url(redis_server.url)
            await add_events(writer, "pbx1", HANGUP)
            await writer.aclose()
            server, event = await reading
            assert (server, event.name) == ("pbx1", "Hangup")
            await stream.ack()
            assert await pending(redis, "r") == []

    asyncio.run(scenario())


def test_send_action_right_after_a_redis_restart(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    """The client's pooled connections from before a restart are dead: the first
    send_action after it still works (an idempotent check is retried, the XADD is not),
    and a reply wait longer than the client's socket timeout (5 s) is not a read error."""

    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs) as side:
            await side.connected()
            async with FleetClient(redis_server.url, prefix=PREFIX) as client:
                side.serve()
                assert (await client.send_action("pbx1", core.Ping(), timeout=GUARD)).success
                await side.redis.aclose()
                for task in side.tasks:
                    task.cancel()
                await asyncio.gather(*side.tasks, return_exceptions=True)
                side.tasks.clear()
                redis_server.kill()
                redis_server.restart()
                side.redis = aioredis.Redis.from_url(redis_server.url)
                side.serve()
                answer = await client.send_action("pbx1", core.Ping(), timeout=GUARD)
                assert answer.success
                # Nobody serves pbx2: the wait outlasts the 5 s socket timeout, and ends
                # as a timeout, not as a Redis read error.
                await side.redis.sadd("t:servers", "pbx2")
                with pytest.raises(ManagerTimeoutError):
                    await client.send_action("pbx2", core.Ping(), timeout=6)

    asyncio.run(scenario())


def test_fleet_gap_is_not_an_ami_event_name() -> None:
    """No server's text becomes a FleetGap, and base classes stay out of the registry."""
    from pystrix.ami.events import Aggregate, event_class_for, registered_event_classes

    assert event_class_for("FleetGap") is Event
    registry = registered_event_classes()
    assert FleetGap not in registry.values() and Aggregate not in registry.values()
    assert type(build_event("Event: FleetGap\r\nServer: pbx1")) is Event
    # A subclass of a class kept out is registered as usual.
    assert event_class_for("CoreShowChannels_Aggregate").__name__ == "CoreShowChannels_Aggregate"
