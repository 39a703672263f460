"""Training: data sets and settings in, jobs out, live loss curves and the evaluation table.

Every button queues a job (generate, phase 1, phase 2, evaluate, export ONNX); nothing
trains on the GUI thread, and torch is imported only inside the job functions. Output
folders are named after what goes into them, so queueing the same job again resumes
a cancelled or interrupted run (or returns the finished one) instead of starting over.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.evaluation import METHOD_LABELS, TARGET_LABELS
from engine.jobs import run_in_process
from engine.workspace import WorkspaceError, read_json_file
from trinity_gui import tasks
from trinity_gui.context import AppContext
from trinity_gui.jobs import Job
from trinity_gui.plots import BelowLegend

SHIPPED = "shipped"
TRAINING_KINDS = ("phase1", "phase2")


def _in_process(task: Callable, **arguments) -> Callable:
    """A job body that runs ``task`` in a child process (`engine.jobs.run_in_process`);
    the child saves how the job ended itself, since it may outlive a crashed window."""

    def run(progress, cancel):
        return run_in_process(task, progress=progress, cancel=cancel,
                              state_file=progress.state_file, **arguments)

    return run


def _digest(*parts: object) -> str:
    """Six hex digits naming a job's inputs: same inputs, same output folder."""
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:6]


def _numbers(text: str, what: str, kind: Callable = float) -> tuple:
    try:
        values = tuple(kind(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        values = ()
    if not values:
        raise WorkspaceError(f"{what} must be numbers separated by commas, not {text!r}.")
    return values


class TrainingView(QWidget):
    """Queue the training pipeline's jobs and watch them learn.

    Reads and writes through ``context``: synthetic sets, data sets and models live in
    the workspace; finished trainings and exports emit ``context.modelsChanged``.
    ``model_overrides`` (config fields such as ``hidden_size``) apply to fresh
    phase-1 models; scripts and tests use it for tiny encoders.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model_overrides: dict = {}
        self._mine: dict[str, Job] = {}
        self._plotted: str | None = None
        self._offset = 0
        self._last_done = 0
        self._train_points: list[tuple[float, float]] = []
        self._val_points: list[tuple[float, float]] = []

        # Data --------------------------------------------------------------------
        self.n_polymers = QSpinBox(minimum=1, maximum=1_000_000, value=2000)
        self.synthetic_seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.fluxes = QLineEdit("25,50,75")
        self.thicknesses = QLineEdit("3,6")
        # Conditions drawn over the range users test, and plausible materials around each
        # estimate, as the shipped recipe does; 0 draws is the flux × thickness grid.
        self.draws = QSpinBox(minimum=0, maximum=100, value=6)
        self.draws.setToolTip("Conditions per polymer drawn log-uniformly over 10–100 kW/m² "
                              "and 1–50 mm; 0 simulates the heat flux × thickness grid.")
        self.draws.valueChanged.connect(self._grid_or_draws)
        self._grid_or_draws()
        self.vary_physics = QCheckBox("Draw plausible materials around each GC estimate")
        self.vary_physics.setChecked(True)
        self.vary_physics.setToolTip("Each simulation uses properties drawn from their "
                                     "validation errors (engine/gc/uncertainty.py).")
        self.synthetic = QComboBox()
        self.experimental = QComboBox()
        self.add_csv_button = QPushButton("Add CSV…")
        self.add_csv_button.clicked.connect(self._add_csv)
        experimental_row = QHBoxLayout()
        experimental_row.addWidget(self.experimental, stretch=1)
        experimental_row.addWidget(self.add_csv_button)
        data = QFormLayout()
        data.addRow("Hypothetical polymers", self.n_polymers)
        data.addRow("Seed", self.synthetic_seed)
        data.addRow("Conditions per polymer", self.draws)
        data.addRow("Heat fluxes (kW/m²)", self.fluxes)
        data.addRow("Thicknesses (mm)", self.thicknesses)
        data.addRow("", self.vary_physics)
        data.addRow("Synthetic set (phase 1)", self.synthetic)
        data.addRow("Experimental data", experimental_row)
        data_box = QGroupBox("Data")
        data_box.setLayout(data)

        # Settings ----------------------------------------------------------------
        self.size = QComboBox()
        self.size.addItems(["small", "molformer"])
        self.epochs = self._default_spin(10_000)
        self.batch_size = self._default_spin(4096)
        self.patience = self._default_spin(1000)
        self.learning_rate = QDoubleSpinBox(decimals=6, minimum=0.0, maximum=1.0,
                                            singleStep=1e-4)
        self.learning_rate.setSpecialValueText("default")
        self.seeds = QLineEdit("0")
        self.seeds.setToolTip("One seed trains one model; several train an ensemble")
        self.phase1_model = QComboBox()
        self.export_model = QComboBox()
        for combo, placeholder in ((self.synthetic, "none yet: generate synthetic data"),
                                   (self.phase1_model, "none yet: train phase 1"),
                                   (self.export_model, "none yet: train a model")):
            combo.setPlaceholderText(placeholder)
        form = QFormLayout()
        form.addRow("Model size", self.size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Patience (epochs)", self.patience)
        form.addRow("Seeds", self.seeds)
        form.addRow("Phase-1 model (phase 2, evaluate)", self.phase1_model)
        form.addRow("Model to export", self.export_model)
        settings_box = QGroupBox("Settings (0 = the phase's default)")
        settings_box.setLayout(form)

        # Actions -----------------------------------------------------------------
        self.generate_button = QPushButton("Generate synthetic data")
        self.phase1_button = QPushButton("Phase 1")
        self.phase2_button = QPushButton("Phase 2")
        self.evaluate_button = QPushButton("Evaluate")
        self.export_button = QPushButton("Export ONNX")
        self.generate_button.clicked.connect(lambda: self._queue(self.generate_job))
        self.phase1_button.clicked.connect(lambda: self._queue(self.phase1_job))
        self.phase2_button.clicked.connect(lambda: self._queue(self.phase2_job))
        self.evaluate_button.clicked.connect(lambda: self._queue(self.evaluate_job))
        self.export_button.clicked.connect(lambda: self._queue(self.export_job))
        actions = QHBoxLayout()
        for button in (self.generate_button, self.phase1_button, self.phase2_button,
                       self.evaluate_button, self.export_button):
            actions.addWidget(button)
        self.status = QLabel()
        self.status.setWordWrap(True)

        # Results -----------------------------------------------------------------
        self.plot = pg.PlotWidget(background="w")  # on white, like the cone view's plot
        self.plot.setTitle("Loss (relative L2)", color="#000")
        for side in ("bottom", "left"):
            axis = self.plot.getAxis(side)
            axis.setPen("k")
            axis.setTextPen("k")
        self.plot.setLabel("bottom", "optimiser step", color="#000")
        self.plot.setLogMode(y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.train_curve = self.plot.plot([], [], pen=pg.mkPen("#1565c0"))
        self.val_curve = self.plot.plot([], [], pen=pg.mkPen("#c62828"), symbol="o",
                                        symbolSize=6)
        # Below the axes: in the plot's corner it covered where the losses start.
        self.legend = BelowLegend(self.plot.plotItem, labelTextColor="k", frame=False)
        self.legend.addItem(self.train_curve, "training")
        self.legend.addItem(self.val_curve, "validation")
        self.evaluation = QTableWidget(0, 7)
        self.evaluation.setHorizontalHeaderLabels(
            ["Method", "Target", "n", "Mean error", "Median error", "R² (log)",
             "Mean error at 50 kW/m²"]
        )
        self.evaluation.verticalHeader().setVisible(False)
        self.evaluation.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.evaluation.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.improvement = QLabel()
        self.improvement.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(data_box)
        left.addWidget(settings_box)
        left.addLayout(actions)
        left.addWidget(self.status)
        left.addStretch(1)
        form_widget = QWidget()
        form_widget.setLayout(left)
        # Scrolls rather than setting the window's least height: the form is taller than
        # what a 1366×768 screen leaves once the Jobs dock is open.
        left_widget = QScrollArea()
        left_widget.setWidget(form_widget)
        left_widget.setWidgetResizable(True)
        left_widget.setFrameShape(QFrame.Shape.NoFrame)
        left_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left_widget.setMinimumWidth(form_widget.minimumSizeHint().width()
                                    + left_widget.verticalScrollBar().sizeHint().width())
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.plot)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.evaluation)
        table_layout.addWidget(self.improvement)
        right.addWidget(table_box)
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 560])  # the form needs less than it would take
        QVBoxLayout(self).addWidget(splitter)

        jobs = context.jobs
        jobs.started.connect(self._started)
        jobs.progress.connect(self._progressed)
        jobs.finished.connect(self._finished)
        jobs.failed.connect(self._failed)
        jobs.cancelled.connect(self._cancelled)
        context.modelsChanged.connect(self.refresh)
        context.workspaceChanged.connect(lambda _: self.refresh())
        self.refresh()
        self._show_latest_evaluation()

    @staticmethod
    def _default_spin(maximum: int) -> QSpinBox:
        spin = QSpinBox(minimum=0, maximum=maximum)
        spin.setSpecialValueText("default")
        return spin

    # Choices -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Refill the data-set and model lists from the workspace, keeping choices."""
        ws = self.context.workspace
        self._fill(self.synthetic, [(p.name, str(p)) for p in ws.synthetic_sets()])
        self._fill(self.experimental,
                   [("Shipped experimental data", SHIPPED)]
                   + [(p.name, str(p)) for p in ws.datasets()])
        models = [m for m in ws.trained_models() if m.complete]
        self._fill(self.phase1_model,
                   [(m.name, str(m.path)) for m in models if m.phase == "phase1"])
        self._fill(self.export_model, [(m.name, str(m.path)) for m in models])

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
        keep = combo.currentData()
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        index = combo.findData(keep)
        combo.setCurrentIndex(index if index >= 0 else 0)

    def _add_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Experimental CSV", "", "CSV (*.csv)")
        if path:
            self.add_dataset(Path(path))

    def add_dataset(self, csv: Path) -> None:
        """Copy an experimental CSV into the workspace and choose it."""
        try:
            copied = self.context.workspace.import_dataset(csv)
        except WorkspaceError as exc:
            self.context.error(self, str(exc))
            return
        self.refresh()
        self.experimental.setCurrentIndex(self.experimental.findData(str(copied)))

    def _settings_changes(self) -> dict:
        """The training settings the user changed (the phase's defaults fill the rest)."""
        return {
            "epochs": self.epochs.value() or None,
            "batch_size": self.batch_size.value() or None,
            "learning_rate": self.learning_rate.value() or None,
            "patience": self.patience.value() or None,
            "device": self.context.settings.device,
        }

    def _seeds(self) -> list[int]:
        seeds = list(_numbers(self.seeds.text(), "Seeds", int))
        if len(set(seeds)) != len(seeds):
            raise WorkspaceError(f"The seeds list a seed twice ({self.seeds.text()}).")
        return seeds

    def _chosen(self, combo: QComboBox, what: str) -> str:
        value = combo.currentData()
        if not value:
            raise WorkspaceError(f"There is no {what} yet; make one first.")
        return value

    # Jobs ----------------------------------------------------------------------------

    def _queue(self, build: Callable[[], Job]) -> Job | None:
        """Build a job from the form and queue it; a bad form is one sentence."""
        try:
            job = build()
        except ValueError as exc:  # WorkspaceError and the engine's config errors
            self.context.error(self, str(exc))
            return None
        self._mine[job.id] = job
        self.status.setText(f"Queued: {job.title}")
        return self.context.jobs.submit(job)

    def _grid_or_draws(self) -> None:
        """The grid fields apply only when no conditions are drawn."""
        grid = self.draws.value() == 0
        self.fluxes.setEnabled(grid)
        self.thicknesses.setEnabled(grid)

    def synthetic_config(self):
        """The `engine.synthetic.SyntheticConfig` the form describes."""
        from engine.synthetic import SyntheticConfig

        return SyntheticConfig(
            n_polymers=self.n_polymers.value(),
            seed=self.synthetic_seed.value(),
            heat_fluxes_kw_m2=_numbers(self.fluxes.text(), "Heat fluxes"),
            thicknesses_mm=_numbers(self.thicknesses.text(), "Thicknesses"),
            draws_per_polymer=self.draws.value(),
            vary_physics=self.vary_physics.isChecked(),
        )

    def generate_job(self) -> Job:
        config = self.synthetic_config()
        out = self.context.workspace.synthetic_dir / (
            f"synthetic-{config.n_polymers}-seed{config.seed}-{_digest(config.to_json())}"
        )
        scheduler = self.context.settings.dask_scheduler or None
        run = _in_process(tasks.generate, config=config, out=out, scheduler=scheduler,
                          threads=self.context.settings.threads)
        return Job(f"Generate {config.n_polymers} synthetic polymers", "generate", run)

    def _training_out(self, phase: str, source: str, inputs: object) -> Path:
        return self.context.workspace.models_dir / f"{phase}-{source}-{_digest(inputs)}"

    def phase1_job(self) -> Job:
        data = self._chosen(self.synthetic, "synthetic data set")
        size, changes, seeds = self.size.currentText(), self._settings_changes(), self._seeds()
        overrides = dict(self.model_overrides)
        out = self._training_out("phase1", Path(data).name,
                                 [data, size, changes, seeds, overrides])
        arguments = {"data": data, "size": size, "model_overrides": overrides}
        return self._training_job("phase1", "Phase 1", out, changes, seeds, arguments)

    def phase2_job(self) -> Job:
        init = self._chosen(self.phase1_model, "finished phase-1 model")
        data = self._chosen(self.experimental, "experimental data set")
        changes, seeds = self._settings_changes(), self._seeds()
        source = Path(init).name.removeprefix("phase1-")
        out = self._training_out("phase2", source, [init, data, changes, seeds])
        arguments = {"init": init, "data": data}
        return self._training_job("phase2", "Phase 2", out, changes, seeds, arguments)

    def _training_job(self, phase: str, label: str, out: Path, changes: dict,
                      seeds: list[int], arguments: dict) -> Job:
        run = _in_process(tasks.train, phase=phase, out=out, changes=changes, seeds=seeds,
                          arguments=arguments, threads=self.context.settings.threads)
        return Job(f"{label} → {out.name}", phase, run)

    def evaluate_job(self) -> Job:
        phase1 = self._chosen(self.phase1_model, "finished phase-1 model")
        data = self._chosen(self.experimental, "experimental data set")
        changes, seeds = self._settings_changes(), self._seeds()
        threads = self.context.settings.threads
        out = self.context.workspace.runs_dir / (
            f"evaluation-{Path(phase1).name}-{_digest([phase1, data, changes, seeds])}"
        )

        run = _in_process(tasks.evaluate, phase1=phase1, out=out, data=data, seeds=seeds,
                          changes=changes, threads=threads)
        return Job(f"Evaluate {Path(phase1).name}", "evaluate", run)

    def export_job(self) -> Job:
        model = Path(self._chosen(self.export_model, "finished model"))
        out = self.context.workspace.onnx_dir / f"{model.name}.onnx"

        run = _in_process(tasks.export, model=model, out=out)
        return Job(f"Export {model.name} to ONNX", "export", run)

    # Live results --------------------------------------------------------------------

    def _started(self, job: Job) -> None:
        if job.id in self._mine:
            self.status.setText(f"Running: {job.title}")
        if job.id in self._mine and job.kind in TRAINING_KINDS:
            self._plotted, self._offset, self._last_done = job.id, 0, 0
            self._train_points, self._val_points = [], []
            self.plot.setTitle(f"Loss (relative L2): {job.title}")
            self._redraw()

    def _progressed(self, job: Job, reports: list) -> None:
        if job.id != self._plotted:
            return
        for p in reports:
            if getattr(p, "train_loss", None) is None:
                continue
            if p.done < self._last_done:  # the next member of an ensemble began
                self._offset += self._last_done
            self._last_done = p.done
            x = self._offset + p.done
            if p.epoch_done and p.val_loss is not None:
                self._val_points.append((x, p.val_loss))
            elif not p.epoch_done:
                self._train_points.append((x, p.train_loss))
        self._redraw()

    def _redraw(self) -> None:
        for curve, points in ((self.train_curve, self._train_points),
                              (self.val_curve, self._val_points)):
            points = [(x, y) for x, y in points if y > 0 and math.isfinite(y)]
            curve.setData([x for x, _ in points], [y for _, y in points])

    def loss_points(self) -> tuple[list, list]:
        """(training, validation) points of the plotted run, as (step, loss)."""
        return list(self._train_points), list(self._val_points)

    def _failed(self, job: Job, sentence: str) -> None:
        if self._mine.pop(job.id, None) is not None:
            self.status.setText(f"Failed: {job.title}. {sentence}")

    def _cancelled(self, job: Job) -> None:
        if self._mine.pop(job.id, None) is not None:
            self.status.setText(f"Cancelled: {job.title}. What was finished is saved."
                                if job.started else f"Cancelled before it started: {job.title}.")

    def _finished(self, job: Job) -> None:
        if self._mine.pop(job.id, None) is None:
            return
        self.status.setText(f"Finished: {job.title}")
        if job.kind == "generate":
            self.refresh()
            summary = job.result
            self.synthetic.setCurrentIndex(self.synthetic.findData(str(summary.out_dir)))
        elif job.kind in (*TRAINING_KINDS, "export"):
            self.context.modelsChanged.emit()
        elif job.kind == "evaluate":
            self.show_evaluation(job.result.to_json())

    # Evaluation ----------------------------------------------------------------------

    def _show_latest_evaluation(self) -> None:
        reports = sorted(self.context.workspace.runs_dir.glob("*/evaluation.json"),
                         key=lambda p: p.stat().st_mtime)
        if not reports:
            return
        try:
            report = read_json_file(reports[-1], "evaluation report")
        except WorkspaceError as exc:
            self.status.setText(str(exc))
            return
        if isinstance(report, dict) and "scores" in report:
            self.show_evaluation(report)

    def show_evaluation(self, report: dict) -> None:
        """Fill the table from an evaluation report (``EvaluationResults.to_json()``)."""
        rows = []
        for method, scores in report["scores"].items():
            for target, label in TARGET_LABELS.items():
                overall = scores["all_fluxes"][target]
                at_50 = scores["at_50_kw_m2"][target]
                rows.append([
                    METHOD_LABELS.get(method, method), label, str(overall["n"]),
                    _percent(overall["mean_relative_error"]),
                    _percent(overall["median_relative_error"]),
                    _number(overall["r2_log"]), _percent(at_50["mean_relative_error"]),
                ])
        self.evaluation.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.evaluation.setItem(r, c, QTableWidgetItem(text))
        gains = report.get("improvement_two_phase_over_single") or {}
        parts = [f"{TARGET_LABELS[t]} {_percent(g['all_fluxes'])}" for t, g in gains.items()]
        self.improvement.setText(
            f"Leave-one-polymer-out over {report.get('polymers', '?')} polymers, "
            f"{report.get('tests', '?')} tests. "
            + (f"Two-phase lowers the mean error of single-phase by {', '.join(parts)} "
               "(the paper: t_ig 25.6 %, pHRR 51.2 %)." if parts else "")
        )


def _percent(value: float | None) -> str:
    return f"{100 * value:.1f} %" if value is not None and math.isfinite(value) else "n/a"


def _number(value: float | None) -> str:
    return f"{value:.3f}" if value is not None and math.isfinite(value) else "n/a"
