"""The Qt-free job protocol."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from processes import gone_within

from engine.jobs import (
    Cancelled,
    CancelToken,
    JobProcessError,
    Progress,
    ProgressReporter,
    exit_with_parent,
    run_in_process,
)
from engine.workspace import JobOutcome, read_job_outcome


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


# A job's outcome on disk, and a job that outlives its window.


def test_a_job_in_a_process_saves_how_it_ended(tmp_path):
    """Finished, failed and cancelled are saved by the child itself, so the history can
    read them back even when the window died before it heard of them."""
    state = tmp_path / "finished.state.json"
    run_in_process(_counts, n=1, state_file=state)
    outcome = read_job_outcome(state)
    assert outcome.state == "finished" and outcome.ended <= time.time()

    state = tmp_path / "failed.state.json"
    with pytest.raises(ValueError):
        run_in_process(_fails, kind="picky", state_file=state)
    assert read_job_outcome(state) == JobOutcome("failed", read_job_outcome(state).ended,
                                                 "bad token at 3")

    state = tmp_path / "cancelled.state.json"
    token = CancelToken()
    with pytest.raises(Cancelled):
        run_in_process(_counts, n=200, progress=lambda p: token.cancel(), cancel=token,
                       state_file=state)
    assert read_job_outcome(state).state == "cancelled"


def _until_cancelled(folder: str, ignore: bool, *, progress, cancel):
    """Announce the process id, then work until cancelled (or, ``ignore``, forever);
    on cancel, 'save' the finished work as a well-behaved engine function does."""
    folder = Path(folder)
    (folder / "pid.tmp").write_text(str(os.getpid()))
    os.replace(folder / "pid.tmp", folder / "pid")
    while True:
        if cancel.cancelled and not ignore:
            (folder / "saved").write_text("work so far")
            cancel.raise_if_cancelled()
        time.sleep(0.02)


def _orphan(tmp_path, *, ignore: bool) -> tuple[int, Path]:
    """Start a window stand-in that runs `_until_cancelled` in a child, kill the stand-in
    (SIGKILL: no clean-up of any kind), and return the child's pid and the state file."""
    state = tmp_path / "job.state.json"
    script = (
        "import sys\n"
        f"sys.path[:0] = {[str(Path(__file__).parent), str(Path(__file__).parents[1])]!r}\n"
        "import engine.jobs as jobs\n"
        "from test_jobs import _until_cancelled\n"
        "jobs.ORPHAN_GRACE_S = 1.0\n"
        f"jobs.run_in_process(_until_cancelled, folder={str(tmp_path)!r}, ignore={ignore},\n"
        f"                    state_file={str(state)!r})\n"
    )
    window = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "pid").exists():
            assert window.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        window.kill()
        window.wait()
    return int((tmp_path / "pid").read_text()), state



def test_a_job_process_is_cancelled_cleanly_when_its_window_dies(tmp_path):
    pid, state = _orphan(tmp_path, ignore=False)
    assert gone_within(pid, 10)
    assert (tmp_path / "saved").read_text() == "work so far"
    outcome = read_job_outcome(state)
    assert outcome.state == "cancelled" and "window" in outcome.message


def test_a_job_that_ignores_its_token_is_ended_after_the_grace_time(tmp_path):
    pid, state = _orphan(tmp_path, ignore=True)
    assert gone_within(pid, 10)
    assert read_job_outcome(state) is None  # it never said how it ended: interrupted


def _worker_of(folder: str) -> None:
    """A pool worker as engine code starts them: it follows its parent out."""
    exit_with_parent()
    (Path(folder) / "pid.tmp").write_text(str(os.getpid()))
    os.replace(Path(folder) / "pid.tmp", Path(folder) / "pid")
    time.sleep(600)


def test_a_worker_process_can_follow_its_parent_out(tmp_path):
    """What a job's own worker processes (a process pool) use, so that a job ended hard
    leaves none of them behind."""
    script = (
        "import multiprocessing, sys, time\n"
        f"sys.path[:0] = {[str(Path(__file__).parent), str(Path(__file__).parents[1])]!r}\n"
        "from test_jobs import _worker_of\n"
        "if __name__ == '__main__':\n"
        "    multiprocessing.get_context('spawn').Process(\n"
        f"        target=_worker_of, args=({str(tmp_path)!r},)).start()\n"
        "    time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "pid").exists():
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait()
    assert gone_within(int((tmp_path / "pid").read_text()), 5)
