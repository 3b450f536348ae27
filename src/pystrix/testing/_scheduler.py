"""One timer thread for every delayed step of the simulator.

A heap of deadlines and a condition variable: the thread sleeps until the earliest deadline
or until something is scheduled or cancelled, so nothing ever polls.  :meth:`Scheduler.stop`
drops every pending timer and joins the thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

__all__ = ["Scheduler", "TimerHandle"]

_log = logging.getLogger("pystrix.testing")


class TimerHandle:
    """A scheduled call; :meth:`cancel` keeps it from running."""

    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback (a no-op once it has run)."""
        self.cancelled = True


class Scheduler:
    """Runs callbacks after a delay, in deadline order, on one daemon thread."""

    def __init__(self, name: str = "pystrix-sim-timers") -> None:
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._counter = itertools.count()
        self._condition = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the timer thread."""
        self._thread.start()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` on the timer thread after ``delay`` seconds."""
        handle = TimerHandle(time.monotonic() + max(0.0, delay), callback)
        with self._condition:
            if not self._stopped:
                heapq.heappush(self._heap, (handle.when, next(self._counter), handle))
                self._condition.notify()
            else:
                handle.cancelled = True
        return handle

    def stop(self) -> None:
        """Cancel every pending timer and join the thread (idempotent)."""
        with self._condition:
            self._stopped = True
            for _, _, handle in self._heap:
                handle.cancelled = True
            self._heap.clear()
            self._condition.notify()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped:
                    if self._heap:
                        delay = self._heap[0][0] - time.monotonic()
                        if delay <= 0:
                            break
                        self._condition.wait(delay)
                    else:
                        self._condition.wait()
                if self._stopped:
                    return
                _, _, handle = heapq.heappop(self._heap)
            if not handle.cancelled:
                try:
                    handle.callback()
                except Exception:
                    # One broken step must not stop every other simulated call.
                    _log.exception("simulator timer callback failed")
