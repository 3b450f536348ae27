"""The client for services on other machines: a fleet's events and actions over Redis.

A ``pystrix bridge`` publishes every server's events to Redis Streams and carries out
actions from them.  :class:`FleetClient` is the other end::

    async with FleetClient("redis://redis.example:6379/0") as client:
        async for server, event in client.events(group="crm", consumer="crm-1"):
            ...  # the same event classes as a local Manager gives
        answer = await client.send_action("pbx-7", core.Ping())

A service written against a local :class:`pystrix.ami.aio.Manager` moves to the bridge
by changing how it connects: the events are the same classes, and ``send_action``
returns the same :class:`~pystrix.ami.request.Response` tuple, built by the same code.

Events are read in a consumer group: each one reaches one consumer of the group, and is
acknowledged only once that consumer's loop body is done with it.  Entries a dead
consumer had read and not finished are taken over by a live one.  Needs
``pip install 'pystrix[redis]'``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..ami._frontend import build_response
from ..ami.errors import ManagerError, ManagerSocketError, ManagerTimeoutError
from ..ami.events import Event
from ..ami.message import Message
from ..ami.protocol import build_event, build_message, serialize_action
from ..ami.request import Request, Response
from ._actions import raise_if_cancelled
from .streams import (
    ActionEntry,
    EntryError,
    EventEntry,
    GapEntry,
    Reply,
    actions_key,
    decode_stream_entry,
    events_key,
    reply_key,
    servers_key,
)

if TYPE_CHECKING:
    from .config import RedisSettings

__all__ = [
    "FleetActionError",
    "FleetClient",
    "FleetEvents",
    "FleetGap",
    "NotConnectedError",
    "OutcomeUnknownError",
    "UnknownServerError",
]

_log = logging.getLogger("pystrix.fleet.redis")

#: What :meth:`FleetClient.events` accepts as ``filter``: an event name (any case), a
#: compiled expression searched in the name, or ``predicate(server, event) -> bool``.
EventFilter = str | re.Pattern[str] | Callable[[str, Event], bool]

# Back-off between attempts while Redis is out of reach (seconds): doubled up to the cap.
_RETRY_FIRST = 0.1
_RETRY_CAP = 5.0


class UnknownServerError(ManagerError):
    """The server named is not one of the fleet's (not in ``P:servers``); nothing was
    written."""


class FleetActionError(ManagerError):
    """The bridge did not carry the action out: ``kind`` says why (one of
    :data:`pystrix.fleet.streams.ERROR_KINDS`), ``message`` in words."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class OutcomeUnknownError(FleetActionError):
    """The action may or may not have run on the server (its bridge stopped, or the
    connection failed, while it was in flight).  It is never sent again: find out on the
    server before trying once more."""


class NotConnectedError(FleetActionError, ManagerSocketError):
    """The bridge that owns the server is not connected to it now; nothing was sent.  A
    :class:`~pystrix.ami.errors.ManagerSocketError`, as a local Manager raises then."""


class FleetGap(Event, registered=False):
    """Events of ``Server`` that never reached the stream, in the stream where they are
    missing: ``Dropped`` of them (``unknown`` when nobody could count) between ``Start``
    and ``End`` (epoch seconds), for ``Reason`` (``buffer_full``, ``no_bridge`` or
    ``disconnected``).  Made by the client from the bridge's gap entries; it passes
    every ``filter`` (a consumer must know what it missed).  Not in the registry of AMI
    event names: no server's text becomes one, and the catalog lists Asterisk's events."""

    float_headers = ("Start", "End")

    @property
    def server(self) -> str:
        """The server whose events are missing."""
        return self.get("Server") or ""

    @property
    def reason(self) -> str:
        """Why they are missing."""
        return self.get("Reason") or ""

    @property
    def dropped(self) -> int | None:
        """How many are missing; ``None`` when not known."""
        value = self.get("Dropped") or ""
        return int(value) if value.isdigit() else None

    @property
    def start(self) -> float:
        """When the gap began (epoch seconds)."""
        return float(self.get("Start") or 0.0)

    @property
    def end(self) -> float:
        """When the gap ended (epoch seconds)."""
        return float(self.get("End") or 0.0)


def gap_event(gap: GapEntry) -> FleetGap:
    """The :class:`FleetGap` event of a gap entry."""
    dropped = "unknown" if gap.dropped is None else str(gap.dropped)
    text = (
        f"Event: FleetGap\r\nServer: {gap.server}\r\nReason: {gap.reason}\r\n"
        f"Dropped: {dropped}\r\nStart: {gap.start!r}\r\nEnd: {gap.end!r}"
    )
    event = build_message(text, FleetGap)
    assert isinstance(event, FleetGap)
    return event


def _parse(text: str) -> Message:
    """A message from its text as received (CR LF line endings), typed as a local
    Manager types it."""
    if "\r" not in text and "\n" in text:
        text = text.replace("\n", "\r\n")  # a writer that used LF alone: taken as well
    return build_event(text) if text.startswith("Event: ") else build_message(text)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def request_pairs(request: Request) -> list[tuple[str, str]]:
    """The headers ``request`` sends after ``Action``, as a local Manager writes them:
    a list or tuple value is one header per item, ``None`` is left out, booleans are
    ``true``/``false``; ``Action`` and ``ActionID`` are not included."""
    pairs: list[tuple[str, str]] = []
    for name, value in request.header_pairs():
        if name.lower() in ("action", "actionid") or value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((name, _value(item)) for item in value if item is not None)
        else:
            pairs.append((name, _value(value)))
    return pairs


class FleetClient:
    """A fleet's events and actions through the bridge's Redis.

    ``url`` is ``redis://`` or ``rediss://`` (TLS; ``ssl_ca_certs`` for a private CA),
    without the password (give ``password``); ``prefix`` is the bridge's key prefix.  Or
    pass a ``client`` (a ``redis.asyncio.Redis``) of your own: it is not closed here.
    Use as ``async with`` or call :meth:`close`.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "pystrix",
        password: str | None = None,
        ssl_ca_certs: str | None = None,
        client: aioredis.Redis | None = None,
    ) -> None:
        self.prefix = prefix
        self._owned = client is None
        # Writes of action entries: one connection, never retried by redis-py (a retried
        # XADD whose first try reached Redis would send the action twice).
        self._writes: aioredis.Redis | None = None
        if client is None:
            options: dict[str, Any] = {}
            if password is not None:
                options["password"] = password
            if ssl_ca_certs is not None and url.startswith("rediss://"):
                options["ssl_ca_certs"] = ssl_ca_certs
            self._writes = aioredis.Redis.from_url(url, single_connection_client=True, **options)
            # Every other command can be repeated safely: retried on a fresh connection
            # when a pooled one turns out dead (Redis restarted since it was opened).
            options["retry"] = Retry(ExponentialBackoff(cap=1.0, base=0.05), 3)
            options["retry_on_error"] = [RedisConnectionError, RedisTimeoutError]
            client = aioredis.Redis.from_url(url, **options)
        #: The Redis client (``redis.asyncio.Redis``).
        self.redis: aioredis.Redis = client

    @classmethod
    def from_settings(cls, settings: RedisSettings) -> FleetClient:
        """A client for the Redis a bridge's ``[redis]`` settings name."""
        return cls(
            settings.url,
            prefix=settings.prefix,
            password=settings.password,
            ssl_ca_certs=settings.tls_cafile,
        )

    def __repr__(self) -> str:
        return f"<FleetClient prefix={self.prefix!r}>"

    async def close(self) -> None:
        """Close the Redis connections (not those of a ``client`` passed in)."""
        if self._owned:
            await self.redis.aclose()
            if self._writes is not None:
                await self._writes.aclose()

    async def __aenter__(self) -> FleetClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def servers(self) -> list[str]:
        """The names of the servers the bridges are configured with, sorted."""
        members = await self.redis.smembers(servers_key(self.prefix))
        return sorted(_text(member) for member in members)

    # -- events ------------------------------------------------------------------------

    def events(
        self,
        group: str,
        consumer: str,
        *,
        servers: Iterable[str] | None = None,
        filter: EventFilter | None = None,
        start: str = "$",
        claim_idle_ms: int = 30_000,
        count: int = 100,
    ) -> FleetEvents:
        """Iterate (``async for server, event in ...``) over the events of ``servers``
        (``None``: every configured server, those configured later too) as consumer
        ``consumer`` of group ``group``.

        Each server's events come in its order, as the classes a local Manager gives;
        a loss the bridge recorded comes as a :class:`FleetGap` event in its place.
        ``filter`` selects events by name (any case), by a compiled expression searched
        in the name, or by ``predicate(server, event)``; the others are acknowledged
        unseen.  The group is created where missing, at ``start`` (``"$"``: from now
        on, ``"0"``: from the oldest entry kept).

        An event is acknowledged only after the loop body is done with it: once the loop
        asks for the next one, or leaves an ``async with`` block normally (or calls
        :meth:`FleetEvents.ack`).  The acknowledgements of a batch go to Redis in one
        round trip, before the next read (at most ``count`` are held back), so a consumer
        that dies may see up to a batch of handled events again elsewhere: delivery is
        at least once, handlers should tolerate a repeat.  If the loop body raises (or
        the task is cancelled, or the process dies) its event stays pending.  Pending
        entries idle for ``claim_idle_ms`` (a dead consumer's) are taken over and
        delivered first, at the start and then periodically; this consumer's own
        pending entries (a restart under the same name) are delivered again at the
        start.  ``count`` entries are read at a time.
        """
        return FleetEvents(
            self,
            group,
            consumer,
            servers=servers,
            filter=filter,
            start=start,
            claim_idle_ms=claim_idle_ms,
            count=count,
        )

    # -- actions -----------------------------------------------------------------------

    async def _write_entry(self, key: str, entry: ActionEntry) -> None:
        """XADD ``entry`` once.  Its connection is checked first with a PING, which may be
        repeated (a connection left from before a Redis restart fails once); the XADD
        itself is never repeated."""
        writes = self._writes
        if writes is None:  # a client passed in: its own settings apply
            await self.redis.xadd(key, entry.fields())  # type: ignore[arg-type]
            return
        try:
            await writes.ping()
        except RedisConnectionError:
            await writes.ping()
        await writes.xadd(key, entry.fields())  # type: ignore[arg-type]

    async def _wait_reply(self, reply_to: str, deadline: float) -> Any:
        """BLPOP the reply until ``deadline`` (monotonic), a second at a time: a block
        longer than the client's socket timeout would end in a read timeout."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            answer = await self.redis.blpop([reply_to], timeout=min(remaining, 1.0))
            if answer is not None:
                return answer

    async def send_action(self, server: str, action: Request, timeout: float = 10.0) -> Response:
        """Send ``action`` to ``server`` through the bridge that owns it and return the
        same :class:`~pystrix.ami.request.Response` tuple a local Manager returns (a
        synchronous request's list in ``events``).

        Raises :class:`UnknownServerError` (nothing written) for a server the bridges do
        not know; :class:`~pystrix.ami.errors.InvalidHeaderError` (nothing written) for a
        header holding CR, LF or NUL; :class:`~pystrix.ami.errors.ManagerTimeoutError`
        when no answer came within ``timeout`` seconds (no bridge serving, or a slow
        server: the bridge does not send it after that time, but it may have been
        sent just before); :class:`FleetActionError` when the bridge refused it,
        :class:`OutcomeUnknownError` when it may or may not have run,
        :class:`NotConnectedError` when the bridge was not connected to the server;
        :class:`~pystrix.ami.errors.ManagerSocketError` when Redis fails.  An
        ``ActionID`` set on the request is not sent: the bridge chooses it.
        """
        try:
            key = actions_key(self.prefix, server)
        except ValueError:
            raise UnknownServerError(f"no server named {server!r} in the fleet") from None
        pairs = request_pairs(action)
        # Refused here as a local Manager refuses it: before anything is written.
        serialize_action(action.action, pairs, None)
        request_id = uuid.uuid4().hex
        reply_to = reply_key(self.prefix, request_id)
        entry = ActionEntry(
            request_id=request_id,
            server=server,
            action=action.action,
            headers=tuple(pairs),
            reply_to=reply_to,
            deadline=time.time() + timeout,
            collect_list=bool(action.synchronous),
        )
        try:
            if not await self.redis.sismember(servers_key(self.prefix), server):
                raise UnknownServerError(f"no server named {server!r} in the fleet")
            await self._write_entry(key, entry)
            answer = await self._wait_reply(reply_to, time.monotonic() + timeout)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise ManagerSocketError(f"Redis failed: {exc}") from exc
        if answer is None:
            raise ManagerTimeoutError(
                f"no answer from {server} through the bridge within {timeout} s",
                action=action.action,
                timeout=timeout,
            )
        try:
            reply = Reply.from_json(answer[1])
        except EntryError as exc:
            raise FleetActionError(
                "bad_entry", f"the bridge's reply is unreadable: {exc}"
            ) from None
        return self._response(action, reply)

    async def send(self, server: str, action: Request, timeout: float = 10.0) -> Response:
        """:meth:`send_action` (the name typed code uses with a local Manager)."""
        return await self.send_action(server, action, timeout)

    @staticmethod
    def _response(action: Request, reply: Reply) -> Response:
        if not reply.ok or reply.response is None:
            kind = reply.error_kind or "bad_entry"
            message = reply.error_message or "the bridge gave no response"
            error: type[FleetActionError] = FleetActionError
            if kind == "outcome_unknown":
                error = OutcomeUnknownError
            elif kind == "not_connected":
                error = NotConnectedError
            raise error(kind, message)
        response = _parse(reply.response)
        events = [_parse(text) for text in reply.events]
        return build_response(
            action,
            response,
            events,
            reply.action_id or "",
            reply.elapsed,
            reply.events_timeout,
        )


class FleetEvents(AsyncIterator[tuple[str, Event]]):
    """The iterator :meth:`FleetClient.events` returns; also an async context manager
    (leaving the block normally acknowledges the event being handled)."""

    def __init__(
        self,
        client: FleetClient,
        group: str,
        consumer: str,
        *,
        servers: Iterable[str] | None,
        filter: EventFilter | None,
        start: str,
        claim_idle_ms: int,
        count: int,
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        if claim_idle_ms < 0:
            raise ValueError("claim_idle_ms may not be negative")
        if isinstance(servers, str):
            servers = (servers,)  # one name, not its letters
        self._client = client
        self._redis = client.redis
        self._group = group
        self._consumer = consumer
        self._fixed = None if servers is None else sorted(set(servers))
        for name in self._fixed or ():
            events_key(client.prefix, name)  # ValueError now for a name unfit for a key
        self._start = start
        self._claim_idle_ms = claim_idle_ms
        self._count = count
        self._lowered: str | None = None
        self._pattern: re.Pattern[str] | None = None
        self._predicate: Callable[[str, Event], bool] | None = None
        if isinstance(filter, str):
            self._lowered = filter.lower()
        elif isinstance(filter, re.Pattern):
            self._pattern = filter
        elif filter is not None:
            if not callable(filter):
                raise TypeError(f"cannot filter events with {filter!r}")
            self._predicate = filter
        # Stream key -> server, for the streams with a group this iterator made sure of.
        self._streams: dict[str, str] = {}
        # Entries read and not yet delivered: (stream key, entry id, fields).
        self._ready: deque[tuple[str, str, Mapping[Any, Any]]] = deque()
        self._held: set[tuple[str, str]] = set()
        # The entry delivered last, acknowledged when the next one is asked for.
        self._current: tuple[str, str] | None = None
        # Entries handled (or filtered out), not acknowledged yet: stream key -> ids.
        self._handled: dict[str, list[str]] = {}
        self._handled_count = 0
        self._next_claim = 0.0
        self._next_servers = 0.0
        self._closed = False
        # Between reclaims: half the idle time that makes an entry claimable.
        self._claim_every = min(max(claim_idle_ms / 2000, 0.05), 30.0)
        self._block_ms = max(1, min(1000, int(self._claim_every * 1000)))
        timeout = self._redis.connection_pool.connection_kwargs.get("socket_timeout")
        if isinstance(timeout, (int, float)) and timeout > 0:
            self._block_ms = max(1, min(self._block_ms, int(timeout * 500)))

    def __aiter__(self) -> FleetEvents:
        return self

    async def __aenter__(self) -> FleetEvents:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.ack()
        self._closed = True

    async def ack(self) -> None:
        """Acknowledge the event being handled now, and those handled before it (the
        iterator does it by itself before it next reads from Redis): for a loop that
        ends with ``break`` after handling its event."""
        self._release_current()
        await self._flush_acks()

    async def aclose(self) -> None:
        """Stop: the event being handled stays pending (see :meth:`ack`)."""
        self._closed = True

    def _release_current(self) -> None:
        """The loop body is done with the current event: it is to be acknowledged."""
        current, self._current = self._current, None
        if current is not None:
            self._handled.setdefault(current[0], []).append(current[1])
            self._handled_count += 1

    async def _flush_acks(self) -> None:
        """Acknowledge the handled entries, one XACK per stream in one round trip."""
        if not self._handled:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, ids in self._handled.items():
                pipe.xack(key, self._group, *ids)
            await pipe.execute()
        self._handled.clear()  # only once Redis has them
        self._handled_count = 0

    async def __anext__(self) -> tuple[str, Event]:
        self._release_current()  # the loop body is done with the previous event
        delay = _RETRY_FIRST
        while not self._closed:
            try:
                while self._ready:
                    if self._handled_count >= self._count:
                        await self._flush_acks()
                    key, entry_id, fields = self._ready[0]
                    found = self._event(key, entry_id, fields)
                    self._drop_first()
                    if found is None or not self._wanted(*found):
                        self._handled.setdefault(key, []).append(entry_id)  # skipped
                        self._handled_count += 1
                        continue
                    self._current = (key, entry_id)
                    return found
                # Acknowledged in one go before reading again: one round trip a batch.
                await self._flush_acks()
                await self._fill()
                raise_if_cancelled()
                delay = _RETRY_FIRST
            except (RedisConnectionError, RedisTimeoutError, BusyLoadingError) as exc:
                # Redis restarting or out of reach: the entries wait there (an
                # append-only Redis keeps them, and the groups), so wait for it.
                _log.warning(
                    "events: Redis failed (%s: %s); retrying in %.1f s",
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_CAP)
        raise StopAsyncIteration

    def _drop_first(self) -> None:
        key, entry_id, _ = self._ready.popleft()
        self._held.discard((key, entry_id))

    # -- reading -----------------------------------------------------------------------

    def _event(
        self, key: str, entry_id: str, fields: Mapping[Any, Any]
    ) -> tuple[str, Event] | None:
        server = self._streams.get(key, "")
        if not fields:
            return None  # trimmed from the stream while pending: nothing to deliver
        try:
            entry = decode_stream_entry(fields)
        except (EntryError, ValueError) as exc:
            _log.warning("events of %s: entry %s skipped: %s", server, entry_id, exc)
            return None
        if isinstance(entry, GapEntry):
            return server, gap_event(entry)
        assert isinstance(entry, EventEntry)
        event = _parse(entry.raw)
        if not isinstance(event, Event):
            _log.warning("events of %s: entry %s is not an event; skipped", server, entry_id)
            return None
        return server, event

    def _wanted(self, server: str, event: Event) -> bool:
        if isinstance(event, FleetGap):
            return True
        if self._lowered is not None:
            return event.name.lower() == self._lowered
        if self._pattern is not None:
            return self._pattern.search(event.name) is not None
        if self._predicate is not None:
            return bool(self._predicate(server, event))
        return True

    async def _fill(self) -> None:
        """Queue what comes next: claimed entries when due, else new ones."""
        now = time.monotonic()
        if now >= self._next_servers:
            await self._refresh_servers()
            self._next_servers = now + max(self._claim_every, 1.0)
        if now >= self._next_claim:
            await self._claim()
            self._next_claim = time.monotonic() + self._claim_every
            if self._ready:
                return
        if not self._streams:
            await asyncio.sleep(self._block_ms / 1000)  # no server configured yet
            return
        try:
            answer = await self._redis.xreadgroup(
                self._group,
                self._consumer,
                dict.fromkeys(self._streams, ">"),
                count=self._count,
                block=self._block_ms,
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # A stream deleted (and its group with it): made again at the next look.
            self._streams.clear()
            self._next_servers = 0.0
            return
        self._queue(answer)

    async def _refresh_servers(self) -> None:
        """Make sure of the group on every stream read (new servers included)."""
        names = self._fixed if self._fixed is not None else await self._client.servers()
        for name in names:
            try:
                key = events_key(self._client.prefix, name)
            except ValueError:
                continue  # not a name a bridge would use
            if key in self._streams:
                continue
            try:
                await self._redis.xgroup_create(key, self._group, self._start, mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
            self._streams[key] = name
            await self._own_pending(key)

    async def _own_pending(self, key: str) -> None:
        """Queue this consumer's own pending entries of ``key`` (a restart under the
        same name finds what it had not finished)."""
        last = "0"
        while True:
            answer = await self._redis.xreadgroup(
                self._group, self._consumer, {key: last}, count=self._count
            )
            entries = _stream_entries(answer)
            if not entries:
                return
            for entry_id, fields in entries:
                last = entry_id
                self._push(key, entry_id, fields)

    async def _claim(self) -> None:
        """Take over the entries other consumers left pending for ``claim_idle_ms``."""
        claimed: list[tuple[str, str, Mapping[Any, Any] | None]] = []
        for key in list(self._streams):
            cursor = "0-0"
            while True:
                answer = await self._redis.xautoclaim(
                    key,
                    self._group,
                    self._consumer,
                    self._claim_idle_ms,
                    cursor,
                    count=self._count,
                )
                claimed.extend((key, _text(raw_id), fields) for raw_id, fields in answer[1])
                cursor = _text(answer[0])
                if cursor == "0-0":
                    break
        # Older than anything read since: delivered before what waits here already.
        waiting = list(self._ready)
        self._ready.clear()
        for key, entry_id, fields in claimed:
            self._push(key, entry_id, fields)
        self._ready.extend(waiting)

    def _queue(self, answer: Any) -> None:
        if not answer:
            return
        streams = answer.items() if isinstance(answer, dict) else answer
        for raw_key, entries in streams:
            if entries and isinstance(entries[0], list):  # RESP3: wrapped once more
                entries = entries[0]
            key = _text(raw_key)
            for raw_id, fields in entries:
                self._push(key, _text(raw_id), fields)

    def _push(self, key: str, entry_id: str, fields: Mapping[Any, Any] | None) -> None:
        marker = (key, entry_id)
        if marker in self._held or marker == self._current:
            return  # already queued here (claimed back while waiting in this queue)
        self._held.add(marker)
        # A trimmed entry still pending comes without fields: acknowledged as skipped.
        self._ready.append((key, entry_id, fields or {}))


def _stream_entries(answer: Any) -> list[tuple[str, Mapping[Any, Any] | None]]:
    """The entries of an XREADGROUP answer on one stream."""
    if not answer:
        return []
    streams = answer.items() if isinstance(answer, dict) else answer
    found: list[tuple[str, Mapping[Any, Any] | None]] = []
    for _, entries in streams:
        if entries and isinstance(entries[0], list):
            entries = entries[0]
        found.extend((_text(raw_id), fields) for raw_id, fields in entries)
    return found
