"""Event-loop stalls while real jobs run in the GUI's queue (offscreen Qt).

    python benchmarks/bench_gui_stall.py [--n 20] [--epochs 1] [--threads N] [--json PATH]

The training view queues "generate synthetic data" and then "phase 1" (small preset) as a
user would, with the jobs view open, so progress reaches the loss plot and the job table
as it does on screen. A 10 ms QTimer heartbeat records every gap between its ticks on the
GUI thread; a gap well over 10 ms is time the window could not repaint or take a click.
Reported per job: the longest gap, its time from the job's start, the 99th percentile,
how many gaps exceeded 50 ms (the goal is none), and how many progress reports and
updates reached the GUI (the run fails if a job reported none).

The jobs run as the window runs them: the queue's worker thread hands each one to
`engine.jobs.run_in_process`, which spawns a child process (torch, transformers and numba
load and compute there, never in the GUI's process) and passes its progress reports and
log lines back through a multiprocessing queue. The worker thread only waits on that
queue, so it holds the GIL for no more than unpickling a report.

Each job runs twice: "cold", the first of its kind, and "warm", the same job with another
seed. Every job gets a fresh child process, so both pay the same imports there; cold and
warm now differ only by how fast the child starts (files the operating system has not
cached yet for the first one), not by anything the GUI thread waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from machine import machine_info
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from engine.workspace import Settings
from trinity_gui.context import AppContext
from trinity_gui.views.jobs_view import JobsView
from trinity_gui.views.training_view import TrainingView

RESULTS = Path(__file__).resolve().parent / "results" / "gui_stall.json"
HEARTBEAT_MS = 10
GOAL_MS = 50.0


class Heartbeat:
    """Gaps between the ticks of a precise 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=HEARTBEAT_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def stop(self) -> dict:
        self.timer.stop()
        gaps = [(b - a) * 1000 for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        worst = max(range(len(gaps)), key=gaps.__getitem__)
        ordered = sorted(gaps)
        return {
            "ticks": len(gaps),
            "max_gap_ms": gaps[worst],
            "max_gap_at_s": self.ticks[worst + 1] - self.ticks[0],
            "p99_gap_ms": ordered[int(0.99 * (len(ordered) - 1))],
            "median_gap_ms": statistics.median(gaps),
            "gaps_over_goal": sum(g > GOAL_MS for g in gaps),
        }


def run_job(view: TrainingView, button, heartbeat: Heartbeat) -> dict:
    """Click ``button`` and run the event loop until the job it queued ends."""
    queue = view.context.jobs
    done: list = []
    received = {"reports": 0, "updates": 0}
    loop = QEventLoop()

    def ended(job, *_):
        done.append(job)
        loop.quit()

    def reported(_job, reports):
        received["updates"] += 1
        received["reports"] += len(reports)

    for signal in (queue.finished, queue.cancelled, queue.failed):
        signal.connect(ended)
    queue.progress.connect(reported)
    heartbeat.start()
    start = time.perf_counter()
    button.click()
    loop.exec()
    wall = time.perf_counter() - start
    for signal in (queue.finished, queue.cancelled, queue.failed):
        signal.disconnect(ended)
    queue.progress.disconnect(reported)
    record = heartbeat.stop()
    job = done[0]
    if job.state != "finished":
        sys.exit(f"{job.title} ended {job.state}: {job.message}")
    if not received["reports"]:
        sys.exit(f"{job.title}: no progress report came back from its process.")
    return {"job": job.title, "wall_s": wall, **record,
            "progress_reports": received["reports"], "progress_updates": received["updates"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="hypothetical polymers to generate")
    parser.add_argument("--epochs", type=int, default=1, help="phase-1 epochs")
    parser.add_argument("--threads", type=int, default=0, help="job threads (0: automatic)")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive)
    with tempfile.TemporaryDirectory() as tmp:
        context = AppContext(Settings(threads=args.threads, workspace=Path(tmp) / "ws"),
                             settings_file=Path(tmp) / "settings.json")
        view = TrainingView(context)
        jobs = JobsView(context)
        view.show()
        jobs.show()
        view.n_polymers.setValue(args.n)
        view.fluxes.setText("25,50,75")
        view.thicknesses.setText("3,6")
        view.epochs.setValue(args.epochs)
        heartbeat = Heartbeat()
        runs = {}
        for state, seed in (("cold", 0), ("warm", 1)):
            view.synthetic_seed.setValue(seed)
            view.seeds.setText(str(seed))
            runs[f"generate_{state}"] = run_job(view, view.generate_button, heartbeat)
            runs[f"phase1_{state}"] = run_job(view, view.phase1_button, heartbeat)
        context.jobs.shutdown()

    record = {
        "machine": machine_info(),
        "offscreen": os.environ.get("QT_QPA_PLATFORM") == "offscreen",
        "heartbeat_ms": HEARTBEAT_MS,
        "goal_max_gap_ms": GOAL_MS,
        "n_polymers": args.n,
        "phase1_epochs": args.epochs,
        "threads": args.threads,
        "jobs": runs,
    }
    m = record["machine"]
    print(f"machine: {m['cores']} cores, {m['cpu']}")
    print("run             wall s  max gap ms (at s)  p99 ms  >50 ms  reports/updates")
    for name, r in runs.items():
        print(f"{name:15s} {r['wall_s']:6.1f}  {r['max_gap_ms']:8.1f} "
              f"({r['max_gap_at_s']:5.1f})  {r['p99_gap_ms']:6.1f}  {r['gaps_over_goal']:5d}"
              f"  {r['progress_reports']:7d}/{r['progress_updates']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
