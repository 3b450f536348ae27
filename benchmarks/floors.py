"""How fast a Ping round trip can be here at all, with no AMI library in the way.

    python benchmarks/floors.py [--pings N]

Starts ``loadserver.py`` and measures sequential Ping round trips five ways: a bare
blocking socket (the suite's baseline), a minimal ``asyncio.Protocol`` (write, await a
future that ``data_received`` resolves), the same as an ``asyncio.BufferedProtocol``
reading into one kept buffer (as the asyncio Manager does), that one again with a timer
armed in its loop (as a waiting ``send_action``'s timeout always is), and a minimal
reader thread that wakes the caller through a lock.  The BufferedProtocol with a timer
and the thread are the floors under the asyncio and the threaded Manager: what the
event loop, or the hop between two threads, costs by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

PING = b"Action: Ping\r\nActionID: 1\r\n\r\n"


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.recv(100)  # the banner
    return sock


def bare(port: int, n: int) -> float:
    sock = _connect(port)
    started = time.perf_counter()
    for _ in range(n):
        sock.sendall(PING)
        sock.recv(65536)
    elapsed = time.perf_counter() - started
    sock.close()
    return n / elapsed


def thread_hop(port: int, n: int) -> float:
    sock = _connect(port)
    waiting: list[threading.Lock] = []

    def reader() -> None:
        while sock.recv(65536):
            if waiting:
                waiting.pop().release()

    threading.Thread(target=reader, daemon=True).start()
    started = time.perf_counter()
    for _ in range(n):
        lock = threading.Lock()
        lock.acquire()
        waiting.append(lock)
        sock.sendall(PING)
        lock.acquire()
    elapsed = time.perf_counter() - started
    sock.close()
    return n / elapsed


class _Pinger(asyncio.Protocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[None] | None = None

    def data_received(self, data: bytes) -> None:
        if self.answer is not None and b"Response" in data:
            answer, self.answer = self.answer, None
            answer.set_result(None)


class _BufferedPinger(asyncio.BufferedProtocol):
    """As _Pinger, reading into one kept buffer (what both Managers do)."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[None] | None = None
        self.buffer = memoryview(bytearray(256 * 1024))

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self.answer is not None:  # the banner came before any Ping
            answer, self.answer = self.answer, None
            answer.set_result(None)


async def _event_loop(port: int, n: int, buffered: bool = False, timer: bool = False) -> float:
    loop = asyncio.get_running_loop()
    factory = _BufferedPinger if buffered else _Pinger
    transport, protocol = await loop.create_connection(factory, "127.0.0.1", port)
    assert isinstance(protocol, (_Pinger, _BufferedPinger))
    await asyncio.sleep(0.05)  # let the banner arrive
    if timer:
        # As a waiting send_action's timeout: with any timer in the loop's heap, every
        # turn of the loop reads the clock twice and works out a select() timeout.
        loop.call_later(3600, print)
    started = time.perf_counter()
    for _ in range(n):
        protocol.answer = loop.create_future()
        transport.write(PING)
        await protocol.answer
    elapsed = time.perf_counter() - started
    transport.close()
    return n / elapsed


def main() -> None:
    """Print the rates."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--pings", type=int, default=5000)
    n = options.parse_args().pings
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("loadserver.py"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        rates = {
            "bare socket (the baseline)": bare(port, n),
            "minimal asyncio.Protocol": asyncio.run(_event_loop(port, n)),
            "minimal BufferedProtocol": asyncio.run(_event_loop(port, n, buffered=True)),
            "  the same, a timer armed": asyncio.run(
                _event_loop(port, n, buffered=True, timer=True)
            ),
            "minimal reader thread + lock": thread_hop(port, n),
        }
    finally:
        server.kill()
        server.wait()
    base = rates["bare socket (the baseline)"]
    for name, rate in rates.items():
        print(f"{name:30s} {rate:8,.0f} Pings/s  {rate / base:.2f}x")


if __name__ == "__main__":
    main()
