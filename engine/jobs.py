"""The job protocol: progress reports and cancellation, free of Qt.

A long engine function (generate, simulate, train, evaluate, export) takes a
`progress` callback and a `CancelToken`. It reports what it has done, checks the token
between units of work, and raises `Cancelled` after saving what is complete, so that a
rerun resumes. The GUI wraps the same functions in QThreads; scripts pass nothing.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import threading
import time
import traceback
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


class JobProcessError(RuntimeError):
    """A job's process died without saying why (killed, out of memory, a native crash)."""


class _ChildProgress:
    """The ``progress`` a job function gets in its own process: reports go to the parent."""

    def __init__(self, messages) -> None:
        self._messages = messages

    def __call__(self, report: Progress) -> None:
        _send(self._messages, "progress", report)

    def log(self, line: str) -> None:
        _send(self._messages, "log", line)


def _send(messages, kind: str, payload: object) -> None:
    """Pickle here, not in the queue's feeder thread, whose failures nobody would see."""
    try:
        blob = pickle.dumps((kind, payload))
    except Exception as exc:  # reported to the parent instead
        blob = pickle.dumps(("error", RuntimeError(f"A job's {kind} could not be passed "
                                                   f"back to the window: {exc}")))
    messages.put(blob)


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError with its text."""
    where = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # engine errors with their own __init__ arguments end up here
        text = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        exc = (ValueError if isinstance(exc, ValueError) else RuntimeError)(text)
    exc.add_note(where)
    return exc


def _watch(stop, token: CancelToken) -> None:
    """Turn the parent's stop flag into the child's token (polled: an event's waiters
    would deadlock the parent's ``set`` if the child died while waiting)."""
    while not stop.value:
        time.sleep(0.1)
    token.cancel()


def _child_main(function: Callable, kwargs: dict, messages, stop) -> None:
    token = CancelToken()
    threading.Thread(target=_watch, args=(stop, token), daemon=True).start()
    try:
        result = function(**kwargs, progress=_ChildProgress(messages), cancel=token)
    except Cancelled as exc:
        _send(messages, "cancelled", str(exc))
    except BaseException as exc:  # every failure goes back to the parent
        _send(messages, "error", _portable(exc))
    else:
        _send(messages, "result", result)


def run_in_process(
    function: Callable,
    /,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    **kwargs,
) -> object:
    """``function(**kwargs, progress=, cancel=)`` in a fresh process; its result or error.

    Why a process: torch and numba hold Python's global lock while they load and in some
    kernels, which would freeze the window of a process that hosts them; and a crash in
    a native library (or running out of memory) then ends the job, not the application.
    ``function`` and ``kwargs`` must pickle (a module-level function and plain data).
    Progress reports and log lines (``progress.log``) come back as they happen;
    cancelling ``cancel`` cancels the child's own token, so the job stops as it would
    in-process, raising `Cancelled` here after it has saved its work.
    """
    context = multiprocessing.get_context("spawn")
    messages, stop = context.Queue(), context.RawValue("b", 0)
    child = context.Process(target=_child_main, args=(function, kwargs, messages, stop),
                            daemon=True, name="trinity-job")
    child.start()
    try:
        while True:
            if cancel is not None and cancel.cancelled:
                stop.value = 1
            try:
                kind, payload = pickle.loads(messages.get(timeout=0.1))
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # the last message may still be in the pipe
                    kind, payload = pickle.loads(messages.get(timeout=1.0))
                except queue.Empty:
                    raise JobProcessError(
                        f"The job's process ended without finishing (exit code "
                        f"{child.exitcode}); it may have run out of memory. Finished work "
                        "is saved: queue the job again to resume."
                    ) from None
            if kind == "progress" and progress is not None:
                progress(payload)
            elif kind == "log" and hasattr(progress, "log"):
                progress.log(payload)
            elif kind == "result":
                return payload
            elif kind == "cancelled":
                raise Cancelled(payload)
            elif kind == "error":
                raise payload
    finally:
        stop.value = 1
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
            child.join()
