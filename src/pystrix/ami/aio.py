"""The asyncio AMI client: the threaded ``Manager``'s API, method for method, on the same core.

::

    from pystrix.ami import aio, core

    async with aio.Manager() as manager:          # close() on exit
        await manager.connect("127.0.0.1", 5038)
        await manager.send_action(core.Login("admin", "wordpass"))
        async for event in manager.events("Newchannel"):
            print(event["Channel"])

The socket is read by an :class:`asyncio.BufferedProtocol`: ``buffer_updated`` feeds the
core, wakes the waiting ``send_action`` calls and queues events.  Callbacks (plain functions or
coroutine functions) run one at a time, in arrival order, on a dispatcher task, so a slow
callback never stops the socket from being read.  Nothing here touches the event loop at
import time, and a ``send_action`` that is cancelled forgets its ActionID.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any

from ._frontend import (
    BoundedBatches,
    CallbackRegistry,
    Qualifier,
    ReconnectPolicy,
    SessionMemory,
    build_aggregate,
    build_response,
    give_up,
    mask_secrets,
    reconnect_policy,
    register_action,
)
from .errors import Error, ManagerError, ManagerSocketError
from .events import Event
from .manager import AsteriskInfo, banner_info
from .message import Message
from .protocol import (
    DEFAULT_MAX_MESSAGE_SIZE,
    ClientProtocol,
    DeferredAggregate,
    PendingAction,
    build_event,
    build_message,
    cached_event_class,
    event_name,
)
from .request import Request, Response

__all__ = ["AsyncCallback", "Manager"]

#: A callback: ``function(event, manager)``, returning ``None`` or an awaitable.
AsyncCallback = Callable[[Message, "Manager"], Awaitable[Any] | Any]
AsyncDisconnectCallback = Callable[["Manager", BaseException], Awaitable[Any] | Any]

_STOP = object()
_END = object()
_READ_SIZE = 256 * 1024


class _Deadlines:
    """Expires waits without an event-loop timer per wait.

    Waits with the same timeout expire in the order they began, so one FIFO per timeout
    value and one timer per FIFO suffice: appending is O(1), and a wait answered in time
    costs nothing more (it leaves the FIFO when it reaches the head).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # The loop's clock, without a Python-level call where it is time.monotonic.
        self._clock = time.monotonic if type(loop).time is asyncio.BaseEventLoop.time else loop.time
        # One FIFO per timeout; a timeout is a key here exactly while its timer is armed.
        self._queues: dict[float, deque[tuple[float, asyncio.Future[bool]]]] = {}

    def add(self, timeout: float, future: asyncio.Future[bool]) -> None:
        """Resolve ``future`` with ``False`` after ``timeout`` seconds unless done before."""
        deadline = self._clock() + timeout
        queue = self._queues.get(timeout)
        if queue is None:
            queue = self._queues[timeout] = deque()
            self._loop.call_at(deadline, self._expire, timeout)
        else:
            while queue and queue[0][1].done():
                queue.popleft()  # answered in time: forget it now rather than at expiry
        queue.append((deadline, future))

    def _expire(self, timeout: float) -> None:
        queue = self._queues[timeout]
        now = self._clock()
        while queue:
            deadline, future = queue[0]
            if not future.done():
                if deadline > now:
                    break
                future.set_result(False)
            queue.popleft()
        if queue:
            self._loop.call_at(queue[0][0], self._expire, timeout)
        else:
            del self._queues[timeout]


def _wake(pending: PendingAction) -> None:
    """Resolve the future a ``send_action`` awaits (its ``pending.waker``), once."""
    future = pending.waker
    if future is not None and not future.done():
        future.set_result(True)


class _Disconnected:
    """Queued behind the connection's last events: the dispatcher ends the event
    iterators there (after those events), and runs the disconnect callbacks if ``notify``."""

    __slots__ = ("error", "notify")

    def __init__(self, error: BaseException, notify: bool) -> None:
        self.error = error
        self.notify = notify


class _Reconnected:
    __slots__ = ()


class _Connection(asyncio.BufferedProtocol):
    """One connection: the transport, the core, and the glue between them.

    A buffered protocol: the transport reads into one buffer kept for the connection's
    life, where a plain protocol gets a fresh 256 KiB bytes object (an mmap, an mremap and
    a munmap in the C library) for every read.
    """

    def __init__(self, manager: Manager, address: str, max_message_size: int) -> None:
        self.manager = manager
        self.address = address
        self.protocol = ClientProtocol(max_message_size=max_message_size, defer_events=True)
        self.transport: asyncio.Transport | None = None
        self.alive = True
        self.loop = asyncio.get_running_loop()
        self.deadlines = _Deadlines(self.loop)
        self.banner: asyncio.Future[None] = self.loop.create_future()
        self._awaiting_banner = True
        self._buffer = memoryview(bytearray(_READ_SIZE))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        manager = self.manager
        data = self._buffer[:nbytes]
        if manager._debug:
            manager._logger.debug("received %r", bytes(data))
        try:
            batch: list[Any] = []
            answered: list[PendingAction] = []
            self.protocol.receive_into(data, batch, answered)
        except ManagerSocketError as exc:  # a malformed or oversized message
            manager._fail(self, exc)
            return
        for pending in answered:  # _wake, inline: this runs once per answer
            future = pending.waker
            if not future.done():
                future.set_result(True)
        if self._awaiting_banner and self.protocol.banner is not None:
            self._awaiting_banner = False
            if not self.banner.done():
                self.banner.set_result(None)
        if batch:
            manager._enqueue(batch)

    def eof_received(self) -> bool:
        self.manager._fail(self, ManagerSocketError(f"{self.address} closed the connection"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        detail = f": {exc}" if exc is not None else ""
        error = ManagerSocketError(f"the connection to {self.address} was lost{detail}")
        self.manager._fail(self, error)
        if not self.banner.done():
            self.banner.set_exception(error)
            # Marked as seen: connect() raises it if it still waits; if it gave up
            # already, asyncio would otherwise log it as never retrieved.
            self.banner.exception()


class Manager:
    """An asyncio connection to Asterisk's AMI; the threaded Manager's API with ``await``.

    The constructor takes the same arguments as :class:`pystrix.ami.Manager` and no event
    loop: it binds to the running loop in :meth:`connect`.  Callbacks may be plain or
    coroutine functions; both run on one dispatcher task, in arrival order.
    """

    def __init__(
        self,
        debug: bool = False,
        logger: logging.Logger | None = None,
        aggregate_timeout: float = 5,
        orphaned_response_timeout: float = 5,
        *,
        event_queue_size: int = 100_000,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        reconnect: bool | ReconnectPolicy = False,
    ) -> None:
        self._debug = debug
        self._logger = logger if logger is not None else logging.getLogger("pystrix.ami")
        self._aggregate_timeout = aggregate_timeout
        self._orphaned_response_timeout = orphaned_response_timeout
        self._max_message_size = max_message_size
        self._connection: _Connection | None = None
        self._closed = False
        self._disconnected: asyncio.Event | None = None
        self._callbacks: CallbackRegistry[AsyncCallback] = CallbackRegistry()
        self._disconnect_callbacks: list[AsyncDisconnectCallback] = []
        self._buffer = BoundedBatches(event_queue_size)
        self._dispatch_ready: asyncio.Future[None] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._monitor: asyncio.Task[None] | None = None
        self._iterators: list[asyncio.Queue[Any]] = []
        self._policy = reconnect_policy(reconnect)
        self._session = SessionMemory()
        self._target: tuple[str, int, float, bool | ssl.SSLContext] | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._reconnect_callbacks: list[Callable[[Manager], Awaitable[Any] | Any]] = []

    async def __aenter__(self) -> Manager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- connection ----------------------------------------------------------------------

    async def connect(
        self,
        host: str,
        port: int = 5038,
        timeout: float = 5,
        *,
        tls: bool | ssl.SSLContext = False,
    ) -> None:
        """Connect to ``host``:``port`` and read the banner, within ``timeout`` seconds.

        ``tls`` is the threaded Manager's: ``True`` for TLS with verification against the
        system's roots, or an :class:`ssl.SSLContext`.  Raises
        :class:`~pystrix.ami.errors.ManagerSocketError` naming the address if the
        connection is refused, unreachable, fails TLS, or sends no banner in time.
        """
        if self._closed:
            raise ManagerError("this Manager was closed; create a new one")
        await self.disconnect()
        loop = asyncio.get_running_loop()
        address = f"{host}:{port}"
        connection = _Connection(self, address, self._max_message_size)
        # Known before the banner: the connection may be lost (and a reconnect begin)
        # before this method resumes.
        self._target = (host, port, timeout, tls)
        try:
            context = None
            if tls:
                context = tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context()
            await asyncio.wait_for(
                loop.create_connection(
                    lambda: connection,
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context is not None else None,
                ),
                timeout,
            )
            await asyncio.wait_for(asyncio.shield(connection.banner), timeout)
        except (OSError, asyncio.TimeoutError, ManagerSocketError) as exc:
            if connection.transport is not None:
                connection.alive = False
                connection.transport.abort()
            if isinstance(exc, asyncio.TimeoutError):
                raise ManagerSocketError(f"no AMI banner from {address} in {timeout} s") from exc
            raise ManagerSocketError(f"cannot connect to {address}: {exc}") from exc
        if self._debug:
            self._logger.debug("connected to %s: %s", address, connection.protocol.banner)
        if self._disconnected is None:
            self._disconnected = asyncio.Event()
        if connection.alive:
            self._disconnected.clear()
            self._connection = connection
        else:
            # Lost between the banner and now: _fail has queued the notice, which the
            # dispatcher started below delivers after the events that came first.
            self._disconnected.set()
        self._ensure_dispatcher()

    async def disconnect(self) -> None:
        """Close the connection (callbacks stay registered; :meth:`connect` may follow)."""
        connection = self._connection
        self._connection = None
        if connection is not None:
            self._fail(
                connection,
                ManagerSocketError("the connection was closed by this client"),
                notify=False,
            )

    async def close(self) -> None:
        """Disconnect and stop every task the Manager started; it cannot be reused.

        The callback running at that moment finishes; events still waiting for dispatch
        are discarded (and counted in :attr:`events_dropped`).  Called from a callback, it
        does not wait for the dispatcher (the callback runs on it).
        """
        if self._closed:
            return
        self._closed = True
        current = asyncio.current_task()
        for task in (self._monitor, self._reconnector):
            if task is not None and task is not current:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.disconnect()
        if self._dispatcher is not None:
            self._buffer.discard()
            self._buffer.put_control(_STOP)
            self._wake_dispatcher()
            if self._dispatcher is not current:
                await asyncio.gather(self._dispatcher, return_exceptions=True)
        self._end_iterators()

    def is_connected(self) -> bool:
        """True while the connection is open."""
        connection = self._connection
        return connection is not None and connection.alive

    async def wait_disconnected(self, timeout: float | None = None) -> bool:
        """Wait until the connection is lost or closed; false if ``timeout`` passed first."""
        if self._disconnected is None or not self.is_connected():
            return True
        try:
            await asyncio.wait_for(self._disconnected.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def get_asterisk_info(self) -> AsteriskInfo | None:
        """The server's name and AMI version from its banner, or ``None`` if not connected."""
        connection = self._connection
        return None if connection is None else banner_info(connection.protocol)

    def monitor_connection(self, interval: float = 2.5) -> None:
        """Ping every ``interval`` seconds; an unanswered ping fails the connection.

        Must be called with a running loop; the task ends with :meth:`close`.
        """
        if self._monitor is not None and not self._monitor.done():
            return
        self._monitor = asyncio.get_running_loop().create_task(
            self._monitor_loop(interval), name="pystrix-ami-monitor"
        )

    async def _monitor_loop(self, interval: float) -> None:
        from .core import Ping

        while True:
            await asyncio.sleep(interval)  # the keepalive period, not a wait for an answer
            connection = self._connection
            if connection is None or not connection.alive:
                continue
            ping = Ping()
            ping.timeout = interval
            try:
                answer = await self.send_action(ping)
            except Error:
                continue
            if answer is None:
                self._fail(connection, ManagerSocketError("Asterisk did not answer a keepalive"))

    # -- callbacks and the event iterator ------------------------------------------------

    def register_callback(self, event: Qualifier, function: AsyncCallback) -> None:
        """Call ``function(event, manager)`` (awaited if it returns an awaitable) for
        matching messages; the qualifiers are the threaded Manager's."""
        self._callbacks.register(event, function)

    def unregister_callback(self, event: Qualifier, function: AsyncCallback) -> bool:
        """Undo one :meth:`register_callback`; false if it was not registered."""
        return self._callbacks.unregister(event, function)

    def register_disconnect_callback(self, function: AsyncDisconnectCallback) -> None:
        """Call ``function(manager, error)`` when a connection ends for any reason other
        than :meth:`disconnect` or :meth:`close`."""
        self._disconnect_callbacks.append(function)

    def register_reconnect_callback(self, function: Callable[[Manager], Any]) -> None:
        """Call ``function(manager)`` (awaited if it returns an awaitable) each time the
        Manager has reconnected and restored its session (see ``reconnect``)."""
        self._reconnect_callbacks.append(function)

    @property
    def events_dropped(self) -> int:
        """Events dropped because callbacks fell ``event_queue_size`` events behind."""
        return self._buffer.dropped

    @property
    def events_delivered(self) -> int:
        """Events (and orphaned responses) handed to callbacks so far."""
        return self._buffer.delivered

    async def events(
        self, qualifier: Qualifier = "", *, max_queued: int = 10_000
    ) -> AsyncIterator[Message]:
        """Iterate over events matching ``qualifier`` (every event by default).

        The iteration ends when the Manager is closed or the connection is lost.  At most
        ``max_queued`` events wait for the loop body; past that the newest are dropped and
        counted in :attr:`events_dropped`.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def collect(event: Message, _: Manager) -> None:
            if queue.qsize() < max_queued:
                queue.put_nowait(event)
            else:
                self._buffer.dropped += 1

        self._callbacks.register(qualifier, collect)
        self._iterators.append(queue)
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                yield item
        finally:
            self._callbacks.unregister(qualifier, collect)
            self._iterators.remove(queue)

    def _end_iterators(self) -> None:
        for queue in self._iterators:
            queue.put_nowait(_END)

    # -- actions -------------------------------------------------------------------------

    async def send_action(
        self, request: Request, action_id: str | None = None, **kwargs: Any
    ) -> Response | None:
        """Send ``request`` and wait for its answer, as the threaded ``send_action`` does.

        Returns the same named tuple, or ``None`` after ``request.timeout`` seconds; raises
        the same errors.  If the awaiting task is cancelled, the action is forgotten (a
        late response goes to the ``None`` callbacks).
        """
        if self._closed:
            raise ManagerError("this Manager was closed")
        connection = self._connection
        if connection is None or not connection.alive or connection.transport is None:
            raise ManagerSocketError("not connected to Asterisk")
        protocol = connection.protocol
        pending = register_action(protocol, request, action_id, kwargs)
        # The future this call awaits; the reader resolves it (True) when the answer is in,
        # the deadlines (False) when the time is up.
        future = pending.waker = connection.loop.create_future()
        if self._debug:
            self._logger.debug("sending %r", mask_secrets(pending.payload))
        started = time.monotonic()
        # Written at once, not held back to be joined with other callers' payloads:
        # Asterisk starts on the first request while the next callers are still building
        # theirs, which measured faster with 8 tasks at once than one write per loop turn.
        # (Still connected: nothing was awaited since the check above.)
        connection.transport.write(pending.payload)
        timeout = request.timeout
        if timeout is not None:
            connection.deadlines.add(timeout, future)
        events_timeout = False
        try:
            if not await future and not give_up(protocol, pending, keep_response=False):
                return None
            if pending.error is None and not pending.done:
                # The response is in; the list is still arriving.
                future = pending.waker = connection.loop.create_future()
                if self._aggregate_timeout is not None:
                    connection.deadlines.add(self._aggregate_timeout, future)
                await future
                events_timeout = not give_up(protocol, pending, keep_response=True)
        except asyncio.CancelledError:
            protocol.abandon(pending.action_id)
            raise
        if pending.error is not None:
            raise ManagerSocketError(str(pending.error)) from pending.error
        assert pending.response is not None
        self._session.remember(pending)
        return build_response(pending, request, time.monotonic() - started, events_timeout)

    # -- dispatching ---------------------------------------------------------------------

    def _enqueue(self, batch: list[Any]) -> None:
        dropped = self._buffer.put(batch)
        if dropped and self._buffer.should_warn():
            self._logger.warning(self._buffer.warning(dropped))
        self._wake_dispatcher()

    def _wake_dispatcher(self) -> None:
        ready = self._dispatch_ready
        if ready is not None and not ready.done():
            ready.set_result(None)

    def _fail(self, connection: _Connection, error: BaseException, notify: bool = True) -> None:
        if not connection.alive:
            return
        connection.alive = False
        for pending in connection.protocol.fail(error):
            _wake(pending)
        if connection.transport is not None:
            connection.transport.close()
        if self._connection is connection:
            self._connection = None
        if self._disconnected is not None:
            self._disconnected.set()
        # A connection that never sent its banner was never the application's: connect()
        # raises instead.  One that did is reported whenever it ends, even before
        # connect() has returned (the dispatcher it starts then delivers the notice).
        established = connection.protocol.banner is not None
        notify = notify and established
        if notify:
            if connection.protocol.close_expected:
                self._logger.info("AMI session ended: %s", error)
            else:
                self._logger.warning("AMI connection lost: %s", error)
            if self._policy is not None and not self._closed:
                self._start_reconnect()
        if self._dispatcher is not None or established:
            self._buffer.put_control(_Disconnected(error, notify))
            self._wake_dispatcher()
        else:
            self._end_iterators()

    # -- reconnecting --------------------------------------------------------------------

    def _start_reconnect(self) -> None:
        if self._reconnector is not None and not self._reconnector.done():
            return
        self._reconnector = asyncio.get_running_loop().create_task(
            self._reconnect_loop(), name="pystrix-ami-reconnect"
        )

    async def _reconnect_loop(self) -> None:
        from .core import Challenge, ManagerAuthError

        assert self._policy is not None and self._target is not None
        host, port, timeout, tls = self._target
        attempt = 0
        for delay in self._policy.delays():
            await asyncio.sleep(delay)  # the back-off timer; close() cancels it
            if self._closed:
                return
            attempt += 1
            try:
                await self.connect(host, port, timeout, tls=tls)
                token = None
                if self._session.needs_challenge():
                    answer = await self.send_action(Challenge())
                    token = None if answer is None else answer.response.get("Challenge")
                for request in self._session.replay(token):
                    if await self.send_action(request) is None:
                        raise ManagerSocketError(f"no answer to {request.action} on reconnect")
            except ManagerAuthError as exc:
                self._logger.error("reconnected to %s:%s but the login failed: %s", host, port, exc)
                await self.disconnect()
                return
            except Error as exc:
                self._logger.info(
                    "reconnect attempt %d to %s:%s failed: %s", attempt, host, port, exc
                )
                continue
            self._logger.warning("AMI connection restored after %d attempt(s)", attempt)
            self._buffer.put_control(_Reconnected())
            self._wake_dispatcher()
            return
        self._logger.error("gave up reconnecting to %s:%s after %d attempts", host, port, attempt)

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch_loop(), name="pystrix-ami-dispatcher"
            )

    async def _dispatch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        buffer = self._buffer
        callbacks = self._callbacks
        cached = callbacks.cached
        while True:
            if not buffer.batches:
                self._dispatch_ready = loop.create_future()
                await self._dispatch_ready
                continue
            for message in buffer.take():
                if self._closed and message is not _STOP:
                    break  # closing: the rest of this batch is discarded too
                if type(message) is str:  # an event's text, not parsed yet
                    name = event_name(message)
                    chosen = cached(name)
                    if chosen is None:
                        chosen = callbacks.for_event(name)
                    if not chosen:
                        continue  # nobody listens: the event is never even parsed
                    # build_event(message, name), inlined: a Python call less per
                    # event is about 600 of 50,000 instructions (valgrind, per event).
                    kind = cached_event_class(name)
                    if kind is None:
                        message = build_event(message, name)  # finds the class and keeps it
                    else:
                        message = build_message(message, kind)
                elif isinstance(message, Event):
                    chosen = cached(message.name) or callbacks.for_event(message.name)
                elif message is _STOP:
                    return
                elif isinstance(message, _Disconnected):
                    self._end_iterators()
                    if message.notify:
                        await self._run_disconnect_callbacks(message.error)
                    continue
                elif isinstance(message, _Reconnected):
                    await self._run_reconnect_callbacks()
                    continue
                elif type(message) is DeferredAggregate:
                    message = build_aggregate(message, self._logger)
                    if message is None:
                        continue
                    chosen = callbacks.for_event(message.name)
                else:
                    chosen = tuple(callbacks.orphan)
                for function in chosen:
                    try:
                        result = function(message, self)
                        if result is not None and inspect.isawaitable(result):
                            await result
                    except Exception:
                        self._logger.exception(
                            "callback %r failed on %s", function, getattr(message, "name", "?")
                        )

    async def _run_reconnect_callbacks(self) -> None:
        for function in list(self._reconnect_callbacks):
            try:
                result = function(self)
                if result is not None and inspect.isawaitable(result):
                    await result
            except Exception:
                self._logger.exception("reconnect callback %r failed", function)

    async def _run_disconnect_callbacks(self, error: BaseException) -> None:
        for function in list(self._disconnect_callbacks):
            try:
                result = function(self, error)
                if result is not None and inspect.isawaitable(result):
                    await result
            except Exception:
                self._logger.exception("disconnect callback %r failed", function)
