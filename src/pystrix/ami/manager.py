"""The threaded AMI client: pystrix 1.x's ``Manager`` on the sans-I/O core.

Threads, and why:

* one **reader** per connection reads the socket, feeds the core and wakes waiting
  callers.  It never runs user code, so a slow callback cannot stall reading (Asterisk
  drops a client that does not drain its socket within ``writetimeout``, 100 ms by
  default);
* one **dispatcher** runs callbacks, in arrival order, from a bounded queue;
* an optional **monitor** (:meth:`Manager.monitor_connection`) pings Asterisk.

A caller of :meth:`Manager.send_action` sleeps on its own lock (``_new_waker``) until
the reader releases it: there is no polling anywhere.
"""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

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

__all__ = ["AsteriskInfo", "Callback", "Manager", "banner_info"]

#: A callback: ``function(event, manager)``.
Callback = Callable[[Message, "Manager"], Any]
DisconnectCallback = Callable[["Manager", BaseException], Any]

_READ_SIZE = 256 * 1024
_SEND_TIMEOUT = 10.0


class AsteriskInfo(NamedTuple):
    """What the banner said: ``('Asterisk Call Manager', '11.0.0')`` on Asterisk 22."""

    name: str
    version: str | None


def banner_info(protocol: ClientProtocol) -> AsteriskInfo | None:
    """The :class:`AsteriskInfo` of a connection's banner, once received."""
    banner = protocol.banner
    if banner is None:
        return None
    name, _, _ = banner.rpartition("/")
    return AsteriskInfo(name or banner, protocol.asterisk_version)


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


def _wake(pending: PendingAction) -> None:
    """Release the lock ``pending``'s caller sleeps on (see :func:`_new_waker`)."""
    try:
        pending.waker.release()
    except RuntimeError:  # already signalled and not yet consumed
        pass


class _Connection:
    """One socket, its core and its reader thread."""

    def __init__(self, sock: socket.socket, protocol: ClientProtocol, address: str) -> None:
        self.sock = sock
        self.protocol = protocol
        self.address = address
        self.lock = threading.Lock()  # guards the protocol object
        self.write_lock = threading.Lock()
        self.outbox: deque[bytes] = deque()
        self.reader: threading.Thread | None = None
        self.alive = True
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
    """:class:`~pystrix.ami._frontend.BoundedBatches` with a condition to wake the
    dispatcher thread.  One batch per socket read keeps the locking per read, not per event.
    """

    def __init__(self, limit: int) -> None:
        self.buffer = BoundedBatches(limit)
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

    def stop(self, mark: Any) -> None:
        """Discard what waits and queue ``mark``, so the dispatcher stops next."""
        with self._ready:
            self.buffer.discard()
            self.buffer.put_control(mark)
            self._ready.notify()

    def get(self) -> list[Any]:
        """Wait for and take the oldest batch."""
        with self._ready:
            while not self.buffer.batches:
                self._ready.wait()
            return self.buffer.take()


class _Disconnected:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Reconnected:
    __slots__ = ()


_STOP = object()


class Manager:
    """A connection to Asterisk's AMI, with the pystrix 1.x API.

    ``debug`` logs every message sent and received (at DEBUG level).  ``logger`` receives
    the Manager's log records (default: the ``pystrix.ami`` logger).  ``aggregate_timeout``
    is how long, after its response, a synchronous request waits for its event list to end.
    ``orphaned_response_timeout`` is accepted for compatibility: responses are matched the
    moment they arrive, so none waits to be claimed.  ``event_queue_size`` bounds the events
    waiting for callbacks (see :class:`_DispatchQueue` for the overflow policy) and
    ``max_message_size`` the size of one incoming message.

    Learning that the connection dropped: every waiting ``send_action`` raises
    :class:`~pystrix.ami.errors.ManagerSocketError` at once, :meth:`is_connected` turns
    false, callbacks given to :meth:`register_disconnect_callback` run (after every event
    received before the drop), and :meth:`wait_disconnected` returns.
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
        self._state_lock = threading.Lock()
        self._closed = False
        self._disconnected = threading.Event()
        self._disconnected.set()

        self._callbacks_lock = threading.Lock()
        self._callbacks: CallbackRegistry[Callback] = CallbackRegistry()
        self._disconnect_callbacks: list[DisconnectCallback] = []

        self._queue = _DispatchQueue(event_queue_size)
        self._dispatcher: threading.Thread | None = None
        self._monitor: threading.Thread | None = None
        self._monitor_stop = threading.Event()

        self._policy = reconnect_policy(reconnect)
        self._session = SessionMemory()
        self._target: tuple[str, int, float, bool | ssl.SSLContext] | None = None
        self._reconnector: threading.Thread | None = None
        self._reconnect_stop = threading.Event()
        self._reconnect_callbacks: list[Callable[[Manager], Any]] = []

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
        protocol = ClientProtocol(max_message_size=self._max_message_size, defer_events=True)
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
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pending: list[Any] = []
            deadline = time.monotonic() + timeout
            while protocol.banner is None:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                data = sock.recv(_READ_SIZE)
                if not data:
                    raise ManagerSocketError(f"{address} closed the connection before its banner")
                pending.extend(protocol.receive_data(data))
            sock.settimeout(None)
            _set_send_timeout(sock, _SEND_TIMEOUT)
        except ManagerSocketError:
            sock.close()
            raise
        except (OSError, Error) as exc:
            sock.close()
            raise ManagerSocketError(f"no AMI banner from {address}: {exc}") from exc
        if self._debug:
            self._logger.debug("connected to %s: %s", address, protocol.banner)
        connection = _Connection(sock, protocol, address)
        self._target = (host, port, timeout, tls)
        self._ensure_dispatcher()
        with self._state_lock:
            self._connection = connection
            self._disconnected.clear()
        if pending:
            self._queue.put([item for item in pending if not isinstance(item, PendingAction)])
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
        self._fail(
            connection,
            ManagerSocketError("the connection was closed by this client"),
            notify=False,
        )
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
        self._closed = True
        self._monitor_stop.set()
        self._reconnect_stop.set()
        self.disconnect()
        current = threading.current_thread()
        if self._reconnector is not None and self._reconnector is not current:
            self._reconnector.join()
            self.disconnect()  # a reconnect that was connecting when close() began
        if self._monitor is not None and self._monitor is not current:
            self._monitor.join()
        if self._dispatcher is not None:
            self._queue.stop(_STOP)
            if self._dispatcher is not current:
                self._dispatcher.join()

    def is_connected(self) -> bool:
        """True while the connection is open (false once it drops or is closed)."""
        connection = self._connection
        return connection is not None and connection.alive

    def wait_disconnected(self, timeout: float | None = None) -> bool:
        """Block until the connection is lost or closed; false if ``timeout`` passed first."""
        return self._disconnected.wait(timeout)

    def get_asterisk_info(self) -> AsteriskInfo | None:
        """The server's name and AMI version from its banner, or ``None`` if not connected."""
        connection = self._connection
        return None if connection is None else banner_info(connection.protocol)

    def get_connection(self) -> socket.socket | None:
        """The connected socket, for inspection only (reading from it breaks the Manager)."""
        connection = self._connection
        return None if connection is None else connection.sock

    def monitor_connection(self, interval: float = 2.5) -> None:
        """Ping Asterisk every ``interval`` seconds; if a ping goes unanswered for another
        ``interval``, fail the connection so that :meth:`is_connected` turns false.

        A dropped socket is noticed at once without this; the monitor catches a server
        that stops answering while the socket stays open.  Runs until :meth:`close`.
        """
        if self._monitor is not None and self._monitor.is_alive():
            return
        self._monitor_stop.clear()
        self._monitor = threading.Thread(
            target=self._monitor_loop, args=(interval,), name="pystrix-ami-monitor", daemon=True
        )
        self._monitor.start()

    def _monitor_loop(self, interval: float) -> None:
        from .core import Ping

        # Event.wait is the timer here: it returns early, and the loop ends, on close().
        while not self._monitor_stop.wait(interval):
            connection = self._connection
            if connection is None or not connection.alive:
                continue
            ping = Ping()
            # A healthy Asterisk answers within milliseconds; one interval is ample.
            ping.timeout = interval
            try:
                answer = self.send_action(ping)
            except Error:
                continue
            if answer is None:
                self._fail(connection, ManagerSocketError("Asterisk did not answer a keepalive"))

    # -- callbacks -----------------------------------------------------------------------

    def register_callback(self, event: Qualifier, function: Callback) -> None:
        """Call ``function(event, manager)`` for matching messages, on the dispatcher thread.

        ``event`` is an event name (any case), a compiled regular expression (matched from
        the start of the name), an event class, ``''`` for every event, or ``None`` for
        responses that no request is waiting for.  A function that several qualifiers
        match runs once per event.  An exception in it is logged and dispatch goes on.
        """
        with self._callbacks_lock:
            self._callbacks.register(event, function)

    def unregister_callback(self, event: Qualifier, function: Callback) -> bool:
        """Undo one :meth:`register_callback`; false if it was not registered."""
        with self._callbacks_lock:
            return self._callbacks.unregister(event, function)

    def register_disconnect_callback(self, function: DisconnectCallback) -> None:
        """Call ``function(manager, error)`` on the dispatcher thread when a connection ends
        for any reason other than :meth:`disconnect` or :meth:`close`."""
        with self._callbacks_lock:
            self._disconnect_callbacks.append(function)

    def register_reconnect_callback(self, function: Callable[[Manager], Any]) -> None:
        """Call ``function(manager)`` on the dispatcher thread each time the Manager has
        reconnected and restored its session (see ``reconnect``)."""
        with self._callbacks_lock:
            self._reconnect_callbacks.append(function)

    @property
    def events_dropped(self) -> int:
        """Events dropped because callbacks fell ``event_queue_size`` events behind."""
        return self._queue.buffer.dropped

    @property
    def events_delivered(self) -> int:
        """Events (and orphaned responses) handed to callbacks so far."""
        return self._queue.buffer.delivered

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
        if self._closed:
            raise ManagerError("this Manager was closed")
        connection = self._connection
        if connection is None or not connection.alive:
            raise ManagerSocketError("not connected to Asterisk")
        waker = _new_waker()
        with connection.lock:
            if not connection.alive:
                raise ManagerSocketError(f"the connection to {connection.address} was lost")
            pending = register_action(connection.protocol, request, action_id, kwargs)
            pending.waker = waker
        if self._debug:
            self._logger.debug("sending %r", mask_secrets(pending.payload))
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
        if pending.error is not None:
            raise ManagerSocketError(str(pending.error)) from pending.error
        assert pending.response is not None
        # The reader is done with the action: no lock needed to read it.
        self._session.remember(pending)
        return build_response(pending, request, time.monotonic() - started, events_timeout)

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
                if not size:
                    self._fail(
                        connection,
                        ManagerSocketError(f"{connection.address} closed the connection"),
                    )
                    return
                batch: list[Any] = []
                answered: list[PendingAction] = []
                with connection.lock:
                    receive_into(data, batch, answered)
                if debug:
                    self._logger.debug("received %r", bytes(data))
                if batch:
                    dropped = queue_put(batch)
                    if dropped:
                        self._warn_dropped(dropped)
                # Waiters last, just before this thread lets go of the GIL in recv_into():
                # a caller woken earlier would only wake to wait for the GIL.  (_wake,
                # inline: this runs once per answer.)
                for pending in answered:
                    try:
                        pending.waker.release()
                    except RuntimeError:  # already signalled and not yet consumed
                        pass
        except ManagerSocketError as exc:  # includes a malformed or oversized message
            self._fail(connection, exc)
        except OSError as exc:
            self._fail(connection, ManagerSocketError(f"{connection.address}: {exc}"))
        except BaseException as exc:  # never die silently: release every waiter first
            self._fail(connection, ManagerSocketError(f"reader failed: {exc!r}"))
            self._logger.exception("AMI reader thread failed")

    def _warn_dropped(self, dropped: int) -> None:
        if self._queue.buffer.should_warn():
            self._logger.warning(self._queue.buffer.warning(dropped))

    def _fail(self, connection: _Connection, error: BaseException, notify: bool = True) -> None:
        """End ``connection``: wake every waiter with ``error``; with ``notify``, log it and
        run the disconnect callbacks (not when the application itself disconnected)."""
        with connection.lock:
            if not connection.alive:
                return
            connection.alive = False
            ended = connection.protocol.fail(error)
        for pending in ended:
            if pending.waker is not None:
                _wake(pending)
        connection.shutdown()
        with self._state_lock:
            if self._connection is connection:
                self._connection = None
        if notify:  # logged before waiters of wait_disconnected() can look
            if connection.protocol.close_expected:
                self._logger.info("AMI session ended: %s", error)
            else:
                self._logger.warning("AMI connection lost: %s", error)
        self._disconnected.set()
        if notify:
            self._queue.put_control(_Disconnected(error))
            if self._policy is not None and not self._closed:
                self._start_reconnect()

    # -- reconnecting --------------------------------------------------------------------

    def _start_reconnect(self) -> None:
        with self._state_lock:
            if self._reconnector is not None and self._reconnector.is_alive():
                return
            self._reconnect_stop.clear()
            self._reconnector = threading.Thread(
                target=self._reconnect_loop, name="pystrix-ami-reconnect", daemon=True
            )
            self._reconnector.start()

    def _reconnect_loop(self) -> None:
        from .core import Challenge, ManagerAuthError

        assert self._policy is not None and self._target is not None
        host, port, timeout, tls = self._target
        attempt = 0
        for delay in self._policy.delays():
            # Event.wait is the back-off timer; close() cuts it short.
            if self._reconnect_stop.wait(delay) or self._closed:
                return
            attempt += 1
            try:
                self.connect(host, port, timeout, tls=tls)
                if self._closed:  # close() began while this attempt was connecting
                    self.disconnect()
                    return
                token = None
                if self._session.needs_challenge():
                    answer = self.send_action(Challenge())
                    token = None if answer is None else answer.response.get("Challenge")
                for request in self._session.replay(token):
                    if self.send_action(request) is None:
                        raise ManagerSocketError(f"no answer to {request.action} on reconnect")
            except ManagerAuthError as exc:
                self._logger.error("reconnected to %s:%s but the login failed: %s", host, port, exc)
                self.disconnect()
                return
            except Error as exc:
                self._logger.info(
                    "reconnect attempt %d to %s:%s failed: %s", attempt, host, port, exc
                )
                continue
            self._logger.warning("AMI connection restored after %d attempt(s)", attempt)
            self._queue.put_control(_Reconnected())
            return
        self._logger.error("gave up reconnecting to %s:%s after %d attempts", host, port, attempt)

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None:
            self._dispatcher = threading.Thread(
                target=self._dispatch_loop, name="pystrix-ami-dispatcher", daemon=True
            )
            self._dispatcher.start()

    def _dispatch_loop(self) -> None:
        get = self._queue.get
        cached = self._callbacks.cached
        while True:
            for message in get():
                if self._closed and message is not _STOP:
                    break  # closing: the rest of this batch is discarded too
                if type(message) is str:  # an event's text, not parsed yet
                    name = event_name(message)
                    callbacks = cached(name)
                    if callbacks is None:
                        with self._callbacks_lock:
                            callbacks = self._callbacks.for_event(name)
                    if not callbacks:
                        continue  # nobody listens: the event is never even parsed
                    # build_event(message, name), inlined: a Python call less per
                    # event is about 600 of 50,000 instructions (valgrind, per event).
                    kind = cached_event_class(name)
                    if kind is None:
                        message = build_event(message, name)  # finds the class and keeps it
                    else:
                        message = build_message(message, kind)
                elif isinstance(message, Event):
                    callbacks = cached(message.name)
                    if callbacks is None:
                        with self._callbacks_lock:
                            callbacks = self._callbacks.for_event(message.name)
                elif message is _STOP:
                    return
                elif isinstance(message, _Disconnected):
                    self._run_disconnect_callbacks(message.error)
                    continue
                elif isinstance(message, _Reconnected):
                    self._run_reconnect_callbacks()
                    continue
                elif type(message) is DeferredAggregate:
                    message = build_aggregate(message, self._logger)
                    if message is None:
                        continue
                    with self._callbacks_lock:
                        callbacks = self._callbacks.for_event(message.name)
                else:
                    callbacks = tuple(self._callbacks.orphan)
                for function in callbacks:
                    try:
                        function(message, self)
                    except Exception:
                        self._logger.exception(
                            "callback %r failed on %s", function, getattr(message, "name", "?")
                        )

    def _run_reconnect_callbacks(self) -> None:
        for function in list(self._reconnect_callbacks):
            try:
                function(self)
            except Exception:
                self._logger.exception("reconnect callback %r failed", function)

    def _run_disconnect_callbacks(self, error: BaseException) -> None:
        for function in list(self._disconnect_callbacks):
            try:
                function(self, error)
            except Exception:
                self._logger.exception("disconnect callback %r failed", function)


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
