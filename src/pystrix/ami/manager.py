"""The threaded AMI client: pystrix 1.x's ``Manager`` on the sans-I/O core.

Threads, and why:

* one **reader** per connection reads the socket, feeds the core and wakes waiting
  callers.  It never runs user code, so a slow callback cannot stall reading (Asterisk
  drops a client that does not drain its socket within ``writetimeout``, 100 ms by
  default);
* one **dispatcher** runs callbacks, in arrival order, from a bounded queue;
* a **monitor** (:meth:`Manager.monitor_connection`) and a **reconnector** follow the
  shared keepalive and reconnect policies, sleeping where those say.

A caller of :meth:`Manager.send_action` sleeps on its own lock (``_new_waker``) until
the reader releases it: there is no polling anywhere.  What the Manager does is
:class:`~pystrix.ami._frontend.ManagerBase`'s, shared with :mod:`pystrix.ami.aio`; this
module only moves bytes, waits and wakes (``diff manager.py aio.py`` shows just that).
"""

from __future__ import annotations

import queue
import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from ._frontend import (
    END,
    STOP,
    AsteriskInfo,
    BoundedBatches,
    Link,
    ManagerBase,
    OriginateResult,
    Qualifier,
    Steps,
    banner_info,
    give_up,
    next_step,
)
from .errors import Error, ManagerError, ManagerSocketError
from .message import Message
from .protocol import ClientProtocol, ConnectionState, PendingAction
from .request import Request, Response

__all__ = ["AsteriskInfo", "Callback", "Manager", "OriginateResult", "banner_info"]

#: A callback: ``function(event, manager)``.
Callback = Callable[[Message, "Manager"], Any]

_READ_SIZE = 256 * 1024
_SEND_TIMEOUT = 10.0
_FAILED = ConnectionState.FAILED
_CLOSED = ConnectionState.CLOSED


def _new_waker() -> threading.Lock:
    """A caller's wake-up signal: a bare lock, held, that the reader releases.

    Cheaper than ``threading.Event`` (no condition, no Python-level wait loop).  The
    reader may release it more than once (the response, then the end of a list); a signal
    nobody consumed yet is simply kept, so the caller re-checks the action's state after
    every wake-up.
    """
    waker = threading.Lock()
    waker.acquire()
    return waker


class _Connection(Link):
    """One socket, its core and its reader thread."""

    def __init__(self, sock: socket.socket, protocol: ClientProtocol, address: str) -> None:
        super().__init__(protocol, address, threading.Lock())
        self.lock: threading.Lock  # guards the core: the reader and callers share it
        self.sock = sock
        self.write_lock = threading.Lock()
        self.outbox: deque[bytes] = deque()
        self.reader: threading.Thread | None = None
        self.shut = False

    def send(self, payload: bytes) -> None:
        """Write ``payload``; concurrent callers' payloads go out together.

        Whoever holds the write lock sends everything queued, so 8 threads pinging at once
        make a few large writes instead of 8 small ones.  A caller that finds the lock
        taken leaves its payload to the holder, which checks the queue again after it
        releases the lock, so nothing is stranded.
        """
        outbox = self.outbox
        outbox.append(payload)
        write_lock = self.write_lock
        while outbox and write_lock.acquire(blocking=False):
            try:
                while outbox:
                    if len(outbox) == 1:
                        self.sock.sendall(outbox.popleft())
                    else:
                        self.sock.sendall(b"".join([outbox.popleft() for _ in range(len(outbox))]))
            finally:
                write_lock.release()

    def shutdown(self) -> None:
        """Unblock the reader and release the socket (idempotent)."""
        if self.shut:
            return
        self.shut = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class _DispatchQueue:
    """The Manager's :class:`~pystrix.ami._frontend.BoundedBatches` with a condition to
    wake the dispatcher thread.  One batch per socket read keeps the locking per read,
    not per event."""

    def __init__(self, buffer: BoundedBatches) -> None:
        self.buffer = buffer
        self._ready = threading.Condition(threading.Lock())

    def put(self, batch: list[Any]) -> int:
        """Queue ``batch``; return how many of its items were dropped."""
        with self._ready:
            dropped = self.buffer.put(batch)
            self._ready.notify()
            return dropped

    def put_control(self, item: Any) -> None:
        """Queue an item that is never dropped (disconnect notices, the stop mark)."""
        with self._ready:
            self.buffer.put_control(item)
            self._ready.notify()

    def stop(self) -> None:
        """Discard what waits and queue :data:`STOP`, so the dispatcher stops next."""
        with self._ready:
            self.buffer.discard()
            self.buffer.put_control(STOP)
            self._ready.notify()

    def get(self) -> list[Any]:
        """Wait for and take the oldest batch."""
        with self._ready:
            while not self.buffer.batches:
                self._ready.wait()
            return self.buffer.take()


class Manager(ManagerBase[Callback]):
    """A connection to Asterisk's AMI, with the pystrix 1.x API.

    The constructor's arguments are :class:`~pystrix.ami._frontend.ManagerBase`'s.

    Learning that the connection dropped: every waiting ``send_action`` raises
    :class:`~pystrix.ami.errors.ManagerSocketError` at once, :meth:`is_connected` turns
    false, callbacks given to :meth:`register_disconnect_callback` run (after every event
    received before the drop), and :meth:`wait_disconnected` returns.
    """

    def _setup(self) -> None:
        self._queue = _DispatchQueue(self._buffer)
        self._dispatcher: threading.Thread | None = None
        self._stopping = threading.Event()  # set by close(): the policies' sleeps end
        self._disconnected = threading.Event()
        self._disconnected.set()

    def __enter__(self) -> Manager:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- connection ----------------------------------------------------------------------

    def connect(
        self,
        host: str,
        port: int = 5038,
        timeout: float = 5,
        *,
        tls: bool | ssl.SSLContext = False,
    ) -> None:
        """Connect to ``host``:``port`` and read the banner, within ``timeout`` seconds.

        ``tls=True`` speaks TLS (Asterisk's ``tlsenable``, usually port 5039) and verifies
        the server's certificate against the system's trusted roots and ``host``; pass an
        :class:`ssl.SSLContext` to choose the roots or client certificates yourself.
        Raises :class:`~pystrix.ami.errors.ManagerSocketError` naming the address if the
        connection is refused, unreachable, fails the TLS handshake or verification, or
        sends no banner in time.  Any previous connection is closed first.  Log in next
        with ``core.Login``.
        """
        if self._closed:
            raise ManagerError("this Manager was closed; create a new one")
        self.disconnect()
        address = f"{host}:{port}"
        protocol = ClientProtocol(
            max_message_size=self._max_message_size, defer_events=True, peer=address
        )
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise ManagerSocketError(f"cannot connect to {address}: {exc}") from exc
        if tls:
            context = tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context()
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except OSError as exc:  # ssl.SSLError, certificate errors included
                sock.close()
                raise ManagerSocketError(f"TLS with {address} failed: {exc}") from exc
        pending: list[Any] = []
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            deadline = time.monotonic() + timeout
            while protocol.banner is None and protocol.error is None:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                data = sock.recv(_READ_SIZE)
                if not data:
                    protocol.receive_eof()
                protocol.receive_into(data, pending, pending)
            sock.settimeout(None)
            _set_send_timeout(sock, _SEND_TIMEOUT)
        except OSError as exc:
            protocol.fail(ManagerSocketError(f"no AMI banner from {address}: {exc}"))
        except BaseException:
            # Interrupted mid-connect (KeyboardInterrupt): nothing else holds the socket,
            # as in the asyncio Manager's cancelled connect().
            sock.close()
            raise
        if protocol.error is not None:
            sock.close()
            raise ManagerSocketError(str(protocol.error)) from protocol.error
        if self._debug:
            self._logger.debug("connected to %s: %s", address, protocol.banner)
        connection = _Connection(sock, protocol, address)
        self._target = (host, port, timeout, tls)
        self._ensure_dispatcher()
        with self._state_lock:
            self._connection = connection
            self._disconnected.clear()
        if pending:
            self._queue.put(pending)
        reader = threading.Thread(
            target=self._read_loop, args=(connection,), name="pystrix-ami-reader", daemon=True
        )
        connection.reader = reader
        reader.start()

    def disconnect(self) -> None:
        """Close the connection (callbacks stay registered; :meth:`connect` may follow)."""
        with self._state_lock:
            connection = self._connection
            self._connection = None
        if connection is None:
            return
        self._fail(connection, None)
        if connection.reader is not None and connection.reader is not threading.current_thread():
            connection.reader.join()

    def close(self) -> None:
        """Disconnect and stop every thread the Manager started; it cannot be reused.

        The callback running at that moment finishes; events still waiting for dispatch
        are discarded (and counted in :attr:`events_dropped`), so a long backlog cannot
        hold ``close()`` up.  Called from a callback, it does not wait for the dispatcher
        (that is the caller's thread).
        """
        if self._closed:
            return
        with self._state_lock:  # no reconnect starts after this (see _ended)
            self._closed = True
        self._stopping.set()
        self.disconnect()
        current = threading.current_thread()
        for worker in (self._reconnector, self._monitor):
            if worker is not None and worker is not current:
                worker.join()
        self.disconnect()  # a reconnect that was connecting when close() began
        if self._dispatcher is not None:
            self._queue.stop()
            if self._dispatcher is not current:
                self._dispatcher.join()
        self._end_iterators()

    def wait_disconnected(self, timeout: float | None = None) -> bool:
        """Block until the connection is lost or closed; false if ``timeout`` passed first."""
        return self._disconnected.wait(timeout)

    def get_connection(self) -> socket.socket | None:
        """The connected socket, for inspection only (reading from it breaks the Manager)."""
        connection = self._connection
        return None if connection is None else connection.sock

    # -- actions -------------------------------------------------------------------------

    def send_action(
        self, request: Request, action_id: str | None = None, **kwargs: Any
    ) -> Response | None:
        """Send ``request`` and wait for its answer; keyword arguments add headers.

        Returns a :class:`~pystrix.ami.request.Response` named tuple, or ``None`` if no
        response came within ``request.timeout`` seconds (a late one then goes to the
        ``None`` callbacks).  Raises :class:`~pystrix.ami.errors.ManagerSocketError` if not
        connected or the connection drops while waiting,
        :class:`~pystrix.ami.errors.ManagerError` after :meth:`close`,
        :class:`~pystrix.ami.errors.InvalidHeaderError` for a header holding CR, LF or NUL
        (nothing is sent), and whatever the request's ``process_response`` raises
        (``Login`` raises ``ManagerAuthError``).  Safe to call from many threads at once.
        """
        waker = _new_waker()
        connection, pending = self._register(request, action_id, kwargs)
        pending.waker = waker
        started = time.monotonic()
        try:
            connection.send(pending.payload)
        except OSError as exc:
            error = ManagerSocketError(f"cannot send to {connection.address}: {exc}")
            self._fail(connection, error)
            raise error from exc
        # The reader changes the action's state before it signals, so re-checking the state
        # around each wait can neither miss a wake-up nor trust a stale one.
        events_timeout = False
        if not _wait(waker, pending, request.timeout, whole_list=False):
            with connection.lock:
                if not give_up(connection.protocol, pending, keep_response=False):
                    return None
        # Once the response is in, a list may still be arriving.
        if not pending.done and not _wait(waker, pending, self._aggregate_timeout, whole_list=True):
            with connection.lock:
                events_timeout = not give_up(connection.protocol, pending, keep_response=True)
        return self._result(pending, request, time.monotonic() - started, events_timeout)

    def send(self, request: Request, action_id: str | None = None, **kwargs: Any) -> Response:
        """:meth:`send_action` for typed code: the response, or an exception, never ``None``.

        Raises :class:`~pystrix.ami.errors.ManagerTimeoutError` (a ``ManagerError`` and a
        ``TimeoutError``) where :meth:`send_action` would return ``None``: no response
        within ``request.timeout`` seconds (a late one goes to the ``None`` callbacks).
        Everything else is :meth:`send_action`'s; an ``Error`` response is returned, not
        raised (check ``success``), as not every action's ``Error`` is a failure.
        """
        response = self.send_action(request, action_id, **kwargs)
        if response is None:
            raise self._no_response(request)
        return response

    def originate(self, request: Request, timeout: float | None = None) -> OriginateResult:
        """Originate a call and wait for its outcome: the ``OriginateResponse`` event.

        ``request`` is an Originate (:class:`~pystrix.ami.core.Originate`,
        ``Originate_Application`` or ``Originate_Context``); it is sent as a copy with
        ``Async: true`` and an ActionID chosen here, and the ``OriginateResponse`` carrying
        that ActionID is awaited for ``timeout`` seconds (by default the request's
        ``Timeout`` header, 30 s if absent, plus 5 s).  Listening starts before the
        action is sent, so the event cannot be missed, whenever it comes.  Returns an
        :class:`~pystrix.ami._frontend.OriginateResult` whether the call was answered or
        not (``success``, ``reason``, ``event``).

        Raises :class:`~pystrix.ami.errors.ManagerError` if Asterisk refuses the action
        (no ``Channel``, a bad ``Priority``, no permission; a channel that cannot be
        dialled is an unsuccessful result instead), ``ManagerTimeoutError`` if the
        response or the event does not come in time, ``ManagerSocketError`` if the
        connection ends first, and ``ValueError`` for a request that is not an Originate.
        The event reaches callbacks (and :meth:`events` loops) as usual; it is picked up
        on the dispatcher thread, so do not call this from a callback.
        """
        sent, wait = self._originate_request(request, timeout)
        waiting: queue.SimpleQueue[Any] = queue.SimpleQueue()
        with self._awaiting_originate(waiting) as action_id:
            response = self._originate_queued(self.send(sent, action_id))
            try:
                outcome = waiting.get(timeout=wait)
            except queue.Empty:
                raise self._originate_timeout(action_id, wait) from None
        return self._originate_result(outcome, response)

    def events(self, qualifier: Qualifier = "", *, max_queued: int = 10_000) -> Iterator[Message]:
        """Iterate over events matching ``qualifier`` (every event by default), blocking
        for the next one; events are collected from this call on, so none sent after it
        is missed however late the loop starts.

        The iteration ends when the Manager is closed or the connection is lost.  At most
        ``max_queued`` events wait for the loop body; past that the newest are dropped and
        counted in :attr:`events_dropped`.
        """
        waiting: queue.SimpleQueue[Any] = queue.SimpleQueue()
        stop = self._listen(qualifier, waiting, max_queued)
        return self._tied(_drain(waiting, stop), stop)

    # -- reading and dispatching ---------------------------------------------------------

    def _read_loop(self, connection: _Connection) -> None:
        sock = connection.sock
        receive_into = connection.protocol.receive_into
        queue_put = self._queue.put
        debug = self._debug
        # One buffer for every read: a fresh 256 KiB bytes object per recv() costs an
        # mmap, an mremap and a munmap in the C library, on every read.
        buffer = memoryview(bytearray(_READ_SIZE))
        try:
            while True:
                size = sock.recv_into(buffer)
                data = buffer[:size]
                if debug:
                    self._logger.debug("received %r", bytes(data))
                batch: list[Any] = []
                answered: list[PendingAction] = []
                with connection.lock:
                    if size:
                        state = receive_into(data, batch, answered)
                    else:
                        answered = connection.protocol.receive_eof()
                        state = _CLOSED
                if batch:
                    dropped = queue_put(batch)
                    if dropped:
                        self._dropped(dropped)
                # Waiters last, just before this thread lets go of the GIL in recv_into():
                # a caller woken earlier would only wake to wait for the GIL.  (_wake,
                # inline: this runs once per answer.)
                for pending in answered:
                    try:
                        pending.waker.release()
                    except RuntimeError:  # already signalled and not yet consumed
                        pass
                if state is _FAILED or state is _CLOSED:  # the core ended the connection
                    break
        except OSError as exc:
            self._fail(connection, ManagerSocketError(f"{connection.address}: {exc}"))
        except BaseException as exc:  # never die silently: release every waiter first
            self._fail(connection, ManagerSocketError(f"reader failed: {exc!r}"))
            self._logger.exception("AMI reader thread failed")
        else:
            self._fail(connection, connection.protocol.error)

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = threading.Thread(
                target=self._dispatch_loop, name="pystrix-ami-dispatcher", daemon=True
            )
            self._dispatcher.start()

    def _dispatch_loop(self) -> None:
        get = self._queue.get
        deliveries = self._deliveries
        while not self._closed:
            for callbacks, message in deliveries(get()):
                for function in callbacks:
                    try:
                        function(message, self)
                    except Exception:
                        self._callback_failed(function, message)

    # -- what the shared policy asks of a front-end ----------------------------------------

    def _start(self, name: str, steps: Steps) -> threading.Thread:
        worker = threading.Thread(target=self._follow, args=(steps,), name=name, daemon=True)
        worker.start()
        return worker

    def _follow(self, steps: Steps) -> None:
        """Take a policy's steps: sleep on the stop signal (close() cuts it short), call
        the rest."""
        step = next_step(steps)
        while step is not None and not self._closed:
            if isinstance(step, float):
                step = None if self._stopping.wait(step) else next_step(steps)
                continue
            try:
                outcome = step()
            except Error as exc:
                step = next_step(steps, error=exc)
            else:
                step = next_step(steps, outcome)

    def _is_running(self, handle: Any) -> bool:
        return handle is not None and bool(handle.is_alive())

    def _wake(self, pending: PendingAction) -> None:
        try:
            pending.waker.release()
        except (RuntimeError, AttributeError):  # already signalled; or never waited
            pass

    def _close_transport(self, connection: _Connection) -> None:
        connection.shutdown()

    def _queue_control(self, item: Any) -> None:
        self._queue.put_control(item)

    def _set_disconnected(self) -> None:
        self._disconnected.set()


def _wait(
    waker: threading.Lock, pending: PendingAction, timeout: float | None, *, whole_list: bool
) -> bool:
    """Sleep on ``waker`` until ``pending`` has its response (with ``whole_list``: until it
    is done, list included); false if ``timeout`` seconds pass first."""
    deadline = None
    while not (pending.done or (pending.response is not None and not whole_list)):
        if timeout is None:
            waker.acquire()
            continue
        if deadline is None:
            deadline = time.monotonic() + timeout
            remaining = max(timeout, 0)  # a negative timeout would mean "forever" to a lock
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return pending.done or (pending.response is not None and not whole_list)
        waker.acquire(timeout=remaining)
    return True


def _drain(waiting: queue.SimpleQueue[Any], stop: Callable[[], None]) -> Iterator[Message]:
    """The items of ``waiting`` until :data:`END`; then (or when the loop stops early)
    the iterator's callback is unregistered."""
    try:
        while (item := waiting.get()) is not END:
            yield item
    finally:
        stop()


def _set_send_timeout(sock: socket.socket, seconds: float) -> None:
    """Bound a blocking ``sendall`` to a server that stopped reading (best effort)."""
    whole = int(seconds)
    try:
        sock.setsockopt(
            socket.SOL_SOCKET,
            socket.SO_SNDTIMEO,
            struct.pack("ll", whole, int((seconds - whole) * 1_000_000)),
        )
    except (OSError, AttributeError, struct.error):
        pass
