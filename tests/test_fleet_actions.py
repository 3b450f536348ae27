"""Actions through Redis, the bridge's side: ``serve_actions`` on a real redis-server,
with a Fleet connected to the simulator.

Each kind of bad entry gets its error reply and is acknowledged, and the next good entry
is still served; an entry whose bridge died after marking it in flight gets
``outcome_unknown`` and never reaches Asterisk; one that was never marked is carried out
once.  The Bridge is not involved: ``serve_actions`` runs as a task of the test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import BusyLoadingError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError

from pystrix.ami import aio, core
from pystrix.ami.events import Event
from pystrix.fleet import Fleet, ServerConfig
from pystrix.fleet._actions import serve_actions
from pystrix.fleet.config import RedisSettings
from pystrix.fleet.streams import (
    ACTION_GROUP,
    ActionEntry,
    Reply,
    actions_key,
    inflight_key,
    reply_key,
    servers_key,
)
from pystrix.testing import AsteriskSimulator
from pystrix.testing.faults import FaultProxy
from redis_servers import RedisServer, free_port

GUARD = 30.0  # safety timeout of every wait: never reached when things work
PREFIX = "t"
LOG = logging.getLogger("test-fleet-actions")


def server_config(name: str, host: str, port: int) -> ServerConfig:
    """The simulator's admin login (a closed port for a server never reached)."""
    return ServerConfig(name, host, port, username="admin", secret="wordpass")


class BridgeSide:
    """A Fleet, a Redis client and ``serve_actions`` tasks: the bridge, minus leases."""

    def __init__(
        self,
        redis_server: RedisServer,
        servers: Sequence[ServerConfig],
        *,
        action_max_bytes: int = 65_536,
    ) -> None:
        self.settings = RedisSettings(
            url=redis_server.url, prefix=PREFIX, action_max_bytes=action_max_bytes
        )
        self.url = redis_server.url
        self.configs = list(servers)
        self.fleet = Fleet(self.configs)
        self.redis: aioredis.Redis = aioredis.Redis.from_url(redis_server.url)
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> BridgeSide:
        await self.fleet.start()
        await self.redis.sadd(servers_key(PREFIX), *[config.name for config in self.configs])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.fleet.close()
        await self.redis.aclose()

    async def connected(self, server: str = "pbx1") -> None:
        assert await self.fleet.wait_connected(server, GUARD)

    def serve(self, server: str = "pbx1", bridge_id: str = "bridge-a") -> asyncio.Task[None]:
        task = asyncio.create_task(
            serve_actions(self.redis, self.settings, server, self.fleet, bridge_id, LOG)
        )
        self.tasks.append(task)
        return task

    async def push(self, fields: dict[str, str], server: str = "pbx1") -> str:
        """XADD raw fields to ``server``'s action stream (making the group first, as the
        bridge would have by the time a caller writes); the entry id."""
        key = actions_key(PREFIX, server)
        try:
            await self.redis.xgroup_create(key, ACTION_GROUP, "$", mkstream=True)
        except ResponseError:
            pass  # BUSYGROUP
        entry_id = await self.redis.xadd(key, fields)  # type: ignore[arg-type]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def reply(self, reply_to: str) -> Reply:
        answer = await self.redis.blpop([reply_to], timeout=GUARD)
        assert answer is not None, f"no reply on {reply_to}"
        return Reply.from_json(answer[1])

    async def pending(self, server: str = "pbx1") -> int:
        summary = await self.redis.xpending(actions_key(PREFIX, server), ACTION_GROUP)
        return int(summary["pending"])


def entry(
    action: str = "Ping",
    headers: Sequence[tuple[str, str]] = (),
    *,
    server: str = "pbx1",
    deadline: float | None = None,
    collect_list: bool = False,
) -> ActionEntry:
    request_id = uuid.uuid4().hex
    return ActionEntry(
        request_id=request_id,
        server=server,
        action=action,
        headers=tuple(headers),
        reply_to=reply_key(PREFIX, request_id),
        deadline=time.time() + GUARD if deadline is None else deadline,
        collect_list=collect_list,
    )


async def listener(simulator: AsteriskSimulator) -> aio.Manager:
    """A Manager logged in to the simulator directly: it sees every UserEvent sent."""
    manager = aio.Manager()
    await manager.connect(simulator.host, simulator.port)
    await manager.send(core.Login("admin", "wordpass"))
    return manager


async def user_events_until(events: Any, last: str) -> list[str]:
    """The names of the UserEvents the iterator gives, up to ``last`` included."""
    names: list[str] = []

    async def collect() -> None:
        async for event in events:
            names.append(str(event.get("UserEvent")))
            if names[-1] == last:
                return

    await asyncio.wait_for(collect(), GUARD)
    return names


def test_each_bad_entry_is_answered_and_acknowledged_and_the_next_is_served(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs, action_max_bytes=4096) as side:
            await side.connected()
            side.serve()
            cases: list[tuple[str, dict[str, str]]] = []

            def case(kind: str, fields: dict[str, str]) -> None:
                cases.append((kind, fields))

            case("unknown_server", entry(server="pbx9").fields())
            case("refused_action", entry("Login", [("Username", "admin")]).fields())
            case("refused_action", entry("Logoff").fields())
            case("refused_action", entry("events", [("EventMask", "off")]).fields())
            case("refused_action", entry("Ping\r\nAction: Logoff").fields())
            case("refused_action", entry("Ping: x").fields())
            for bad in ("a\rb", "a\nb", "a\x00b"):
                case("unsafe_header", entry("UserEvent", [("UserEvent", bad)]).fields())
                case("unsafe_header", entry("UserEvent", [(f"X{bad}", "v")]).fields())
            case("unsafe_header", entry("Ping", [("ActionID", "mine")]).fields())
            case("unsafe_header", entry("Ping", [("action", "Logoff")]).fields())
            case("unsafe_header", entry("Ping", [("X:Y", "v")]).fields())
            malformed = entry().fields()
            malformed["headers"] = "[not json"
            case("bad_entry", malformed)
            shaped = entry().fields()
            shaped["headers"] = json.dumps([["only-a-name"]])
            case("bad_entry", shaped)
            for missing in ("id", "server", "action", "headers", "deadline"):
                fields = entry().fields()
                del fields[missing]
                case("bad_entry", fields)
            not_a_number = entry().fields()
            not_a_number["deadline"] = "soon"
            case("bad_entry", not_a_number)
            case("too_large", entry("UserEvent", [("Filler", "x" * 5000)]).fields())
            case("expired", entry(deadline=time.time() - 1).fields())

            for _, fields in cases:
                await side.push(fields)
            # An entry with no reply_to (nobody to answer), then a good one: served.
            await side.push({"id": "x", "server": "pbx1", "action": "Ping", "headers": "[]"})
            # A reply_to that is not a reply list is never written to.
            hostile = entry().fields()
            hostile["reply_to"] = servers_key(PREFIX)
            await side.push(hostile)
            good = entry("Ping")
            await side.push(good.fields())

            for kind, fields in cases:
                reply = await side.reply(fields["reply_to"])
                assert not reply.ok, (kind, fields)
                assert reply.error_kind == kind, (kind, reply)
                assert reply.error_message
                assert reply.request_id == fields.get("id", "")
            served = await side.reply(good.reply_to)
            assert served.ok and served.response is not None
            assert "Response: Success" in served.response
            assert await side.pending() == 0
            assert await side.redis.hlen(inflight_key(PREFIX, "pbx1")) == 0
            members = await side.redis.smembers(servers_key(PREFIX))
            assert members == {b"pbx1"}  # the hostile reply_to was left alone
            # A reply expires: nobody may be left to read it.  (Entries are served in
            # order: once the second is answered, the first one's reply is there.)
            leftover, marker = entry("Ping"), entry("Ping")
            await side.push(leftover.fields())
            await side.push(marker.fields())
            assert (await side.reply(marker.reply_to)).ok
            assert 0 < await side.redis.pttl(leftover.reply_to) <= 60_000

    asyncio.run(scenario())


def test_an_unknown_action_is_carried_out_and_answered_by_asterisk(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs) as side:
            await side.connected()
            side.serve()
            unknown = entry("NoSuchAction")
            await side.push(unknown.fields())
            reply = await side.reply(unknown.reply_to)
            assert reply.ok and reply.response is not None
            assert "Response: Error" in reply.response
            assert "Invalid/unknown command" in reply.response

    asyncio.run(scenario())


def test_an_action_written_before_any_bridge_serves_the_server_is_served(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    """A caller may write before the first bridge has taken the server (and created the
    stream's consumer group): its action is still carried out once a bridge serves."""

    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs) as side:
            await side.connected()
            early = entry("Ping")
            await side.redis.xadd(actions_key(PREFIX, "pbx1"), early.fields())  # type: ignore[arg-type]
            side.serve()
            reply = await side.reply(early.reply_to)
            assert reply.ok and reply.response is not None
            assert "Ping: Pong" in reply.response
            assert await side.pending() == 0

    asyncio.run(scenario())


def test_a_server_not_connected_is_answered_not_connected(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [
            server_config("pbx1", simulator.host, simulator.port),
            server_config("pbx2", "127.0.0.1", free_port()),  # nobody listens there
        ]
        async with BridgeSide(redis_server, configs) as side:
            await side.connected("pbx1")
            side.serve("pbx2")
            down = entry("Ping", server="pbx2")
            await side.push(down.fields(), server="pbx2")
            reply = await side.reply(down.reply_to)
            assert reply.error_kind == "not_connected"
            assert await side.pending("pbx2") == 0
            assert await side.redis.hlen(inflight_key(PREFIX, "pbx2")) == 0

    asyncio.run(scenario())


def test_repeated_headers_and_a_synchronous_list(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs) as side:
            watcher = await listener(simulator)
            events = watcher.events("UserEvent")
            await side.connected()
            side.serve()
            pairs = [("UserEvent", "Repeat"), ("Key", "1"), ("Other", "x"), ("Key", "2")]
            repeated = entry("UserEvent", pairs)
            await side.push(repeated.fields())
            assert (await side.reply(repeated.reply_to)).ok
            seen: list[Event] = []

            async def first() -> None:
                async for event in events:
                    seen.append(event)
                    return

            await asyncio.wait_for(first(), GUARD)
            assert seen[0].get_all("Key") == ["1", "2"]
            listing = entry("CoreShowChannels", collect_list=True)
            await side.push(listing.fields())
            reply = await side.reply(listing.reply_to)
            assert reply.ok and not reply.events_timeout
            assert reply.events and reply.events[-1].startswith(
                "Event: CoreShowChannelsComplete\r\n"
            )
            assert reply.action_id and f"ActionID: {reply.action_id}" in reply.response
            await watcher.close()

    asyncio.run(scenario())


def test_an_action_marked_in_flight_is_answered_outcome_unknown_and_never_sent(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs) as side:
            watcher = await listener(simulator)
            events = watcher.events("UserEvent")
            await side.connected()
            key = actions_key(PREFIX, "pbx1")
            # A dead bridge read both entries (they are pending to it), and had marked
            # the first one in flight before it died.
            lost = entry("UserEvent", [("UserEvent", "Lost")])
            unsent = entry("UserEvent", [("UserEvent", "Once")])
            lost_id = await side.push(lost.fields())
            await side.push(unsent.fields())
            taken = await side.redis.xreadgroup(ACTION_GROUP, "dead-bridge", {key: ">"})
            assert len(taken[0][1]) == 2
            await side.redis.hset(inflight_key(PREFIX, "pbx1"), lost_id, "dead-bridge")

            side.serve(bridge_id="bridge-b")
            reply = await side.reply(lost.reply_to)
            assert reply.error_kind == "outcome_unknown"
            assert reply.error_message and "not sent again" in reply.error_message
            assert (await side.reply(unsent.reply_to)).ok
            after = entry("UserEvent", [("UserEvent", "After")])
            await side.push(after.fields())
            assert (await side.reply(after.reply_to)).ok
            # The simulator sends events in order: "Lost" would have come before these.
            assert await user_events_until(events, "After") == ["Once", "After"]
            assert await side.pending() == 0
            assert await side.redis.hlen(inflight_key(PREFIX, "pbx1")) == 0
            await watcher.close()

    asyncio.run(scenario())


def test_a_bridge_cancelled_while_sending_leaves_the_mark_and_the_next_owner_does_not_resend(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        with FaultProxy(simulator.address) as proxy:
            configs = [server_config("pbx1", proxy.host, proxy.port)]
            async with BridgeSide(redis_server, configs) as side:
                watcher = await listener(simulator)
                events = watcher.events("UserEvent")
                await side.connected()
                # The action reaches Asterisk; its response is held back, so the bridge
                # is still waiting for it when it "dies".
                proxy.delay_responses("UserEvent", GUARD * 2)
                first = side.serve(bridge_id="bridge-a")
                sent = entry("UserEvent", [("UserEvent", "Sent")])
                sent_id = await side.push(sent.fields())
                assert await user_events_until(events, "Sent") == ["Sent"]
                marks = await side.redis.hgetall(inflight_key(PREFIX, "pbx1"))
                assert marks == {sent_id.encode(): b"bridge-a"}
                first.cancel()
                await asyncio.gather(first, return_exceptions=True)
                assert await side.redis.hexists(inflight_key(PREFIX, "pbx1"), sent_id)
                assert await side.pending() == 1

                proxy.delay_responses("UserEvent", 0)
                side.serve(bridge_id="bridge-b")
                reply = await side.reply(sent.reply_to)
                assert reply.error_kind == "outcome_unknown"
                after = entry("UserEvent", [("UserEvent", "After")])
                await side.push(after.fields())
                assert (await side.reply(after.reply_to)).ok
                assert await user_events_until(events, "After") == ["After"]
                assert await side.pending() == 0
                await watcher.close()

    asyncio.run(scenario())


def test_actions_are_served_again_after_redis_restarts(
    redis_server: RedisServer, simulator: AsteriskSimulator
) -> None:
    async def scenario() -> None:
        configs = [server_config("pbx1", simulator.host, simulator.port)]
        async with BridgeSide(redis_server, configs) as side:
            await side.connected()
            side.serve()
            before = entry("Ping")
            await side.push(before.fields())
            assert (await side.reply(before.reply_to)).ok
            await asyncio.get_running_loop().run_in_executor(None, redis_server.kill)
            await asyncio.get_running_loop().run_in_executor(None, redis_server.restart)
            after = entry("Ping")
            deadline = time.monotonic() + GUARD
            while True:  # the test's own client reconnects too
                try:
                    await side.push(after.fields())
                    break
                except (RedisConnectionError, BusyLoadingError):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.05)
            assert (await side.reply(after.reply_to)).ok

    asyncio.run(scenario())
