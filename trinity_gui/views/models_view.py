"""Models: the shipped default, exported and trained models with their numbers, the active
model, and the screening a materials scientist does — predict a CSV of candidate polymers
and rank them by pHRR, t_ig or THR.

Predictions run as a job, in chunks, so a long list of candidates shows progress and can
be cancelled; the ranked table can be re-sorted by any column and saved as CSV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import ProgressReporter, run_in_process
from engine.quantities import resolution, round_frame
from engine.workspace import ModelEntry, WorkspaceError, onnx_model_entry
from trinity_gui import tasks
from trinity_gui.context import AppContext
from trinity_gui.jobs import Job

#: Candidates predicted per step of the job (progress and cancel between steps).
#: Ranking choices: label → (column, lowest first). Lower pHRR and THR are safer; a
#: later ignition is safer.
RANKINGS = {
    "pHRR, lowest first": ("phrr_kw_m2", True),
    "t_ig, latest first": ("tig_s", False),
    "THR, lowest first": ("thr_mj_m2", True),
}
MODEL_COLUMNS = ("Active", "Name", "Kind", "Phase", "Members", "Best val. loss", "Notes")
#: Result columns: (frame column, header); the candidate's name comes first when given.
RESULT_COLUMNS = (
    ("rank", "Rank"),
    ("smiles", "SMILES"),
    ("heat_flux_kw_m2", "Flux (kW/m²)"),
    ("thickness_mm", "Thickness (mm)"),
    ("tig_s", "t_ig (s)"),
    ("tig_s_low", "t_ig low"),
    ("tig_s_high", "t_ig high"),
    ("phrr_kw_m2", "pHRR (kW/m²)"),
    ("phrr_kw_m2_low", "pHRR low"),
    ("phrr_kw_m2_high", "pHRR high"),
    ("thr_mj_m2", "THR (MJ/m²)"),
    ("thr_mj_m2_low", "THR low"),
    ("thr_mj_m2_high", "THR high"),
    ("p_ignition", "P(ignition)"),
    ("interval", "Interval"),
    ("extrapolation", "Extrapolation"),
    ("error", "Problem"),
)
NAME_COLUMNS = ("polymer", "name", "candidate")
#: The model's answers: shown and saved to what they resolve (`engine.quantities`), not
#: with the float32 digits the model computes in. The user's own columns stay as given.
#: (engine.prediction_table.NUMBER_COLUMNS, written out: that module loads the predictor)
OUTPUT_COLUMNS = (
    "tig_s", "tig_s_std", "tig_s_low", "tig_s_high",
    "phrr_kw_m2", "phrr_kw_m2_std", "phrr_kw_m2_low", "phrr_kw_m2_high",
    "thr_mj_m2", "thr_mj_m2_std", "thr_mj_m2_low", "thr_mj_m2_high", "p_ignition",
)


@dataclass(frozen=True)
class Screening:
    """Predictions for a CSV of candidates: the table (inputs, outputs, ``error``) and
    the rows that could not be predicted, as (CSV line, reason)."""

    source: Path
    frame: pd.DataFrame
    errors: list[tuple[int, str]]
    model: str


def rank(frame: pd.DataFrame, column: str, ascending: bool) -> pd.DataFrame:
    """Rows ordered by ``column`` (rows without a prediction last), with a ``rank``."""
    ranked = frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")
    ranked = ranked.drop(columns="rank", errors="ignore").reset_index(drop=True)
    ranks = [i + 1 if math.isfinite(v) else None
             for i, v in enumerate(ranked[column].astype(float))]
    ranked.insert(0, "rank", pd.array(ranks, dtype="Int64"))
    return ranked


def screen_csv(predictor, csv: Path, progress, cancel) -> Screening:
    """Predict every candidate of ``csv`` (runs in the job's thread); progress and
    cancelling between chunks of `engine.prediction_table.CHUNK` candidates."""
    from engine.prediction_table import predict_frame, read_tests_csv

    table = read_tests_csv(csv)
    ProgressReporter(len(table.frame), progress)(
        0, f"predicting {len(table.frame)} candidates from {csv.name}"
    )
    result = predict_frame(predictor, table, progress=progress, cancel=cancel)
    return Screening(csv, result.frame, result.errors, predictor.info.name)


class ModelsView(QWidget):
    """The models table, the active model, ONNX loading (button or drag-in), screening.

    Listens to ``context.modelsChanged`` and ``activeModelChanged`` (choosing a model
    goes through ``context.set_active_model``). ``openInCone(smiles, heat flux in kW/m²,
    thickness in mm)`` asks for a double-clicked candidate to be shown in the cone test:
    a ranking says which candidate, its curves say why.
    """

    openInCone = Signal(str, object, object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.entries: list[ModelEntry] = []
        self.screening: Screening | None = None
        self.ranked: pd.DataFrame | None = None
        self._jobs: dict[str, Job] = {}
        self._screened: dict[str, str] = {}  # job id → the CSV it predicts
        self.setAcceptDrops(True)

        self.models = QTableWidget(0, len(MODEL_COLUMNS))
        self.models.setHorizontalHeaderLabels(MODEL_COLUMNS)
        self.models.verticalHeader().setVisible(False)
        self.models.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.models.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.models.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.models.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.models.horizontalHeader().setStretchLastSection(True)
        self.models.itemSelectionChanged.connect(self._selection_changed)
        self.models.doubleClicked.connect(lambda _: self.activate_selected())

        self.load_button = QPushButton("Load ONNX…")
        self.load_button.setToolTip("Or drag .onnx files onto this page")
        self.load_button.clicked.connect(self._choose_onnx)
        self.activate_button = QPushButton("Use for predictions")
        self.activate_button.clicked.connect(self.activate_selected)
        self.export_button = QPushButton("Export to ONNX")
        self.export_button.clicked.connect(self.export_selected)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.active_label = QLabel()
        self.active_label.setWordWrap(True)
        model_buttons = QHBoxLayout()
        for button in (self.load_button, self.activate_button, self.export_button,
                       self.refresh_button):
            model_buttons.addWidget(button)
        model_buttons.addStretch(1)
        models_box = QGroupBox("Models")
        models_layout = QVBoxLayout(models_box)
        models_layout.addWidget(self.models)
        models_layout.addLayout(model_buttons)
        models_layout.addWidget(self.active_label)

        self.predict_button = QPushButton("Predict a CSV of candidates…")
        self.predict_button.setToolTip("Columns: smiles, heat_flux_kw_m2, thickness_mm "
                                       "(and optionally polymer or name)")
        self.predict_button.clicked.connect(self._choose_csv)
        self.ranking = QComboBox()
        self.ranking.addItems(list(RANKINGS))
        self.ranking.currentTextChanged.connect(lambda _: self._show_ranked())
        self.save_button = QPushButton("Save results…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._choose_save)
        self.results_label = QLabel()
        self.results_label.setWordWrap(True)
        self.results = QTableWidget(0, 0)
        self.results.verticalHeader().setVisible(False)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSortingEnabled(True)
        self.results.setToolTip("Double-click a candidate to open it in the Cone test.")
        self.results.doubleClicked.connect(self._open_candidate)
        predict_row = QHBoxLayout()
        predict_row.addWidget(self.predict_button)
        predict_row.addWidget(QLabel("Rank by"))
        predict_row.addWidget(self.ranking)
        predict_row.addStretch(1)
        predict_row.addWidget(self.save_button)
        screening_box = QGroupBox("Screening")
        screening_layout = QVBoxLayout(screening_box)
        screening_layout.addLayout(predict_row)
        screening_layout.addWidget(self.results_label)
        screening_layout.addWidget(self.results)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(models_box)
        splitter.addWidget(screening_box)
        QVBoxLayout(self).addWidget(splitter)

        context.modelsChanged.connect(self.refresh)
        context.workspaceChanged.connect(lambda _: self.refresh())
        context.activeModelChanged.connect(lambda _: self.refresh())
        context.jobs.finished.connect(self._finished)
        context.jobs.failed.connect(self._ended_without_result)
        context.jobs.cancelled.connect(self._ended_without_result)
        self.refresh()

    # The models table ----------------------------------------------------------------

    def _default_entry(self) -> ModelEntry:
        from engine.predictor import default_model_path

        path = default_model_path()
        if path.is_file():
            entry = onnx_model_entry(path)
            return ModelEntry("Shipped default", path, "default", entry.phase, entry.complete,
                              entry.metrics, entry.problem)
        return ModelEntry("Shipped default", path, "default", complete=False,
                          problem="Not installed with this copy of Trinity.")

    def refresh(self) -> None:
        """Re-read the workspace's models and mark the active one."""
        ws = self.context.workspace
        keep = self.selected()
        self.entries = [self._default_entry(), *ws.onnx_models(), *ws.trained_models()]
        active = self.context.active_model_path
        self.models.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            is_active = (entry.kind == "default" and active is None) or (
                entry.kind == "onnx" and active is not None and entry.path == active
            )
            loss = entry.metrics.get("best_val_loss")
            notes = entry.problem or str(entry.path)
            cells = ("✓" if is_active else "", entry.name, entry.kind, entry.phase,
                     str(entry.metrics.get("members", 1)),
                     f"{loss:.4f}" if isinstance(loss, float) else "", notes)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(notes)
                self.models.setItem(row, column, item)
        if keep is not None:
            paths = [e.path for e in self.entries]
            if keep.path in paths:
                self.models.selectRow(paths.index(keep.path))
        self._show_active()
        self._selection_changed()

    def _show_active(self) -> None:
        active = self.context.active_model_path
        self.active_label.setText(
            f"Predictions use {active.name}." if active
            else "Predictions use the shipped default model."
        )

    def selected(self) -> ModelEntry | None:
        rows = self.models.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def select(self, path: Path) -> None:
        """Select the row of the model at ``path``."""
        for row, entry in enumerate(self.entries):
            if entry.path == path:
                self.models.selectRow(row)
                return

    def _selection_changed(self) -> None:
        entry = self.selected()
        usable = entry is not None and not entry.problem
        self.activate_button.setEnabled(usable and entry.kind in ("default", "onnx"))
        self.export_button.setEnabled(usable and entry.kind == "trained")

    # Loading and choosing ------------------------------------------------------------

    def _choose_onnx(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "ONNX model", "", "ONNX (*.onnx)")
        self.load_onnx([Path(p) for p in paths])

    def load_onnx(self, paths: list[Path]) -> None:
        """Bring ONNX files into the workspace and select the last one; a file that is
        not a Trinity model is refused with the predictor's sentence."""
        from engine.predictor import PredictorError, read_model_info

        loaded = None
        for path in paths:
            try:
                read_model_info(path)
                loaded = self.context.workspace.import_onnx(path)
            except (PredictorError, WorkspaceError) as exc:
                self.context.error(self, str(exc))
            except Exception as exc:  # onnxruntime's own errors for a damaged file
                self.context.report(self, exc)
        if loaded is not None:
            self.refresh()
            self.select(loaded)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if any(u.toLocalFile().lower().endswith(".onnx") for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls()]
        paths = [p for p in paths if p.suffix.lower() == ".onnx"]
        if paths:
            event.acceptProposedAction()
            self.load_onnx(paths)

    def activate_selected(self) -> None:
        """Make the selected default or ONNX model the one predictions use."""
        from engine.predictor import PredictorError

        entry = self.selected()
        if entry is None or entry.kind not in ("default", "onnx") or entry.problem:
            return
        try:
            self.context.set_active_model(None if entry.kind == "default" else entry.path)
        except (PredictorError, WorkspaceError) as exc:
            self.context.error(self, str(exc))

    def export_selected(self) -> Job | None:
        """Queue an ONNX export of the selected trained model into the workspace."""
        entry = self.selected()
        if entry is None or entry.kind != "trained" or entry.problem:
            return None
        out = self.context.workspace.onnx_dir / f"{entry.path.name}.onnx"
        source = entry.path

        def run(progress, cancel):  # torch loads in a child process, not in the window's
            return run_in_process(tasks.export, model=source, out=out, progress=progress,
                                  cancel=cancel, state_file=progress.state_file)

        job = Job(f"Export {entry.name} to ONNX", "export", run)
        self._jobs[job.id] = job
        return self.context.jobs.submit(job)

    # Screening -----------------------------------------------------------------------

    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Candidates", "", "CSV (*.csv)")
        if path:
            self.predict_csv(Path(path))

    def predict_csv(self, csv: Path) -> Job | None:
        """Queue predictions for every candidate of ``csv`` with the active model."""
        from engine.predictor import PredictorError

        try:
            predictor = self.context.predictor()
        except (PredictorError, WorkspaceError) as exc:
            self.context.error(self, str(exc))
            return None
        job = Job(f"Predict {csv.name} with {predictor.info.name}", "predict",
                  lambda progress, cancel: screen_csv(predictor, csv, progress, cancel))
        self._jobs[job.id] = job
        self._screened[job.id] = csv.name
        self.results_label.setText(f"Predicting {csv.name}…")
        return self.context.jobs.submit(job)

    def _ended_without_result(self, job: Job, sentence: str = "") -> None:
        """A failed or cancelled job of ours: "Predicting …" must not outlive it."""
        if self._jobs.pop(job.id, None) is None:
            return
        name = self._screened.pop(job.id, None)
        if name is not None:
            self.results_label.setText(f"Prediction of {name} failed: {sentence}"
                                       if job.state == "failed"
                                       else f"Prediction of {name} was cancelled.")

    def _finished(self, job: Job) -> None:
        if self._jobs.pop(job.id, None) is None:
            return
        self._screened.pop(job.id, None)
        if job.kind == "predict":
            self.show_screening(job.result)
        else:
            self.context.modelsChanged.emit()
            self.select(job.result)

    def show_screening(self, screening: Screening) -> None:
        self.screening = screening
        frame = screening.frame
        predicted = int(frame["error"].eq("").sum())
        bad = "; ".join(f"line {line}: {reason}" for line, reason in screening.errors[:3])
        more = f" (and {len(screening.errors) - 3} more)" if len(screening.errors) > 3 else ""
        self.results_label.setText(
            f"{predicted} of {len(frame)} candidates from {screening.source.name} predicted "
            f"with {screening.model}."
            + (f" Not predicted: {bad}{more}." if screening.errors else "")
        )
        self.save_button.setEnabled(True)
        self._show_ranked()

    def _show_ranked(self) -> None:
        if self.screening is None:
            return
        column, ascending = RANKINGS[self.ranking.currentText()]
        self.ranked = rank(self.screening.frame, column, ascending)
        names = [c for c in self.ranked.columns if str(c).strip().lower() in NAME_COLUMNS]
        shown = [(c, h) for c, h in RESULT_COLUMNS if c in self.ranked.columns]
        if names:
            shown.insert(1, (names[0], "Candidate"))
        self.results.setSortingEnabled(False)
        self.results.clear()
        self.results.setColumnCount(len(shown))
        self.results.setHorizontalHeaderLabels([h for _, h in shown])
        self.results.setRowCount(len(self.ranked))
        for column, (name, _) in enumerate(shown):
            decimals = resolution(name) if name in OUTPUT_COLUMNS else None
            for row, value in enumerate(self.ranked[name]):
                cell = _cell(value, decimals)
                # The row of `ranked` it shows: sorting the table by a column moves it.
                cell.setData(Qt.ItemDataRole.UserRole, row)
                self.results.setItem(row, column, cell)
        self.results.setSortingEnabled(True)
        self.results.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def open_candidate(self, row: int) -> None:
        """Ask for the candidate in row ``row`` of `ranked` to be opened in the cone test."""
        if self.ranked is None or "smiles" not in self.ranked.columns:
            return
        candidate = self.ranked.iloc[row]
        smiles = candidate["smiles"]
        if isinstance(smiles, str) and smiles.strip():
            self.openInCone.emit(smiles, _given(candidate.get("heat_flux_kw_m2")),
                                 _given(candidate.get("thickness_mm")))

    def _open_candidate(self, index: QModelIndex) -> None:
        row = index.data(Qt.ItemDataRole.UserRole)
        if row is not None:
            self.open_candidate(row)

    def result_column(self, header: str) -> list[str]:
        """The texts of one results column, top to bottom, as shown."""
        headers = [self.results.horizontalHeaderItem(c).text()
                   for c in range(self.results.columnCount())]
        column = headers.index(header)
        return [self.results.item(r, column).text() for r in range(self.results.rowCount())]

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save ranked results", "ranked.csv",
                                              "CSV (*.csv)")
        if path:
            self.save_results(Path(path))

    def save_results(self, path: Path) -> None:
        """Write the ranked table (every input column kept) as CSV."""
        if self.ranked is None:
            return
        outputs = [c for c in OUTPUT_COLUMNS if c in self.ranked.columns]
        try:
            round_frame(self.ranked, outputs).to_csv(path, index=False)
        except OSError as exc:
            self.context.report(self, exc)


class _NumberItem(QTableWidgetItem):
    """A cell that sorts by its number, with blanks (no prediction) after every number;
    shown with ``decimals`` when given, else as the number was written."""

    def __init__(self, number: float, decimals: int | None = None) -> None:
        finite = math.isfinite(number)
        if not finite:
            text = ""
        elif decimals is not None:
            text = f"{round(number, decimals) + 0.0:.{decimals}f}"
        else:
            text = f"{number:.4g}" if abs(number) < 100 else f"{number:.1f}"
        super().__init__(text)
        self.key = number if finite else math.inf
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.key < getattr(other, "key", math.inf)


def _given(value: object) -> float | None:
    """A candidate's number, or None where the CSV left it empty or unreadable."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _cell(value: object, decimals: int | None = None) -> QTableWidgetItem:
    """Numbers (and numeric text, as inputs are read) sort as numbers."""
    if value is None or value is pd.NA:
        return _NumberItem(math.nan)
    if isinstance(value, bool):
        return QTableWidgetItem(str(value))
    try:
        return _NumberItem(float(value), decimals)
    except (TypeError, ValueError):
        return QTableWidgetItem(str(value))
