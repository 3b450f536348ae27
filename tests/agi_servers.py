"""Run the threaded and the asyncio FastAGI servers behind one test interface.

A behaviour test writes its handler once, as a *scenario*: a generator that yields AGI
commands and receives their results (or has their exception thrown into it), called as
``scenario(agi, args, kwargs, match, path)``.  :class:`RunningServer` adapts it to each
server: ``agi.execute`` on the threaded one, ``await agi.execute`` on the asyncio one
(whose loop runs on a helper thread).  Yielding :data:`BLOCK` makes the handler wait
until the server shuts it down (a handler that never returns).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

from pystrix.agi import FastAGIServer, aio
from pystrix.agi.errors import AGIException

Scenario = Callable[..., Generator[Any, Any, None]]


class _Block:
    """Yielded by a scenario: wait until the server gives up on this call."""


BLOCK = _Block()


class RunningServer:
    """A started FastAGI server of either kind; ``port``, ``register``, ``stop``."""

    def __init__(self, kind: str, **options: Any) -> None:
        self.kind = kind
        self.released = threading.Event()  # frees blocked threaded handlers at teardown
        if kind == "threaded":
            self.threaded = FastAGIServer(port=0, **options)
            self._thread = threading.Thread(
                target=self.threaded.serve_forever, args=(0.05,), daemon=True
            )
            self._thread.start()
            self.port = self.threaded.port
        else:
            self.loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
            self._thread.start()
            self.aio = aio.FastAGIServer(port=0, **options)
            self._call(self.aio.start())
            self.port = self.aio.port
        self._stopped = False

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def register(self, pattern: Any, scenario: Scenario) -> None:
        """Serve ``pattern`` with ``scenario`` adapted to this kind of server."""
        if self.kind == "threaded":
            self.threaded.register_script_handler(pattern, self._sync(scenario))
        else:
            self.aio.register_script_handler(pattern, self._async(scenario))

    def register_raw(self, pattern: Any, handler: Any) -> None:
        """Register a handler as it is (a plain or a coroutine function)."""
        server: Any = self.threaded if self.kind == "threaded" else self.aio
        server.register_script_handler(pattern, handler)

    def _sync(self, scenario: Scenario) -> Callable[..., None]:
        def handler(agi: Any, *rest: Any) -> None:
            steps = scenario(agi, *rest)
            value: Any = None
            error: BaseException | None = None
            while True:
                try:
                    step = steps.send(value) if error is None else steps.throw(error)
                except StopIteration:
                    return
                value, error = None, None
                if step is BLOCK:
                    self.released.wait()
                    continue
                try:
                    value = agi.execute(step)
                except AGIException as exc:
                    error = exc

        return handler

    def _async(self, scenario: Scenario) -> Callable[..., Any]:
        async def handler(agi: Any, *rest: Any) -> None:
            steps = scenario(agi, *rest)
            value: Any = None
            error: BaseException | None = None
            while True:
                try:
                    step = steps.send(value) if error is None else steps.throw(error)
                except StopIteration:
                    return
                value, error = None, None
                if step is BLOCK:
                    await asyncio.Event().wait()  # until shutdown cancels the call
                    continue
                try:
                    value = await agi.execute(step)
                except AGIException as exc:
                    error = exc

        return handler

    def stop(self, timeout: float = 5.0) -> None:
        """Shut down (bounded by ``timeout`` for running calls) and release everything."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.kind == "threaded":
                self.threaded.shutdown(timeout)
                self.threaded.server_close()
            else:
                self._call(self.aio.shutdown(timeout))
                self.loop.call_soon_threadsafe(self.loop.stop)
        finally:
            self.released.set()
            self._thread.join()
            if self.kind != "threaded":
                self.loop.close()


def running_server(kind: str, **options: Any) -> Iterator[RunningServer]:
    """Fixture body: a server for the test, stopped afterwards."""
    server = RunningServer(kind, **options)
    try:
        yield server
    finally:
        server.stop()
