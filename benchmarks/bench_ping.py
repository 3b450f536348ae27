"""Ping round trips per second: one thread in sequence, and 8 threads at once.

Run: ``python benchmarks/bench_ping.py [--count N]``.  By default against a load server
in this process that answers Ping the way Asterisk does (so the client is what is
measured); ``--simulator`` runs against the embedded simulator instead.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import threading
import time

from _common import BANNER

from pystrix.ami import Manager, core
from pystrix.ami.protocol import MessageParser


class PingServer:
    """Answers every action with a Ping-shaped Success, one thread per connection.

    It runs in a child process so that it does not compete with the client for the GIL.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.process = multiprocessing.get_context("fork").Process(target=self._accept, daemon=True)
        self.process.start()
        self.listener.close()  # the child holds its own copy

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _serve(conn: socket.socket) -> None:
        conn.sendall(BANNER)
        parser = MessageParser()
        while data := conn.recv(65536):
            replies = [
                f"Response: Success\r\nActionID: {message.get('ActionID', '')}\r\n"
                f"Ping: Pong\r\nTimestamp: {time.time():.6f}\r\n\r\n"
                for message in parser.feed(data)
            ]
            conn.sendall("".join(replies).encode())
        conn.close()

    def close(self) -> None:
        self.process.terminate()
        self.process.join()


def sequential(manager: Manager, count: int) -> float:
    """Round trips per second from one thread."""
    started = time.perf_counter()
    for _ in range(count):
        if manager.send_action(core.Ping()) is None:
            raise SystemExit("a Ping timed out")
    return count / (time.perf_counter() - started)


def threaded(manager: Manager, count: int, threads: int = 8) -> float:
    """Round trips per second with ``threads`` threads sharing one Manager."""
    per_thread = count // threads

    def worker() -> None:
        for _ in range(per_thread):
            if manager.send_action(core.Ping()) is None:
                raise SystemExit("a Ping timed out")

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return per_thread * threads / (time.perf_counter() - started)


def main() -> None:
    """Print the rates."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--count", type=int, default=20_000)
    options.add_argument("--simulator", action="store_true", help="use the simulator")
    args = options.parse_args()
    if args.simulator:
        from pystrix.testing import AsteriskSimulator

        simulator = AsteriskSimulator()
        simulator.start()
        host, port, stop = simulator.host, simulator.port, simulator.stop
    else:
        server = PingServer()
        host, port, stop = "127.0.0.1", server.port, server.close
    manager = Manager()
    manager.connect(host, port)
    manager.send_action(core.Login("admin", "wordpass"))
    target = "simulator" if args.simulator else "load server"
    print(f"against the {target}, {args.count} pings each")
    print(f"sequential: {sequential(manager, args.count):>9,.0f} round trips/s")
    print(f"8 threads:  {threaded(manager, args.count):>9,.0f} round trips/s")
    manager.close()
    stop()


if __name__ == "__main__":
    main()
