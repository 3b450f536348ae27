"""A tiny scripted AMI peer on 127.0.0.1, for faults the simulator will not produce.

Each accepted connection runs ``script(peer)`` on its own thread; the script reads what the
client sent with ``peer.read_message()`` and answers with ``peer.send(...)``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import TracebackType

from pystrix.ami.message import Message
from pystrix.ami.protocol import MessageParser

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


class Peer:
    """The server end of one connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(10)  # a hang guard only; scripts never rely on it
        self._parser = MessageParser()
        self._ready: list[Message] = []
        self.received: list[Message] = []

    def send(self, data: bytes | str) -> None:
        """Write raw bytes (a str is encoded as UTF-8)."""
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_message(self) -> Message | None:
        """The next complete message from the client, or None at EOF."""
        while not self._ready:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return None
            if not data:
                return None
            self._ready.extend(self._parser.feed(data))
        message = self._ready.pop(0)
        self.received.append(message)
        return message

    def answer(self, message: Message, body: str) -> None:
        """Send a response to ``message`` carrying its ActionID; ``body`` is header lines."""
        self.send(f"Response: Success\r\nActionID: {message.action_id}\r\n{body}\r\n")

    def close(self) -> None:
        """Close the connection."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


Script = Callable[[Peer], None]


class ScriptedServer:
    """Accepts connections on a free loopback port and runs ``script`` for each."""

    def __init__(self, script: Script, banner: bytes = BANNER) -> None:
        self._script = script
        self._banner = banner
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._listener.getsockname()[:2]
        self.peers: list[Peer] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() alone does not wake a thread blocked in accept() on Linux.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        for peer in self.peers:
            peer.close()
        for thread in self._threads:
            thread.join(10)
        self._acceptor.join(10)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            peer = Peer(sock)
            self.peers.append(peer)
            thread = threading.Thread(target=self._run, args=(peer,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, peer: Peer) -> None:
        try:
            if self._banner:
                peer.send(self._banner)
            self._script(peer)
        except BaseException as exc:  # surfaced by tests that check .errors
            self.errors.append(exc)


def free_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
