"""Run the same behaviour tests against the threaded and the asyncio Manager.

:class:`AioFacade` drives a :class:`pystrix.ami.aio.Manager` on an event loop in a
background thread and exposes the threaded Manager's blocking methods, so one test body
serves both.  Callbacks registered through it run on the loop's thread (as they run on the
dispatcher thread of the threaded Manager) and receive the facade as their manager.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from pystrix.ami import Manager, Request, aio
from pystrix.ami.manager import AsteriskInfo

_T = TypeVar("_T")

FLAVORS = ("threaded", "asyncio")


class AioFacade:
    """The asyncio Manager behind the threaded Manager's interface."""

    flavor = "asyncio"

    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="test-asyncio-loop", daemon=True
        )
        self._thread.start()
        self.aio = aio.Manager(**options)
        self._wrappers: dict[Any, Any] = {}
        self._closed = False

    def _run(self, coroutine: Coroutine[Any, Any, _T], timeout: float = 120) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def _call(self, function: Callable[[], _T]) -> _T:
        async def call() -> _T:
            return function()

        return self._run(call())

    def _on_loop(self) -> bool:
        return threading.current_thread() is self._thread

    def _wrap(self, function: Any) -> Any:
        key = function
        if key not in self._wrappers:

            def wrapper(message: Any, manager: Any) -> Any:
                return function(message, self)

            self._wrappers[key] = wrapper
        return self._wrappers[key]

    # -- the threaded Manager's interface --------------------------------------------------

    def connect(self, host: str, port: int = 5038, timeout: float = 5, **options: Any) -> None:
        self._run(self.aio.connect(host, port, timeout, **options))

    def send_action(self, request: Request, action_id: str | None = None, **kwargs: Any) -> Any:
        return self._run(self.aio.send_action(request, action_id, **kwargs))

    def register_callback(self, qualifier: Any, function: Any) -> None:
        wrapper = self._wrap(function)
        self._call(lambda: self.aio.register_callback(qualifier, wrapper))

    def unregister_callback(self, qualifier: Any, function: Any) -> bool:
        wrapper = self._wrap(function)
        return self._call(lambda: self.aio.unregister_callback(qualifier, wrapper))

    def register_disconnect_callback(self, function: Any) -> None:
        def wrapper(manager: Any, error: BaseException) -> Any:
            return function(self, error)

        self._call(lambda: self.aio.register_disconnect_callback(wrapper))

    def register_reconnect_callback(self, function: Any) -> None:
        def wrapper(manager: Any) -> Any:
            return function(self)

        self._call(lambda: self.aio.register_reconnect_callback(wrapper))

    def monitor_connection(self, interval: float = 2.5) -> None:
        self._call(lambda: self.aio.monitor_connection(interval))

    def is_connected(self) -> bool:
        return self.aio.is_connected()

    def wait_disconnected(self, timeout: float | None = None) -> bool:
        return self._run(self.aio.wait_disconnected(timeout))

    def get_asterisk_info(self) -> AsteriskInfo | None:
        return self.aio.get_asterisk_info()

    def close(self) -> None:
        if self._on_loop():  # from a callback: the loop cannot wait for itself
            self.loop.create_task(self.aio.close())
            return
        self._run(self.aio.close())

    def dispose(self) -> None:
        """Close, then stop the loop and its thread (the tests' clean-up)."""
        if self.loop.is_closed():
            return
        self.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()

    def leftover_tasks(self) -> list[asyncio.Task[Any]]:
        """Tasks still running on the loop other than the caller's."""

        async def others() -> list[asyncio.Task[Any]]:
            me = asyncio.current_task()
            return [t for t in asyncio.all_tasks() if t is not me and not t.done()]

        return self._run(others())


_made: list[Any] = []


def make(flavor: str, **options: Any) -> Any:
    """A Manager of ``flavor`` ("threaded" or "asyncio") with the threaded interface.

    Every one made is closed (and its loop stopped) by :func:`dispose_all` after the test.
    """
    manager: Any = Manager(**options) if flavor == "threaded" else AioFacade(**options)
    _made.append(manager)
    return manager


def dispose_all() -> None:
    """Close every Manager :func:`make` made."""
    while _made:
        manager = _made.pop()
        if isinstance(manager, AioFacade):
            manager.dispose()
        else:
            manager.close()


class Recorder:
    """A callback that keeps what it receives, for tests to wait on (never to sleep on).

    The timeouts only guard against a hang: every wait ends on the callback's notify.
    """

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = threading.Condition()

    def __call__(self, message: Any, manager: Any) -> None:
        with self._changed:
            self.items.append(message)
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[Any], bool] | None = None, count: int = 1, timeout: float = 10
    ) -> bool:
        """Wait until ``count`` items (matching ``predicate``, if given) have arrived."""

        def enough() -> bool:
            return sum(1 for m in self.items if predicate is None or predicate(m)) >= count

        with self._changed:
            return self._changed.wait_for(enough, timeout)

    def first(self, predicate: Callable[[Any], bool]) -> Any:
        """The first item matching ``predicate``, once it has arrived."""
        assert self.wait_for(predicate)
        with self._changed:
            return next(m for m in self.items if predicate(m))

    def names(self) -> list[str]:
        """The ``name`` of every item so far."""
        with self._changed:
            return [item.name for item in self.items]
