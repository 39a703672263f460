"""Design: targets and constraints in, candidates out, with the search's Pareto plot
growing as it runs.

The search itself is `engine.design.run_design`, run as a job; each batch it predicts
reaches this view through a signal (emitted in the job's thread, delivered in the
window's), so the scatter fills in live. Click a point, or double-click a ranked
candidate, to open it in the Cone test; Export copies the design's table, front and plot
to a folder of the user's choice.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from engine.design.pareto import front, plot_axes
from engine.design.targets import TARGETS
from trinity_gui.context import AppContext
from trinity_gui.jobs import Job

#: The target rows: (scalar, default direction, default threshold, on by default, unit).
TARGET_ROWS = (
    ("tig_s", ">=", 60.0, True),
    ("phrr_kw_m2", "<=", 300.0, True),
    ("thr_mj_m2", "<=", 80.0, False),
)
#: Ranked table: (column of candidates.csv, header, decimals).
CANDIDATE_COLUMNS = (
    ("rank", "Rank", 0), ("smiles", "SMILES", None), ("family", "Family", None),
    ("meets_targets", "Meets", None), ("meets_at_interval_bound", "Meets at bound", None),
    ("tig_s", "t_ig (s)", 0), ("tig_s_low", "t_ig low", 0), ("tig_s_high", "t_ig high", 0),
    ("phrr_kw_m2", "pHRR (kW/m²)", 0), ("phrr_kw_m2_low", "pHRR low", 0),
    ("phrr_kw_m2_high", "pHRR high", 0), ("thr_mj_m2", "THR (MJ/m²)", 1),
    ("p_ignition", "P(ignition)", 2), ("nearest_tested", "Nearest tested", None),
    ("similarity_to_tested", "Similarity", 2), ("synthesis", "Built from", None),
)
def batch_size(budget: int) -> int:
    """About twenty updates of the plot per search, in batches of 50 to 500 polymers."""
    return min(500, max(50, budget // 20))


#: Points the live plot draws at most; beyond, a uniform sample of what was predicted.
MAX_SHOWN = 20_000
GREY, MET, FRONT = (150, 150, 150, 140), (39, 174, 96, 200), (192, 57, 43, 255)


class DesignView(QWidget):
    """Targets, constraints and search settings on the left; the live Pareto plot and the
    ranked candidates on the right. ``openInCone(smiles, flux, thickness)`` asks the
    window to show a candidate in the Cone test."""

    openInCone = Signal(str, object, object)
    _batch = Signal(object)  # a batch's table, from the job's thread

    def __init__(self, context: AppContext, current_smiles=lambda: None) -> None:
        super().__init__()
        self.context = context
        self._current_smiles = current_smiles
        self.job: Job | None = None
        self.config = None
        self.folder: Path | None = None
        self._stopped = False  # the last design was cancelled or failed: it can resume
        self._clear_points()
        self.candidates = pd.DataFrame()
        self._batch.connect(self._add_batch)
        context.jobs.finished.connect(self._finished)
        context.jobs.failed.connect(self._ended)
        context.jobs.cancelled.connect(self._ended)

        form = QVBoxLayout()
        form.addWidget(self._targets_box())
        form.addWidget(self._constraints_box())
        form.addWidget(self._search_box())
        self.run_button = QPushButton("Find candidates")
        self.run_button.clicked.connect(self.start)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._choose_export)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.export_button)
        form.addLayout(buttons)
        self.status = QLabel("Set targets and constraints, then find candidates.")
        self.status.setWordWrap(True)
        form.addWidget(self.status)
        form.addStretch(1)
        inner = QWidget()
        inner.setLayout(form)
        left = QScrollArea()  # the form is taller than a laptop's screen allows
        left.setWidget(inner)
        left.setWidgetResizable(True)
        left.setFrameShape(QFrame.Shape.NoFrame)

        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend(offset=(-10, 10))
        self.cloud = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(*GREY),
                                        name="predicted")
        self.meeting = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(*MET),
                                          name="meets every target")
        self.front_line = pg.PlotDataItem(pen=pg.mkPen(FRONT, width=1.5), symbol="o",
                                          symbolSize=6, symbolBrush=FRONT, name="Pareto front")
        for item in (self.cloud, self.meeting, self.front_line):
            self.plot.addItem(item)
        for item in (self.cloud, self.meeting):
            item.sigClicked.connect(self._clicked)
        self.lines: list[pg.InfiniteLine] = []

        self.table = QTableWidget(0, len(CANDIDATE_COLUMNS))
        self.table.setHorizontalHeaderLabels([h for _, h, _ in CANDIDATE_COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.cellDoubleClicked.connect(self._open_row)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.plot)
        right.addWidget(self.table)
        right.setSizes([420, 260])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # the form --------------------------------------------------------------------------

    def _targets_box(self) -> QGroupBox:
        box = QGroupBox("Targets")
        layout = QFormLayout(box)
        self.target_rows = {}
        for name, op, value, on in TARGET_ROWS:
            meaning, unit = TARGETS[name]
            check = QCheckBox(meaning)
            check.setChecked(on)
            direction = QComboBox()
            direction.addItems([">=", "<="])
            direction.setCurrentText(op)
            spin = QDoubleSpinBox()
            spin.setRange(0.1, 1e5)
            spin.setDecimals(1)
            spin.setValue(value)
            spin.setSuffix(f" {unit}")
            row = QHBoxLayout()
            row.addWidget(direction)
            row.addWidget(spin, 1)
            layout.addRow(check, row)
            self.target_rows[name] = (check, direction, spin)
        self.flux = QDoubleSpinBox()
        self.flux.setRange(5.0, 150.0)
        self.flux.setValue(50.0)
        self.flux.setSuffix(" kW/m²")
        self.thickness = QDoubleSpinBox()
        self.thickness.setRange(0.5, 100.0)
        self.thickness.setValue(6.0)
        self.thickness.setSuffix(" mm")
        layout.addRow("Heat flux", self.flux)
        layout.addRow("Thickness", self.thickness)
        return box

    def _constraints_box(self) -> QGroupBox:
        box = QGroupBox("Constraints")
        layout = QFormLayout(box)
        self.near = QLineEdit()
        self.near.setPlaceholderText("SMILES of a starting polymer (optional)")
        use_current = QPushButton("Use shown polymer")
        use_current.clicked.connect(self._use_current)
        near_row = QHBoxLayout()
        near_row.addWidget(self.near, 1)
        near_row.addWidget(use_current)
        self.min_similarity = QDoubleSpinBox()
        self.min_similarity.setRange(0.0, 1.0)
        self.min_similarity.setSingleStep(0.05)
        self.min_similarity.setValue(0.4)
        self.require = QLineEdit()
        self.require.setPlaceholderText("SMARTS, space-separated, e.g. c1ccccc1")
        self.exclude = QLineEdit()
        self.exclude.setPlaceholderText("SMARTS, space-separated, e.g. [Cl,Br]")
        self.elements = QLineEdit()
        self.elements.setPlaceholderText("e.g. C,O,N (H is always allowed; empty: any)")
        self.mass_low, self.mass_high = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, text in ((self.mass_low, "no minimum"), (self.mass_high, "no maximum")):
            spin.setRange(0.0, 5000.0)
            spin.setSpecialValueText(text)
            spin.setSuffix(" g/mol")
        mass = QHBoxLayout()
        mass.addWidget(self.mass_low)
        mass.addWidget(self.mass_high)
        layout.addRow("Near", near_row)
        layout.addRow("Similarity ≥", self.min_similarity)
        layout.addRow("Must contain", self.require)
        layout.addRow("Must not contain", self.exclude)
        layout.addRow("Elements", self.elements)
        layout.addRow("Repeat unit", mass)
        return box

    def _search_box(self) -> QGroupBox:
        box = QGroupBox("Search")
        layout = QFormLayout(box)
        self.strategy = QComboBox()
        self.strategy.addItem("Guided (mutates the best)", "guided")
        self.strategy.addItem("Screening (random draws)", "screen")
        self.budget = QSpinBox()
        self.budget.setRange(10, 2_000_000)
        self.budget.setSingleStep(1000)
        self.budget.setValue(5000)
        self.budget.setSuffix(" polymers")
        self.n = QSpinBox()
        self.n.setRange(1, 1000)
        self.n.setValue(50)
        layout.addRow("Strategy", self.strategy)
        layout.addRow("Budget", self.budget)
        layout.addRow("Candidates", self.n)
        return box

    def _use_current(self) -> None:
        smiles = self._current_smiles()
        if smiles:
            self.near.setText(smiles)

    def design_config(self):
        """The `DesignConfig` the form describes (raises ValueError with one sentence)."""
        from engine.design import Constraints, DesignConfig, Target

        targets = tuple(Target(name, direction.currentText(), spin.value())
                        for name, (check, direction, spin) in self.target_rows.items()
                        if check.isChecked())
        constraints = Constraints(
            require=tuple(self.require.text().split()),
            exclude=tuple(self.exclude.text().split()),
            elements=tuple(e.strip() for e in self.elements.text().split(",") if e.strip()),
            near=self.near.text().strip() or None,
            min_similarity=self.min_similarity.value(),
            molar_mass_g_mol=(self.mass_low.value() or None, self.mass_high.value() or None),
        )
        return DesignConfig(targets=targets, heat_flux_kw_m2=self.flux.value(),
                            thickness_mm=self.thickness.value(), constraints=constraints,
                            strategy=self.strategy.currentData(), budget=self.budget.value(),
                            n=self.n.value(), batch_size=batch_size(self.budget.value()))

    # running ---------------------------------------------------------------------------

    def start(self, folder: Path | None = None) -> Job | None:
        """Queue the design the form describes, into ``folder`` (default: the stopped
        design's folder when the form still describes it, so it resumes; else a new
        folder under the workspace's designs/)."""
        from engine.design import run_design
        from engine.predictor import PredictorError
        from engine.workspace import WorkspaceError

        try:
            config = self.design_config()
            predictor = self.context.fresh_predictor()
        except (ValueError, PredictorError, WorkspaceError) as exc:
            self.context.error(self, str(exc))
            return None
        resume = (folder is None and self._stopped and self.config is not None
                  and config.search_settings() == self.config.search_settings())
        if resume:
            folder = self.folder
        elif folder is None:
            folder = self.context.workspace.designs_dir / time.strftime("design-%Y%m%d-%H%M%S")
        folder = Path(folder)
        if not resume:  # a resumed design keeps the batches it has shown
            self._clear_points()
        self.config, self.folder, self._stopped = config, folder, False
        self.candidates = pd.DataFrame()
        self.table.setRowCount(0)
        self.export_button.setEnabled(False)
        self._draw_targets()
        self._redraw()
        wanted = ", ".join(str(t) for t in config.targets)

        def run(progress, cancel):
            return run_design(config, folder, predictor=predictor, progress=progress,
                              cancel=cancel, on_batch=self._batch.emit)

        self.job = Job(f"Design for {wanted}", "design", run)
        self.status.setText(f"{'Resuming' if resume else 'Searching'} for {wanted} into {folder}…")
        self.run_button.setEnabled(False)
        return self.context.jobs.submit(self.job)

    def _clear_points(self) -> None:
        self.predicted = 0
        self.shown = pd.DataFrame()  # a uniform sample of at most MAX_SHOWN predicted
        self.front_rows = pd.DataFrame()  # the Pareto front of everything predicted
        self._tops: dict[str, float] = {}  # the largest value seen per scalar

    def _add_batch(self, frame: pd.DataFrame) -> None:
        """One batch into the plot, at a cost that does not grow with the search: the
        front of everything is the front of the old front and the batch, and the grey
        cloud is a uniform sample (each batch contributes in proportion to its size)."""
        if self.config is None or frame.empty:
            return
        self.predicted += len(frame)
        for name in TARGETS:
            values = frame[name].to_numpy(float)
            if np.isfinite(values).any():
                self._tops[name] = max(self._tops.get(name, 0.0), float(np.nanmax(values)))
        both = pd.concat([self.front_rows, frame], ignore_index=True)
        self.front_rows = both[front(both, self.config.targets)]
        rng = np.random.default_rng(self.predicted)
        share = min(1.0, MAX_SHOWN / self.predicted)
        taken = frame.iloc[rng.random(len(frame)) < share]
        if len(self.shown) + len(taken) > MAX_SHOWN:
            drop = len(self.shown) + len(taken) - MAX_SHOWN
            self.shown = self.shown.drop(self.shown.index[
                rng.choice(len(self.shown), drop, replace=False)])
        self.shown = pd.concat([self.shown, taken], ignore_index=True)
        self._redraw()

    def _finished(self, job: Job) -> None:
        if job is not self.job:
            return
        result = job.result
        self.job = None
        self.run_button.setEnabled(True)
        self._clear_points()
        self._add_batch(result.evaluated)  # the whole search, as one batch
        self._redraw()  # also when nothing passed the constraints
        self.candidates = result.candidates
        self._fill_table()
        self.export_button.setEnabled(bool(result.files))
        meets = int(result.evaluated["meets"].sum()) if len(result.evaluated) else 0
        self.status.setText(
            f"{len(result.evaluated):,} polymers predicted in {result.elapsed_s:.0f} s; "
            f"{meets:,} meet every target. Double-click a candidate, or click a point, to "
            f"open it in the Cone test. Saved in {self.folder}.")

    def _ended(self, job: Job, *_) -> None:
        if job is not self.job:
            return
        self.job = None
        self._stopped = True
        self.run_button.setEnabled(True)
        self.status.setText(
            f"The design {'failed: ' + job.message if job.state == 'failed' else 'was cancelled'}"
            f"; what was predicted is saved in {self.folder}. Find candidates again with the "
            "same settings to resume it.")

    # drawing ---------------------------------------------------------------------------

    def _axes(self) -> tuple[str, str]:
        return plot_axes(self.config.targets)

    def _draw_targets(self) -> None:
        for line in self.lines:
            self.plot.removeItem(line)
        x_name, y_name = self._axes()
        self.lines = []
        for target in self.config.targets:
            if target.name in (x_name, y_name):
                line = pg.InfiniteLine(target.value, angle=90 if target.name == x_name else 0,
                                       pen=pg.mkPen((39, 174, 96), style=Qt.PenStyle.DashLine))
                self.plot.addItem(line)
                self.lines.append(line)
        for axis, name in (("bottom", x_name), ("left", y_name)):
            meaning, unit = TARGETS[name]
            self.plot.setLabel(axis, f"{meaning} ({unit})")

    def _xy(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates; no ignition (NaN) is drawn at the top of its axis."""
        x_name, y_name = self._axes()
        out = []
        for name in (x_name, y_name):
            values = frame[name].to_numpy(float)
            out.append(np.where(np.isnan(values), self._tops.get(name, 1.0) * 1.08, values))
        return out[0], out[1]

    def _redraw(self) -> None:
        frame = self.shown
        if frame.empty:
            for item in (self.cloud, self.meeting, self.front_line):
                item.setData([], [])
            return
        x, y = self._xy(frame)
        meets = frame["meets"].to_numpy(bool)
        smiles = frame["smiles"].to_numpy(object)
        self.cloud.setData(x[~meets], y[~meets], data=smiles[~meets])
        self.meeting.setData(x[meets], y[meets], data=smiles[meets])
        fx, fy = self._xy(self.front_rows)
        order = np.argsort(fx)
        self.front_line.setData(fx[order], fy[order])

    def _fill_table(self) -> None:
        frame = self.candidates
        self.table.setRowCount(len(frame))
        for r, row in enumerate(frame.itertuples(index=False)):
            values = row._asdict()
            for c, (column, _, decimals) in enumerate(CANDIDATE_COLUMNS):
                value = values.get(column, "")
                if isinstance(value, (bool, np.bool_)):
                    text = "yes" if value else "no"
                elif decimals is not None and isinstance(value, (float, int, np.number)):
                    text = "—" if pd.isna(value) else f"{value:.{decimals}f}"
                else:
                    text = str(value)
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    # opening and exporting -------------------------------------------------------------

    def _clicked(self, _item, points, *_) -> None:
        if len(points):
            self.openInCone.emit(str(points[0].data()), self.config.heat_flux_kw_m2,
                                 self.config.thickness_mm)

    def _open_row(self, row: int, _column: int) -> None:
        smiles = self.candidates.iloc[row]["smiles"]
        self.openInCone.emit(str(smiles), self.config.heat_flux_kw_m2, self.config.thickness_mm)

    def _choose_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the design to")
        if folder:
            self.export(Path(folder))

    def export(self, folder: Path) -> list[Path]:
        """Copy the ranked candidates, the Pareto front and the plot to ``folder``, named
        after the design's folder; a file already there is never overwritten."""
        written, kept = [], []
        for name in ("candidates.csv", "pareto.csv", "pareto.png"):
            source, target = self.folder / name, folder / f"{self.folder.name}-{name}"
            if not source.exists():
                continue
            if target.exists():
                kept.append(target.name)
                continue
            written.append(Path(shutil.copy2(source, target)))
        if kept:
            self.context.error(self, f"{', '.join(kept)} already exist in {folder} and were "
                               "kept; choose another folder to export them again.")
        self.status.setText(f"Exported {', '.join(p.name for p in written)} to {folder}.")
        return written
