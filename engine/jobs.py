"""The job protocol: progress reports and cancellation, free of Qt.

A long engine function (generate, simulate, train, evaluate, export) takes a
`progress` callback and a `CancelToken`. It reports what it has done, checks the token
between units of work, and raises `Cancelled` after saving what is complete, so that a
rerun resumes. The GUI wraps the same functions in QThreads; scripts pass nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """The job stopped because its token was cancelled; finished work is kept."""


class CancelToken:
    """Thread-safe flag a job checks between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("The job was cancelled; what was finished is saved.")


@dataclass(frozen=True)
class Progress:
    """How far a job is: ``done`` of ``total`` units, with a short status line."""

    done: int
    total: int
    message: str
    elapsed_s: float

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def remaining_s(self) -> float | None:
        """Linear estimate of the time left; None until something is done."""
        if self.done <= 0 or self.total <= 0:
            return None
        return self.elapsed_s * (self.total - self.done) / self.done


ProgressCallback = Callable[[Progress], None]


class ProgressReporter:
    """Builds `Progress` reports with the elapsed time since the job started."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self._callback = callback
        self._start = time.perf_counter()

    def __call__(self, done: int, message: str = "") -> None:
        if self._callback is not None:
            elapsed = time.perf_counter() - self._start
            self._callback(Progress(done, self.total, message, elapsed))
