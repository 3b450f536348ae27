"""What the threaded and the asyncio Manager share beyond the protocol core.

Neither file holds I/O: the callback registry (qualifier matching and its cache), the
bounded buffer between the socket reader and the dispatcher (its overflow policy and
counters), and the assembly of the ``send_action`` result.  The front-ends wrap these with
their own way of waiting (threads or the event loop).
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .events import Aggregate, Event, class_event_name
from .message import Message
from .protocol import ClientProtocol, DeferredAggregate, PendingAction
from .request import Request, Response, ResponseEvents, is_success

__all__ = [
    "BoundedBatches",
    "CallbackRegistry",
    "Qualifier",
    "build_aggregate",
    "build_response",
    "give_up",
    "mask_secrets",
    "register_action",
]

#: What ``register_callback`` accepts as a qualifier.
Qualifier = str | re.Pattern[str] | type[Event] | None

_F = TypeVar("_F", bound=Callable[..., Any])

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


def build_response(
    pending: PendingAction, request: Request, elapsed: float, events_timeout: bool
) -> Response:
    """The ``send_action`` result for an answered action (``pending.response`` is set)."""
    response = pending.response
    assert response is not None
    events: list[Message] = pending.events
    if pending.complete_event is not None:
        events = [*events, pending.complete_event]
    kind = type(request)
    if kind.build_result is _PLAIN_BUILD_RESULT and kind.process_response is _PLAIN_PROCESS:
        result: Any = response  # what the base class's hooks would return, without calls
        success = is_success(response)
    else:
        result = request.build_result(response, events)
        # A 1.x process_response may decide success itself (response.success = ...).
        decided = result.__dict__.get("_success") if isinstance(result, Message) else None
        success = is_success(response) if decided is None else decided
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


def register_action(
    protocol: ClientProtocol, request: Request, action_id: str | None, extra: dict[str, Any]
) -> PendingAction:
    """Register ``request`` (with ``extra`` headers) in the core; its ``payload`` is next."""
    # The core leaves out Action and ActionID itself, as the base header_pairs() does: a
    # request that does not override it is read as it is, without a copy, and one that
    # holds only its Action (Ping) not at all.
    if action_id is None and (extra or len(request) > 1):  # a lone Action has no ActionID
        # pystrix 1.x programs choose an ActionID by setting it on the request (or as a
        # keyword header); the ``action_id`` argument still wins over both.
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
    if not (synchronous or aggregate):  # most requests: no list to follow
        return protocol.send_action(request.action, headers, action_id=action_id, context=request)
    aggregates, finalisers = _list_declaration(request, synchronous, aggregate)
    return protocol.send_action(
        request.action,
        headers,
        action_id=action_id,
        collect_events=synchronous,
        aggregate=aggregate,
        context=request,
        aggregates=aggregates,
        finalisers=finalisers,
    )


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
            if "Key" in login and secret is not None:
                from .core import Login  # the catalog imports this module: import late

                if token is not None:
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
