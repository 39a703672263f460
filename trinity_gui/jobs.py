"""The job queue: engine functions run one at a time in one worker QThread.

One worker, because the GPU (or the CPU cores) is one resource: two trainings side by
side would each run at half speed and double the memory. The event loop never waits
on a job: the worker reports through a lock-protected mailbox that a GUI-thread timer
empties at most `PROGRESS_HZ` times a second, so an engine function may report every
step without flooding the event loop with signals.

A job's ``run(progress, cancel)`` gets a `JobProgress` (an engine progress callback
that can also write log lines) and an `engine.jobs.CancelToken`; it returns its result
or raises. A failure reaches the user as the engine's sentence; the traceback goes to
the job's log file in the workspace. Finished jobs join the history the workspace keeps.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal, Slot

from engine.jobs import CANCELLED, Cancelled, CancelToken, Progress
from engine.workspace import JobOutcome, JobRecord, Workspace, WorkspaceError, save_job_outcome

#: Most progress updates the GUI receives per second, whatever the engine sends.
PROGRESS_HZ = 20
#: Progress messages go to the log at most this often (the last one always does).
LOG_INTERVAL_S = 1.0
#: Reports kept between two GUI updates; older ones drop (the latest is always kept).
MAILBOX_SIZE = 2000

_ids = itertools.count(1)


def error_sentence(exc: BaseException, log_file: Path | None = None) -> str:
    """What the user reads: the engine's own sentence, or a plain one for a bug."""
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}."
    module = type(exc).__module__ or ""
    if module.startswith("engine") or isinstance(exc, ValueError):
        return str(exc)
    details = f"; details are in {log_file}" if log_file else ""
    return f"Unexpected internal error ({type(exc).__name__}: {exc}){details}. Please report it."


class JobProgress:
    """The ``progress`` a job's function receives: call it with engine `Progress`
    reports, or ``log(line)`` for lines of its own. Safe to call from the worker thread."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def __call__(self, report: Progress) -> None:
        self._job._report(report)

    def log(self, line: str) -> None:
        self._job.log(line)

    @property
    def state_file(self) -> Path | None:
        """Where the job saves how it ended; a body that runs the work in a child process
        hands it on (`engine.jobs.run_in_process`), since the child may outlive the window."""
        return self._job.state_file


class Job:
    """One unit of work: a title, a kind (what views filter on) and a function.

    States: queued → running → finished | failed | cancelled. Times are seconds since
    the epoch (0 until they happen). ``result`` is what the function returned,
    ``message`` the failure sentence or a short note, ``progress`` the latest report.
    """

    def __init__(
        self,
        title: str,
        kind: str,
        run: Callable[[JobProgress, CancelToken], object],
    ) -> None:
        self.id = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(_ids):04d}"
        self.title = title
        self.kind = kind
        self.run = run
        self.state = "queued"
        self.created = time.time()
        self.started = 0.0
        self.ended = 0.0
        self.result: object = None
        self.message = ""
        self.progress: Progress | None = None
        self.log_file: Path | None = None
        self.state_file: Path | None = None
        self.token = CancelToken()
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._mailbox: deque[Progress] = deque(maxlen=MAILBOX_SIZE)
        self._new_lines: list[str] = []
        self._logged_at = 0.0
        self._unlogged: str = ""

    def __repr__(self) -> str:
        return f"Job({self.title!r}, {self.kind!r}, {self.state})"

    @property
    def log_lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    @property
    def elapsed_s(self) -> float:
        if not self.started:
            return 0.0
        return (self.ended or time.time()) - self.started

    @property
    def remaining_s(self) -> float | None:
        """Time left at the rate so far; None until some work is done."""
        p = self.progress
        if self.state != "running" or p is None or p.done <= 0 or p.total <= 0:
            return None
        fraction = min(1.0, p.done / p.total)
        return self.elapsed_s * (1 - fraction) / fraction

    def log(self, line: str) -> None:
        """Add a line to the job's log (shown live, and kept in its log file)."""
        stamped = f"{time.strftime('%H:%M:%S')} {line}"
        with self._lock:
            self._lines.append(stamped)
            self._new_lines.append(stamped)
        if self.log_file is not None:
            try:
                with self.log_file.open("a", encoding="utf-8") as out:
                    out.write(stamped + "\n")
            except OSError:
                self.log_file = None  # keep running; the lines stay in memory

    def _report(self, report: Progress) -> None:
        with self._lock:
            self._mailbox.append(report)
        message = report.message
        if not message:
            return
        now = time.monotonic()
        if now - self._logged_at >= LOG_INTERVAL_S:
            self._logged_at, self._unlogged = now, ""
            self.log(message)
        else:
            self._unlogged = message

    def _flush_log(self) -> None:
        """Log the last progress message if the throttle held it back."""
        if self._unlogged:
            line, self._unlogged = self._unlogged, ""
            self.log(line)

    def _take(self) -> tuple[list[Progress], list[str]]:
        with self._lock:
            reports, lines = list(self._mailbox), self._new_lines
            self._mailbox.clear()
            self._new_lines = []
        if reports:
            self.progress = reports[-1]
        return reports, lines

    def record(self) -> JobRecord:
        return JobRecord(
            id=self.id,
            title=self.title,
            kind=self.kind,
            state=self.state,
            created=self.created,
            started=self.started,
            ended=self.ended,
            message=self.message,
            log_file=self.log_file.name if self.log_file else "",
        )


class _Worker(QObject):
    """Lives in the worker thread; runs one job per `execute` call."""

    done = Signal(object, str, object)  # job, outcome, result or sentence

    @Slot(object)
    def execute(self, job: Job) -> None:
        try:
            result = job.run(JobProgress(job), job.token)
        except Cancelled:
            self._saved(job, "cancelled", CANCELLED)
            self.done.emit(job, "cancelled", None)
        except BaseException as exc:
            sentence = error_sentence(exc, job.log_file)
            job.log(f"failed: {sentence}")
            job.log("".join(traceback.format_exception(exc)).rstrip())
            self._saved(job, "failed", sentence)
            self.done.emit(job, "failed", sentence)
        else:
            self._saved(job, "finished", "")
            self.done.emit(job, "finished", result)

    @staticmethod
    def _saved(job: Job, state: str, message: str) -> None:
        """Save the outcome the moment the job ends, before the GUI thread hears of it:
        should the window die in between, the history still learns how it ended."""
        if job.state_file is not None:
            try:
                save_job_outcome(job.state_file, JobOutcome(state, time.time(), message))
            except WorkspaceError as exc:
                job.log(str(exc))


class JobQueue(QObject):
    """Queue of `Job` objects run one at a time in a single worker QThread.

    Signals (all emitted on the GUI thread):
      added(Job), started(Job),
      progress(Job, list[Progress])  the reports since the last update, ≤ PROGRESS_HZ/s,
      logged(Job, list[str])         new log lines, at the same pace,
      finished(Job)                  ``job.result`` holds the function's return value,
      failed(Job, str)               the sentence for the user,
      cancelled(Job),
      historyChanged()               ``history`` gained a record,
      idle()                         nothing runs and nothing waits.

    ``problem`` holds a sentence when the history could not be read or written.
    Close path: ``cancel_all()``, then ``wait_idle(ms)`` (runs a local event loop, so
    signals still arrive), then ``shutdown()``.
    """

    added = Signal(object)
    started = Signal(object)
    progress = Signal(object, list)
    logged = Signal(object, list)
    finished = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal(object)
    historyChanged = Signal()
    idle = Signal()
    _execute = Signal(object)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.queued: list[Job] = []
        self.current: Job | None = None
        self.problem = ""
        self.history: list[JobRecord] = self._load_history()
        self._thread = QThread()
        self._thread.setObjectName("trinity-jobs")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._execute.connect(self._worker.execute)
        self._worker.done.connect(self._done)
        self._thread.start()
        self._timer = QTimer(self, interval=1000 // PROGRESS_HZ)
        self._timer.timeout.connect(self._poll)

    def _load_history(self) -> list[JobRecord]:
        try:
            return self.workspace.load_history()
        except WorkspaceError as exc:
            self.problem = str(exc)
            return []

    def set_workspace(self, workspace: Workspace) -> None:
        """Move to another workspace (only while idle): its history replaces ours."""
        if self.is_busy():
            raise WorkspaceError("Wait for the jobs to finish before changing the workspace.")
        self.workspace = workspace
        self.history = self._load_history()
        self.historyChanged.emit()

    # Queue ---------------------------------------------------------------------------

    def submit(self, job: Job) -> Job:
        """Queue a job; it starts when every job before it has ended."""
        self.queued.append(job)
        self.added.emit(job)
        self._next()
        return job

    def is_busy(self) -> bool:
        return self.current is not None or bool(self.queued)

    def jobs(self) -> list[Job]:
        """The running job (if any) and the queued ones, in order."""
        return ([self.current] if self.current else []) + list(self.queued)

    def cancel(self, job: Job) -> None:
        """Drop a queued job, or ask the running one to stop at its next check."""
        if job in self.queued:
            self.queued.remove(job)
            job.state, job.ended = "cancelled", time.time()
            job.message = "Cancelled before it started."
            self._remember(job)
            self.cancelled.emit(job)
            if not self.is_busy():
                self.idle.emit()
        elif job is self.current and not job.token.cancelled:
            job.token.cancel()
            job.log("cancel requested; stopping after the current unit of work")

    def cancel_all(self) -> None:
        for job in list(self.queued):
            self.cancel(job)
        if self.current is not None:
            self.cancel(self.current)

    def wait_idle(self, timeout_ms: int) -> bool:
        """Process events until the queue is empty or the time is up; True if idle.

        For the close path only: a local event loop keeps the window painted while the
        cancelled job saves what it has finished.
        """
        if not self.is_busy():
            return True
        loop = QEventLoop()
        self.idle.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        try:
            loop.exec()
        finally:
            self.idle.disconnect(loop.quit)
        return not self.is_busy()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything, wait up to ``timeout_ms`` and stop the worker thread.

        False if a job ignored its cancel token for that long; the thread is then left
        running (a thread cannot be killed safely) and the caller decides what to do.
        """
        self.cancel_all()
        if not self.wait_idle(timeout_ms):
            return False
        self._timer.stop()
        self._thread.quit()
        return self._thread.wait(max(1000, timeout_ms))

    # Worker side ---------------------------------------------------------------------

    def _next(self) -> None:
        if self.current is not None or not self.queued:
            return
        job = self.current = self.queued.pop(0)
        job.log_file = self.workspace.job_log(job.id)
        job.state_file = self.workspace.job_state_path(job.id)
        with contextlib.suppress(OSError):  # a stale one would tell a false ending
            job.state_file.unlink(missing_ok=True)
        job.state, job.started = "running", time.time()
        job.log(f"started: {job.title}")
        self._remember(job)
        self.started.emit(job)
        self._timer.start()
        self._execute.emit(job)

    @Slot()
    def _poll(self) -> None:
        job = self.current
        if job is None:
            return
        reports, lines = job._take()
        if reports:
            self.progress.emit(job, reports)
        if lines:
            self.logged.emit(job, lines)

    @Slot(object, str, object)
    def _done(self, job: Job, outcome: str, value: object) -> None:
        job._flush_log()
        self._poll()
        self._timer.stop()
        job.ended = time.time()
        job.state = outcome
        if outcome == "finished":
            job.result = value
            job.log(f"finished in {job.elapsed_s:.1f} s")
        elif outcome == "failed":
            job.message = str(value)
        else:
            job.message = CANCELLED
            job.log("cancelled")
        _, lines = job._take()
        if lines:
            self.logged.emit(job, lines)
        self.current = None
        self._remember(job)
        if outcome == "finished":
            self.finished.emit(job)
        elif outcome == "failed":
            self.failed.emit(job, job.message)
        else:
            self.cancelled.emit(job)
        self._next()
        if not self.is_busy():
            self.idle.emit()

    def _remember(self, job: Job) -> None:
        """Put the job's current record in the history and save it."""
        record = job.record()
        for i, old in enumerate(self.history):
            if old.id == job.id:
                self.history[i] = record
                break
        else:
            self.history.append(record)
        try:
            self.workspace.save_history(self.history)
        except WorkspaceError as exc:
            self.problem = str(exc)
        self.historyChanged.emit()

    def clear_history(self) -> None:
        """Forget ended jobs (their log files stay in the workspace)."""
        live = {job.id for job in self.jobs()}
        self.history = [r for r in self.history if r.id in live]
        try:
            self.workspace.save_history(self.history)
        except WorkspaceError as exc:
            self.problem = str(exc)
        self.historyChanged.emit()
