"""FastAGI servers for the benchmarks, each run as its own process.

    python benchmarks/fastagi_servers.py KIND [--profile FILE]

KIND is one of ``threaded`` and ``asyncio`` (this project), ``baseline-asyncio`` and
``baseline-threaded`` (bare sockets: read the environment, write the four commands, read
four reply lines), ``panoramisk`` (its ``fast_agi.Application``) and ``pystrix13``
(pystrix 1.3's public API; run this file with the interpreter of a virtual environment
where ``pystrix==1.3.0`` is installed: see ``bench_fastagi.py``).

The process prints ``PORT <n>`` once it listens on 127.0.0.1 and serves until its
standard input closes.  Script ``bench`` runs the benchmark's four commands (ANSWER, GET
VARIABLE FOO, STREAM FILE beep #, VERBOSE bench 1); on our two servers script ``held``
waits in ``WAIT FOR DIGIT -1``, then answers and hangs up.  Failed calls are counted
and printed as ``FAILED <n>`` on exit.  ``--profile FILE`` writes cProfile statistics of
every thread that served a call (and of the main thread) to FILE, timed by each
thread's own CPU clock (``time.thread_time``), so waiting in a system call costs nothing.

Only the standard library is imported at the top: the pystrix 1.3 child must not see
this project's ``src``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

BENCH_LINES = [b"ANSWER\n", b"GET VARIABLE FOO\n", b"STREAM FILE beep #\n", b"VERBOSE bench 1\n"]

failed = 0
_failed_lock = threading.Lock()


def _fail() -> None:
    global failed
    with _failed_lock:
        failed += 1


def raise_fd_limit() -> None:
    """Raise the soft limit on open files to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _announce(port: int) -> None:
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()


# -- bare sockets ---------------------------------------------------------------------------


async def _baseline_call(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\n\n")
        for line in BENCH_LINES:
            writer.write(line)
            if not (await reader.readline()).startswith(b"200"):
                _fail()
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        _fail()
    finally:
        writer.close()


async def _serve_asyncio(start: Any) -> None:
    """Run an asyncio server made by ``start()`` (an awaitable of ``asyncio.Server``)
    until standard input closes."""
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def wait_for_eof() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(lambda: stop.done() or stop.set_result(None))

    server = await start()
    _announce(server.sockets[0].getsockname()[1])
    threading.Thread(target=wait_for_eof, daemon=True).start()
    await stop
    server.close()


def baseline_asyncio() -> None:
    asyncio.run(
        _serve_asyncio(lambda: asyncio.start_server(_baseline_call, "127.0.0.1", 0, backlog=1024))
    )


def baseline_threaded() -> None:
    def call(connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader:
            try:
                while reader.readline() not in (b"\n", b""):
                    pass
                for line in BENCH_LINES:
                    connection.sendall(line)
                    if not reader.readline().startswith(b"200"):
                        _fail()
            except OSError:
                _fail()

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    _announce(listener.getsockname()[1])

    def accept() -> None:
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=call, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


# -- panoramisk ------------------------------------------------------------------------------


def panoramisk() -> None:
    from panoramisk import fast_agi

    async def bench(request: Any) -> None:
        for line in BENCH_LINES:
            reply = await request.send_command(line.decode().rstrip("\n"))
            if reply.get("status_code") != 200:
                _fail()

    async def start() -> Any:
        application = fast_agi.Application()
        application.add_route("bench", bench)
        return await asyncio.start_server(application.handler, "127.0.0.1", 0, backlog=1024)

    asyncio.run(_serve_asyncio(start))


# -- pystrix 1.3 -----------------------------------------------------------------------------


def _threaded_bench(core: Any) -> Any:
    """The four-command handler, for a threaded server whose commands are ``core``'s
    (pystrix 1.3's or ours: the same workload for both)."""

    def bench(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> None:
        try:
            agi.execute(core.Answer())
            agi.execute(core.GetVariable("FOO"))
            agi.execute(core.StreamFile("beep", "#"))
            agi.execute(core.Verbose("bench", 1))
        except Exception:
            _fail()
            raise

    return bench


def pystrix13() -> None:
    import pystrix.agi  # pystrix 1.3, from the interpreter's own site-packages
    from pystrix.agi import core

    bench = _threaded_bench(core)

    server = pystrix.agi.FastAGIServer(interface="127.0.0.1", port=0)
    server.register_script_handler(None, bench)
    _announce(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


# -- this project ----------------------------------------------------------------------------


def _ours() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from pystrix.agi import core

    return core


def threaded(profiles: list[Any] | None) -> None:
    core = _ours()
    from pystrix.agi import FastAGIServer

    bench = _threaded_bench(core)

    def held(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> None:
        try:
            agi.execute(core.WaitForDigit(-1))
            agi.execute(core.Answer())
            agi.execute(core.Hangup())
        except Exception:
            _fail()
            raise

    server = FastAGIServer(interface="127.0.0.1", port=0)
    server.register_script_handler("held", held)
    server.register_script_handler(None, bench)
    if profiles is not None:
        import cProfile

        original = server.process_request_thread

        def profiled(request: Any, client_address: Any) -> None:
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            try:
                original(request, client_address)
            finally:
                profile.disable()
                profiles.append(profile)

        server.process_request_thread = profiled  # type: ignore[method-assign]
    _announce(server.port)
    thread = threading.Thread(target=server.serve_forever, args=(0.5,), daemon=True)
    thread.start()
    sys.stdin.read()
    server.shutdown(1.0)
    server.server_close()


def asyncio_server() -> None:
    core = _ours()
    from pystrix.agi import aio

    async def bench(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> None:
        try:
            await agi.execute(core.Answer())
            await agi.execute(core.GetVariable("FOO"))
            await agi.execute(core.StreamFile("beep", "#"))
            await agi.execute(core.Verbose("bench", 1))
        except Exception:
            _fail()
            raise

    async def held(agi: Any, args: Any, kwargs: Any, match: Any, path: str) -> None:
        try:
            await agi.execute(core.WaitForDigit(-1))
            await agi.execute(core.Answer())
            await agi.execute(core.Hangup())
        except Exception:
            _fail()
            raise

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = loop.create_future()

        def wait_for_eof() -> None:
            sys.stdin.read()
            loop.call_soon_threadsafe(lambda: stop.done() or stop.set_result(None))

        async with aio.FastAGIServer(interface="127.0.0.1", port=0) as server:
            server.register_script_handler("held", held)
            server.register_script_handler(None, bench)
            _announce(server.port)
            threading.Thread(target=wait_for_eof, daemon=True).start()
            await stop

    asyncio.run(main())


KINDS = ["threaded", "asyncio", "baseline-asyncio", "baseline-threaded", "panoramisk", "pystrix13"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--profile", metavar="FILE")
    args = parser.parse_args()
    raise_fd_limit()
    profiles: list[Any] | None = None
    main_profile = None
    if args.profile:
        import cProfile

        profiles = []
        main_profile = cProfile.Profile(time.thread_time)
        main_profile.enable()
    if args.kind == "threaded":
        threaded(profiles)
    elif args.kind == "asyncio":
        asyncio_server()
    elif args.kind == "baseline-asyncio":
        baseline_asyncio()
    elif args.kind == "baseline-threaded":
        baseline_threaded()
    elif args.kind == "panoramisk":
        panoramisk()
    else:
        pystrix13()
    if main_profile is not None and profiles is not None:
        import pstats

        main_profile.disable()
        stats = pstats.Stats(main_profile)
        for profile in profiles:
            stats.add(profile)
        stats.dump_stats(args.profile)
    sys.stdout.write(f"FAILED {failed}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
