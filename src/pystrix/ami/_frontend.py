"""What the threaded and the asyncio Manager share beyond the protocol core.

Everything here is free of I/O and of any way of waiting.  :class:`ManagerBase` is each
Manager's whole behaviour: callbacks and which of them an item goes to, the bounded
buffer to the dispatcher, the failure and logging policy, and the two policies that run
over time (keepalive and reconnect) written once as generators of steps.  A front-end
(:mod:`pystrix.ami.manager` with threads, :mod:`pystrix.ami.aio` with an event loop)
adds only what moves bytes, waits and wakes: it sleeps where a step says so, calls (or
awaits) the rest, reads its socket into the core and runs the callbacks it is given.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import random
import re
import secrets
import threading
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from .core import Challenge, Login, Ping, _originate_wait
from .errors import (
    Error,
    ManagerAuthError,
    ManagerError,
    ManagerSocketError,
    ManagerTimeoutError,
)
from .events import Aggregate, Event, class_event_name
from .message import FAILED_RESPONSES, Message
from .protocol import (
    DEFAULT_MAX_MESSAGE_SIZE,
    ClientProtocol,
    DeferredAggregate,
    PendingAction,
    build_event,
    build_message,
    cached_event_class,
)
from .request import Request, Response, ResponseEvents, is_success

__all__ = [
    "STOP",
    "AsteriskInfo",
    "BoundedBatches",
    "CallbackRegistry",
    "Link",
    "ManagerBase",
    "OriginateResult",
    "Qualifier",
    "ReconnectPolicy",
    "SessionMemory",
    "Step",
    "Steps",
    "banner_info",
    "build_aggregate",
    "build_response",
    "give_up",
    "mask_secrets",
]

#: What ``register_callback`` accepts as a qualifier.
Qualifier = str | re.Pattern[str] | type[Event] | None

_F = TypeVar("_F", bound=Callable[..., Any])
_I = TypeVar("_I")

_PLAIN_BUILD_RESULT = Request.build_result
_PLAIN_PROCESS = Request.process_response
_PLAIN_HEADER_PAIRS = Request.header_pairs

#: Event names come from the server: the per-name cache must not grow without bound.
_CACHE_LIMIT = 4096


_SECRET_LINE = re.compile(rb"(?im)^((?:secret|key)[ \t]*:[ \t]*)[^\r\n]*")


def mask_secrets(payload: bytes) -> bytes:
    """``payload`` with the values of ``Secret`` and ``Key`` headers replaced by ``***``,
    for debug logs: a login must never leave its secret in a log file."""
    return _SECRET_LINE.sub(rb"\1***", payload)


def _event_key(event: type[Event]) -> str:
    return class_event_name(event).lower()


class CallbackRegistry(Generic[_F]):
    """Callbacks by qualifier, and which of them an event name selects.

    Registrations are kept in one list, in the order they were made, because that is the
    order callbacks run in (as in pystrix 1.x), whatever their qualifier: a callback
    registered for ``''`` before one for ``"Newchannel"`` runs first.

    Not locked: the threaded Manager guards mutation with its own lock; the asyncio one
    runs on one thread.  :meth:`for_event` reads a cache that mutation clears.
    """

    def __init__(self) -> None:
        # (kind, key, function): kind is "name" (key: the lower-cased name), "pattern"
        # (key: the compiled expression) or "all".
        self._entries: list[tuple[str, Any, _F]] = []
        self.orphan: list[_F] = []
        self._cache: dict[str, tuple[_F, ...]] = {}
        #: ``cached(name)``: the functions for ``name`` if already worked out, else
        #: ``None``; safe without a lock.  The cache's own ``get``: no call in between.
        self.cached: Callable[[str], tuple[_F, ...] | None] = self._cache.get

    @staticmethod
    def _entry(qualifier: Qualifier) -> tuple[str, Any]:
        if isinstance(qualifier, re.Pattern):
            return ("pattern", qualifier)
        if isinstance(qualifier, str):
            return ("all", None) if qualifier == "" else ("name", qualifier.lower())
        if isinstance(qualifier, type) and issubclass(qualifier, Event):
            return ("name", _event_key(qualifier))
        raise TypeError(f"cannot register a callback on {qualifier!r}")

    def register(self, qualifier: Qualifier, function: _F) -> None:
        """Add ``function`` under ``qualifier`` (see ``Manager.register_callback``)."""
        if qualifier is None:
            self.orphan.append(function)
        else:
            kind, key = self._entry(qualifier)
            self._entries.append((kind, key, function))
        self._cache.clear()

    def unregister(self, qualifier: Qualifier, function: _F) -> bool:
        """Remove one registration; false if there was none."""
        self._cache.clear()
        if qualifier is None:
            return _remove(self.orphan, function)
        try:
            kind, key = self._entry(qualifier)
        except TypeError:
            return False
        return _remove(self._entries, (kind, key, function))

    def for_event(self, name: str) -> tuple[_F, ...]:
        """Every function an event called ``name`` selects, each once, in the order the
        callbacks were registered."""
        cached = self._cache.get(name)  # the exact name: lower() per event would cost
        if cached is not None:
            return cached
        lowered = name.lower()
        chosen: list[_F] = []
        for kind, key, function in self._entries:
            if kind == "name":
                selected = key == lowered
            elif kind == "pattern":
                selected = key.match(name) is not None
            else:
                selected = True
            if selected and function not in chosen:
                chosen.append(function)
        result = tuple(chosen)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[name] = result
        return result


def _remove(items: list[Any], item: Any) -> bool:
    try:
        items.remove(item)
    except ValueError:
        return False
    return True


class BoundedBatches:
    """The buffer from the socket reader to the dispatcher: batches, bounded in items.

    Overflow policy: when ``limit`` items are waiting, the newest are dropped and counted
    (``dropped``), because the reader must never wait on callbacks; Asterisk disconnects
    a client that does not read within its ``writetimeout``.  Control items (disconnect
    notices, the stop mark) are never dropped.  No locking or waking here: the front-end
    does that around these calls.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.batches: deque[list[Any]] = deque()
        self.size = 0
        #: Items dropped because the buffer was full, since the Manager was created.
        self.dropped = 0
        #: Items handed to the dispatcher, since the Manager was created.
        self.delivered = 0
        self._warned_at = 0

    def put(self, batch: list[Any]) -> int:
        """Add what fits of ``batch``; return how many items were dropped."""
        room = self.limit - self.size
        dropped = 0
        if len(batch) > room:
            keep = max(room, 0)
            dropped = len(batch) - keep
            batch = batch[:keep]
            self.dropped += dropped
        if batch:
            self.batches.append(batch)
            self.size += len(batch)
        return dropped

    def put_control(self, item: Any) -> None:
        """Add an item that is never dropped."""
        self.batches.append([item])
        self.size += 1

    def discard(self) -> int:
        """Drop everything waiting (the Manager is closing); return how many items."""
        waiting = self.size
        self.batches.clear()
        self.size = 0
        self.dropped += waiting
        return waiting

    def take(self) -> list[Any]:
        """Remove and return the oldest batch (the caller checks there is one)."""
        batch = self.batches.popleft()
        self.size -= len(batch)
        self.delivered += len(batch)
        return batch

    def should_warn(self) -> bool:
        """True when a drop warning is due: once per doubling of ``dropped``, so that a
        flood does not flood the log too."""
        level = self.dropped.bit_length()
        if level > self._warned_at:
            self._warned_at = level
            return True
        return False

    def warning(self, dropped: int) -> str:
        """The text of the drop warning."""
        return (
            f"callbacks are too slow: {dropped} event(s) dropped ({self.dropped} in all); "
            f"at most {self.limit} wait for dispatch"
        )


def build_aggregate(item: DeferredAggregate, logger: logging.Logger) -> Aggregate | None:
    """Build an aggregate on the dispatcher; ``None`` (and the error logged) if its class's
    own code raised, as a failing callback is logged and dispatch goes on."""
    try:
        return item.build()
    except Exception:
        logger.exception("building %r failed", item)
        return None


def _list_declaration(
    request: Request, synchronous: bool, aggregate: bool
) -> tuple[tuple[type[Aggregate], ...], frozenset[str]]:
    """The aggregate classes a request asks for, and the names of the events that end
    its list (pystrix 1.x's ``_aggregates`` and ``..._finalising`` declarations)."""
    aggregates = request.get_aggregate_classes() if aggregate else ()
    finalising: list[type[Event]] = []
    if synchronous:
        finalising.extend(request.get_synchronous_classes()[2])
    for cls in aggregates:
        finalising.extend(cls._aggregation_finalisers)
    names = frozenset(_event_key(kind) for kind in finalising)
    return aggregates, names


def build_response(
    request: Request,
    response: Message,
    events: list[Message],
    action_id: str,
    elapsed: float,
    events_timeout: bool,
) -> Response:
    """What ``send_action`` returns for ``request``, answered by ``response`` and (for a
    synchronous request) the list ``events`` (its closing event last), sent with
    ``action_id`` ``elapsed`` seconds before the answer was complete.

    The request's own ``build_result``/``process_response`` make the ``result``, which
    may decide ``success``; a ``round_trip_header`` gets ``elapsed``.  A Manager uses it
    for requests with such hooks; :mod:`pystrix.fleet.redis` for every answer it rebuilds
    from the bridge's reply, so a remote caller gets the same tuple as a local one.
    """
    result = request.build_result(response, events)
    # A 1.x process_response may decide success itself (response.success = ...).
    decided = result.__dict__.get("_success") if isinstance(result, Message) else None
    success = is_success(response) if decided is None else decided
    round_trip = type(request).round_trip_header
    if round_trip is not None and isinstance(result, Message):
        # A converted value in a message of strings, as 1.x's Ping gave it.
        values: dict[str, Any] = result
        values[round_trip] = elapsed if success else -1.0
    return Response(
        result,
        response,
        request,
        action_id,
        success,
        elapsed,
        ResponseEvents.from_events(events, request),
        events_timeout,
    )


def give_up(protocol: ClientProtocol, pending: PendingAction, keep_response: bool) -> bool:
    """A waiter's time ran out: forget the action unless its answer raced in.

    Returns true if the wait is over anyway: the action is done (or failed), or, without
    ``keep_response``, its response is in and only its list is still arriving.  Otherwise
    the action is abandoned (a late response becomes an orphan) and false is returned.
    """
    if pending.done:
        return True
    if pending.response is not None and not keep_response:
        return True
    protocol.abandon(pending.action_id)
    return False


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a Manager reconnects after it lost its connection (not after ``close()``).

    Attempts wait ``initial_delay`` seconds, then ``multiplier`` times longer each time, up
    to ``max_delay``, each delay varied by up to ``jitter`` (a fraction) either way so that
    many clients do not reconnect in step.  ``max_attempts`` of ``None`` retries forever.
    """

    initial_delay: float = 0.5
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.25
    max_attempts: int | None = None

    def delays(self) -> Iterator[float]:
        """The wait before each attempt."""
        delay = self.initial_delay
        attempt = 0
        while self.max_attempts is None or attempt < self.max_attempts:
            attempt += 1
            spread = delay * self.jitter
            yield max(0.0, delay + random.uniform(-spread, spread))
            delay = min(delay * self.multiplier, self.max_delay)


def reconnect_policy(reconnect: bool | ReconnectPolicy) -> ReconnectPolicy | None:
    """The policy a Manager's ``reconnect`` argument stands for."""
    if isinstance(reconnect, ReconnectPolicy):
        return reconnect
    return ReconnectPolicy() if reconnect else None


_SESSION_ACTIONS = frozenset({"login", "events", "filter"})


class SessionMemory:
    """What a reconnect must do again: the login, the event mask and the filters.

    The Manager shows it every answered request; :meth:`replay` lists the requests to send
    on a new connection, in order.  A login that used a challenge is redone with a fresh
    challenge, which needs the secret the ``Login`` kept for that purpose.
    """

    def __init__(self) -> None:
        self.login: Request | None = None
        self.events: Request | None = None
        self.filters: list[Request] = []
        self._lock = threading.Lock()  # callers on several threads may answer at once

    def remember(self, pending: PendingAction) -> None:
        """Note an answered action's request (its ``context``) if it shapes the session
        and Asterisk accepted it."""
        action = pending.action.lower()
        # Most requests (a Ping, a Status) shape nothing: ruled out before anything else.
        if action not in _SESSION_ACTIONS:
            return
        response = pending.response
        if response is None or not is_success(response):
            return
        request: Request = pending.context
        with self._lock:
            if action == "login":
                self.login = request
            elif action == "events":
                self.events = request
            elif action == "filter":
                operation = str(request.get("Operation", "Add")).lower()
                if operation == "add" and request not in self.filters:
                    self.filters.append(request)

    def needs_challenge(self) -> bool:
        """True if the login to redo is an MD5 one: fetch a Challenge token first."""
        login = self.login
        return login is not None and "Key" in login and getattr(login, "secret", None) is not None

    def replay(self, token: str | None) -> list[Request]:
        """The requests that restore the session, given a fresh challenge ``token`` when
        :meth:`needs_challenge` said so."""
        requests: list[Request] = []
        login = self.login
        if login is not None:
            secret = getattr(login, "secret", None)
            if "Key" in login and secret is not None and token is not None:
                login = Login(
                    str(login["Username"]),
                    secret,
                    events=str(login.get("Events", "on")).lower() != "off",
                    challenge=token,
                )
            requests.append(login)
        if self.events is not None:
            requests.append(self.events)
        requests.extend(self.filters)
        return requests


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


class OriginateResult(NamedTuple):
    """What ``Manager.originate`` returns: how one call attempt ended.

    * ``success``: true when the event says ``Response: Success``: the call was answered
      and went on to its application or extension.
    * ``reason``: the event's ``Reason``, one of :mod:`pystrix.ami.core`'s
      ``ORIGINATE_RESULT_*`` (4: answered; 0: could not be dialled; 1: rejected; 3: rang
      out unanswered; 5: busy; 8: congestion), or -1 when the event has none.
    * ``event``: the ``OriginateResponse`` event itself
      (:class:`pystrix.ami.core_events.OriginateResponse`: ``Channel``, ``Uniqueid``...).
    * ``response``: the :class:`~pystrix.ami.request.Response` to the ``Originate``
      action (``Originate successfully queued``); its ``action_id`` is the ActionID the
      event carries.
    """

    success: bool
    reason: int
    event: Event
    response: Response


def _as_reason(value: Any) -> int:
    """``Reason`` as an int: the event class converts it, a generic event does not."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class Link:
    """One connection as the shared policy sees it: its core, its address, and whether
    the front-end has torn it down yet (``alive``; the core's own state may have ended
    first, on bad bytes).  The lock guards the core where a reader thread shares it."""

    def __init__(self, protocol: ClientProtocol, address: str, lock: threading.Lock | None) -> None:
        self.protocol = protocol
        self.address = address
        self.alive = True
        #: ``None`` where one thread does everything (asyncio): a lock there cost about
        #: 1,200 instructions per request (valgrind).
        self.lock = lock


#: A step of a policy that runs over time: a float is a pause of that many seconds; a
#: callable is called (and awaited, on asyncio), and what it returns, or the
#: :class:`~pystrix.ami.errors.Error` it raises, goes back into the generator.
Step = float | Callable[[], Any]
Steps = Generator[Step, Any, None]


def next_step(steps: Steps, outcome: Any = None, error: Error | None = None) -> Step | None:
    """Resume ``steps`` with a call's ``outcome`` (or its ``error``); the next step, or
    ``None`` when the policy is done."""
    try:
        return steps.send(outcome) if error is None else steps.throw(error)
    except StopIteration:
        return None


class _Disconnected(NamedTuple):
    """Queued behind a connection's last events: the dispatcher ends the event iterators
    there, and runs the disconnect callbacks if ``notify``."""

    error: BaseException
    notify: bool


class _Reconnected(NamedTuple):
    """Queued once a reconnect restored the session: run the reconnect callbacks."""


#: Queued by ``close()``: the dispatcher stops there.
STOP = object()
#: Ends an event iterator.
END = object()


class _Adapted:
    """A disconnect or reconnect callback, called the way event callbacks are
    (``function(message, manager)``) so that one loop runs them all."""

    __slots__ = ("args", "function")

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self.function = function
        self.args = args

    def __call__(self, message: Any, manager: Any) -> Any:
        return self.function(*self.args)

    def __repr__(self) -> str:
        return repr(self.function)


class _Queue(Protocol):
    """What an event iterator collects into: ``queue.SimpleQueue`` or ``asyncio.Queue``."""

    def qsize(self) -> int:
        """How many items wait."""
        ...

    def put_nowait(self, item: Any, /) -> None:
        """Add ``item`` without waiting."""
        ...


class ManagerBase(Generic[_F]):
    """A Manager's behaviour, whatever the way it waits (see the module docstring).

    A front-end provides :meth:`_start` (run a policy's steps in the background),
    :meth:`_is_running`, :meth:`_wake`, :meth:`_close_transport`, :meth:`_queue_control`
    and :meth:`_set_disconnected`, and its own ``connect``, ``disconnect``, ``close``,
    ``send_action``, ``events`` and ``wait_disconnected``, and the ``send`` and
    ``originate`` built on ``send_action`` with the helpers here (only their waiting is
    the front-end's).
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
        """``debug`` logs every message sent and received (at DEBUG level).  ``logger``
        receives the Manager's log records (default: the ``pystrix.ami`` logger).
        ``aggregate_timeout`` is how long, after its response, a synchronous request
        waits for its event list to end.  ``orphaned_response_timeout`` is accepted for
        compatibility: responses are matched the moment they arrive, so none waits to be
        claimed.  ``event_queue_size`` bounds the events waiting for callbacks (past it
        the newest are dropped, counted in :attr:`events_dropped`, and a warning is
        logged) and ``max_message_size`` the size of one incoming message.
        ``reconnect`` (``True`` or a :class:`ReconnectPolicy`) reconnects after a lost
        connection and restores the login, the event mask and the filters."""
        self._debug = debug
        self._logger = logger if logger is not None else logging.getLogger("pystrix.ami")
        self._aggregate_timeout = aggregate_timeout
        self._orphaned_response_timeout = orphaned_response_timeout
        self._max_message_size = max_message_size
        self._connection: Any = None  # the front-end's Link, while connected
        self._closed = False
        self._state_lock = threading.Lock()  # guards _connection where threads race
        self._callbacks_lock = threading.Lock()
        self._callbacks: CallbackRegistry[_F] = CallbackRegistry()
        self._disconnect_callbacks: list[Callable[..., Any]] = []
        self._reconnect_callbacks: list[Callable[..., Any]] = []
        self._iterators: list[_Queue] = []
        self._buffer = BoundedBatches(event_queue_size)
        self._policy = reconnect_policy(reconnect)
        self._session = SessionMemory()
        self._target: tuple[str, int, float, Any] | None = None
        self._monitor: Any = None
        self._reconnector: Any = None
        # originate(): the queue of each call attempt waiting for its OriginateResponse,
        # by ActionID; the routing callback is registered on first use only.
        self._originations: dict[str, _Queue] = {}
        self._routing_originations = False
        self._setup()

    def _setup(self) -> None:
        """The front-end's own state, made last in ``__init__``."""

    # -- state ---------------------------------------------------------------------------

    def is_connected(self) -> bool:
        """True while the connection is open (false once it drops or is closed)."""
        connection = self._connection
        return connection is not None and connection.alive

    def get_asterisk_info(self) -> AsteriskInfo | None:
        """The server's name and AMI version from its banner, or ``None`` if not connected."""
        connection = self._connection
        return None if connection is None else banner_info(connection.protocol)

    def monitor_connection(self, interval: float = 2.5) -> None:
        """Ping Asterisk every ``interval`` seconds; if a ping goes unanswered for another
        ``interval``, fail the connection (as if it had dropped), which catches an
        Asterisk that stops answering while the socket stays open.  Runs until ``close()``
        (on asyncio, call it with the loop running)."""
        if not self._is_running(self._monitor):
            self._monitor = self._start("pystrix-ami-monitor", self._keepalive_steps(interval))

    # -- callbacks -----------------------------------------------------------------------

    def register_callback(self, event: Qualifier, function: _F) -> None:
        """Call ``function(event, manager)`` for matching messages, on the dispatcher
        (a thread, or a task on asyncio, where a returned awaitable is awaited).

        ``event`` is an event name (any case), an event class, ``''`` for every event,
        ``None`` for responses that no request is waiting for, or a compiled regular
        expression, matched with ``re.match``: from the start of the name but not to its
        end, so ``re.compile("Dial")`` selects ``DialBegin`` and ``DialEnd`` too; end it
        with ``$`` (``re.compile("Dial$")``) to match whole names only.  Case counts
        unless the expression says otherwise (``re.IGNORECASE``).  A function that several
        qualifiers match runs once per event.  Callbacks run in the order they were
        registered, one at a time; an exception in one is logged and dispatch goes on.
        """
        with self._callbacks_lock:
            self._callbacks.register(event, function)

    def unregister_callback(self, event: Qualifier, function: _F) -> bool:
        """Undo one :meth:`register_callback`; false if it was not registered."""
        with self._callbacks_lock:
            return self._callbacks.unregister(event, function)

    def register_disconnect_callback(self, function: Callable[..., Any]) -> None:
        """Call ``function(manager, error)`` on the dispatcher when a connection ends for
        any reason other than ``disconnect()`` or ``close()``, after every event received
        before the end."""
        with self._callbacks_lock:
            self._disconnect_callbacks.append(function)

    def register_reconnect_callback(self, function: Callable[..., Any]) -> None:
        """Call ``function(manager)`` on the dispatcher each time the Manager has
        reconnected and restored its session (see ``reconnect``)."""
        with self._callbacks_lock:
            self._reconnect_callbacks.append(function)

    @property
    def events_dropped(self) -> int:
        """Events dropped because callbacks (or an :meth:`events` loop) fell behind."""
        return self._buffer.dropped

    @property
    def events_delivered(self) -> int:
        """Events (and orphaned responses) handed to callbacks so far."""
        return self._buffer.delivered

    def _listen(self, qualifier: Qualifier, queue: _Queue, max_queued: int) -> Callable[[], None]:
        """Feed ``queue`` with the events ``qualifier`` selects, from now on (an event
        iterator subscribes when ``events()`` is called, not when its loop starts); the
        connection's end puts :data:`END` in it.  Returns the function that stops this,
        which may be called more than once."""

        def collect(event: Message, _: Any) -> None:
            if queue.qsize() < max_queued:
                queue.put_nowait(event)
            else:
                self._buffer.dropped += 1

        def stop() -> None:
            if self.unregister_callback(qualifier, collect):  # type: ignore[arg-type]
                self._iterators.remove(queue)

        self.register_callback(qualifier, collect)  # type: ignore[arg-type]
        self._iterators.append(queue)
        return stop

    @staticmethod
    def _tied(iterator: _I, stop: Callable[[], None]) -> _I:
        """``iterator``, with ``stop`` called once it is garbage: a generator's own
        ``finally`` does not run if its loop never started, and the subscription would
        otherwise collect events for nobody."""
        finalizer = weakref.finalize(iterator, stop)
        finalizer.atexit = False  # nothing to tidy in a Manager at interpreter exit
        return iterator

    def _end_iterators(self) -> None:
        for queue in list(self._iterators):
            queue.put_nowait(END)

    # -- actions -------------------------------------------------------------------------

    @staticmethod
    def _no_response(request: Request) -> ManagerTimeoutError:
        """What ``send`` raises when ``send_action`` gave up waiting (returned ``None``)."""
        return ManagerTimeoutError(
            f"no response to {request.action} within {request.timeout} s",
            action=request.action,
            timeout=request.timeout,
        )

    @staticmethod
    def _originate_request(request: Request, timeout: float | None) -> tuple[Request, float]:
        """What ``originate`` sends, and how long it waits for the ``OriginateResponse``.

        A copy of ``request`` with ``Async: true`` and without any ``ActionID`` of its own
        (``originate`` picks one); the caller's request is left as it is.  The wait is
        ``timeout`` (never negative: the front-ends' waits disagree on what that means),
        else the request's ``Timeout`` header (milliseconds of ringing, 30 s by default in
        Asterisk) plus 5 s, as a synchronous Originate waits.
        """
        if request.action.lower() != "originate":
            raise ValueError(f"originate() sends an Originate, not {request.action}")
        sent = copy.copy(request)  # the same class: its own hooks still apply
        ringing: int | None = None
        for name in list(sent):
            lowered = name.lower()
            if lowered in ("async", "actionid"):
                del sent[name]
            elif lowered == "timeout":
                with contextlib.suppress(TypeError, ValueError):
                    ringing = int(sent[name])
        sent["Async"] = "true"
        if timeout is None:
            timeout = _originate_wait(ringing, False)
            assert timeout is not None  # never None for a synchronous wait
        return sent, max(timeout, 0.0)

    @contextlib.contextmanager
    def _awaiting_originate(self, queue: _Queue) -> Iterator[str]:
        """A fresh ActionID, whose ``OriginateResponse`` goes to ``queue`` while the
        block runs; the connection's end puts :data:`END` there.

        Entered before the Originate is sent, so the event cannot arrive unseen, even
        ahead of the action's response.  The ActionID is random because Asterisk sends
        ``OriginateResponse`` to every session allowed to read ``call`` events: another
        client's Originate must never be taken for this one.
        """
        action_id = f"originate-{secrets.token_hex(8)}"
        with self._callbacks_lock:
            if not self._routing_originations:
                # One routing callback for all call attempts, registered once: a callback
                # each would clear the callback cache for every attempt.
                self._callbacks.register("OriginateResponse", self._route_originate)  # type: ignore[arg-type]
                self._routing_originations = True
        self._originations[action_id] = queue
        self._iterators.append(queue)
        try:
            yield action_id
        finally:
            del self._originations[action_id]
            self._iterators.remove(queue)

    def _route_originate(self, event: Message, manager: Any) -> None:
        """The callback that hands an ``OriginateResponse`` to its ``originate`` call."""
        queue = self._originations.get(str(event.get("ActionID") or ""))
        if queue is not None:
            queue.put_nowait(event)

    @staticmethod
    def _originate_queued(response: Response) -> Response:
        """``response`` if Asterisk queued the call; else the refusal, raised."""
        if not response.success:
            message = response.response.get("Message") or "no reason given"
            raise ManagerError(f"Asterisk refused the Originate: {message}")
        return response

    @staticmethod
    def _originate_timeout(action_id: str, timeout: float) -> ManagerTimeoutError:
        """What ``originate`` raises when no ``OriginateResponse`` came in time."""
        return ManagerTimeoutError(
            f"no OriginateResponse for {action_id} within {timeout} s",
            action="Originate",
            timeout=timeout,
        )

    @staticmethod
    def _originate_result(item: Any, response: Response) -> OriginateResult:
        """The :class:`OriginateResult` of what the queue gave: the event, or :data:`END`
        (the connection ended first)."""
        if item is END or not isinstance(item, Event):
            raise ManagerSocketError(
                f"the connection ended before the OriginateResponse for {response.action_id}"
            )
        success = str(item.get("Response") or "").lower() == "success"
        return OriginateResult(success, _as_reason(item.get("Reason")), item, response)

    def _register(
        self, request: Request, action_id: str | None, extra: dict[str, Any]
    ) -> tuple[Any, PendingAction]:
        """The connection to send on, and ``request`` (with ``extra`` headers) registered
        in its core, its ``payload`` next to write; raises what ``send_action`` documents
        when there is nothing to send on.  (One function, not several: it runs per request.)
        """
        if self._closed:
            raise ManagerError("this Manager was closed")
        connection = self._connection
        if connection is None or not connection.alive:
            raise ManagerSocketError("not connected to Asterisk")
        # The core leaves out Action and ActionID itself, as the base header_pairs() does:
        # a request that does not override it is read as it is, without a copy, and one
        # that holds only its Action (Ping) not at all.
        if action_id is None and (extra or len(request) > 1):  # a lone Action has no ID
            # pystrix 1.x programs choose an ActionID by setting it on the request (or as
            # a keyword header); the ``action_id`` argument still wins over both.
            action_id = dict.get(request, "ActionID")
            if action_id is None and extra:
                action_id = extra.pop("ActionID", None)
            if action_id is not None:
                action_id = str(action_id)
        headers: Any
        if type(request).header_pairs is not _PLAIN_HEADER_PAIRS:
            headers = request.header_pairs()
        else:
            headers = request.items() if len(request) > 1 else ()
        if extra:
            headers = [*headers, *extra.items()]
        synchronous = request.synchronous
        aggregate = request.aggregate
        lock = connection.lock
        if lock is not None:
            lock.acquire()
        try:
            if not connection.alive:
                raise ManagerSocketError(f"the connection to {connection.address} was lost")
            if not (synchronous or aggregate):  # most requests: no list to follow
                pending = connection.protocol.send_action(
                    request.action, headers, action_id=action_id, context=request
                )
            else:
                aggregates, finalisers = _list_declaration(request, synchronous, aggregate)
                pending = connection.protocol.send_action(
                    request.action,
                    headers,
                    action_id=action_id,
                    collect_events=synchronous,
                    aggregate=aggregate,
                    context=request,
                    aggregates=aggregates,
                    finalisers=finalisers,
                )
        finally:
            if lock is not None:
                lock.release()
        if self._debug:
            self._logger.debug("sending %r", mask_secrets(pending.payload))
        return connection, pending

    def _result(
        self, pending: PendingAction, request: Request, elapsed: float, events_timeout: bool
    ) -> Response:
        """What ``send_action`` returns for an action that is over (its response in), or
        the error that ended its connection.  (One function: it runs per request.)"""
        if pending.error is not None:
            raise ManagerSocketError(str(pending.error)) from pending.error
        response = pending.response
        assert response is not None
        # The reader is done with the action: no lock needed to read it.  Most requests
        # (a Ping, a Status) shape no session: ruled out before any call.
        if pending.action.lower() in _SESSION_ACTIONS:
            self._session.remember(pending)
        events: list[Message] = pending.events
        if pending.complete_event is not None:
            events = [*events, pending.complete_event]
        kind = type(request)
        if kind.build_result is _PLAIN_BUILD_RESULT and kind.process_response is _PLAIN_PROCESS:
            result: Any = response  # what the base class's hooks would return, without calls
            # is_success(response), inline: one call less per request.
            status = dict.get(response, "Response") or response.get("Response") or ""
            success = status.lower() not in FAILED_RESPONSES
        else:
            # Hooks of its own: the general path, shared with the fleet's Redis client.
            return build_response(
                request, response, events, pending.action_id, elapsed, events_timeout
            )
        round_trip = kind.round_trip_header
        if round_trip is not None and isinstance(result, Message):
            # A converted value in a message of strings, as 1.x's Ping gave it.
            values: dict[str, Any] = result
            values[round_trip] = elapsed if success else -1.0
        # Built without Response.__new__, a Python-level function: one call less per request.
        return tuple.__new__(
            Response,
            (
                result,
                response,
                request,
                pending.action_id,
                success,
                elapsed,
                ResponseEvents.from_events(events, request),
                events_timeout,
            ),
        )

    # -- dispatching ---------------------------------------------------------------------

    def _deliveries(self, batch: list[Any]) -> Iterator[tuple[tuple[Any, ...], Any]]:
        """``(callbacks, message)`` for each item of ``batch`` that someone listens to, in
        order; the front-end calls ``callback(message, manager)`` for each.  Control items
        come as adapted callbacks (see :class:`_Adapted`).  Stops at :data:`STOP` and once
        the Manager is closed: what waits then is discarded."""
        callbacks = self._callbacks
        cached = callbacks.cached
        for message in batch:
            if self._closed:
                return
            if type(message) is str:  # an event's text, not parsed yet
                # event_name(message), inline: a Python call less per event.
                end = message.find("\r\n")
                name = message[7:end] if end > 0 else message[7:]
                chosen = cached(name)
                if chosen is None:
                    chosen = self._for_event(name)
                if not chosen:
                    continue  # nobody listens: the event is never even parsed
                # build_event(message, name), inlined: a Python call less per event.
                kind = cached_event_class(name)
                if kind is None:
                    message = build_event(message, name)  # finds the class and keeps it
                else:
                    message = build_message(message, kind)
                yield chosen, message
            elif isinstance(message, Event):
                chosen = cached(message.name)
                if chosen is None:
                    chosen = self._for_event(message.name)
                if chosen:
                    yield chosen, message
            elif type(message) is DeferredAggregate:
                aggregate = build_aggregate(message, self._logger)
                if aggregate is not None:
                    yield self._for_event(aggregate.name), aggregate
            elif type(message) is _Disconnected:
                calls = [_Adapted(self._end_iterators)]
                if message.notify:
                    calls += [_Adapted(f, self, message.error) for f in self._disconnect_callbacks]
                yield tuple(calls), None
            elif type(message) is _Reconnected:
                yield tuple(_Adapted(f, self) for f in self._reconnect_callbacks), None
            elif message is STOP:
                return
            else:
                yield tuple(callbacks.orphan), message

    def _for_event(self, name: str) -> tuple[_F, ...]:
        with self._callbacks_lock:
            return self._callbacks.for_event(name)

    def _callback_failed(self, function: Any, message: Any) -> None:
        """Log a callback's exception; dispatch goes on."""
        if message is None:
            self._logger.exception("callback %r failed", function)
        else:
            name = getattr(message, "name", "?")
            self._logger.exception("callback %r failed on %s", function, name)

    def _dropped(self, dropped: int) -> None:
        """Events were dropped at the buffer: warn, once per doubling of the count."""
        if self._buffer.should_warn():
            self._logger.warning(self._buffer.warning(dropped))

    # -- the end of a connection ---------------------------------------------------------

    def _fail(self, connection: Link, error: BaseException | None) -> None:
        """End ``connection``, once: with ``error`` (``FAILED``), or with ``None`` when
        the application closes it (``CLOSED``, not reported).  Wake its waiters, close
        its socket and apply the failure policy (:meth:`_ended`)."""
        with connection.lock or contextlib.nullcontext():
            if not connection.alive:
                return
            connection.alive = False
            protocol = connection.protocol
            ended = protocol.close() if error is None else protocol.fail(error)
            # The core may have ended first (bad bytes, the server's close): its error.
            reason = protocol.error or error
        for pending in ended:
            self._wake(pending)
        self._close_transport(connection)
        assert reason is not None
        self._ended(connection, reason, notify=error is not None)

    def _ended(self, connection: Link, error: BaseException, notify: bool) -> None:
        """The failure policy.  A connection that never sent its banner was never the
        application's (``connect()`` raises instead); one that did is reported whenever it
        ends: logged (info when Asterisk said it would close, a warning otherwise), the
        disconnect callbacks run after its last events, and a reconnect begins if the
        Manager has a policy; ``notify`` false (the application's own ``disconnect()``)
        skips all that."""
        with self._state_lock:
            if self._connection is connection:
                self._connection = None
        notify = notify and connection.protocol.banner is not None
        if notify:  # logged before waiters of wait_disconnected() can look
            if connection.protocol.close_expected:
                self._logger.info("AMI session ended: %s", error)
            else:
                self._logger.warning("AMI connection lost: %s", error)
        self._set_disconnected()
        if notify and self._policy is not None:
            # Started before the disconnect callbacks are queued, and under the lock that
            # close() marks the Manager closed with: whoever hears of the loss and then
            # closes finds the reconnect to stop, and none starts after close().
            with self._state_lock:
                if not self._closed and not self._is_running(self._reconnector):
                    steps = self._reconnect_steps()
                    self._reconnector = self._start("pystrix-ami-reconnect", steps)
        if (notify or self._iterators) and not self._closed:  # close() ends iterators itself
            self._queue_control(_Disconnected(error, notify))

    # -- policies over time --------------------------------------------------------------

    def _keepalive_steps(self, interval: float) -> Steps:
        """Every ``interval``, a Ping; one unanswered for another ``interval`` fails the
        connection (a healthy Asterisk answers within milliseconds)."""
        while True:
            yield float(interval)
            connection = self._connection
            if connection is None or not connection.alive:
                continue
            ping = Ping()
            ping.timeout = interval
            try:
                answer = yield functools.partial(self.send_action, ping)
            except Error:
                continue
            if answer is None:
                self._fail(connection, ManagerSocketError("Asterisk did not answer a keepalive"))

    def _reconnect_steps(self) -> Steps:
        """Attempts at the policy's back-off: connect, then restore the session (a fresh
        Challenge first for an MD5 login, then the login, the event mask, the filters).
        A refused login ends the attempts; so does ``close()``."""
        assert self._policy is not None and self._target is not None
        host, port, timeout, tls = self._target
        attempt = 0
        for delay in self._policy.delays():
            yield delay
            if self._closed:
                return
            attempt += 1
            try:
                yield functools.partial(self.connect, host, port, timeout, tls=tls)
                if self._closed:  # close() began while this attempt was connecting
                    yield self.disconnect
                    return
                token = None
                if self._session.needs_challenge():
                    answer = yield functools.partial(self.send_action, Challenge())
                    token = None if answer is None else answer.response.get("Challenge")
                for request in self._session.replay(token):
                    if (yield functools.partial(self.send_action, request)) is None:
                        raise ManagerSocketError(f"no answer to {request.action} on reconnect")
            except ManagerAuthError as exc:
                self._logger.error("reconnected to %s:%s but the login failed: %s", host, port, exc)
                yield self.disconnect
                return
            except Error as exc:
                self._logger.info(
                    "reconnect attempt %d to %s:%s failed: %s", attempt, host, port, exc
                )
                continue
            self._logger.warning("AMI connection restored after %d attempt(s)", attempt)
            self._queue_control(_Reconnected())
            return
        self._logger.error("gave up reconnecting to %s:%s after %d attempts", host, port, attempt)

    # -- what a front-end provides -------------------------------------------------------

    def _start(self, name: str, steps: Steps) -> Any:
        """Run ``steps`` in the background (see :data:`Step`); return a handle."""
        raise NotImplementedError

    def _is_running(self, handle: Any) -> bool:
        """Whether the background work ``handle`` (from :meth:`_start`) still runs."""
        raise NotImplementedError

    def _wake(self, pending: PendingAction) -> None:
        """Wake the caller waiting for ``pending``."""
        raise NotImplementedError

    def _close_transport(self, connection: Any) -> None:
        """Close ``connection``'s socket (idempotent)."""
        raise NotImplementedError

    def _queue_control(self, item: Any) -> None:
        """Queue ``item`` for the dispatcher (never dropped) and wake it."""
        raise NotImplementedError

    def _set_disconnected(self) -> None:
        """Release the waiters of ``wait_disconnected()``."""
        raise NotImplementedError

    # send_action and connect are the front-end's (blocking or a coroutine); the policies
    # above only hand them to the front-end to call.
    send_action: Callable[..., Any]
    connect: Callable[..., Any]
    disconnect: Callable[..., Any]
