"""The Fleet: one asyncio Manager per Asterisk server, kept connected, as one event source.

Each server has a supervisor task that connects its :class:`pystrix.ami.aio.Manager`
(created with ``reconnect=False``: the supervisor is the reconnect policy), logs in, waits
for the connection's end and tries again after the fleet's :class:`ReconnectPolicy`
delays.  Every delay is drawn with the policy's jitter, including the first one after a
loss, so that servers lost together are called back spread over the back-off window
rather than in step.

Events reach the fleet through one ``''`` callback per Manager, which runs on that
Manager's dispatcher task in arrival order.  It stamps each event with the connection's
id and a sequence number (1, 2, 3... per connection), calls the listeners
(:class:`FleetListener`) synchronously and offers ``(server, event)`` to the bounded
queues of the :meth:`Fleet.events` iterators.  Aggregates (which pystrix builds from a
request's event list; Asterisk never sent them) are left out.  This runs for every event
of every server, so it is kept to a few attribute reads and appends (about 0.35 us with
no listener or iterator, measured; about 0.15 us more per listener, 0.35 us per iterator).

Per-connection bookkeeping relies on the Manager's order of delivery: a connection's
disconnect notice is dispatched after its last event, and the supervisor waits for that
notice before it connects again, so no event of an old connection can be counted as the
new one's.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import uuid4

from ..ami import aio, core
from ..ami._frontend import ReconnectPolicy
from ..ami.errors import Error, ManagerAuthError, ManagerSocketError
from ..ami.events import Aggregate, Event
from ..ami.message import Message
from ..ami.request import Request, Response
from .config import DEFAULT_RECONNECT, FleetConfig, ServerConfig

__all__ = ["EventFilter", "Fleet", "FleetListener", "ServerStatus"]

#: What :meth:`Fleet.events` accepts as ``filter``: an event name (any case), a compiled
#: expression searched in the name, or ``predicate(server, event) -> bool``.
EventFilter = str | re.Pattern[str] | Callable[[str, Event], bool]

#: Seconds of per-second event counts kept for ``events_per_second``.
_RATE_WINDOW = 10
#: Event names remembered per filtered iterator (the names come from the servers: bounded).
_NAME_CACHE_LIMIT = 4096
#: Seconds that close() and remove_server() wait for a server to answer the Logoff.
_LOGOFF_TIMEOUT = 2.0

_now = time.time
#: Event class -> whether it is an Aggregate (which pystrix builds; Asterisk never sent it).
_SYNTHETIC: dict[type, bool] = {}
_header = dict.get


@dataclass(frozen=True)
class ServerStatus:
    """One server's state, as :meth:`Fleet.status` reports it.

    * ``connected``: logged in now.
    * ``since``: ``time.time()`` of the current connection's login, or of the loss of the
      last one (``None`` if it never connected).
    * ``reconnects``: successful connections after the first.
    * ``events_per_second``: over the last ~10 s.
    * ``last_event_age``: seconds since the last event (``None``: none yet).
    * ``events_dropped``: events the Manager dropped (its dispatch queue was full) plus
      those the fleet's iterators dropped (their queue was full).
    * ``connection``: the current connection's id (``None`` while disconnected).
    """

    name: str
    connected: bool
    since: float | None
    reconnects: int
    events_per_second: float
    last_event_age: float | None
    events_dropped: int
    connection: str | None


class FleetListener(Protocol):
    """Told of every server's connections and events, synchronously, on the event loop.

    The methods must never block or await: they run on the dispatcher of the server's
    Manager, and a slow listener holds up that server's events (which then queue, and past
    the Manager's ``event_queue_size`` are dropped).  An exception is logged and ignored.
    Connection ids are unique per process; ``at`` is ``time.time()``.
    """

    def server_connected(self, server: str, connection: str, at: float) -> None:
        """``server`` logged in on a new connection ``connection``."""

    def server_disconnected(self, server: str, connection: str, at: float) -> None:
        """``connection`` of ``server`` ended (after its last event was delivered); also
        called for each connected server when it is removed or the fleet is closed."""

    def server_event(
        self, server: str, connection: str, seq: int, at: float, event: Message
    ) -> None:
        """An event: ``seq`` counts 1, 2, 3... per connection; ``at`` is when the event
        was taken from the socket's queue.  ``event.header_pairs()`` gives its headers as
        received (repeats kept), ``event.raw`` its text."""

    def server_removed(self, server: str) -> None:
        """``server`` was removed from the fleet (after its last ``server_disconnected``)."""


class _Subscription:
    """The bounded queue behind one :meth:`Fleet.events` iterator."""

    __slots__ = (
        "cache",
        "closed",
        "dropped",
        "limit",
        "lowered",
        "pattern",
        "predicate",
        "queue",
        "servers",
        "waiter",
    )

    def __init__(
        self, servers: frozenset[str] | None, filter: EventFilter | None, limit: int
    ) -> None:
        #: The server names listened to; ``None``: every server, those added later too.
        self.servers = servers
        self.limit = limit
        self.queue: deque[tuple[str, Any]] = deque()
        self.dropped = 0
        self.closed = False
        #: The future the iterator awaits while the queue is empty.
        self.waiter: asyncio.Future[None] | None = None
        # A name or a pattern decides once per event name: the answers are cached.
        self.cache: dict[str, bool] | None = None
        self.lowered: str | None = None
        self.pattern: re.Pattern[str] | None = None
        self.predicate: Callable[[str, Event], bool] | None = None
        if isinstance(filter, str):
            self.lowered = filter.lower()
            self.cache = {}
        elif isinstance(filter, re.Pattern):
            self.pattern = filter
            self.cache = {}
        elif filter is not None:
            if not callable(filter):
                raise TypeError(f"cannot filter events with {filter!r}")
            self.predicate = filter

    def decide(self, name: str) -> bool:
        """Whether the name or pattern selects events called ``name`` (then cached)."""
        assert self.cache is not None
        if self.pattern is not None:
            selected = self.pattern.search(name) is not None
        else:
            selected = name.lower() == self.lowered
        if len(self.cache) >= _NAME_CACHE_LIMIT:
            self.cache.clear()
        self.cache[name] = selected
        return selected

    def wake(self) -> None:
        """Resume the iterator if it waits."""
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def close(self) -> None:
        """End the iteration (what is queued is discarded)."""
        self.closed = True
        self.queue.clear()
        self.wake()


class _Server:
    """One server's Manager, supervisor and counters (the event callback is its method)."""

    __slots__ = (
        "announced",
        "buckets",
        "config",
        "conn",
        "connected",
        "count",
        "created",
        "ever_connected",
        "fleet",
        "last_event",
        "lost",
        "manager",
        "name",
        "reconnects",
        "second",
        "seq",
        "since",
        "subs",
        "subs_dropped",
        "task",
        "up",
    )

    def __init__(self, fleet: Fleet, config: ServerConfig) -> None:
        self.fleet = fleet
        self.config = config
        self.name = config.name
        self.manager = aio.Manager(
            logger=fleet._logger, event_queue_size=fleet._event_queue_size, reconnect=False
        )
        self.task: asyncio.Task[None] | None = None
        #: The connection being logged in or logged in (set once its banner is read).
        self.conn: str | None = None
        #: Whether the listeners were told of ``conn`` (at login, or at its first event).
        self.announced = False
        self.connected = False
        self.ever_connected = False
        self.since: float | None = None
        self.reconnects = 0
        self.seq = 0
        self.last_event: float | None = None
        # events/s: the current second's count, and the earlier seconds' (second, count).
        self.second = 0
        self.count = 0
        self.buckets: deque[tuple[int, int]] = deque(maxlen=_RATE_WINDOW)
        self.created = _now()
        self.subs: tuple[_Subscription, ...] = ()
        self.subs_dropped = 0
        #: Set by the disconnect notice of a logged-in connection; the supervisor waits on it.
        self.lost = asyncio.Event()
        #: Set while connected (and once the server is removed), for wait_connected().
        self.up = asyncio.Event()
        self.manager.register_callback("", self.on_event)
        self.manager.register_disconnect_callback(self.on_disconnect)

    # -- on the Manager's dispatcher -----------------------------------------------------

    def on_event(self, event: Message, manager: Any) -> None:
        """The ``''`` callback: the hot path, once per event of this server."""
        at = _now()
        if not self.announced:
            if self.conn is None:
                return  # not ours: no connection of this server is being logged in
            self.fleet._announce(self, at)
        kind = type(event)
        synthetic = _SYNTHETIC.get(kind)
        if synthetic is None:
            # isinstance() through the event classes' metaclass costs ~170 ns: once per class.
            synthetic = _SYNTHETIC[kind] = issubclass(kind, Aggregate)
        if synthetic:
            return  # built by pystrix from a request's list, not received from Asterisk
        seq = self.seq = self.seq + 1
        self.last_event = at
        second = int(at)
        if second == self.second:
            self.count += 1
        else:
            self.buckets.append((self.second, self.count))
            self.second = second
            self.count = 1
        name = self.name
        fleet = self.fleet
        listeners = fleet._event_listeners
        if listeners:
            conn = self.conn
            for listener in listeners:
                try:
                    listener(name, conn, seq, at, event)
                except Exception:
                    fleet._listener_failed(listener)
        subs = self.subs
        if subs:
            item = (name, event)
            # Event.name's own read, without the property call; a header spelt in
            # another case falls back to it.
            event_name = _header(event, "Event") or event.name
            for sub in subs:
                cache = sub.cache
                if cache is not None:
                    selected = cache.get(event_name)
                    if selected is None:
                        selected = sub.decide(event_name)
                    if not selected:
                        continue
                elif sub.predicate is not None:
                    try:
                        if not sub.predicate(name, event):  # type: ignore[arg-type]
                            continue
                    except Exception:
                        fleet._logger.exception("event filter %r failed", sub.predicate)
                        continue
                queue = sub.queue
                if len(queue) < sub.limit:
                    queue.append(item)
                    if sub.waiter is not None:
                        sub.wake()
                else:
                    sub.dropped += 1
                    self.subs_dropped += 1

    def on_disconnect(self, manager: aio.Manager, error: BaseException) -> None:
        """The Manager's disconnect notice: dispatched after the connection's last event."""
        if self.conn is None:
            return  # the end of an attempt that never logged in (already given up)
        if not self.announced and manager.is_connected():
            # A late notice of an earlier, refused attempt while a new one logs in.
            return
        self.fleet._end_connection(self, _now())
        self.lost.set()

    def rate(self, now: float) -> float:
        """Events per second over the last ~10 s (shorter if the server is newer)."""
        current = int(now)
        oldest = current - _RATE_WINDOW + 1
        total = self.count if self.second >= oldest else 0
        for second, count in self.buckets:
            if second >= oldest:
                total += count
        span = min(now - oldest, now - self.created)
        return total / max(span, 1.0)


class Fleet:
    """Many Asterisk servers, each on its own asyncio Manager, as one source of events.

    ::

        fleet = Fleet.from_config(load_config("fleet.toml"))
        async with fleet:                       # start(); close() on exit
            await fleet.wait_connected(timeout=10)
            async for server, event in fleet.events(filter="Hangup"):
                print(server, event["Channel"])

    ``reconnect`` is the back-off between attempts (default: 1 s doubling to 30 s, fully
    jittered); ``event_queue_size`` bounds each Manager's queue of events waiting for
    dispatch; ``logger`` gets the fleet's and the Managers' records (default
    ``pystrix.fleet``).  Secrets are never logged.  Not thread-safe: use it from its event
    loop.
    """

    def __init__(
        self,
        servers: Iterable[ServerConfig] = (),
        *,
        reconnect: ReconnectPolicy | None = None,
        event_queue_size: int = 100_000,
        logger: logging.Logger | None = None,
    ) -> None:
        self._policy = reconnect if reconnect is not None else DEFAULT_RECONNECT
        self._event_queue_size = event_queue_size
        self._logger = logger if logger is not None else logging.getLogger("pystrix.fleet")
        self._servers: dict[str, _Server] = {}
        self._subscriptions: list[_Subscription] = []
        self._listeners: list[FleetListener] = []
        # The listeners' bound methods, by kind, rebuilt when a listener is added or
        # removed: the event path reads one tuple, without attribute look-ups.
        self._event_listeners: tuple[Callable[..., Any], ...] = ()
        self._started = False
        self._closed = False
        for config in servers:
            self._add(config)

    @classmethod
    def from_config(cls, config: FleetConfig) -> Fleet:
        """A fleet of ``config``'s servers, with its reconnect policy and queue size."""
        return cls(
            config.servers,
            reconnect=config.reconnect,
            event_queue_size=config.event_queue_size,
        )

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting every server (one supervisor task each); returns at once.

        Use :meth:`wait_connected` to wait for the connections.  Idempotent.
        """
        if self._closed:
            raise RuntimeError("this Fleet was closed; create a new one")
        self._started = True
        for server in self._servers.values():
            self._supervise(server)

    async def close(self) -> None:
        """Stop every supervisor, close every Manager and end the event iterators.

        Each connected server is sent a ``Logoff`` (its end awaited up to 2 s), all at
        once; listeners hear ``server_disconnected`` for each.  Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        # Every server at once: 200 Logoffs take one round trip, not 200.
        await asyncio.gather(*(self._stop(server) for server in self._servers.values()))
        for sub in self._subscriptions:
            sub.close()
        self._subscriptions.clear()

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- servers -------------------------------------------------------------------------

    def servers(self) -> list[str]:
        """The names of the fleet's servers, in the order they were added."""
        return list(self._servers)

    async def add_server(self, config: ServerConfig) -> None:
        """Add a server at run time (connected at once if the fleet is started);
        :class:`ValueError` if the name is taken.  The other servers are not touched."""
        if self._closed:
            raise RuntimeError("this Fleet was closed")
        server = self._add(config)
        if self._started:
            self._supervise(server)

    async def remove_server(self, name: str) -> None:
        """Disconnect and forget server ``name`` (:class:`KeyError` if unknown); its
        listeners hear ``server_disconnected`` (if connected) then ``server_removed``.
        Event iterators go on (those listening to this name only just get nothing more)."""
        server = self._servers.pop(name, None)
        if server is None:
            raise KeyError(f"no server named {name!r} in the fleet")
        await self._stop(server)
        for listener in tuple(self._listeners):
            method = getattr(listener, "server_removed", None)
            if method is not None:
                try:
                    method(name)
                except Exception:
                    self._listener_failed(method)

    async def wait_connected(self, name: str | None = None, timeout: float | None = None) -> bool:
        """Wait until server ``name`` (``None``: every server) is connected; false if
        ``timeout`` passed first, or the server was removed (or the fleet closed)."""
        if name is not None and name not in self._servers:
            raise KeyError(f"no server named {name!r} in the fleet")

        async def connected() -> bool:
            while not self._closed:
                if name is None:
                    waiting = [s for s in self._servers.values() if not s.connected]
                else:
                    server = self._servers.get(name)
                    if server is None:
                        return False
                    waiting = [] if server.connected else [server]
                if not waiting:
                    return True
                await waiting[0].up.wait()
            return False

        try:
            return await asyncio.wait_for(connected(), timeout)
        except asyncio.TimeoutError:
            return False

    # -- events and actions --------------------------------------------------------------

    def events(
        self,
        servers: Iterable[str] | None = None,
        filter: EventFilter | None = None,
        *,
        queue_size: int = 10_000,
    ) -> AsyncIterator[tuple[str, Event]]:
        """Iterate (``async for server, event in ...``) over the events of ``servers``
        (``None``: every server, including those added later), selected by ``filter``:
        an event name (any case), a compiled expression (searched in the name) or
        ``predicate(server, event)``.

        Events are collected from this call on, not from the loop's start.  Each
        server's events come in its order.  At most ``queue_size`` wait for the loop
        body; past that the newest are dropped and counted (in the servers'
        ``events_dropped``).  The iteration ends when the fleet is closed.
        """
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if isinstance(servers, str):
            servers = (servers,)  # one name, not its letters
        names = None if servers is None else frozenset(servers)
        sub = _Subscription(names, filter, queue_size)
        if self._closed:
            sub.closed = True
        else:
            self._subscriptions.append(sub)
            self._route()
        iterator = self._drain(sub)
        # A generator's ``finally`` does not run if its loop never started: the
        # subscription would otherwise collect events for nobody.
        finalizer = weakref.finalize(iterator, self._unsubscribe, sub)
        finalizer.atexit = False
        return iterator

    async def _drain(self, sub: _Subscription) -> AsyncIterator[tuple[str, Event]]:
        loop = asyncio.get_running_loop()
        queue = sub.queue
        try:
            while not sub.closed:
                if queue:
                    yield queue.popleft()
                    continue
                waiter = sub.waiter = loop.create_future()
                await waiter
        finally:
            self._unsubscribe(sub)

    async def send_action(self, server: str, action: Request, **kwargs: Any) -> Response:
        """Send ``action`` to ``server`` and return its response tuple, as
        :meth:`pystrix.ami.aio.Manager.send` does (``**kwargs``: its ``action_id`` and
        extra headers).  :class:`KeyError` for an unknown server,
        :class:`~pystrix.ami.errors.ManagerSocketError` when it is not connected,
        :class:`~pystrix.ami.errors.ManagerTimeoutError` when no answer comes within
        ``action.timeout``."""
        state = self._servers.get(server)
        if state is None:
            raise KeyError(f"no server named {server!r} in the fleet")
        if not state.connected:
            raise ManagerSocketError(f"server {server!r} is not connected")
        return await state.manager.send(action, **kwargs)

    def is_connected(self, name: str) -> bool:
        """Whether server ``name`` is connected and logged in now (false for an unknown
        name); cheaper than :meth:`status`, which reports on every server."""
        server = self._servers.get(name)
        return server is not None and server.connected

    def status(self) -> dict[str, ServerStatus]:
        """Each server's :class:`ServerStatus`, by name."""
        now = _now()
        report: dict[str, ServerStatus] = {}
        for name, server in self._servers.items():
            last = server.last_event
            report[name] = ServerStatus(
                name=name,
                connected=server.connected,
                since=server.since,
                reconnects=server.reconnects,
                events_per_second=server.rate(now),
                last_event_age=None if last is None else max(now - last, 0.0),
                events_dropped=server.manager.events_dropped + server.subs_dropped,
                connection=server.conn if server.connected else None,
            )
        return report

    # -- listeners -----------------------------------------------------------------------

    def add_listener(self, listener: FleetListener) -> None:
        """Tell ``listener`` of every connection, event and removal from now on."""
        self._listeners.append(listener)
        self._bind_listeners()

    def remove_listener(self, listener: FleetListener) -> None:
        """Stop telling ``listener`` (nothing happens if it was not added)."""
        if listener in self._listeners:
            self._listeners.remove(listener)
            self._bind_listeners()

    def _bind_listeners(self) -> None:
        self._event_listeners = tuple(
            method
            for listener in self._listeners
            if (method := getattr(listener, "server_event", None)) is not None
        )

    def _notify(self, kind: str, *args: Any) -> None:
        for listener in tuple(self._listeners):
            method = getattr(listener, kind, None)
            if method is None:
                continue
            try:
                method(*args)
            except Exception:
                self._listener_failed(method)

    def _listener_failed(self, listener: object) -> None:
        self._logger.exception("fleet listener %r failed", listener)

    # -- internals -----------------------------------------------------------------------

    def _add(self, config: ServerConfig) -> _Server:
        if not isinstance(config, ServerConfig):
            raise TypeError(f"a fleet's servers are ServerConfig, not {type(config).__name__}")
        if config.name in self._servers:
            raise ValueError(f"the fleet already has a server named {config.name!r}")
        server = _Server(self, config)
        self._servers[config.name] = server
        self._route_one(server)
        return server

    def _route(self) -> None:
        """Give each server the subscriptions that listen to it (after a change)."""
        for server in self._servers.values():
            self._route_one(server)

    def _route_one(self, server: _Server) -> None:
        server.subs = tuple(
            sub for sub in self._subscriptions if sub.servers is None or server.name in sub.servers
        )

    def _unsubscribe(self, sub: _Subscription) -> None:
        sub.closed = True
        sub.queue.clear()
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)
            self._route()

    def _supervise(self, server: _Server) -> None:
        if server.task is None:
            server.task = asyncio.get_running_loop().create_task(
                self._run(server), name=f"pystrix-fleet-{server.name}"
            )

    async def _run(self, server: _Server) -> None:
        """The supervisor: connect, log in, wait for the loss, back off, again.

        The first attempt is immediate; every later one waits the policy's next delay
        (jittered), the sequence starting afresh after each successful login.
        """
        policy = self._policy
        delays = policy.delays()
        failures = 0
        while True:
            try:
                connected = await self._attempt(server)
            except Exception:  # a bug must not end the server's supervision silently
                self._logger.exception("server %s: connection attempt failed", server.name)
                connected = server.announced
                if not connected:
                    server.conn = None
                    await server.manager.disconnect()
            if connected:
                failures = 0
                await server.lost.wait()
                delays = policy.delays()
            else:
                failures += 1
            delay = next(delays, None)
            if delay is None:
                self._logger.error(
                    "server %s: gave up reconnecting after %d failed attempt(s)",
                    server.name,
                    failures,
                )
                return
            self._logger.info("server %s: next attempt in %.2f s", server.name, delay)
            await asyncio.sleep(delay)

    async def _attempt(self, server: _Server) -> bool:
        """One connection and login; true once logged in."""
        config = server.config
        manager = server.manager
        try:
            await manager.connect(config.host, config.port, config.connect_timeout, tls=config.tls)
        except Error as exc:
            self._logger.info("server %s: cannot connect: %s", server.name, exc)
            return False
        # Set before the Login is sent: the first events may be dispatched before this
        # task hears the Login's answer (they arrive in the same read).
        conn = server.conn = uuid4().hex[:12]
        server.seq = 0
        server.lost.clear()
        login = core.Login(config.username, config.secret)
        if config.events.lower() != "on":
            login["Events"] = config.events
        login.timeout = config.connect_timeout
        accepted = False
        try:
            accepted = (await manager.send_action(login)) is not None
            if not accepted:
                self._logger.warning(
                    "server %s: no answer to the Login within %s s",
                    server.name,
                    config.connect_timeout,
                )
        except ManagerAuthError as exc:
            # Named by server and user; the secret is never part of a log line.
            self._logger.error(
                "server %s: login refused for user %r: %s", server.name, config.username, exc
            )
        except Error as exc:
            self._logger.warning("server %s: login failed: %s", server.name, exc)
        if accepted and server.conn == conn and manager.is_connected():
            if not server.announced:
                self._announce(server, _now())
            return True
        if server.conn == conn:
            server.conn = None
        await manager.disconnect()
        return False

    def _announce(self, server: _Server, at: float) -> None:
        """``server`` is logged in on ``server.conn``: update the state, tell listeners."""
        conn = server.conn
        assert conn is not None
        server.announced = True
        server.connected = True
        server.since = at
        if server.ever_connected:
            server.reconnects += 1
        server.ever_connected = True
        server.up.set()
        self._logger.info("server %s: connected (connection %s)", server.name, conn)
        self._notify("server_connected", server.name, conn, at)

    def _end_connection(self, server: _Server, at: float) -> None:
        """``server``'s current connection is over (its last event delivered)."""
        conn = server.conn
        server.conn = None
        if not server.announced:
            return
        assert conn is not None
        server.announced = False
        server.connected = False
        server.since = at
        server.up.clear()
        self._logger.info("server %s: connection %s lost", server.name, conn)
        self._notify("server_disconnected", server.name, conn, at)

    async def _stop(self, server: _Server) -> None:
        """Stop ``server``'s supervisor and Manager (removal, or the fleet's close).

        A connected server is logged off first and its end awaited (briefly): Asterisk
        logs a clean logoff rather than a lost client, and the socket (a TLS one too,
        whose close needs the peer) is closed by the time this returns.
        """
        task = server.task
        server.task = None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        manager = server.manager
        if server.connected and manager.is_connected():
            patience = min(server.config.connect_timeout, _LOGOFF_TIMEOUT)
            logoff = core.Logoff()
            logoff.timeout = patience
            try:
                await manager.send_action(logoff)
            except Error:
                pass  # already gone: nothing to wait for
            else:
                await manager.wait_disconnected(patience)
        await manager.close()  # no callback runs after this
        if server.announced:  # the disconnect notice was not dispatched before the close
            conn = server.conn
            at = _now()
            server.conn = None
            server.announced = False
            server.connected = False
            server.since = at
            assert conn is not None
            self._notify("server_disconnected", server.name, conn, at)
        server.up.set()  # wake wait_connected(), which then sees the server gone
