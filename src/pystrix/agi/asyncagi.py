"""AsyncAGI: AGI commands over AMI for a channel parked in ``AGI(agi:async)``.

Asterisk announces such a channel with an ``AsyncAGIStart`` event (its ``Env`` is the
URL-encoded environment block), runs each command sent with the ``AGI`` action, reports
its reply in an ``AsyncAGIExec`` event (``Result``: the URL-encoded reply, ``CommandID``:
the action's), and sends ``AsyncAGIEnd`` when the channel leaves AsyncAGI.  Asterisk 11
and older send one ``AsyncAGI`` event with ``SubEvent: Start``, ``Exec`` or ``End``
instead; :func:`event_kind` reads either, and both helpers below follow either.

The I/O-free part is :class:`AGIAction` (the catalog's :class:`pystrix.ami.core.AGI`
action, built from an AGI command) with :func:`exec_reply` and
:func:`start_environment` (the events); :class:`AsyncAGI` (threaded
:class:`pystrix.ami.Manager`) and :class:`AioAsyncAGI` (:class:`pystrix.ami.aio.Manager`)
wrap them with the FastAGI ``execute`` semantics::

    with AsyncAGI(manager, "SIP/100-00000001") as agi:
        agi.execute(core.Answer())
        digit = agi.execute(core.WaitForDigit(5000))

``execute`` must not be called from a Manager callback: the callback thread is the one
that delivers the ``AsyncAGIExec`` event it would wait for.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from ..ami import core as ami_core
from .errors import AGIAppError, AGIHangup, AGIProtocolError, AGISIGPIPEHangup, AGITimeoutError
from .protocol import Action, AGIProtocol, Environment, Reply

if TYPE_CHECKING:
    from ..ami import aio
    from ..ami.manager import Manager

__all__ = [
    "AGIAction",
    "AioAsyncAGI",
    "AsyncAGI",
    "event_kind",
    "exec_reply",
    "new_command_id",
    "start_environment",
]

_T = TypeVar("_T")
_ids = itertools.count(1)
_PREFIX = secrets.token_hex(4)


def new_command_id() -> str:
    """A CommandID unique to this process (it ties an AsyncAGIExec to its command)."""
    return f"pystrix-{_PREFIX}-{next(_ids)}"


class AGIAction(ami_core.AGI):
    """The AMI ``AGI`` action (:class:`pystrix.ami.core.AGI`): queue ``command`` (an AGI
    command object or line) on ``channel``.  The response only says it was queued; the
    reply comes in ``AsyncAGIExec`` with the same ``CommandID`` (a new one unless
    ``command_id`` is given)."""

    # The catalog's class for the action stays pystrix.ami.core.AGI.
    catalogued = False

    def __init__(
        self, channel: str, command: Action[Any] | str, command_id: str | None = None
    ) -> None:
        line = AGIProtocol.command_bytes(command).decode("utf-8").rstrip("\n")
        super().__init__(channel, line, command_id or new_command_id())

    # The header field reads ``str | None``; here it is always set, so the property that
    # replaces it reads ``str`` (and, as before, cannot be assigned).
    @property  # type: ignore[misc]
    def command_id(self) -> str:  # type: ignore[override]
        """The ``CommandID`` sent."""
        return str(self["CommandID"])


_KINDS = {"asyncagistart": "Start", "asyncagiexec": "Exec", "asyncagiend": "End"}


def event_kind(event: Mapping[str, Any]) -> str:
    """``"Start"``, ``"Exec"`` or ``"End"`` for an AsyncAGI event of Asterisk 12+
    (``AsyncAGIStart``...) or of Asterisk 11 and older (``AsyncAGI`` with its
    ``SubEvent``); ``""`` for any other event."""
    name = str(getattr(event, "name", None) or event.get("Event") or "").lower()
    if name == "asyncagi":
        return str(event.get("SubEvent") or "").strip().capitalize()
    return _KINDS.get(name, "")


def exec_reply(event: Mapping[str, Any]) -> Reply:
    """The AGI reply an ``AsyncAGIExec`` event carries (its ``Result``, decoded).

    :class:`AGIProtocolError` if it holds no reply (an empty or malformed ``Result``).
    """
    text = unquote(str(event.get("Result") or ""))
    try:
        reply = _whole_stream(text, expect_environment=False).next_reply()
    except AGISIGPIPEHangup:
        reply = None  # the Result ended before a reply
    if reply is None:
        raise AGIProtocolError(f"AsyncAGIExec without a reply: {text!r}")
    return reply


def start_environment(event: Mapping[str, Any]) -> Environment:
    """The environment an ``AsyncAGIStart`` event carries (its ``Env``, decoded)."""
    text = unquote(str(event.get("Env") or ""))
    # The block must end with an empty line; an Env without it (or with its line endings
    # trimmed on the way) holds the same variables.
    text = text.rstrip("\r\n") + "\n\n"
    environment = _whole_stream(text, expect_environment=True).next_environment()
    if environment is None:  # not at the end of a stream, but the type checker cannot know
        raise AGIProtocolError("AsyncAGIStart without an environment")
    return environment


def _whole_stream(text: str, *, expect_environment: bool) -> AGIProtocol:
    """A core that has received ``text`` and the end of its stream: an event's field
    carries a whole reply or environment, read with the sessions' policy."""
    protocol = AGIProtocol(expect_environment=expect_environment)
    protocol.receive_data(text.encode("utf-8"))
    protocol.receive_eof()
    return protocol


def _check_queued(response: Any, channel: str) -> None:
    if response is None:
        raise AGITimeoutError(f"no answer to the AGI action for {channel}")
    if not response.success:
        message = response.response.get("Message") or "refused"
        raise AGIAppError(f"AGI action for {channel} refused: {message}")


class _Tracker:
    """Which channel, and whether it left AsyncAGI (shared logic)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.ended = False

    def concerns(self, event: Mapping[str, Any]) -> bool:
        return str(event.get("Channel") or "").lower() == self.channel.lower()


def _outcome(event: Mapping[str, Any]) -> Reply | AGIProtocolError:
    """The reply an Exec event carries, or the error that its ``Result`` is malformed:
    the waiting ``execute`` raises it at once instead of timing out."""
    try:
        return exec_reply(event)
    except AGIProtocolError as exc:
        return exc


#: The events an AsyncAGI session follows: Asterisk 12+'s own two, and Asterisk 11's
#: ``AsyncAGI`` whose ``SubEvent`` says which (see :func:`event_kind`).
_FOLLOWED_EVENTS = ("AsyncAGIExec", "AsyncAGIEnd", "AsyncAGI")


class _Session:
    """What both AsyncAGI front-ends share: the channel, its callbacks on the Manager,
    and the routing of an event of either Asterisk generation to the waiters.

    A front-end gives an ``Exec`` event to the command waiting for it
    (:meth:`_on_exec`) and, when the channel leaves AsyncAGI, releases every waiter
    (:meth:`_release_waiters`).
    """

    def __init__(self, manager: Any, channel: str) -> None:
        self._manager = manager
        self._tracker = _Tracker(channel)
        for name in _FOLLOWED_EVENTS:
            manager.register_callback(name, self._on_event)

    @property
    def channel(self) -> str:
        """The channel commands go to."""
        return self._tracker.channel

    @property
    def ended(self) -> bool:
        """True once the channel left AsyncAGI."""
        return self._tracker.ended

    def _on_event(self, event: Any, _: Any) -> None:
        kind = event_kind(event)
        if kind == "Exec":
            self._on_exec(event)
        elif kind == "End" and self._tracker.concerns(event):
            self._tracker.ended = True
            self._release_waiters()

    def _on_exec(self, event: Any) -> None:
        raise NotImplementedError

    def _release_waiters(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop listening for this channel's events."""
        for name in _FOLLOWED_EVENTS:
            self._manager.unregister_callback(name, self._on_event)


class AsyncAGI(_Session):
    """AGI commands for one channel over a threaded :class:`~pystrix.ami.Manager`.

    ``timeout``: seconds to wait for each command's ``AsyncAGIExec`` (a prompt can take
    long).  When the channel leaves AsyncAGI (``AsyncAGIEnd``: a hang-up or ``ASYNCAGI
    BREAK``), waiting and later commands raise :class:`AGIHangup`.  :meth:`close` (or the
    ``with`` block) unregisters the callbacks.
    """

    def __init__(self, manager: Manager, channel: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[threading.Event, list[Reply | AGIProtocolError]]] = {}
        super().__init__(manager, channel)

    def execute(self, action: Action[_T]) -> _T:
        """Run ``action`` on the channel and return its typed result (FastAGI semantics)."""
        if self._tracker.ended:
            raise AGIHangup(f"{self.channel} is no longer in AsyncAGI")
        request = AGIAction(self.channel, action)
        done = threading.Event()
        box: list[Reply | AGIProtocolError] = []
        with self._lock:
            self._waiting[request.command_id] = (done, box)
        try:
            _check_queued(self._manager.send_action(request), self.channel)
            if not done.wait(self.timeout):
                raise AGITimeoutError(f"no AsyncAGIExec for {action.command!r}")
        finally:
            with self._lock:
                self._waiting.pop(request.command_id, None)
        if not box:
            raise AGIHangup(f"{self.channel} left AsyncAGI during {action.command!r}")
        outcome = box[0]
        if isinstance(outcome, AGIProtocolError):
            raise outcome
        return action.interpret(outcome)

    def _on_exec(self, event: Any) -> None:
        with self._lock:
            waiter = self._waiting.get(str(event.get("CommandID") or ""))
        if waiter is not None:
            waiter[1].append(_outcome(event))
            waiter[0].set()

    def _release_waiters(self) -> None:
        with self._lock:
            waiters = list(self._waiting.values())
        for done, _box in waiters:
            done.set()

    def __enter__(self) -> AsyncAGI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AioAsyncAGI(_Session):
    """:class:`AsyncAGI` for the asyncio :class:`pystrix.ami.aio.Manager`:
    ``await agi.execute(command)``; ``async with`` closes it."""

    def __init__(self, manager: aio.Manager, channel: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._waiting: dict[str, asyncio.Future[Reply | None]] = {}
        super().__init__(manager, channel)

    async def execute(self, action: Action[_T]) -> _T:
        """Run ``action`` on the channel and return its typed result."""
        if self._tracker.ended:
            raise AGIHangup(f"{self.channel} is no longer in AsyncAGI")
        request = AGIAction(self.channel, action)
        future: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        self._waiting[request.command_id] = future
        try:
            _check_queued(await self._manager.send_action(request), self.channel)
            try:
                reply = await asyncio.wait_for(future, self.timeout)
            except asyncio.TimeoutError:
                raise AGITimeoutError(f"no AsyncAGIExec for {action.command!r}") from None
        finally:
            self._waiting.pop(request.command_id, None)
        if reply is None:
            raise AGIHangup(f"{self.channel} left AsyncAGI during {action.command!r}")
        return action.interpret(reply)

    def _on_exec(self, event: Any) -> None:
        future = self._waiting.get(str(event.get("CommandID") or ""))
        if future is not None and not future.done():
            outcome = _outcome(event)
            if isinstance(outcome, AGIProtocolError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _release_waiters(self) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_result(None)

    async def __aenter__(self) -> AioAsyncAGI:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
