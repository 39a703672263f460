"""Start-up time of the desktop window: from launch to a window the user can work in.

    python benchmarks/bench_gui_startup.py [--runs 5] [--timeout 120] [--json PATH]

Each run spawns a fresh Python process (as a user's double-click does) that imports
`trinity_gui.app`, builds the `MainWindow` on a throw-away workspace, settings and recent
list in a temporary folder (the user's own files are never touched), shows it and prints
a marker at each stage. The parent timestamps every marker from just before ``Popen``:

- ``painted``: the window's first paint has happened (a paint event reached the window,
  then one more event-loop tick) -- the window is on screen and takes clicks;
- ``predictor``: the deferred start-up work (`MainWindow._after_start`: start-up problems
  and the ONNX predictor, or "simulation only" when there is none) has run;
- ``simulated``: the first cone simulation of the opening polymer is on screen (the cone
  view computes it on a worker thread; reported, not part of the goal).

The child also reports where its own time went (imports, building the window, the first
paint) and which heavy modules it ended up importing: torch and transformers must never
load in the window's process (training runs in a child process of its own).

``--command CMD`` times another launcher of the same window instead -- the source
install's ``trinity-gui`` or the desktop bundle's ``dist/trinity/trinity`` -- which
cannot be instrumented from inside: it runs with ``TRINITY_STARTUP_REPORT=1``
(`trinity_gui.startup_report`), prints the ``painted`` and ``predictor`` markers at the
same points and exits; the per-stage breakdown is then not available.

Qt runs offscreen unless ``DISPLAY`` is set, in which case the window opens on that X
display (e.g. under ``xvfb-run``). Figures are medians over ``--runs`` runs.
Goal: a usable window (``painted``) within 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "gui_startup.json"
ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 3.0
MARKERS = ("painted", "predictor", "simulated")
#: Heavy modules reported for the window's process; the first two must stay out of it.
WATCHED = ("torch", "transformers", "onnxruntime", "numba", "scipy", "pandas", "rdkit",
           "pyqtgraph")
FORBIDDEN = ("torch", "transformers")


# The child: one start of the real window -------------------------------------------------


def child(folder: Path) -> None:
    """Start the window in ``folder``'s throw-away workspace; print a line per marker."""
    start = time.perf_counter()
    stages: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def stage(name: str) -> None:
        stages[name] = time.perf_counter() - start
        cpu[name] = time.process_time()  # every thread, since the process began

    def mark(name: str) -> None:
        stage(name)
        print(f"MARK {name}", flush=True)

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from engine.workspace import Settings
    from trinity_gui.app import MainWindow
    from trinity_gui.context import AppContext
    from trinity_gui.views.cone_view import ConeView

    stage("imports")
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Trinity")
    order: list[str] = []

    after_start = MainWindow._after_start

    def timed_after_start(self) -> None:
        after_start(self)
        order.append("predictor")
        mark("predictor")
        finish()

    finished = ConeView._finished

    def timed_finished(self, answer) -> None:
        finished(self, answer)
        if "simulated" not in stages:
            order.append("simulated")
            mark("simulated")
            finish()

    MainWindow._after_start = timed_after_start  # bound by QTimer.singleShot in __init__
    ConeView._finished = timed_finished  # connected by name at build time

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                stage("paint_event")
                QTimer.singleShot(0, painted)
            return False

    def painted() -> None:
        order.append("painted")
        mark("painted")
        finish()

    def finish() -> None:
        if not all(name in stages for name in MARKERS):
            return
        record = {
            "stages_s": stages,
            "cpu_s": cpu,
            "order": order,
            "modules": {name: name in sys.modules for name in WATCHED},
            "platform": app.platformName(),
            "model": window.model_label.text(),
        }
        print("RESULT " + json.dumps(record), flush=True)
        os._exit(0)  # the measurement is over; skip the orderly close of the worker threads

    context = AppContext(Settings(workspace=folder / "workspace"),
                         settings_file=folder / "settings.json")
    window = MainWindow(context, folder / "recent.json")
    stage("window_built")
    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    app.processEvents()
    stage("shown")
    app.exec()


# The parent: time the children -----------------------------------------------------------


def one_run(timeout_s: float, command: list[str] | None = None) -> dict:
    """Spawn the window once; seconds from launch to each marker, and the child's record
    (``command``: that launcher, markers only)."""
    with tempfile.TemporaryDirectory(prefix="trinity-startup-") as tmp:
        env = dict(os.environ)
        if not env.get("DISPLAY"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        # Anything Qt would keep per user goes to the temporary folder, too.
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        env["XDG_DATA_HOME"] = str(Path(tmp) / "data")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
        if command:
            env["TRINITY_STARTUP_REPORT"] = "1"
            env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        start = time.perf_counter()
        process = subprocess.Popen(
            command or [sys.executable, __file__, "--child", tmp],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        seen: dict[str, float] = {}
        record: dict = {}
        try:
            for line in process.stdout:
                now = time.perf_counter() - start
                if line.startswith("MARK "):
                    seen[line.split()[1]] = now
                elif line.startswith("RESULT "):
                    record = json.loads(line[len("RESULT "):])
                    break
                if command and {"painted", "predictor"} <= seen.keys():
                    record = {"command": command}
                    break
                if now > timeout_s:
                    break
            process.wait(timeout=max(1.0, timeout_s - (time.perf_counter() - start)))
        except subprocess.TimeoutExpired:
            pass
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if not record:
            sys.exit(f"The window did not start (exit code {process.returncode}):\n"
                     f"{process.stderr.read()[-3000:]}")
        return {"launch_to_s": seen, **record}


def command_runs(command: list[str], args: argparse.Namespace, machine: dict) -> None:
    """Time ``command`` (a launcher that honours TRINITY_STARTUP_REPORT) ``args.runs`` times."""
    markers = ("painted", "predictor")
    runs = []
    for i in range(args.runs):
        times = one_run(args.timeout, command)["launch_to_s"]
        runs.append(times)
        print(f"run {i + 1}: " + "  ".join(f"{m} {times[m]:.2f} s" for m in markers),
              file=sys.stderr)
    medians = {m: statistics.median(r[m] for r in runs) for m in markers}
    record = {"machine": machine, "command": command, "display": os.environ.get("DISPLAY"),
              "runs": args.runs, "goal_painted_s": GOAL_S, "median_launch_to_s": medians,
              "all_runs": runs}
    print(f"machine: {machine['cores']} cores, {machine['cpu']}; "
          f"{'X display ' + record['display'] if record['display'] else 'offscreen'}")
    print(f"median of {args.runs} launches of {' '.join(command)}:")
    for name in markers:
        goal = f"  (goal ≤ {GOAL_S:g} s)" if name == "painted" else ""
        print(f"  launch → {name:9s} {medians[name]:5.2f} s{goal}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {args.json}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--command", help="time this launcher of the window instead, e.g. "
                        "dist/trinity/trinity (markers only)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from machine import machine_info

    if args.command:
        command_runs(shlex.split(args.command), args, machine_info())
        return
    runs = []
    for i in range(args.runs):
        run = one_run(args.timeout)
        runs.append(run)
        times = run["launch_to_s"]
        print(f"run {i + 1}: " + "  ".join(f"{m} {times[m]:.2f} s" for m in MARKERS),
              file=sys.stderr)
    medians = {m: statistics.median(r["launch_to_s"][m] for r in runs) for m in MARKERS}
    stages = {s: statistics.median(r["stages_s"][s] for r in runs)
              for s in runs[0]["stages_s"]}
    cpu = {s: statistics.median(r["cpu_s"][s] for r in runs) for s in runs[0]["cpu_s"]}
    loaded = {name: any(r["modules"][name] for r in runs) for name in WATCHED}
    record = {
        "machine": machine_info(),
        "platform": runs[0]["platform"],
        "runs": args.runs,
        "goal_painted_s": GOAL_S,
        "median_launch_to_s": medians,
        "median_child_stages_s": stages,
        "median_child_cpu_s": cpu,
        "modules_in_gui_process": loaded,
        "forbidden_imported": [name for name in FORBIDDEN if loaded[name]],
        "predictor_before_paint": sum(r["order"].index("predictor") < r["order"].index(
            "painted") for r in runs),
        "model_label": runs[0]["model"],
        "all_runs": runs,
    }
    m = record["machine"]
    print(f"machine: {m['cores']} cores, {m['cpu']}; Qt platform {record['platform']}")
    print(f"median of {args.runs} launches:")
    for name in MARKERS:
        goal = f"  (goal ≤ {GOAL_S:g} s)" if name == "painted" else ""
        print(f"  launch → {name:9s} {medians[name]:5.2f} s{goal}")
    print("inside the window's process (median; wall from its first line, CPU of all "
          "its threads since it began):")
    for name, seconds in sorted(stages.items(), key=lambda kv: kv[1]):
        print(f"  {name:12s} {seconds:5.2f} s wall  {cpu[name]:5.2f} s CPU")
    print("imported in the window's process: "
          + ", ".join(name for name, yes in loaded.items() if yes))
    print("torch/transformers in the window's process: "
          + (", ".join(record["forbidden_imported"]) or "no"))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
