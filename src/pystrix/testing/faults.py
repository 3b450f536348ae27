"""Fault knobs for tests: a TCP proxy that sits in front of an AMI server and misbehaves
on demand.

::

    with AsteriskSimulator() as simulator, FaultProxy(simulator.address) as proxy:
        manager.connect(proxy.host, proxy.port)
        ...
        proxy.close_mid_message()     # the next message is cut in half, then both ends close

Every knob acts on the sessions open at the time (and, for the lasting ones, on later
ones until undone).  The proxy frames the server's stream on the empty line, so it can cut,
hold back or add whole messages; it never changes the bytes it forwards.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from types import TracebackType

from ..ami.protocol import MessageParser

__all__ = ["FaultProxy"]

_TERMINATOR = b"\r\n\r\n"


class _Session:
    """One client connection and its upstream twin, with a pump thread each way."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.client_lock = threading.Lock()
        self.actions: dict[str, str] = {}  # ActionID -> lower-case action name
        self.cut_next = False
        self.closed = False
        self.threads = [
            threading.Thread(target=self._upstream, name="fault-proxy-up", daemon=True),
            threading.Thread(target=self._downstream, name="fault-proxy-down", daemon=True),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def to_client(self, data: bytes) -> None:
        with self.client_lock:
            if not self.closed:
                with contextlib.suppress(OSError):
                    self.client.sendall(data)

    def close(self) -> None:
        """Close both ends with a FIN (shutdown), waking both pumps."""
        self.closed = True
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _upstream(self) -> None:
        """Client to server: note each action's name by ActionID, honour the stall knob."""
        parser = MessageParser()
        proxy = self.proxy
        while not self.closed:
            proxy.reading.wait()
            try:
                data = self.client.recv(65536)
            except OSError:
                break
            if not data:
                break
            proxy.reading.wait()  # a stall that began while recv() was waiting holds this too
            with contextlib.suppress(Exception):  # the proxy must not die on odd input
                for message in parser.feed(data):
                    action_id = message.get("ActionID")
                    if action_id is not None:
                        self.actions[action_id] = (message.get("Action") or "").lower()
            if proxy.silent:
                continue
            try:
                self.server.sendall(data)
            except OSError:
                break
        if not proxy.silent:
            self.close()

    def _downstream(self) -> None:
        """Server to client, message by message, so faults can act on whole messages."""
        proxy = self.proxy
        buffer = b""
        while not self.closed:
            try:
                data = self.server.recv(65536)
            except OSError:
                break
            if not data:
                break
            buffer += data
            if b"\r\n" in buffer and buffer.startswith(b"Asterisk Call Manager/"):
                banner, _, buffer = buffer.partition(b"\r\n")
                self.to_client(banner + b"\r\n")
            while _TERMINATOR in buffer:
                block, _, buffer = buffer.partition(_TERMINATOR)
                self._forward(block + _TERMINATOR)
                if self.closed:
                    return
        if not proxy.silent:
            self.close()

    def _forward(self, message: bytes) -> None:
        proxy = self.proxy
        if proxy.silent:
            return
        if self.cut_next:
            self.to_client(message[: len(message) // 2])
            self.close()
            return
        delay = self._delay_for(message)
        if delay:
            proxy.later(delay, lambda: self.to_client(message))
        else:
            self.to_client(message)

    def _delay_for(self, message: bytes) -> float:
        if not self.proxy.delays or not message.startswith(b"Response:"):
            return 0.0
        for line in message.split(b"\r\n"):
            if line.lower().startswith(b"actionid:"):
                action_id = line.partition(b":")[2].strip().decode("utf-8", "replace")
                return self.proxy.delays.get(self.actions.get(action_id, ""), 0.0)
        return 0.0


class FaultProxy:
    """A proxy on ``host``:``port`` (a free port by default) in front of ``upstream``."""

    def __init__(self, upstream: tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = upstream
        self._requested = (host, port)
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._sessions: list[_Session] = []
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        self._accepting = threading.Event()
        self._accepting.set()
        #: Cleared while reading from clients is stalled.
        self.reading = threading.Event()
        self.reading.set()
        #: True while the proxy forwards nothing and closes nothing (a half-open link).
        self.silent = False
        #: Seconds to hold back the responses to an action (lower-case name).
        self.delays: dict[str, float] = {}
        self.host = host
        self.port = port

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Listen and start accepting."""
        self._listener = socket.create_server(self._requested)
        self.host, self.port = self._listener.getsockname()[:2]
        self._acceptor = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Close every session and the listener; cancel every pending delayed message."""
        for timer in self._timers:
            timer.cancel()
        self.reading.set()
        self.silent = False
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        self._drop_sessions()
        if self._acceptor is not None:
            self._acceptor.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._accepting.is_set():
                client.close()  # "restarting": refuse by closing at once
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            session = _Session(self, client, server)
            with self._lock:
                self._sessions.append(session)
            session.start()

    def _drop_sessions(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        for session in sessions:
            for thread in session.threads:
                if thread is not threading.current_thread():
                    thread.join(10)

    def later(self, delay: float, action: object) -> None:
        """Run ``action`` after ``delay`` seconds (cancelled by :meth:`stop`)."""
        assert callable(action)
        timer = threading.Timer(delay, action)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _each(self) -> Iterator[_Session]:
        with self._lock:
            sessions = list(self._sessions)
        yield from sessions

    # -- the knobs -------------------------------------------------------------------------

    def close_mid_message(self) -> None:
        """Send only the first half of each session's next message, then close both ends."""
        for session in self._each():
            session.cut_next = True

    def go_silent(self) -> None:
        """A half-open link: forward nothing either way and close nothing (no FIN)."""
        self.silent = True

    def send_garbage(self, data: bytes = b"\x00\xff\xfe garbage \x01\r\n\r\n") -> None:
        """Write ``data`` to every client as if the server had sent it."""
        for session in self._each():
            session.to_client(data)

    def send_oversized(self, size: int) -> None:
        """Write the start of a message ``size`` bytes long that never ends."""
        payload = b"Response: Success\r\nX-Filler: " + b"A" * size
        for session in self._each():
            session.to_client(payload)

    def delay_responses(self, action: str, seconds: float) -> None:
        """Hold back the responses to ``action`` by ``seconds`` (0 stops holding back)."""
        if seconds:
            self.delays[action.lower()] = seconds
        else:
            self.delays.pop(action.lower(), None)

    def send_orphan_response(self, action_id: str = "nobody-asked-1") -> None:
        """Write a response for an ActionID no client issued."""
        message = f"Response: Success\r\nActionID: {action_id}\r\nMessage: Orphan\r\n\r\n"
        for session in self._each():
            session.to_client(message.encode())

    def burst_events(self, count: int, name: str = "Burst") -> None:
        """Write ``count`` UserEvents ``name`` numbered from 1 in ``Sequence``, at once."""
        events = b"".join(
            f"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: {name}\r\n"
            f"Sequence: {index}\r\n\r\n".encode()
            for index in range(1, count + 1)
        )
        for session in self._each():
            session.to_client(events)

    def stall_reading(self) -> None:
        """Stop reading from clients: their writes fill the socket buffers, then block."""
        self.reading.clear()

    def resume_reading(self) -> None:
        """Undo :meth:`stall_reading`."""
        self.reading.set()

    def restart(self) -> None:
        """Drop every session and refuse new ones until :meth:`accept_again`."""
        self._accepting.clear()
        self._drop_sessions()

    def accept_again(self) -> None:
        """Accept connections again after :meth:`restart`."""
        self._accepting.set()
