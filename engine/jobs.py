"""The job protocol: progress reports and cancellation, free of Qt.

A long engine function (generate, simulate, train, evaluate, export) takes a
`progress` callback and a `CancelToken`. It reports what it has done, checks the token
between units of work, and raises `Cancelled` after saving what is complete, so that a
rerun resumes. The GUI wraps the same functions in QThreads; scripts pass nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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


#: How long a job whose window died may take to save its work before its process ends.
ORPHAN_GRACE_S = 60.0
#: The exit status of a job process ended because its window died and it did not stop.
EXIT_ORPHANED = 75
#: The messages a job saves with its outcome (`run_in_process`, ``state_file``).
CANCELLED = "Cancelled; what was finished is saved."
ORPHAN_CANCELLED = ("The window closed while this job ran, so it was cancelled; what was "
                    "finished is saved.")
ORPHAN_FINISHED = "Finished after the window had closed."


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


def _parent_gone(timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for this process's parent to end; True if it has.

    The parent's sentinel becomes ready when the parent exits for any reason, a crash
    or a SIGKILL included, on every platform; a process without a multiprocessing
    parent just sleeps.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        time.sleep(timeout)
        return False
    return bool(multiprocessing.connection.wait([parent.sentinel], timeout))


def exit_with_parent() -> None:
    """End this process as soon as its parent process ends, however the parent ended.

    For processes a job starts itself (a process pool's ``initializer``, a worker's
    first call): a job process that is ended hard would otherwise leave them running,
    each holding a core, with nobody to hand their work to.
    """

    def watch() -> None:
        while not _parent_gone(3600.0):
            pass
        os._exit(EXIT_ORPHANED)

    if multiprocessing.parent_process() is not None:
        threading.Thread(target=watch, daemon=True, name="trinity-exit-with-parent").start()


def _watch(stop, token: CancelToken, orphaned: threading.Event, grace_s: float) -> None:
    """Turn the parent's stop flag, or the parent's death, into the child's token.

    The stop flag is polled (an event's waiters would deadlock the parent's ``set`` if
    the child died while waiting). A job whose window has died has nobody to report to
    and must not run on as an orphan: it is cancelled, saves what it finished as on any
    cancel, and if it has not ended ``grace_s`` seconds later the process ends anyway.
    """
    while not stop.value:
        if _parent_gone(0.1):
            orphaned.set()
            token.cancel()
            time.sleep(grace_s)
            os._exit(EXIT_ORPHANED)
    token.cancel()


def _outcome_message(exc: BaseException) -> str:
    """The sentence the history shows for a failure: the engine's own, else its type."""
    module = type(exc).__module__ or ""
    if module.startswith("engine") or isinstance(exc, ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _save_outcome(state_file: str | None, state: str, message: str) -> None:
    """Record how the job ended where the history will look (see `JobOutcome`)."""
    if state_file is None:
        return
    from engine.workspace import JobOutcome, WorkspaceError, save_job_outcome

    with contextlib.suppress(WorkspaceError):  # the parent still hears of it, if alive
        save_job_outcome(Path(state_file), JobOutcome(state, time.time(), message))


def _child_main(function: Callable, kwargs: dict, messages, stop, state_file: str | None,
                grace_s: float) -> None:
    token = CancelToken()
    orphaned = threading.Event()
    threading.Thread(target=_watch, args=(stop, token, orphaned, grace_s), daemon=True,
                     name="trinity-job-watch").start()
    try:
        result = function(**kwargs, progress=_ChildProgress(messages), cancel=token)
    except Cancelled as exc:
        _save_outcome(state_file, "cancelled", ORPHAN_CANCELLED if orphaned.is_set()
                      else CANCELLED)
        message = ("cancelled", str(exc))
    except BaseException as exc:  # every failure goes back to the parent
        _save_outcome(state_file, "failed", _outcome_message(exc))
        message = ("error", _portable(exc))
    else:
        _save_outcome(state_file, "finished", ORPHAN_FINISHED if orphaned.is_set() else "")
        message = ("result", result)
    if orphaned.is_set() or _parent_gone(0):
        # Nobody reads the pipe any more: a large result would block the queue's feeder
        # thread, and the exit that waits for it, for ever.
        messages.cancel_join_thread()
        return
    _send(messages, *message)


def run_in_process(
    function: Callable,
    /,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    state_file: str | Path | None = None,
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

    The child dies with this process: if this process ends without stopping it (a crash,
    a kill), the child cancels itself and exits, at the latest `ORPHAN_GRACE_S` seconds
    later. With ``state_file``, the child saves how it ended there (a
    `engine.workspace.JobOutcome`) before it says so here, so the history can tell a
    job that finished after its window died from one that was interrupted.
    """
    context = multiprocessing.get_context("spawn")
    messages, stop = context.Queue(), context.RawValue("b", 0)
    state = None if state_file is None else str(state_file)
    child = context.Process(target=_child_main,
                            args=(function, kwargs, messages, stop, state, ORPHAN_GRACE_S),
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
