"""Events per second: the core's parser alone, and delivered to a Manager callback.

Run: ``python benchmarks/bench_events.py [--events N]``.  The event stream is the real mix
of transcript 23 (2,118 events of 35 kinds, VarSet-heavy), repeated to N events, and a
synthetic 16-header Newstate event.  The load server runs in this process on 127.0.0.1
and writes the whole stream as fast as the socket takes it.
"""

from __future__ import annotations

import argparse
import threading
import time

from _common import BlastServer, busy_stream_events, synthetic_event

from pystrix.ami import Manager, Request
from pystrix.ami.protocol import MessageParser


def parser_rate(payload: bytes, count: int, chunk: int = 65536) -> float:
    """Messages per second through MessageParser, fed in ``chunk``-byte reads."""
    parser = MessageParser()
    started = time.perf_counter()
    parsed = 0
    for offset in range(0, len(payload), chunk):
        parsed += len(parser.feed(payload[offset : offset + chunk]))
    elapsed = time.perf_counter() - started
    assert parsed == count, (parsed, count)
    return count / elapsed


def manager_rate(payload: bytes, count: int) -> float:
    """Events per second from socket to a registered callback."""
    server = BlastServer(payload)
    manager = Manager(event_queue_size=count + 10)
    received = 0
    finished = threading.Event()

    def on_event(event: object, _: Manager) -> None:
        nonlocal received
        received += 1
        if received == count:
            finished.set()

    manager.register_callback("", on_event)
    manager.connect("127.0.0.1", server.port)
    started = time.perf_counter()
    request = Request("Blast")
    manager.send_action(request)
    if not finished.wait(300):
        raise SystemExit(f"only {received} of {count} events arrived")
    elapsed = time.perf_counter() - started
    manager.close()
    server.close()
    return count / elapsed


def main() -> None:
    """Print the rates."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--events", type=int, default=200_000)
    count = options.parse_args().events

    real = busy_stream_events()
    repeated = (real * (count // len(real) + 1))[:count]
    real_payload = b"".join(repeated)
    synthetic_payload = synthetic_event() * count
    print(f"transcript 23 mix: {len(real)} events, {len(real_payload) / count:.0f} bytes average")
    for label, payload in (("real mix", real_payload), ("synthetic", synthetic_payload)):
        print(f"{label:>10}: parser {parser_rate(payload, count):>9,.0f} events/s", end="")
        print(f" | Manager callback {manager_rate(payload, count):>9,.0f} events/s")


if __name__ == "__main__":
    main()
