"""An embedded Asterisk 22 AMI server for tests and demos.

:class:`AsteriskSimulator` is a real TCP server (one thread per connection, one timer
thread) that answers like the Asterisk 22.10.1 recorded in the project's transcripts:
the banner, Challenge and MD5 or plain Login, FullyBooted and SuccessfulAuth, Ping,
Events and Filter, Command, UserEvent, Originate on the recorded ``test`` dialplan (Local
channels and their events), Hangup, Getvar/Setvar, Status, CoreShowChannels, the AstDB
actions, ListCommands, the mailbox and voicemail actions on the recorded
``voicemail.conf`` (:meth:`AsteriskSimulator.leave_voicemail` fills a box), and
``Shutdown`` when it stops.  Both ends share one parser: it
frames requests with :class:`pystrix.ami.protocol.MessageParser` and writes with
:func:`pystrix.ami.protocol.serialize_headers`.

``python -m pystrix.testing.simulator`` (or ``pystrix sim``) runs one until SIGINT or
SIGTERM.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import re
import secrets
import selectors
import signal
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any, NamedTuple

from ..ami.errors import MessageTooLargeError
from ..ami.message import Message
from ..ami.protocol import MessageParser, serialize_headers
from ._catalog_actions import MODULE_ACTIONS, CatalogActions
from ._data import ACTIONS, DIALPLAN_SHOW_TEST, VERSION_LINE
from ._dialplan import DEFAULT_DIALPLAN, Channel, OriginateRequest, Pbx
from ._scheduler import Scheduler, TimerHandle
from .agi import AsyncAGIService

__all__ = [
    "DEFAULT_USERS",
    "AsteriskSimulator",
    "SimulatedUser",
    "SimulatorAddress",
    "main",
    "serve",
    "simulator",
]

#: Every AMI permission class Asterisk 22 knows (``all`` stands for all of them).
PERMISSION_CLASSES = frozenset(
    {
        "system",
        "call",
        "log",
        "verbose",
        "command",
        "agent",
        "user",
        "config",
        "dtmf",
        "reporting",
        "cdr",
        "dialplan",
        "originate",
        "agi",
        "cc",
        "aoc",
        "test",
        "security",
        "message",
    }
)

# Asterisk reads requests into a 1024-byte line buffer and keeps at most 128 headers.
_MAX_LINE = 1024
_MAX_HEADERS = 128
_PERMISSIONS = {name.lower(): frozenset(classes) for name, _, classes in ACTIONS}
_TRUE = frozenset({"yes", "true", "y", "t", "1", "on"})
_FALSE = frozenset({"no", "false", "n", "f", "0", "off"})


@dataclass(frozen=True)
class SimulatedUser:
    """An AMI account, as in ``manager.conf``.

    ``read`` and ``write`` are comma-separated permission classes (``"all"``,
    ``"call,system"``, ``""`` for none).
    """

    username: str
    secret: str
    read: str = "all"
    write: str = "all"


#: The accounts of the recordings: ``admin`` may do everything, ``reader`` only listens.
DEFAULT_USERS: tuple[SimulatedUser, ...] = (
    SimulatedUser("admin", "wordpass", "all", "all"),
    SimulatedUser("reader", "readpass", "call,system", ""),
)


class SimulatorAddress(NamedTuple):
    """Where a simulator listens."""

    host: str
    port: int


def _classes(spec: str) -> frozenset[str]:
    names = {part.strip().lower() for part in spec.split(",") if part.strip()}
    if "all" in names:
        return PERMISSION_CLASSES
    return frozenset(names & PERMISSION_CLASSES)


def _event_mask(value: str) -> frozenset[str] | None:
    """An ``EventMask``/``Events`` value as classes; ``None`` if it is empty."""
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in _TRUE:
        return PERMISSION_CLASSES
    if lowered in _FALSE:
        return frozenset()
    return _classes(lowered)


# CLI commands the simulator knows, to word an unknown command's hint as Asterisk does.
_CLI_COMMANDS = (
    ("core", "show", "version"),
    ("core", "show", "channels"),
    ("core", "stop", "now"),
    ("core", "stop", "gracefully"),
    ("core", "restart", "now"),
    ("dialplan", "show"),
)


def _known_prefix(words: list[str]) -> int:
    """How many leading ``words`` start some known CLI command."""
    best = 0
    for command in _CLI_COMMANDS:
        count = 0
        for word, known in zip(words, command, strict=False):
            if word != known:
                break
            count += 1
        best = max(best, count)
    return best


def _timestamp() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


class _Reply:
    """What an action handler answers: bytes to write, and whether to hang up after."""

    __slots__ = ("close", "data", "restart", "shutdown")

    def __init__(
        self,
        data: bytes = b"",
        *,
        close: bool = False,
        shutdown: bool = False,
        restart: bool = False,
    ) -> None:
        self.data = data
        self.close = close
        self.shutdown = shutdown
        self.restart = restart


class _Session:
    """One client connection: its socket, login state and event preferences."""

    def __init__(self, sock: socket.socket, local_port: int, peer: tuple[str, int]) -> None:
        self.sock = sock
        self.local = f"IPV4/TCP/127.0.0.1/{local_port}"
        self.remote = f"IPV4/TCP/{peer[0]}/{peer[1]}"
        self.session_id = f"0x{id(self):x}"
        self.session_tv = _timestamp()
        self.parser = MessageParser(expect_banner=False)
        self.thread: threading.Thread | None = None
        self.authenticated = False
        self.username = ""
        self.read: frozenset[str] = frozenset()
        self.write: frozenset[str] = frozenset()
        self.send_events: frozenset[str] = PERMISSION_CLASSES
        self.filters: list[tuple[re.Pattern[str], bool]] = []
        self.challenge = ""
        self._lock = threading.Lock()
        self._holding = False
        self._held: list[bytes] = []
        self._closed = False

    def wants(self, category: str) -> bool:
        """Whether an event of ``category`` may be sent to this session."""
        return self.authenticated and category in self.read and category in self.send_events

    def passes_filters(self, text: str) -> bool:
        """Asterisk's Filter rules: match an include filter (if any), and no exclude."""
        includes = [pattern for pattern, include in self.filters if include]
        if includes and not any(pattern.search(text) for pattern in includes):
            return False
        return not any(pattern.search(text) for pattern, include in self.filters if not include)

    def send(self, data: bytes) -> None:
        """Write now (a response, the banner)."""
        with self._lock:
            self._send(data)

    def deliver(self, event: bytes) -> None:
        """Write an event, or keep it until the action being processed has answered."""
        with self._lock:
            if self._holding:
                # Asterisk writes events a session collects during an action after the
                # action's response (a sync Originate answers before its call's events).
                self._held.append(event)
            else:
                self._send(event)

    def hold(self) -> None:
        """Start processing an action: events wait for its response."""
        with self._lock:
            self._holding = True

    def release(self, response: bytes) -> None:
        """Write the response, then the events that arrived meanwhile."""
        with self._lock:
            self._holding = False
            held, self._held = self._held, []
            self._send(response + b"".join(held))

    def close(self) -> None:
        """Flush what is held and shut the socket down (wakes the reader)."""
        with self._lock:
            if self._held:
                held, self._held = self._held, []
                self._send(b"".join(held))
            self._closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _send(self, data: bytes) -> None:
        if self._closed or not data:
            return
        try:
            self.sock.sendall(data)
        except OSError:
            # A client that does not read (or is gone) is dropped, as Asterisk does.
            self._closed = True
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)


Handler = Callable[[_Session, Message], _Reply]


class AsteriskSimulator:
    """A TCP server that behaves like Asterisk 22's AMI (see the module docstring).

    ``users`` replaces :data:`DEFAULT_USERS`; ``auth_failure_delay`` is how long a failed
    Login waits before ``Authentication failed`` and the hang-up (1 s, as recorded);
    ``time_scale`` multiplies every simulated duration (Answer's half second, ``Wait``,
    Originate's ``Timeout``), so ``0.01`` runs a 2-second call in 20 ms;
    ``write_timeout`` drops a client that stops reading for that long.

    Use as a context manager (``with AsteriskSimulator() as sim:``) or call
    :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        users: Iterable[SimulatedUser] | None = None,
        auth_failure_delay: float = 1.0,
        time_scale: float = 1.0,
        write_timeout: float = 5.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._requested = (host, port)
        #: A server-side context: every connection is TLS, as with Asterisk's ``tlsenable``.
        self.tls = tls
        self._users = {user.username: user for user in (DEFAULT_USERS if users is None else users)}
        self.auth_failure_delay = auth_failure_delay
        self.time_scale = time_scale
        self.write_timeout = write_timeout
        self._lock = threading.RLock()
        self._stop_lock = threading.Lock()
        self._stopping = threading.Event()
        self._stop_listeners: list[Callable[[], None]] = []
        self._listener: socket.socket | None = None
        self._address: tuple[str, int] | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._accept_thread: threading.Thread | None = None
        self._sessions: list[_Session] = []
        self._threads: list[threading.Thread] = []
        self._scheduler = Scheduler()
        self._pbx = Pbx(self._emit, self._schedule)
        self._db: dict[str, str] = {}
        self._pbx.db_get = self._db.get
        # AsyncAGI (the AGI action and the AsyncAGI* events) lives in testing/agi.py.
        self._async_agi = AsyncAGIService(self._emit, self._db, self._pbx)
        self._pbx.on_async_agi = self._async_agi.enter
        self._pbx.on_channel_gone = self._async_agi.channel_gone
        self._started_at = time.monotonic()
        self._handlers: dict[str, Handler] = {
            "challenge": self._action_challenge,
            "login": self._action_login,
            "logoff": self._action_logoff,
            "ping": self._action_ping,
            "events": self._action_events,
            "filter": self._action_filter,
            "command": self._action_command,
            "userevent": self._action_userevent,
            "listcommands": self._action_listcommands,
            "originate": self._action_originate,
            "hangup": self._action_hangup,
            "getvar": self._action_getvar,
            "setvar": self._action_setvar,
            "status": self._action_status,
            "coreshowchannels": self._action_coreshowchannels,
            "dbput": self._action_dbput,
            "dbget": self._action_dbget,
            "dbgettree": self._action_dbgettree,
            "dbdel": self._action_dbdel,
            "dbdeltree": self._action_dbdeltree,
        }
        self._handlers["agi"] = self._action_agi
        # Queues, ConfBridge and every other catalogued action live in _catalog_actions.py.
        self._catalog = CatalogActions(self._lock, self._pbx, self._emit)
        known = [name for name, _, _ in ACTIONS] + list(MODULE_ACTIONS)

        def replying(answer: Callable[[Message], bytes]) -> Handler:
            return lambda session, message: _Reply(answer(message))

        for key, answer in self._catalog.handlers(known, self._handlers).items():
            self._handlers[key] = replying(answer)

    # -- life cycle --------------------------------------------------------------------

    @property
    def address(self) -> SimulatorAddress:
        """``(host, port)`` actually listened on (the real port once started)."""
        host, port = self._address or self._requested
        return SimulatorAddress(host, port)

    @property
    def host(self) -> str:
        """The listening address."""
        return self.address.host

    @property
    def port(self) -> int:
        """The listening port (the one picked by the OS when created with port 0)."""
        return self.address.port

    @property
    def running(self) -> bool:
        """True between :meth:`start` and the beginning of the shutdown."""
        return self._listener is not None and not self._stopping.is_set()

    def start(self) -> AsteriskSimulator:
        """Listen and start serving; returns ``self``."""
        if self._listener is not None:
            raise RuntimeError("the simulator was already started")
        listener = socket.create_server(self._requested, backlog=64)
        self._listener = listener
        sockname = listener.getsockname()
        self._address = (sockname[0], sockname[1])
        self._started_at = time.monotonic()
        self._scheduler.start()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="pystrix-sim-accept", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Send ``Shutdown`` to every session, close everything and join every thread.

        Idempotent; also completes a shutdown begun by ``core stop now``.
        """
        self._begin_shutdown(exclude=None, restart=False)
        with self._stop_lock:
            current = threading.current_thread()
            threads = [self._accept_thread, *self._threads]
            for thread in threads:
                if thread is not None and thread is not current and thread.is_alive():
                    thread.join()
            self._scheduler.stop()
            self._wake_r.close()
            self._wake_w.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the shutdown begins (:meth:`stop` or ``core stop now``)."""
        return self._stopping.wait(timeout)

    # -- voicemail ---------------------------------------------------------------------

    def leave_voicemail(
        self,
        mailbox: str,
        *,
        folder: str = "INBOX",
        caller_id: str = "Unknown",
        duration: int = 1,
        msg_id: str | None = None,
        date: str | None = None,
    ) -> str:
        """Put a message in a voicemail box, as a caller leaving one would; return its ID.

        ``mailbox`` is one of the recorded ``voicemail.conf``'s boxes (``6001@default``,
        ``6002@default``; the context defaults to ``default``).  ``MailboxCount``,
        ``MailboxStatus``, ``VoicemailUsersList``, ``VoicemailUserStatus``,
        ``VoicemailBoxSummary`` and ``VoicemailRemove`` then see it, and sessions get
        ``MessageWaiting`` and the ``MWI:<box>`` ``DeviceStateChange``, as from Asterisk.
        ``msg_id`` and ``date`` default to what app_voicemail would write
        (``<epoch>-<counter>``, ``Fri Nov 27 05:55:30 AM UTC 2026``).  Raises
        :class:`KeyError` for another box and :class:`ValueError` for an unknown folder.
        """
        with self._lock:
            return self._catalog.leave_voicemail(
                mailbox,
                folder=folder,
                caller_id=caller_id,
                duration=duration,
                msg_id=msg_id,
                date=date,
            )

    def __enter__(self) -> AsteriskSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _begin_shutdown(self, exclude: _Session | None, restart: bool) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._stopping.set()
            clean = "Uncleanly" if self._pbx.channels else "Cleanly"
            self._pbx.shutdown()
            self._emit(
                "Shutdown",
                "system",
                [("Shutdown", clean), ("Restart", "True" if restart else "False")],
                exclude=exclude,
            )
            sessions = list(self._sessions)
            listeners = list(self._stop_listeners)
        self._scheduler.stop()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        for session in sessions:
            session.close()
        for listener in listeners:
            listener()

    # -- connections -------------------------------------------------------------------

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            try:
                while not self._stopping.is_set():
                    for key, _ in selector.select():
                        if key.fileobj is self._wake_r:
                            return
                        try:
                            conn, peer = listener.accept()
                        except OSError:
                            continue
                        self._open_session(conn, peer)
            finally:
                listener.close()

    def _open_session(self, conn: socket.socket, peer: Any) -> None:
        with contextlib.suppress(OSError, AttributeError):
            # Only the send side times out: a client that stops reading is dropped.
            seconds = int(self.write_timeout)
            micros = int((self.write_timeout - seconds) * 1_000_000)
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("@ll", seconds, micros)
            )
        if self.tls is not None:
            # The handshake happens on the session's thread, not the accepting one.
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        session = _Session(conn, self.port, (str(peer[0]), int(peer[1])))
        thread = threading.Thread(
            target=self._serve_session, args=(session,), name="pystrix-sim-session", daemon=True
        )
        session.thread = thread
        with self._lock:
            if self._stopping.is_set():
                conn.close()
                return
            self._sessions.append(session)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _serve_session(self, session: _Session) -> None:
        try:
            if isinstance(session.sock, ssl.SSLSocket):
                session.sock.do_handshake()
            session.send(b"Asterisk Call Manager/11.0.0\r\n")
            while not self._stopping.is_set():
                data = session.sock.recv(65536)
                if not data:
                    break
                try:
                    messages = session.parser.feed(data)
                except MessageTooLargeError:
                    break
                for message in messages:
                    if not self._handle(session, message):
                        return
        except OSError:
            pass
        finally:
            with self._lock:
                if session in self._sessions:
                    self._sessions.remove(session)
            session.close()
            session.sock.close()

    # -- requests ----------------------------------------------------------------------

    def _handle(self, session: _Session, message: Message) -> bool:
        """Answer one request; False when the connection must end."""
        session.hold()
        reply = _Reply()
        after: Callable[[], None] | None = None
        try:
            reply, after = self._dispatch(session, message)
        finally:
            session.release(reply.data)
        if after is not None:
            after()
        if reply.shutdown:
            self._begin_shutdown(exclude=session, restart=reply.restart)
            return False
        return not reply.close

    def _dispatch(
        self, session: _Session, message: Message
    ) -> tuple[_Reply, Callable[[], None] | None]:
        if not message.header_pairs() and not message.data:
            return _Reply(), None  # stray blank lines carry no request
        lines = (message.raw or "").split("\n")
        if any(len(line.encode("utf-8")) > _MAX_LINE for line in lines):
            return self._error(message, "Failed to parse message: line too long"), None
        if sum(1 for line in lines if line) > _MAX_HEADERS:
            return self._error(message, "Too many lines in message or allocation failure"), None
        action = next((v for k, v in message.header_pairs() if k.lower() == "action" and v), "")
        action = action.strip()
        if not action:
            reply = self._error(message, "Missing action in request")
            return reply, lambda: self._bad_format(session, "NONE")
        key = action.lower()
        if not session.authenticated and key not in ("login", "logoff", "challenge"):
            return self._error(message, "Permission denied"), None
        needed = _PERMISSIONS.get(key)
        handler = self._handlers.get(key)
        if needed is None and handler is None:
            text = (
                f"Invalid/unknown command: {action}. "
                "Use Action: ListCommands to show available commands."
            )
            return self._error(message, text), lambda: self._bad_format(session, action)
        if needed and not needed & session.write:
            return self._error(message, "Permission denied"), None
        if handler is None:
            return self._error(message, f"{action} is not implemented by the simulator"), None
        return handler(session, message), None

    def _bad_format(self, session: _Session, action: str) -> None:
        headers = self._security_headers("Error", session, account=False)
        headers += [("RequestType", f"Action: {action}"), ("SessionTV", session.session_tv)]
        if session.username:
            headers.append(("AccountID", session.username))
        with self._lock:
            self._emit("RequestBadFormat", "security", headers)

    @staticmethod
    def _security_headers(
        severity: str, session: _Session, *, account: bool
    ) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = [
            ("EventTV", _timestamp()),
            ("Severity", severity),
            ("Service", "AMI"),
            ("EventVersion", "1"),
        ]
        if account:
            headers.append(("AccountID", session.username))
        headers += [
            ("SessionID", session.session_id),
            ("LocalAddress", session.local),
            ("RemoteAddress", session.remote),
        ]
        return headers

    # -- replies -----------------------------------------------------------------------

    @staticmethod
    def _response(
        message: Message, status: str, headers: Iterable[tuple[str, object]] = ()
    ) -> bytes:
        pairs: list[tuple[str, object]] = [("Response", status)]
        action_id = message.get("ActionID")
        if action_id:
            pairs.append(("ActionID", action_id))
        pairs.extend(headers)
        return serialize_headers(pairs)

    def _ok(self, message: Message, text: str) -> _Reply:
        return _Reply(self._response(message, "Success", [("Message", text)]))

    def _error(self, message: Message, text: str) -> _Reply:
        return _Reply(self._response(message, "Error", [("Message", text)]))

    @staticmethod
    def _list_item(message: Message) -> list[tuple[str, str]]:
        action_id = message.get("ActionID")
        return [("ActionID", action_id)] if action_id else []

    # -- events ------------------------------------------------------------------------

    def _emit(
        self,
        name: str,
        category: str,
        headers: Iterable[tuple[str, str]],
        *,
        exclude: _Session | None = None,
    ) -> None:
        """Send an event to every session allowed to see it (the lock is held)."""
        data = serialize_headers([("Event", name), ("Privilege", f"{category},all"), *headers])
        text: str | None = None
        for session in self._sessions:
            if session is exclude or not session.wants(category):
                continue
            if session.filters:
                if text is None:
                    text = data.decode("utf-8", "replace")
                if not session.passes_filters(text):
                    continue
            session.deliver(data)

    def _schedule(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        def locked() -> None:
            with self._lock:
                if not self._stopping.is_set():
                    callback()

        return self._scheduler.call_later(delay * self.time_scale, locked)

    # -- login and session actions -----------------------------------------------------

    def _action_challenge(self, session: _Session, message: Message) -> _Reply:
        if (message.get("AuthType") or "").lower() != "md5":
            return self._error(message, "Must specify AuthType")
        if not session.challenge:
            session.challenge = str(secrets.randbelow(2**31 - 1))
        return _Reply(self._response(message, "Success", [("Challenge", session.challenge)]))

    def _action_login(self, session: _Session, message: Message) -> _Reply:
        if session.authenticated:
            return self._ok(message, "Already authenticated")
        user = self._users.get(message.get("Username") or "")
        accepted = False
        if user is not None:
            auth_type = (message.get("AuthType") or "").lower()
            if auth_type == "md5":
                expected = hashlib.md5((session.challenge + user.secret).encode()).hexdigest()
                accepted = (
                    bool(session.challenge) and (message.get("Key") or "").lower() == expected
                )
            elif not auth_type:
                accepted = (message.get("Secret") or "") == user.secret
        if not accepted or user is None:
            # Asterisk answers a failed login only after a delay, then hangs up.
            self._stopping.wait(self.auth_failure_delay)
            return _Reply(self._error(message, "Authentication failed").data, close=True)
        mask = _event_mask(message.get("Events") or "")
        with self._lock:
            session.authenticated = True
            session.username = user.username
            session.read = _classes(user.read)
            session.write = _classes(user.write)
            if mask is not None:
                session.send_events = mask
            data = self._ok(message, "Authentication accepted").data
            if "system" in session.read and "system" in session.send_events:
                uptime = str(int(time.monotonic() - self._started_at))
                data += serialize_headers(
                    [
                        ("Event", "FullyBooted"),
                        ("Privilege", "system,all"),
                        ("Uptime", uptime),
                        ("LastReload", uptime),
                        ("Status", "Fully Booted"),
                    ]
                )
            headers = self._security_headers("Informational", session, account=True)
            headers += [("UsingPassword", "0"), ("SessionTV", session.session_tv)]
            self._emit("SuccessfulAuth", "security", headers)
        return _Reply(data)

    def _action_logoff(self, session: _Session, message: Message) -> _Reply:
        data = self._response(message, "Goodbye", [("Message", "Thanks for all the fish.")])
        return _Reply(data, close=True)

    def _action_ping(self, session: _Session, message: Message) -> _Reply:
        stamp = f"{time.time():.6f}"
        return _Reply(self._response(message, "Success", [("Ping", "Pong"), ("Timestamp", stamp)]))

    def _action_events(self, session: _Session, message: Message) -> _Reply:
        mask = _event_mask(message.get("EventMask") or "")
        with self._lock:
            if mask is not None:
                session.send_events = mask
            state = "On" if session.send_events else "Off"
        return _Reply(self._response(message, "Success", [("Events", state)]))

    def _action_filter(self, session: _Session, message: Message) -> _Reply:
        if (message.get("Operation") or "").lower() != "add":
            return self._error(message, "Unknown operation")
        text = message.get("Filter") or ""
        include = not text.startswith("!")
        try:
            pattern = re.compile(text if include else text[1:])
        except re.error:
            return self._error(
                message, "Filter did not compile.  Check the syntax of the filter given."
            )
        with self._lock:
            session.filters.append((pattern, include))
        return self._ok(message, "Success")

    def _action_listcommands(self, session: _Session, message: Message) -> _Reply:
        headers = [
            (name, f"{synopsis}  (Priv: {','.join((*classes, 'all')) if classes else '<none>'})")
            for name, synopsis, classes in ACTIONS
        ]
        return _Reply(self._response(message, "Success", headers))

    def _action_userevent(self, session: _Session, message: Message) -> _Reply:
        # The sender's headers are copied in order (ActionID and repeats included).
        headers = [("UserEvent", message.get("UserEvent") or "")]
        headers += [
            (key, value)
            for key, value in message.header_pairs()
            if key.lower() not in ("action", "userevent")
        ]
        with self._lock:
            self._emit("UserEvent", "user", headers)
        return self._ok(message, "Event Sent")

    # -- Command -----------------------------------------------------------------------

    def _action_command(self, session: _Session, message: Message) -> _Reply:
        command = (message.get("Command") or "").strip()
        if not command:
            return self._error(message, "No command provided")
        words = command.split()
        lowered = [word.lower() for word in words]
        output: Sequence[str]
        if lowered == ["core", "show", "version"]:
            output = [VERSION_LINE]
        elif lowered == ["core", "show", "channels"]:
            output = self._show_channels()
        elif lowered == ["dialplan", "show", "test"] and self._pbx.dialplan is DEFAULT_DIALPLAN:
            output = DIALPLAN_SHOW_TEST
        elif lowered[:2] in (["core", "stop"], ["core", "restart"]) and len(lowered) > 2:
            # Asterisk goes away without answering; the other sessions get Shutdown.
            return _Reply(shutdown=True, restart=lowered[1] == "restart")
        else:
            hint = " ".join(words[: _known_prefix(lowered) + 2])
            text = (
                f"No such command '{command}' "
                f"(type 'core show help {hint}' for other possible commands)"
            )
            headers = [("Message", "Command output follows"), ("Output", [text])]
            return _Reply(self._response(message, "Error", headers))
        headers = [("Message", "Command output follows"), ("Output", list(output))]
        return _Reply(self._response(message, "Success", headers))

    def _show_channels(self) -> list[str]:
        def row(channel: str, location: str, state: str, application: str) -> str:
            return f"{channel:<64.64} {location:<32.32} {state:<7.7} {application:<30.30}"

        def plural(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        with self._lock:
            channels = self._pbx.listing()
            active_calls = self._pbx.active_calls()
            processed = self._pbx.calls_processed
            lines = [row("Channel", "Location", "State", "Application(Data)")]
            for channel in channels:
                location = f"{channel.exten}@{channel.context}:{channel.priority}"
                app = f"{channel.application}({channel.app_data})" if channel.application else ""
                lines.append(row(channel.name, location, channel.state_desc, app or "(None)"))
        lines.append(plural(len(channels), "active channel"))
        lines.append(plural(active_calls, "active call"))
        lines.append(f"{processed} call{'' if processed == 1 else 's'} processed")
        return lines

    # -- channels ----------------------------------------------------------------------

    def _action_originate(self, session: _Session, message: Message) -> _Reply:
        channel = message.get("Channel") or ""
        if not channel:
            return self._error(message, "Channel not specified")
        priority_text = (message.get("Priority") or "").strip()
        timeout_text = (message.get("Timeout") or "").strip()
        if priority_text and not priority_text.isdigit():
            return self._error(message, "Invalid priority")
        if timeout_text and not timeout_text.isdigit():
            return self._error(message, "Invalid timeout")
        variables: list[tuple[str, str]] = []
        for header in message.get_all("Variable"):
            for item in header.split(","):
                name, sep, value = item.partition("=")
                if sep and name.strip():
                    variables.append((name.strip(), value))
        caller_name, caller_num = "<unknown>", "<unknown>"
        caller_id = message.get("CallerID") or ""
        if caller_id:
            match = re.fullmatch(r'\s*"?([^"<]*?)"?\s*<([^>]*)>\s*', caller_id)
            if match:
                caller_name, caller_num = match.group(1) or "<unknown>", match.group(2)
            else:
                caller_num = caller_id
        application = message.get("Application") or None
        request = OriginateRequest(
            channel=channel,
            application=application,
            data=message.get("Data") or "",
            context=message.get("Context") or "default",
            exten=message.get("Exten") or "s",
            priority=int(priority_text or 1),
            timeout=int(timeout_text or 30000) / 1000,
            variables=variables,
            action_id=message.get("ActionID") or None,
            is_async=(message.get("Async") or "").strip().lower() in _TRUE,
            caller_id_num=caller_num,
            caller_id_name=caller_name,
        )
        with self._lock:
            call = self._pbx.originate(request)
        if request.is_async:
            return self._ok(message, "Originate successfully queued")
        # A synchronous Originate answers once the call is answered or has failed; the
        # timeout timer (or stop()) always ends the wait.
        call.outcome.wait()
        if call.success:
            return self._ok(message, "Originate successfully queued")
        return self._error(message, "Originate failed")

    def _channel(self, message: Message) -> tuple[Channel | None, bool]:
        """The channel a request names: (channel, True) or (None, False) if missing."""
        name = message.get("Channel") or ""
        if not name:
            return None, True
        channel = self._pbx.find(name)
        return channel, channel is not None

    def _action_hangup(self, session: _Session, message: Message) -> _Reply:
        if not message.get("Channel"):
            return self._error(message, "No channel specified")
        cause_text = (message.get("Cause") or "").strip()
        cause = int(cause_text) if cause_text.isdigit() else 0
        with self._lock:
            channel, found = self._channel(message)
            if channel is None or not found:
                return self._error(message, "No such channel")
            self._pbx.hangup(channel, cause)
        return self._ok(message, "Channel Hungup")

    def _action_getvar(self, session: _Session, message: Message) -> _Reply:
        variable = message.get("Variable") or ""
        if not variable:
            return self._error(message, "No variable specified")
        with self._lock:
            channel, found = self._channel(message)
            if not found:
                return self._error(message, "No such channel")
            value = self._pbx.get_var(channel, variable)
        headers = [("Variable", variable), ("Value", value or "")]
        return _Reply(self._response(message, "Success", headers))

    def _action_setvar(self, session: _Session, message: Message) -> _Reply:
        variable = message.get("Variable") or ""
        if not variable:
            return self._error(message, "No variable specified")
        with self._lock:
            channel, found = self._channel(message)
            if not found:
                return self._error(message, "No such channel")
            self._pbx.set_var(channel, variable, message.get("Value") or "")
        return self._ok(message, "Variable Set")

    def _action_status(self, session: _Session, message: Message) -> _Reply:
        names = [v.strip() for v in (message.get("Variables") or "").split(",") if v.strip()]
        all_variables = (message.get("AllVariables") or "").lower() in _TRUE
        with self._lock:
            if message.get("Channel"):
                channel, found = self._channel(message)
                if channel is None or not found:
                    return self._error(message, "No such channel")
                channels = [channel]
            else:
                channels = self._pbx.listing()
            data = self._response(
                message,
                "Success",
                [("EventList", "start"), ("Message", "Channel status will follow")],
            )
            for channel in channels:
                variables = [
                    ("Variable", f"{name}={self._pbx.get_var(channel, name) or '(null)'}")
                    for name in names
                ]
                if all_variables:
                    variables += [("Variable", f"{k}={v}") for k, v in channel.variables.items()]
                seconds = int((time.monotonic() - channel.created) / (self.time_scale or 1))
                data += serialize_headers(
                    [
                        ("Event", "Status"),
                        ("Privilege", "Call"),
                        *channel.headers(),
                        ("Type", "Local"),
                        ("DNID", ""),
                        ("EffectiveConnectedLineNum", "<unknown>"),
                        ("EffectiveConnectedLineName", "<unknown>"),
                        ("TimeToHangup", "0"),
                        ("BridgeID", ""),
                        ("Application", channel.application),
                        ("Data", channel.app_data),
                        ("Nativeformats", "(slin)"),
                        ("Readformat", "slin"),
                        ("Readtrans", ""),
                        ("Writeformat", "slin"),
                        ("Writetrans", ""),
                        ("Callgroup", "0"),
                        ("Pickupgroup", "0"),
                        ("Seconds", str(seconds)),
                        *variables,
                        *self._list_item(message),
                    ]
                )
        count = str(len(channels))
        data += serialize_headers(
            [
                ("Event", "StatusComplete"),
                *self._list_item(message),
                ("EventList", "Complete"),
                ("ListItems", count),
                ("Items", count),
            ]
        )
        return _Reply(data)

    def _action_coreshowchannels(self, session: _Session, message: Message) -> _Reply:
        data = self._response(
            message, "Success", [("EventList", "start"), ("Message", "Channels will follow")]
        )
        with self._lock:
            channels = self._pbx.listing()
            for channel in channels:
                seconds = int((time.monotonic() - channel.created) / (self.time_scale or 1))
                duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
                data += serialize_headers(
                    [
                        ("Event", "CoreShowChannel"),
                        *self._list_item(message),
                        *channel.headers(),
                        ("Application", channel.application),
                        ("ApplicationData", channel.app_data),
                        ("Duration", duration),
                        ("BridgeId", ""),
                    ]
                )
        data += serialize_headers(
            [
                ("Event", "CoreShowChannelsComplete"),
                *self._list_item(message),
                ("EventList", "Complete"),
                ("ListItems", str(len(channels))),
            ]
        )
        return _Reply(data)

    # -- AstDB -------------------------------------------------------------------------

    def _db_request(self, message: Message, *, need_key: bool) -> tuple[str, str, _Reply | None]:
        family = message.get("Family") or ""
        key = message.get("Key") or ""
        if not family:
            return family, key, self._error(message, "No family specified")
        if need_key and not key:
            return family, key, self._error(message, "No key specified")
        return family, key, None

    def _action_dbput(self, session: _Session, message: Message) -> _Reply:
        family, key, error = self._db_request(message, need_key=True)
        if error is not None:
            return error
        with self._lock:
            self._db[f"/{family}/{key}"] = message.get("Val") or ""
        return self._ok(message, "Updated database successfully")

    def _action_dbget(self, session: _Session, message: Message) -> _Reply:
        family, key, error = self._db_request(message, need_key=True)
        if error is not None:
            return error
        with self._lock:
            value = self._db.get(f"/{family}/{key}")
        if value is None:
            return self._error(message, "Database entry not found")
        data = self._response(
            message, "Success", [("EventList", "start"), ("Message", "Result will follow")]
        )
        item = [("Event", "DBGetResponse"), ("Family", family), ("Key", key), ("Val", value)]
        data += serialize_headers([*item, *self._list_item(message)])
        data += serialize_headers(
            [
                ("Event", "DBGetComplete"),
                *self._list_item(message),
                ("EventList", "Complete"),
                ("ListItems", "1"),
            ]
        )
        return _Reply(data)

    def _db_subtree(self, family: str, key: str) -> list[str]:
        prefix = f"/{family}/{key}" if key else f"/{family}"
        return sorted(p for p in self._db if p == prefix or p.startswith(prefix + "/"))

    def _action_dbgettree(self, session: _Session, message: Message) -> _Reply:
        family = message.get("Family") or ""
        key = message.get("Key") or ""
        with self._lock:
            paths = self._db_subtree(family, key) if family else sorted(self._db)
            entries = [(path, self._db[path]) for path in paths]
        if not entries:
            return self._error(message, "Database entry not found")
        data = self._response(
            message, "Success", [("EventList", "start"), ("Message", "Result will follow")]
        )
        for path, value in entries:
            data += serialize_headers(
                [
                    ("Event", "DBGetTreeResponse"),
                    ("Key", path),
                    ("Val", value),
                    *self._list_item(message),
                ]
            )
        data += serialize_headers(
            [
                ("Event", "DBGetTreeComplete"),
                *self._list_item(message),
                ("EventList", "Complete"),
                ("ListItems", str(len(entries))),
            ]
        )
        return _Reply(data)

    def _action_dbdel(self, session: _Session, message: Message) -> _Reply:
        family, key, error = self._db_request(message, need_key=True)
        if error is not None:
            return error
        with self._lock:
            if self._db.pop(f"/{family}/{key}", None) is None:
                return self._error(message, "Database entry could not be deleted")
        return self._ok(message, "Key deleted successfully")

    def _action_agi(self, session: _Session, message: Message) -> _Reply:
        with self._lock:
            accepted, text = self._async_agi.command(
                message.get("Channel") or "",
                message.get("Command") or "",
                message.get("CommandID") or "",
            )
        return self._ok(message, text) if accepted else self._error(message, text)

    def _action_dbdeltree(self, session: _Session, message: Message) -> _Reply:
        family, key, error = self._db_request(message, need_key=False)
        if error is not None:
            return error
        with self._lock:
            paths = self._db_subtree(family, key)
            for path in paths:
                del self._db[path]
        if not paths:
            return self._error(message, "Database entry not found")
        return self._ok(message, "Key tree deleted successfully")


@contextlib.contextmanager
def simulator(host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[SimulatorAddress]:
    """Run an :class:`AsteriskSimulator` for the ``with`` block; yields ``(host, port)``."""
    with AsteriskSimulator(host, port, **options) as running:
        yield running.address


def serve(
    host: str,
    port: int,
    *,
    username: str,
    secret: str,
    verbose: bool = False,
    **options: Any,
) -> int:
    """Run a simulator until SIGINT or SIGTERM (or ``core stop now``); returns 0.

    This is ``pystrix sim`` (and ``python -m pystrix.testing``).  ``username``/``secret``
    is an account with every permission (the recorded ``reader`` account stays available
    unless ``users`` is given); ``options`` go to :class:`AsteriskSimulator`.  On standard
    output it prints ``pystrix simulator listening on HOST:PORT`` first (so a caller that
    asked for port 0 learns the port), then the account and the ``pystrix action``
    command that reaches it; with ``verbose``, a line for each session opened and closed
    and for each action answered (never a secret).  When it stops it says why in one
    line on standard error.  Raises :class:`OSError` if the address cannot be bound.
    """
    from ..cli import client_command

    if "users" not in options:
        extra = [user for user in DEFAULT_USERS if user.username not in (username, "admin")]
        options["users"] = [SimulatedUser(username, secret, "all", "all"), *extra]
    stop_requested = threading.Event()
    stopped_by: list[str] = []
    output = threading.Lock()

    def say(text: str) -> None:
        with output:
            print(text, flush=True)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped_by.append(signal.Signals(signum).name)
        stop_requested.set()

    previous: dict[int, Any] = {}
    in_main = threading.current_thread() is threading.main_thread()
    sim = AsteriskSimulator(host, port, **options)
    sim._stop_listeners.append(stop_requested.set)
    if verbose:
        serve_session, dispatch = sim._serve_session, sim._dispatch
        numbers: dict[int, int] = {}
        opened = [0]

        def traced_session(session: _Session) -> None:
            with output:
                opened[0] += 1
                numbers[id(session)] = number = opened[0]
            peer = session.remote.rsplit("/", 2)
            say(f"session {number}: opened from {peer[-2]}:{peer[-1]}")
            try:
                serve_session(session)
            finally:
                say(f"session {number}: closed")
                with output:
                    numbers.pop(id(session), None)

        def traced_dispatch(
            session: _Session, message: Message
        ) -> tuple[_Reply, Callable[[], None] | None]:
            reply, after = dispatch(session, message)
            if message.header_pairs():
                action = message.get("Action") or "(no action)"
                if action.lower() == "login":
                    action += f" as {message.get('Username') or ''!r}"
                head = reply.data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
                fields = dict(line.partition(": ")[::2] for line in head.split("\r\n"))
                outcome = fields.get("Response") or "no response"
                if fields.get("Message"):
                    outcome += f" ({fields['Message']})"
                say(f"session {numbers.get(id(session), 0)}: {action} -> {outcome}")
            return reply, after

        sim._serve_session = traced_session  # type: ignore[method-assign]
        sim._dispatch = traced_dispatch  # type: ignore[method-assign]
    if in_main:
        for wanted in (signal.SIGINT, signal.SIGTERM):
            previous[wanted] = signal.signal(wanted, on_signal)
    try:
        sim.start()
        # One write: no session's line can come between these.
        say(
            f"pystrix simulator listening on {sim.host}:{sim.port}\n"
            f"account: username {username}, secret {secret} (every permission)\n"
            f"try: {client_command(sim.host, sim.port, username, secret)}"
        )
        stop_requested.wait()
    finally:
        sim.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    reason = stopped_by[0] if stopped_by else "core stop now"
    print(f"pystrix: simulator stopped by {reason}", file=sys.stderr, flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pystrix.testing.simulator``: the same command as ``pystrix sim``."""
    from ..cli import main as cli_main

    return cli_main(["sim", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
