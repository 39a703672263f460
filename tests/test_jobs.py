"""The Qt-free job protocol."""

import os
import threading
import time

import pytest

from engine.jobs import (
    Cancelled,
    CancelToken,
    JobProcessError,
    Progress,
    ProgressReporter,
    run_in_process,
)


def test_cancel_token_is_seen_from_another_thread():
    token = CancelToken()
    assert not token.cancelled
    thread = threading.Thread(target=token.cancel)
    thread.start()
    thread.join()
    with pytest.raises(Cancelled, match="saved"):
        token.raise_if_cancelled()


def test_progress_fraction_and_remaining_time():
    p = Progress(done=25, total=100, message="chunk 25", elapsed_s=10.0)
    assert p.fraction == 0.25 and p.remaining_s == pytest.approx(30.0)
    assert Progress(0, 100, "", 1.0).remaining_s is None
    assert Progress(0, 0, "", 1.0).fraction == 1.0


def test_reporter_calls_back_with_elapsed_time():
    seen = []
    report = ProgressReporter(4, seen.append)
    report(1, "one")
    report(4, "done")
    assert [(p.done, p.total, p.message) for p in seen] == [(1, 4, "one"), (4, 4, "done")]
    assert seen[1].elapsed_s >= seen[0].elapsed_s >= 0
    ProgressReporter(3, None)(1)  # no callback: nothing happens


# Jobs in a child process (module-level functions, so the spawned child can import them).


def _counts(n: int, *, progress, cancel):
    report = ProgressReporter(n, progress)
    for i in range(1, n + 1):
        cancel.raise_if_cancelled()
        report(i, f"step {i}")
        progress.log(f"line {i}")
        time.sleep(0.05)
    return {"pid": os.getpid(), "n": n}


class _PickyError(ValueError):
    def __init__(self, what: str, where: int):
        super().__init__(f"{what} at {where}")


def _fails(kind: str, *, progress, cancel):
    if kind == "picky":
        raise _PickyError("bad token", 3)
    if kind == "bug":
        raise KeyError("missing")
    os._exit(3)


class _Collect(list):
    """A progress callback with ``log``, like the GUI's."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def __call__(self, report):
        self.append(report)

    def log(self, line):
        self.lines.append(line)


def test_a_job_runs_in_its_own_process_and_reports_back():
    seen = _Collect()
    result = run_in_process(_counts, n=3, progress=seen.append, cancel=CancelToken())
    assert result["n"] == 3 and result["pid"] != os.getpid()
    assert [p.message for p in seen] == ["step 1", "step 2", "step 3"]
    logged = _Collect()
    run_in_process(_counts, n=2, progress=logged)
    assert logged.lines == ["line 1", "line 2"]


def test_cancelling_stops_the_child_at_its_next_check():
    token = CancelToken()
    seen = []

    def cancel_after_first(p):
        seen.append(p)
        token.cancel()

    with pytest.raises(Cancelled):
        run_in_process(_counts, n=200, progress=cancel_after_first, cancel=token)
    assert 1 <= len(seen) < 200


def test_failures_come_back_as_sentences_or_errors():
    with pytest.raises(ValueError, match="bad token at 3") as picky:
        run_in_process(_fails, kind="picky")
    assert any("_PickyError" in note for note in picky.value.__notes__)
    with pytest.raises(KeyError):
        run_in_process(_fails, kind="bug")
    with pytest.raises(JobProcessError, match="exit code 3"):
        run_in_process(_fails, kind="die")
