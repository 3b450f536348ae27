"""Instructions per Ping round trip, counted by valgrind: a figure the machine's noise
cannot move.

    python benchmarks/instructions.py [--pings N] [--events N] [--src DIR] [--only TEXT]

Needs ``valgrind`` on the PATH.  Starts ``loadserver.py``, then runs each client under
``valgrind --tool=callgrind`` twice, with 1 and with N+1 sequential Pings, and prints the
difference divided by N: the user-space instructions one round trip costs the client
process (the kernel and the server are not counted).  Rows: the asyncio and the threaded
Manager, and under each the minimal client of ``floors.py`` that does the same hop (an
``asyncio.BufferedProtocol``, a reader thread waking the caller through a lock).  The
BufferedProtocol also runs with one timer armed in its loop, as the asyncio Manager always
has while a request waits (its timeout).

Wall time per round trip follows these counts only roughly (caches, the server, the
scheduler), but a change that removes instructions here removes them for good.

The rows "per event" count the same way what one ``Newchannel`` event costs from the socket
to a no-op callback (runs with 1,000 and with 1,000 + N events).  ``--src`` measures
another checkout's ``src`` (a before/after comparison on one machine); ``--only`` keeps
the rows whose name holds the text.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

# One client per row; ``PORT`` and ``N`` come from argv.  Each prints nothing.
_CLIENTS = {
    "asyncio Manager": """
import asyncio, sys
from pystrix.ami import aio, core
async def main(port, n):
    manager = aio.Manager()
    await manager.connect("127.0.0.1", port)
    await manager.send_action(core.Login("admin", "wordpass"))
    for _ in range(n):
        await manager.send_action(core.Ping())
    await manager.close()
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
""",
    "minimal BufferedProtocol": """
import asyncio, sys
class Pinger(asyncio.BufferedProtocol):
    answer = None
    def __init__(self):
        self.buffer = memoryview(bytearray(256 * 1024))
    def get_buffer(self, sizehint):
        return self.buffer
    def buffer_updated(self, nbytes):
        if self.answer is not None:
            answer, self.answer = self.answer, None
            answer.set_result(None)
async def main(port, n):
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(Pinger, "127.0.0.1", port)
    await asyncio.sleep(0.05)
    if ARMED:
        loop.call_later(3600, print)
    for _ in range(n):
        protocol.answer = loop.create_future()
        transport.write(b"Action: Ping\\r\\nActionID: 1\\r\\n\\r\\n")
        await protocol.answer
    transport.close()
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
""",
    "minimal BufferedProtocol, a timer armed": "",  # filled in below
    "asyncio Manager, per event": """
import asyncio, sys
from pystrix.ami import Request, aio, core
async def main(port, n):
    manager = aio.Manager(event_queue_size=n + 10)
    done = asyncio.Event()
    count = 0
    def on_event(event, _):
        nonlocal count
        count += 1
        if count == n:
            done.set()
    manager.register_callback("Newchannel", on_event)
    await manager.connect("127.0.0.1", port)
    await manager.send_action(core.Login("admin", "wordpass"))
    blast = Request("Blast")
    blast["Count"] = n
    await manager.send_action(blast)
    await done.wait()
    await manager.close()
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
""",
    "threaded Manager": """
import sys
from pystrix.ami import Manager, core
manager = Manager()
manager.connect("127.0.0.1", int(sys.argv[1]))
manager.send_action(core.Login("admin", "wordpass"))
for _ in range(int(sys.argv[2])):
    manager.send_action(core.Ping())
manager.close()
""",
    "threaded Manager, per event": """
import sys, threading
from pystrix.ami import Manager, Request, core
n = int(sys.argv[2])
done = threading.Event()
count = 0
def on_event(event, _):
    global count
    count += 1
    if count == n:
        done.set()
manager = Manager(event_queue_size=n + 10)
manager.register_callback("Newchannel", on_event)
manager.connect("127.0.0.1", int(sys.argv[1]))
manager.send_action(core.Login("admin", "wordpass"))
blast = Request("Blast")
blast["Count"] = n
manager.send_action(blast)
done.wait()
manager.close()
""",
    "minimal reader thread + lock": """
import socket, sys, threading
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sock.recv(100)
waiting = []
def reader():
    while sock.recv(65536):
        if waiting:
            waiting.pop().release()
threading.Thread(target=reader, daemon=True).start()
for _ in range(int(sys.argv[2])):
    lock = threading.Lock()
    lock.acquire()
    waiting.append(lock)
    sock.sendall(b"Action: Ping\\r\\nActionID: 1\\r\\n\\r\\n")
    lock.acquire()
""",
}

# A waiting send_action always has a deadline in the loop's timer heap; with any timer
# there, every turn of the loop reads the clock twice and works out a select() timeout.
_MINIMAL = _CLIENTS["minimal BufferedProtocol"]
_CLIENTS["minimal BufferedProtocol"] = "ARMED = False\n" + _MINIMAL
_CLIENTS["minimal BufferedProtocol, a timer armed"] = "ARMED = True\n" + _MINIMAL

_TOTAL = re.compile(r"refs:\s+([\d,]+)")


def _instructions(code: str, port: int, pings: int, src: Path = SRC) -> int:
    """User-space instructions of one run of ``code`` with ``pings`` Pings (or events)."""
    completed = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            code,
            str(port),
            str(pings),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    found = _TOTAL.search(completed.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{completed.stderr}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    """Print instructions per round trip (or per event) for each client."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--pings", type=int, default=2000)
    options.add_argument("--events", type=int, default=20_000)
    options.add_argument("--src", type=Path, default=SRC, help="the src folder to measure")
    options.add_argument("--only", default="", help="rows whose name holds this text")
    arguments = options.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    server = subprocess.Popen(
        [sys.executable, str(HERE / "loadserver.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        for name, code in _CLIENTS.items():
            if arguments.only not in name:
                continue
            if name.endswith("per event"):
                n, base, unit = arguments.events, 1000, "event"
            else:
                n, base, unit = arguments.pings, 1, "round trip"
            low = _instructions(code, port, base, arguments.src.resolve())
            high = _instructions(code, port, base + n, arguments.src.resolve())
            print(f"{name:42s} {(high - low) / n:10,.0f} instructions per {unit}")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
