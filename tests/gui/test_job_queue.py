"""The job queue: real engine jobs to completion and cancelled mid-way, one at a time,
throttled progress, failures as sentences, history across restarts, the close path."""

import threading
import time

import pytest

pytest.importorskip("PySide6")

from engine.jobs import ProgressReporter
from engine.synthetic import SyntheticConfig, generate_synthetic
from engine.workspace import Workspace
from trinity_gui.jobs import PROGRESS_HZ, Job, JobProgress, JobQueue
from trinity_gui.views.jobs_view import JobsView, duration

#: Four polymers, one test each, one polymer per chunk: a real job of about a second.
FOUR = SyntheticConfig(n_polymers=4, seed=1, heat_fluxes_kw_m2=(50.0,), thicknesses_mm=(4.0,),
                       duration_s=300.0, curve_interval_s=10.0, chunk_size=1)


def _generate_job(out, config=FOUR, hold=None):
    """A job that generates ``config`` into ``out``; ``hold(progress, cancel)`` runs
    after every engine report (tests use it to pause the job at a known point)."""

    def run(progress, cancel):
        def report(p):
            progress(p)
            if hold is not None:
                hold(p, cancel)

        return generate_synthetic(config, out, workers=1, progress=report, cancel=cancel)

    return Job(f"Generate {config.n_polymers} polymers", "generate", run)


def test_a_real_generate_job_runs_to_completion(context, qtbot, tmp_path):
    queue = context.jobs
    seen = {"progress": [], "started": []}
    queue.started.connect(lambda job: seen["started"].append(job))
    queue.progress.connect(lambda job, reports: seen["progress"].extend(reports))
    job = _generate_job(context.workspace.synthetic_dir / "four")
    with qtbot.waitSignal(queue.finished, timeout=60_000) as finished:
        queue.submit(job)
        assert queue.is_busy()
    assert finished.args == [job] and job.state == "finished"
    assert job.result.rows == 4 and job.result.rows_by_status == {"ok": 4}
    assert seen["started"] == [job] and seen["progress"][-1].done == 4
    assert job.progress.fraction == 1.0 and job.elapsed_s > 0 and job.remaining_s is None
    assert not queue.is_busy()
    [record] = context.workspace.load_history()
    assert record.id == job.id and record.state == "finished" and record.elapsed_s > 0
    log = context.workspace.job_log(job.id).read_text()
    assert "started: Generate 4 polymers" in log and "finished in" in log
    assert context.workspace.synthetic_sets() == [context.workspace.synthetic_dir / "four"]


def test_a_real_job_cancelled_mid_way_keeps_its_work_and_resumes(context, qtbot):
    queue = context.jobs
    out = context.workspace.synthetic_dir / "cancelled"
    first_chunk = threading.Event()

    def hold(p, cancel):
        if p.done >= 1:  # a chunk is on disk: wait here until the GUI cancels
            first_chunk.set()
            deadline = time.monotonic() + 30
            while not cancel.cancelled and time.monotonic() < deadline:
                time.sleep(0.01)

    job = queue.submit(_generate_job(out, hold=hold))
    qtbot.waitUntil(first_chunk.is_set, timeout=60_000)
    with qtbot.waitSignal(queue.cancelled, timeout=30_000):
        queue.cancel(job)
    assert job.state == "cancelled" and "saved" in job.message
    written = sorted(out.glob("part-*.parquet"))
    assert 1 <= len(written) < FOUR.n_chunks
    assert "cancel requested" in context.workspace.job_log(job.id).read_text()
    assert context.workspace.load_history()[-1].state == "cancelled"

    again = _generate_job(out)
    with qtbot.waitSignal(queue.finished, timeout=60_000):
        queue.submit(again)
    assert again.result.chunks_resumed == len(written) and again.result.rows == 4


def test_jobs_run_one_at_a_time_and_a_queued_job_can_be_dropped(context, qtbot):
    queue = context.jobs
    running = threading.Event()
    overlap = []
    release = threading.Event()

    def work(progress, cancel):
        overlap.append(running.is_set())
        running.set()
        release.wait(10)
        running.clear()
        return "ok"

    first = queue.submit(Job("first", "test", work))
    second = queue.submit(Job("second", "test", work))
    third = queue.submit(Job("third", "test", work))
    assert queue.jobs() == [first, second, third] and second.state == "queued"
    queue.cancel(third)
    assert third.state == "cancelled" and queue.jobs() == [first, second]
    release.set()
    qtbot.waitUntil(lambda: second.state == "finished", timeout=10_000)
    assert first.state == "finished" and overlap == [False, False]
    assert first.ended <= second.started
    states = {r.title: r.state for r in context.workspace.load_history()}
    assert states == {"first": "finished", "second": "finished", "third": "cancelled"}


def test_progress_is_coalesced_so_the_event_loop_is_not_flooded(context, qtbot):
    queue = context.jobs
    total = 200_000
    emitted = []
    queue.progress.connect(lambda job, reports: emitted.append(len(reports)))

    def chatty(progress, cancel):
        report = ProgressReporter(total, progress)
        start = time.perf_counter()
        for i in range(total):
            report(i + 1, f"step {i + 1}")
        time.sleep(0.2)  # let the timer see the last report before the job ends
        return time.perf_counter() - start

    job = queue.submit(Job("chatty", "test", chatty))
    qtbot.waitUntil(lambda: job.state == "finished", timeout=60_000)
    assert job.progress.done == total
    assert len(emitted) <= PROGRESS_HZ * (job.elapsed_s + 1) + 2
    # the log is throttled too: about one progress line per second, plus the last one
    assert len([x for x in job.log_lines if "step" in x]) <= job.elapsed_s + 3


def test_a_failure_is_one_sentence_in_a_dialog_with_the_traceback_in_the_log(context, qtbot):
    from engine.training import TrainingError

    def bad(progress, cancel):
        raise TrainingError("Training on cuda was asked for, but torch sees no cuda device.")

    job = Job("Phase 1", "phase1", bad)
    with qtbot.waitSignal(context.jobs.failed, timeout=10_000) as failed:
        context.jobs.submit(job)
    assert failed.args[1] == "Training on cuda was asked for, but torch sees no cuda device."
    assert context.last_error == failed.args[1]
    log = context.workspace.job_log(job.id).read_text()
    assert "Traceback" in log and "TrainingError" in log
    assert failed.args[1] in context.workspace.error_log.read_text()


def test_an_unexpected_error_says_so_and_names_the_log(context, qtbot):
    def bug(progress, cancel):
        return {}["missing"]

    job = Job("buggy", "test", bug)
    with qtbot.waitSignal(context.jobs.failed, timeout=10_000):
        context.jobs.submit(job)
    assert job.message.startswith("Unexpected internal error (KeyError")
    assert str(job.log_file) in job.message


def test_history_survives_a_restart(context, qtbot, tmp_path):
    job = context.jobs.submit(Job("quick", "test", lambda progress, cancel: 42))
    qtbot.waitUntil(lambda: job.state == "finished", timeout=10_000)
    again = JobQueue(Workspace(tmp_path / "ws"))
    try:
        assert [(r.title, r.state) for r in again.history] == [("quick", "finished")]
    finally:
        assert again.shutdown(1000)


def test_closing_during_a_job_cancels_it_cleanly(context, qtbot):
    started = threading.Event()

    def long_job(progress, cancel):
        started.set()
        report = ProgressReporter(10_000, progress)
        for i in range(10_000):
            cancel.raise_if_cancelled()
            report(i)
            time.sleep(0.01)

    job = context.jobs.submit(Job("long", "test", long_job))
    waiting = context.jobs.submit(Job("waiting", "test", lambda p, c: None))
    qtbot.waitUntil(started.is_set, timeout=10_000)
    assert context.close_jobs(ask=False)
    assert job.state == "cancelled" and waiting.state == "cancelled"
    assert not context.jobs.is_busy()
    assert {r.state for r in context.workspace.load_history()} == {"cancelled"}


def test_closing_asks_first_and_can_be_declined(context, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    release = threading.Event()
    job = context.jobs.submit(Job("held", "test", lambda p, c: release.wait(10)))
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    assert not context.close_jobs()
    assert asked and job.state == "running"
    release.set()
    qtbot.waitUntil(lambda: job.state == "finished", timeout=10_000)


def test_jobs_view_shows_queue_history_and_log(context, qtbot):
    view = JobsView(context)
    qtbot.addWidget(view)
    release = threading.Event()

    def held(progress, cancel):
        ProgressReporter(4, progress)(1, "one of four")
        release.wait(10)
        cancel.raise_if_cancelled()

    job = context.jobs.submit(Job("held job", "test", held))
    qtbot.waitUntil(lambda: job.progress is not None, timeout=10_000)
    qtbot.waitUntil(lambda: view.table.cellWidget(0, 2).value() == 250, timeout=5000)
    assert view.table.item(0, 0).text() == "held job"
    assert view.table.item(0, 1).text() == "running"
    assert "one of four" in view.log.toPlainText()
    assert "Running: held job" in view.status.text()
    view.table.selectRow(0)
    assert view.cancel_button.isEnabled()
    view.cancel_button.click()
    release.set()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=10_000)
    assert view.table.item(0, 1).text() == "cancelled"
    assert not view.cancel_button.isEnabled()
    assert "cancel requested" in view.log.toPlainText()  # read back from the log file
    view.clear_button.click()
    assert view.table.rowCount() == 0


def test_durations_read_naturally():
    assert duration(None) == "" and duration(12.4) == "12 s"
    assert duration(185) == "3 min 05 s" and duration(3720) == "1 h 02 min"


def test_the_gui_modules_import_no_torch_transformers_or_onnxruntime():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import trinity_gui.context, trinity_gui.jobs, trinity_gui.settings_dialog\n"
        "import trinity_gui.views.jobs_view, trinity_gui.views.training_view\n"
        "import trinity_gui.views.models_view\n"
        "print(sorted(m for m in ('torch', 'transformers', 'onnxruntime') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_every_job_saves_its_outcome_where_a_crashed_window_looks(context, qtbot):
    """Whatever ran the job saves how it ended, beside its log; after a crash the history
    reads it (engine.workspace.Workspace.load_history)."""
    given = []

    def quick(progress, cancel):
        given.append(progress.state_file)
        return 1

    def broken(progress, cancel):
        raise ValueError("The data set has no rows.")

    ok = context.jobs.submit(Job("quick", "test", quick))
    bad = context.jobs.submit(Job("broken", "test", broken))
    qtbot.waitUntil(lambda: bad.state == "failed", timeout=10_000)
    assert given == [context.workspace.job_state_path(ok.id)]
    assert context.workspace.job_outcome(ok.id).state == "finished"
    failed = context.workspace.job_outcome(bad.id)
    assert (failed.state, failed.message) == ("failed", "The data set has no rows.")


def test_a_child_process_job_of_the_training_view_saves_its_own_outcome(context, monkeypatch):
    """The training view's jobs pass the state file to the child process, which outlives
    a crashed window and is the only one then to know how the job ended."""
    from trinity_gui.views import training_view

    calls = []
    monkeypatch.setattr(training_view, "run_in_process",
                        lambda task, **kw: calls.append(kw) or "done")
    run = training_view._in_process(len, obj=[1])
    job = Job("child", "test", run)
    job.state_file = context.workspace.job_state_path(job.id)
    assert run(JobProgress(job), job.token) == "done"
    assert calls[0]["state_file"] == context.workspace.job_state_path(job.id)


def _held(release: threading.Event):
    def run(progress, cancel):
        progress.log("working")
        release.wait(10)
        cancel.raise_if_cancelled()

    return run


def test_jobs_view_follows_the_job_that_starts(context, qtbot):
    """It stayed on the last finished job while a new one ran: the old log shown, Cancel
    disabled."""
    view = JobsView(context)
    qtbot.addWidget(view)
    first = context.jobs.submit(Job("first", "test", lambda p, c: None))
    qtbot.waitUntil(lambda: first.state == "finished", timeout=10_000)
    assert view.selected_id() == first.id
    release = threading.Event()
    second = context.jobs.submit(Job("second", "test", _held(release)))
    qtbot.waitUntil(lambda: second.state == "running", timeout=10_000)
    assert view.selected_id() == second.id and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: "working" in view.log.toPlainText(), timeout=5000)  # live
    release.set()
    qtbot.waitUntil(lambda: second.state == "finished", timeout=10_000)
    assert view.selected_id() == second.id and not view.cancel_button.isEnabled()


def test_jobs_view_stays_where_the_user_looked_during_a_run(context, qtbot):
    view = JobsView(context)
    qtbot.addWidget(view)
    old = context.jobs.submit(Job("old", "test", lambda p, c: None))
    qtbot.waitUntil(lambda: old.state == "finished", timeout=10_000)
    release, later = threading.Event(), threading.Event()
    running = context.jobs.submit(Job("running", "test", _held(release)))
    waiting = context.jobs.submit(Job("waiting", "test", _held(later)))
    qtbot.waitUntil(lambda: view.selected_id() == running.id, timeout=10_000)
    view.table.selectRow(view._ids.index(old.id))  # the user reads an old log
    release.set()
    qtbot.waitUntil(lambda: waiting.state == "running", timeout=10_000)
    assert view.selected_id() == old.id
    view.table.selectRow(view._ids.index(waiting.id))  # back to the live one: follow again
    later.set()
    qtbot.waitUntil(lambda: not context.jobs.is_busy(), timeout=10_000)
    again = threading.Event()
    third = context.jobs.submit(Job("third", "test", _held(again)))
    qtbot.waitUntil(lambda: third.state == "running", timeout=10_000)
    assert view.selected_id() == third.id
    again.set()
