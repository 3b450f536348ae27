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
import time, and a ``send_action`` that is cancelled forgets its ActionID.  What the Manager
does is :class:`~pystrix.ami._frontend.ManagerBase`'s, shared with the threaded one; this
module only moves bytes, waits and wakes.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import ssl
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any

from ._frontend import (
    END,
    STOP,
    Link,
    ManagerBase,
    OriginateResult,
    Qualifier,
    Steps,
    give_up,
    next_step,
)
from .errors import Error, ManagerError, ManagerSocketError
from .message import Message
from .protocol import ClientProtocol, ConnectionState, PendingAction
from .request import Request, Response

__all__ = ["AsyncCallback", "Manager", "OriginateResult"]

#: A callback: ``function(event, manager)``, returning ``None`` or an awaitable.
AsyncCallback = Callable[[Message, "Manager"], Awaitable[Any] | Any]

_READ_SIZE = 256 * 1024
_BANNER = ConnectionState.BANNER
_FAILED = ConnectionState.FAILED

# The smallest share of the read buffer one read may fill.
_MIN_READ = 16 * 1024


class _SharedReads:
    """The read buffer of one event loop's connections, and the share each read fills.

    A transport fills the buffer and hands it to ``buffer_updated()`` at once, on the
    loop's thread, and the core copies what it keeps: connections never hold it across
    reads, so one buffer serves them all (one per connection cost 256 KiB each, most of
    an idle connection's memory in a fleet of hundreds).  Each read may fill only
    ``256 KiB / connections`` (at least 16 KiB): the loop reads every ready socket before
    any callback runs, so with hundreds of busy connections full-size reads would pile up
    hundreds of thousands of events per loop turn, all alive at once.
    """

    __slots__ = ("connections", "share", "whole")

    def __init__(self) -> None:
        self.whole = memoryview(bytearray(_READ_SIZE))
        self.share = self.whole
        self.connections = 0

    def joined(self) -> None:
        self.connections += 1
        self._resize()

    def left(self) -> None:
        self.connections -= 1
        self._resize()

    def _resize(self) -> None:
        size = max(_MIN_READ, _READ_SIZE // max(1, self.connections))
        self.share = self.whole[: min(size, _READ_SIZE)]


_shared_reads: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedReads] = (
    weakref.WeakKeyDictionary()
)


def _reads_of(loop: asyncio.AbstractEventLoop) -> _SharedReads:
    reads = _shared_reads.get(loop)
    if reads is None:
        reads = _shared_reads[loop] = _SharedReads()
    return reads


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


class _Connection(Link, asyncio.BufferedProtocol):
    """One connection: the transport, the core, and the glue between them.

    A buffered protocol: the transport reads into one buffer kept for the loop's life
    (shared by its connections, see :class:`_SharedReads`), where a plain protocol gets a
    fresh 256 KiB bytes object (an mmap, an mremap and a munmap in the C library) for
    every read.
    """

    def __init__(self, manager: Manager, address: str, max_message_size: int) -> None:
        protocol = ClientProtocol(
            max_message_size=max_message_size, defer_events=True, peer=address
        )
        super().__init__(protocol, address, None)  # one thread: no lock
        self.manager = manager
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.deadlines = _Deadlines(self.loop)
        self.banner: asyncio.Future[None] = self.loop.create_future()
        self._awaiting_banner = True
        self._reads = _reads_of(self.loop)
        self._joined = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._reads.joined()
        self._joined = True

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._reads.share

    def buffer_updated(self, nbytes: int) -> None:
        manager = self.manager
        data = self._reads.whole[:nbytes]
        if manager._debug:
            manager._logger.debug("received %r", bytes(data))
        batch: list[Any] = []
        answered: list[PendingAction] = []
        state = self.protocol.receive_into(data, batch, answered)
        if batch:
            manager._enqueue(batch)
        for pending in answered:  # _wake, inline: this runs once per answer
            future = pending.waker
            if not future.done():
                future.set_result(True)
        if state is _FAILED:  # connection_lost() then fails a connect() still waiting
            manager._fail(self, self.protocol.error)
        elif self._awaiting_banner and state is not _BANNER:
            self._awaiting_banner = False
            if not self.banner.done():
                self.banner.set_result(None)

    def eof_received(self) -> bool:
        for pending in self.protocol.receive_eof():
            self.manager._wake(pending)
        self.manager._fail(self, self.protocol.error)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._joined:
            self._joined = False
            self._reads.left()
        detail = f": {exc}" if exc is not None else ""
        error = ManagerSocketError(f"the connection to {self.address} was lost{detail}")
        self.manager._fail(self, error)
        if not self.banner.done():
            self.banner.set_exception(self.protocol.error or error)
            # Marked as seen: connect() raises it if it still waits; if it gave up
            # already, asyncio would otherwise log it as never retrieved.
            self.banner.exception()


class Manager(ManagerBase[AsyncCallback]):
    """An asyncio connection to Asterisk's AMI; the threaded Manager's API with ``await``.

    The constructor takes the same arguments as :class:`pystrix.ami.Manager` and no event
    loop: it binds to the running loop in :meth:`connect`.  Callbacks may be plain or
    coroutine functions; both run on one dispatcher task, in arrival order.
    """

    def _setup(self) -> None:
        self._dispatch_ready: asyncio.Future[None] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._disconnected: asyncio.Event | None = None

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
        self._ensure_dispatcher()
        if self._disconnected is None:
            self._disconnected = asyncio.Event()
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
        except asyncio.CancelledError:
            # Cancelled mid-connect (a fleet closing, say): the socket may be open
            # already, and nothing else holds it.
            if connection.transport is not None:
                connection.alive = False
                connection.transport.abort()
            raise
        if self._debug:
            self._logger.debug("connected to %s: %s", address, connection.protocol.banner)
        if connection.alive:
            self._disconnected.clear()
            self._connection = connection
        # Else lost between the banner and now: _fail has queued the notice, which the
        # dispatcher delivers after the events that came first.

    async def disconnect(self) -> None:
        """Close the connection (callbacks stay registered; :meth:`connect` may follow)."""
        connection = self._connection
        self._connection = None
        if connection is not None:
            self._fail(connection, None)

    async def close(self) -> None:
        """Disconnect and stop every task the Manager started; it cannot be reused.

        The callback running at that moment finishes; events still waiting for dispatch
        are discarded (and counted in :attr:`events_dropped`).  Called from a callback, it
        does not wait for the dispatcher (the callback runs on it).
        """
        if self._closed:
            return
        with self._state_lock:  # no reconnect starts after this (see _ended)
            self._closed = True
        current = asyncio.current_task()
        for task in (self._monitor, self._reconnector):
            if task is not None and task is not current:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.disconnect()
        if self._dispatcher is not None:
            self._buffer.discard()
            self._queue_control(STOP)
            if self._dispatcher is not current:
                await asyncio.gather(self._dispatcher, return_exceptions=True)
        self._end_iterators()

    async def wait_disconnected(self, timeout: float | None = None) -> bool:
        """Wait until the connection is lost or closed; false if ``timeout`` passed first."""
        if self._disconnected is None or not self.is_connected():
            return True
        try:
            await asyncio.wait_for(self._disconnected.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def get_connection(self) -> socket.socket | None:
        """The connected socket, for inspection only (reading from it breaks the Manager)."""
        connection = self._connection
        if connection is None or connection.transport is None:
            return None
        sock: socket.socket | None = connection.transport.get_extra_info("socket")
        return sock

    # -- actions -------------------------------------------------------------------------

    async def send_action(
        self, request: Request, action_id: str | None = None, **kwargs: Any
    ) -> Response | None:
        """Send ``request`` and wait for its answer, as the threaded ``send_action`` does.

        Returns the same named tuple, or ``None`` after ``request.timeout`` seconds; raises
        the same errors.  If the awaiting task is cancelled, the action is forgotten (a
        late response goes to the ``None`` callbacks).
        """
        connection, pending = self._register(request, action_id, kwargs)
        protocol = connection.protocol
        # The future this call awaits; the reader resolves it (True) when the answer is in,
        # the deadlines (False) when the time is up.
        future = pending.waker = connection.loop.create_future()
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
        return self._result(pending, request, time.monotonic() - started, events_timeout)

    async def send(self, request: Request, action_id: str | None = None, **kwargs: Any) -> Response:
        """:meth:`send_action` for typed code, as the threaded ``send``: the response, or
        :class:`~pystrix.ami.errors.ManagerTimeoutError` where :meth:`send_action` would
        return ``None``."""
        response = await self.send_action(request, action_id, **kwargs)
        if response is None:
            raise self._no_response(request)
        return response

    async def originate(self, request: Request, timeout: float | None = None) -> OriginateResult:
        """Originate a call and wait for its ``OriginateResponse``, as the threaded
        ``originate`` does: same request, same result, same errors.

        The event is picked up by the dispatcher task, so do not await this from a
        callback (the dispatcher would wait for itself until ``timeout``).
        """
        sent, wait = self._originate_request(request, timeout)
        waiting: asyncio.Queue[Any] = asyncio.Queue()
        with self._awaiting_originate(waiting) as action_id:
            response = self._originate_queued(await self.send(sent, action_id))
            try:
                outcome = await asyncio.wait_for(waiting.get(), wait)
            except asyncio.TimeoutError:
                raise self._originate_timeout(action_id, wait) from None
        return self._originate_result(outcome, response)

    def events(
        self, qualifier: Qualifier = "", *, max_queued: int = 10_000
    ) -> AsyncIterator[Message]:
        """Iterate (``async for``) over events matching ``qualifier`` (every event by
        default); events are collected from this call on, so none sent after it is missed
        however late the loop starts.

        The iteration ends when the Manager is closed or the connection is lost.  At most
        ``max_queued`` events wait for the loop body; past that the newest are dropped and
        counted in :attr:`events_dropped`.
        """
        waiting: asyncio.Queue[Any] = asyncio.Queue()
        stop = self._listen(qualifier, waiting, max_queued)
        return self._tied(_drain(waiting, stop), stop)

    # -- reading and dispatching ---------------------------------------------------------

    def _enqueue(self, batch: list[Any]) -> None:
        dropped = self._buffer.put(batch)
        if dropped:
            self._dropped(dropped)
        ready = self._dispatch_ready
        if ready is not None and not ready.done():
            ready.set_result(None)

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch_loop(), name="pystrix-ami-dispatcher"
            )

    async def _dispatch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        buffer = self._buffer
        deliveries = self._deliveries
        while not self._closed:
            if not buffer.batches:
                self._dispatch_ready = loop.create_future()
                await self._dispatch_ready
                continue
            for callbacks, message in deliveries(buffer.take()):
                for function in callbacks:
                    try:
                        result = function(message, self)
                        if result is not None and inspect.isawaitable(result):
                            await result
                    except Exception:
                        self._callback_failed(function, message)

    # -- what the shared policy asks of a front-end ----------------------------------------

    def _start(self, name: str, steps: Steps) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(self._follow(steps), name=name)

    async def _follow(self, steps: Steps) -> None:
        """Take a policy's steps: sleep where they say (close() cancels the task), await
        the rest."""
        step = next_step(steps)
        while step is not None and not self._closed:
            if isinstance(step, float):
                await asyncio.sleep(step)
                step = next_step(steps)
                continue
            try:
                outcome = step()
                if inspect.isawaitable(outcome):
                    outcome = await outcome
            except Error as exc:
                step = next_step(steps, error=exc)
            else:
                step = next_step(steps, outcome)

    def _is_running(self, handle: Any) -> bool:
        return handle is not None and not handle.done()

    def _wake(self, pending: PendingAction) -> None:
        future = pending.waker
        if future is not None and not future.done():
            future.set_result(True)

    def _close_transport(self, connection: _Connection) -> None:
        if connection.transport is not None:
            connection.transport.close()

    def _queue_control(self, item: Any) -> None:
        self._buffer.put_control(item)
        self._enqueue([])

    def _set_disconnected(self) -> None:
        if self._disconnected is not None:
            self._disconnected.set()


async def _drain(waiting: asyncio.Queue[Any], stop: Callable[[], None]) -> AsyncIterator[Message]:
    """The items of ``waiting`` until :data:`END`; then (or when the loop stops early)
    the iterator's callback is unregistered."""
    try:
        while (item := await waiting.get()) is not END:
            yield item
    finally:
        stop()
