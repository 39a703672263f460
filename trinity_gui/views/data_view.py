"""The data view: bring experimental files in, see what was kept and why rows were not.

Each file goes through `engine.datasets.import_experimental_csv`; a file that is not a
test table but reads as a cone test (`engine.cone.files.read_cone_file`: tidy curves and
the exports lab instruments write) becomes a curve waiting for its polymer, its heat flux
and thickness filled from the file's metadata where it has them (editable). Accepted
imports are saved with `engine.experiments.save_dataset` so they come back after a
restart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.cone.files import ConeFile, read_cone_file
from engine.cone.measured import CurveFileError, MeasuredCurve
from engine.datasets import (
    COLUMNS,
    DatasetError,
    ImportReport,
    describe_columns,
    import_experimental_csv,
    shipped_polymers,
)
from engine.experiments import (
    SHIPPED,
    attach_curve,
    labelled,
    save_dataset,
    saved_datasets,
    shipped_experiments,
    typical_thickness_mm,
)
from engine.quantities import HEAT_FLUX, THICKNESS

#: (column, header, decimals or None for text) of the tests table.
TABLE_COLUMNS = (
    ("polymer", "Polymer", None),
    ("smiles", "SMILES", None),
    ("heat_flux_kw_m2", "Flux (kW/m²)", 0),
    ("thickness_mm", "Thickness (mm)", 2),
    ("tig_s", "t_ig (s)", 1),
    ("phrr_kw_m2", "pHRR (kW/m²)", 0),
    ("thr_mj_m2", "THR (MJ/m²)", 1),
    ("curve_file", "Curve", None),
    ("dataset", "Data set", None),
    ("line", "Line", 0),
)
REJECTED = QColor("#b00020")
ACCEPTED = QColor("#1b5e20")


@dataclass(frozen=True, eq=False)
class FileImport:
    """What became of one file: a test table (report), a bare curve, or an error."""

    path: Path
    report: ImportReport | None = None
    curve: MeasuredCurve | None = None
    error: str = ""
    cone_file: ConeFile | None = None


class DataView(QWidget):
    """Shipped and imported tests in a filterable table, an import report, curve attaching.

    ``experimentsChanged(DataFrame)`` carries shipped + imported tests (canonical columns
    plus ``dataset``) whenever an import adds or removes tests; ``openInCone(smiles,
    heat flux in kW/m², thickness in mm)`` asks for a double-clicked test to be shown in
    the cone test, where its measured curve lies beside the simulation and prediction.
    """

    experimentsChanged = Signal(object)
    openInCone = Signal(str, object, object)

    def __init__(self, save_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.save_dir = Path(save_dir) if save_dir is not None else None
        self._shipped = shipped_experiments()
        self._imported: dict[str, pd.DataFrame] = {}
        self._curves: list[ConeFile] = []
        self.setAcceptDrops(True)

        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self._open_dialog)
        hint = QLabel(
            "Drop experimental CSV tables or cone time-series files anywhere on this page. "
            "A table has one row per test: <b>smiles</b>, <b>heat_flux_kw_m2</b>, "
            "<b>thickness_mm</b> and any of <b>tig_s</b>, <b>phrr_kw_m2</b>, <b>thr_mj_m2</b>, "
            "<b>curve_file</b> (hover for every column and alias). Rows that cannot be read "
            "are listed in the report with their line; the others are kept."
        )
        hint.setWordWrap(True)
        hint.setToolTip(describe_columns())
        hint.setStyleSheet("color: #555;")
        self.columns_hint = hint
        top = QHBoxLayout()
        top.addWidget(self.open_button, alignment=Qt.AlignmentFlag.AlignTop)
        top.addWidget(hint, stretch=1)

        self.model = _FrameModel()
        self.proxy = _TestFilter()
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Double-click a test to open it in the Cone test.")
        self.table.doubleClicked.connect(self._open_test)

        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filter by polymer, SMILES or data set")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self._filter)
        self.flux_filter = QComboBox()
        self.flux_filter.currentIndexChanged.connect(self._filter)
        self.count = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.text_filter, stretch=1)
        filters.addWidget(self.flux_filter)
        filters.addWidget(self.count)
        tests = QGroupBox("Tests")
        tests_layout = QVBoxLayout(tests)
        tests_layout.addLayout(filters)
        tests_layout.addWidget(self.table)

        self.report = QTreeWidget()
        self.report.setHeaderLabels(["Line", "Result"])
        self.report.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.report.header().setStretchLastSection(True)
        # Reasons are sentences: wrapped in full, never cut off at the column's edge.
        self.report.setWordWrap(True)
        self.report.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.report.setUniformRowHeights(False)
        self.report.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.report.setItemDelegateForColumn(1, _WrappedText(self.report))
        # Row heights depend on the column's width: measure them again when it changes.
        self.report.header().sectionResized.connect(
            lambda *_: self.report.scheduleDelayedItemsLayout())
        self.forget_button = QPushButton("Forget selected import")
        self.forget_button.setEnabled(False)
        self.forget_button.clicked.connect(self._forget_selected)
        self.report.currentItemChanged.connect(lambda *_: self._current_report_item())
        # Reasons can be long; the selected line is shown in full here.
        self.report_detail = QLabel()
        self.report_detail.setWordWrap(True)
        self.report_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        report_box = QGroupBox("Import report")
        report_layout = QVBoxLayout(report_box)
        report_layout.addWidget(self.report)
        report_layout.addWidget(self.report_detail)
        report_layout.addWidget(self.forget_button, alignment=Qt.AlignmentFlag.AlignRight)

        self._build_curve_form()
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(report_box, stretch=1)
        side_layout.addWidget(self.curve_box)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(tests)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([640, 340])  # the tests table first; the report's lines wrap below
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, stretch=1)

        self._restore()
        self._refresh()

    # -- public API ---------------------------------------------------------------

    def experiments(self) -> pd.DataFrame:
        """Shipped and imported tests, canonical columns plus ``dataset``."""
        return pd.concat([self._shipped, *self._imported.values()], ignore_index=True)

    def import_files(self, paths) -> list[FileImport]:
        """Import each file: a test table is added, a bare curve waits for the form."""
        outcomes = [self._import_one(Path(p)) for p in paths]
        if any(o.report is not None and len(o.report.accepted) for o in outcomes):
            self._refresh()
            self.experimentsChanged.emit(self.experiments())
        self._next_curve()
        return outcomes

    def pending_curves(self) -> list[MeasuredCurve]:
        """Dropped curves still waiting for a polymer and condition, first shown first."""
        return [record.curve for record in self._curves]

    def forget(self, name: str) -> None:
        """Drop the imported data set ``name`` (and its saved copy)."""
        if self._imported.pop(name, None) is None:
            return
        if self.save_dir is not None:
            (self.save_dir / f"{name}.csv").unlink(missing_ok=True)
        for i in range(self.report.topLevelItemCount()):
            item = self.report.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                item.setData(0, Qt.ItemDataRole.UserRole, None)
                item.setText(1, f"{item.text(1)} — forgotten")
        self._refresh()
        self._update_forget()
        self.experimentsChanged.emit(self.experiments())

    def open_test(self, row: int) -> None:
        """Ask for the test in row ``row`` of `experiments` to be opened in the cone test."""
        test = self.model.frame.iloc[row]
        smiles = test["smiles"]
        if isinstance(smiles, str) and smiles.strip():
            self.openInCone.emit(smiles, _given(test["heat_flux_kw_m2"]),
                                 _given(test["thickness_mm"]))

    def _open_test(self, index: QModelIndex) -> None:
        self.open_test(self.proxy.mapToSource(index).row())

    # -- drag and drop --------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        event.acceptProposedAction()
        self.import_files(paths)

    def _open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open experimental data", "", "CSV or text files (*.csv *.txt);;All files (*)"
        )
        if paths:
            self.import_files(paths)

    # -- importing ------------------------------------------------------------------

    def _import_one(self, path: Path) -> FileImport:
        try:
            report = import_experimental_csv(path)
        except DatasetError as table_error:
            try:
                record = read_cone_file(path)
            except CurveFileError as curve_error:
                outcome = FileImport(
                    path, error=f"Not a test table: {table_error} Not a cone curve: {curve_error}"
                )
                self._report_error(path.name, outcome.error)
                return outcome
            self._curves.append(record)
            self._report_curve(record)
            return FileImport(path, curve=record.curve, cone_file=record)
        self._keep(report, path.stem, path.name)
        return FileImport(path, report=report)

    def _keep(self, report: ImportReport, name: str, label: str, note: str = "") -> None:
        """Add an import's accepted rows (replacing an earlier import of that name)."""
        saved = ""
        if len(report.accepted):
            self._imported[name] = labelled(report.accepted, label)
            if self.save_dir is not None:
                try:
                    save_dataset(report.accepted, name, self.save_dir)
                except OSError as exc:
                    saved = f" Not saved for the next session: {exc}"
        self._report_import(report, name if len(report.accepted) else None, note + saved)

    def _restore(self) -> None:
        if self.save_dir is None or not self.save_dir.is_dir():
            return
        for path in saved_datasets(self.save_dir):
            try:
                report = import_experimental_csv(path)
            except DatasetError as exc:
                self._report_error(path.name, f"Could not restore a saved import: {exc}")
                continue
            self._imported[path.stem] = labelled(report.accepted, path.name)
            self._report_import(report, path.stem, "Restored from the last session.")

    # -- the import report ----------------------------------------------------------

    def _report_import(self, report: ImportReport, name: str | None, note: str = "") -> None:
        top = QTreeWidgetItem([Path(report.source).name, f"{report.summary()} {note}".strip()])
        top.setData(0, Qt.ItemDataRole.UserRole, name)
        top.setToolTip(0, report.source)
        for row in report.accepted.to_dict(orient="records"):
            text = (
                f"accepted: {row['polymer']}, {row['heat_flux_kw_m2']:g} kW/m², "
                f"{row['thickness_mm']:g} mm"
            )
            child = QTreeWidgetItem([str(row["line"]), text])
            child.setForeground(1, QBrush(ACCEPTED))
            top.addChild(child)
        for rejected in report.rejected:
            child = QTreeWidgetItem([str(rejected.line), f"rejected: {rejected.reason}"])
            child.setForeground(1, QBrush(REJECTED))
            child.setToolTip(1, rejected.reason)
            top.addChild(child)
        self._add_report_item(top, expand=bool(report.rejected))

    def _report_error(self, name: str, message: str) -> None:
        top = QTreeWidgetItem([name, message])
        top.setForeground(1, QBrush(REJECTED))
        top.setToolTip(1, message)
        self._add_report_item(top, expand=False)

    def _report_curve(self, record: ConeFile) -> None:
        """The file, what it said about the test, and where its numbers came from."""
        top = QTreeWidgetItem([record.path.name, f"cone test ({record.format}): choose its "
                                                 "polymer below."])
        for line in _curve_report_lines(record):
            child = QTreeWidgetItem(["", line])
            child.setToolTip(1, line)
            top.addChild(child)
        self._add_report_item(top, expand=True)

    def _add_report_item(self, item: QTreeWidgetItem, *, expand: bool) -> None:
        self.report.insertTopLevelItem(0, item)  # newest first
        item.setExpanded(expand)
        self.report.setCurrentItem(item)

    def _current_report_item(self) -> None:
        item = self.report.currentItem()
        if item is None:
            self.report_detail.clear()
        else:
            where = f"Line {item.text(0)}: " if item.parent() is not None else ""
            self.report_detail.setText(where + item.text(1))
            self.report_detail.setStyleSheet(
                f"color: {item.foreground(1).color().name()};" if item.foreground(1).style() else ""
            )
        self._update_forget()

    def _selected_import(self) -> str | None:
        item = self.report.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_forget(self) -> None:
        self.forget_button.setEnabled(self._selected_import() in self._imported)

    def _forget_selected(self) -> None:
        name = self._selected_import()
        if name is not None:
            self.forget(name)

    # -- attaching a bare curve -----------------------------------------------------

    def _build_curve_form(self) -> None:
        self.curve_label = QLabel()
        self.curve_label.setWordWrap(True)
        self.curve_polymer = QComboBox()
        self.curve_polymer.setEditable(True)
        self.curve_polymer.addItem("")
        for name, smiles in sorted(shipped_polymers().items()):
            self.curve_polymer.addItem(name, smiles)
        self.curve_polymer.activated.connect(self._curve_polymer_picked)
        self.curve_smiles = QLineEdit()
        self.curve_smiles.setPlaceholderText("Repeat unit, e.g. *CC(*)c1ccccc1")
        # The accepted ranges of engine.quantities (open at 0: the spin's least step).
        self.curve_flux = _spin(0.1, HEAT_FLUX.high, 50.0, " kW/m²", decimals=1)
        self.curve_thickness = _spin(
            0.05, THICKNESS.high, typical_thickness_mm(self._shipped), " mm", decimals=2
        )
        self.curve_message = QLabel()
        self.curve_message.setWordWrap(True)
        self.curve_message.setStyleSheet(f"color: {REJECTED.name()};")
        self.add_curve_button = QPushButton("Add test")
        self.add_curve_button.setDefault(True)
        self.add_curve_button.clicked.connect(self._attach)
        self.skip_curve_button = QPushButton("Skip")
        self.skip_curve_button.clicked.connect(self._skip_curve)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_curve_button)
        buttons.addWidget(self.add_curve_button)
        form = QFormLayout()
        form.addRow(self.curve_label)
        form.addRow("Polymer", self.curve_polymer)
        form.addRow("SMILES", self.curve_smiles)
        form.addRow("Heat flux", self.curve_flux)
        form.addRow("Thickness", self.curve_thickness)
        form.addRow(self.curve_message)
        form.addRow(buttons)
        self.curve_box = QGroupBox("Attach a cone curve")
        self.curve_box.setLayout(form)
        self.curve_box.hide()

    def _curve_polymer_picked(self, index: int) -> None:
        smiles = self.curve_polymer.itemData(index)
        if smiles:
            self.curve_smiles.setText(smiles)

    def _next_curve(self) -> None:
        self.curve_message.clear()
        if not self._curves:
            self.curve_box.hide()
            return
        record = self._curves[0]
        curve, meta = record.curve, record.metadata
        m = curve.metrics
        waiting = f" ({len(self._curves) - 1} more waiting)" if len(self._curves) > 1 else ""
        skipped = f", {curve.skipped_rows} non-numeric rows skipped" if curve.skipped_rows else ""
        filled = []
        if meta.heat_flux_kw_m2 is not None and HEAT_FLUX.contains(meta.heat_flux_kw_m2):
            self.curve_flux.setValue(meta.heat_flux_kw_m2)
            filled.append("heat flux")
        if meta.thickness_mm is not None and THICKNESS.contains(meta.thickness_mm):
            self.curve_thickness.setValue(meta.thickness_mm)
            filled.append("thickness")
        if meta.material and not self.curve_polymer.currentText().strip():
            self.curve_polymer.setCurrentText(meta.material)
            filled.append("name")
        mass = (f", initial mass {meta.initial_mass_g:g} g" if meta.initial_mass_g is not None
                else "")
        from_file = (f"<br>From the file: {', '.join(filled)}{mass} (check them)."
                     if filled or mass else "")
        self.curve_label.setText(
            f"<b>{record.path.name}</b>{waiting}<br>"
            f"pHRR {_number(m.phrr_kw_m2, 0)} kW/m² at {_number(m.t_phrr_s, 0)} s, "
            f"THR {_number(m.thr_raw_mj_m2, 1)} MJ/m², {len(curve.time_s)} points{skipped}."
            f"{from_file}"
        )
        self.curve_box.show()

    def _attach(self) -> None:
        if not self._curves:
            return
        curve = self._curves[0].curve
        name = self.curve_polymer.currentText().strip()
        report = attach_curve(
            curve.source,
            smiles=self.curve_smiles.text().strip(),
            polymer=name,
            heat_flux_kw_m2=self.curve_flux.value(),
            thickness_mm=self.curve_thickness.value(),
        )
        if report.rejected:
            self.curve_message.setText(report.rejected[0].reason)
            return
        self._curves.pop(0)
        stem = Path(curve.source).stem
        self._keep(report, stem, Path(curve.source).name, "Attached cone curve.")
        self._refresh()
        self.experimentsChanged.emit(self.experiments())
        self._next_curve()

    def _skip_curve(self) -> None:
        if self._curves:
            self._curves.pop(0)
        self._next_curve()

    # -- the tests table ------------------------------------------------------------

    def _refresh(self) -> None:
        self.model.set_frame(self.experiments())
        chosen = self.flux_filter.currentData()
        fluxes = sorted(self.model.frame["heat_flux_kw_m2"].dropna().unique())
        self.flux_filter.blockSignals(True)
        self.flux_filter.clear()
        self.flux_filter.addItem("All heat fluxes", None)
        for flux in fluxes:
            self.flux_filter.addItem(f"{flux:g} kW/m²", float(flux))
        index = self.flux_filter.findData(chosen) if chosen is not None else 0
        self.flux_filter.setCurrentIndex(max(index, 0))
        self.flux_filter.blockSignals(False)
        self.table.resizeColumnsToContents()
        smiles = self.model.frame.columns.get_loc("smiles")
        self.table.setColumnWidth(smiles, min(self.table.columnWidth(smiles), 180))
        self._filter()

    def _filter(self) -> None:
        self.proxy.set_filter(self.text_filter.text(), self.flux_filter.currentData())
        total = self.model.rowCount()
        self.count.setText(f"{self.proxy.rowCount()} of {total} tests")


#: The roles `_FrameModel.data` answers (Qt asks for many more, for every cell).
_ROLES = frozenset((Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole,
                    Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole))


class _FrameModel(QAbstractTableModel):
    """Read-only rows of the experiments table; UserRole gives sortable raw values."""

    def __init__(self) -> None:
        super().__init__()
        self.frame = pd.DataFrame(columns=[*COLUMNS, "dataset"])
        self._cells: list[list] = []

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)[[c for c, _, _ in TABLE_COLUMNS]]
        # Plain rows for data(): DataFrame.iat costs ~20 µs a cell, and sizing the
        # columns alone asks for every cell (half a second at start-up).
        self._cells = [list(row) for row in self.frame.itertuples(index=False, name=None)]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TABLE_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return TABLE_COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in _ROLES:
            return None
        column, _, decimals = TABLE_COLUMNS[index.column()]
        value = self._cells[index.row()][index.column()]
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        if role == Qt.ItemDataRole.DisplayRole:
            if missing:
                return ""
            if column == "curve_file":
                return Path(value).name
            if column == "dataset" and value == SHIPPED:
                return "shipped"
            return str(value) if decimals is None else _number(float(value), decimals)
        if role == Qt.ItemDataRole.UserRole:
            return None if missing else (str(value) if decimals is None else float(value))
        if role == Qt.ItemDataRole.ToolTipRole and not missing and decimals is None:
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and decimals is not None:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class _TestFilter(QSortFilterProxyModel):
    """Rows whose polymer, SMILES or data set contains the text, at the chosen flux."""

    def __init__(self) -> None:
        super().__init__()
        self._text = ""
        self._flux: float | None = None

    def set_filter(self, text: str, flux: float | None) -> None:
        self.beginFilterChange()
        self._text, self._flux = text.strip().casefold(), flux
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        frame = self.sourceModel().frame
        if self._flux is not None and abs(frame.at[row, "heat_flux_kw_m2"] - self._flux) > 0.5:
            return False
        if not self._text:
            return True
        fields = (frame.at[row, c] for c in ("polymer", "smiles", "dataset"))
        return any(isinstance(f, str) and self._text in f.casefold() for f in fields)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        a, b = left.data(Qt.ItemDataRole.UserRole), right.data(Qt.ItemDataRole.UserRole)
        if a is None or b is None:
            return a is None and b is not None  # empty cells first when ascending
        return a < b


class _WrappedText(QStyledItemDelegate):
    """Rows as tall as their wrapped text at the column's width (QTreeView's own size
    hint ignores the width, so long reasons were cut off)."""

    def __init__(self, view: QTreeWidget) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option, index) -> QSize:
        hint = super().sizeHint(option, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        width = self._view.columnWidth(index.column())
        if index.column() == 0:
            width -= depth * self._view.indentation()
        text = str(index.data() or "")
        box = option.fontMetrics.boundingRect(
            QRect(0, 0, max(width - 8, 20), 1_000_000), Qt.TextFlag.TextWordWrap, text
        )
        return QSize(hint.width(), max(hint.height(), box.height() + 6))


def _spin(low: float, high: float, value: float, suffix: str, *, decimals: int):
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSuffix(suffix)
    spin.setValue(value)
    return spin


def _curve_report_lines(record: ConeFile) -> list[str]:
    """The import report's lines for a cone test file: values read from it (with the key
    the file used), where the heat release and the ignition time came from, conflicts."""
    meta, results = record.metadata, record.results
    lines = []
    for name, label, unit in (("heat_flux_kw_m2", "heat flux", "kW/m²"),
                              ("thickness_mm", "thickness", "mm"),
                              ("initial_mass_g", "initial mass", "g"),
                              ("area_m2", "exposed area", "m²"),
                              ("material", "material", ""),
                              ("laboratory", "laboratory", ""),
                              ("test_start_s", "specimen inserted at", "s of the file")):
        value = getattr(meta, name)
        if value is not None:
            shown = f"{value:g} {unit}".strip() if isinstance(value, float) else str(value)
            lines.append(f"from the file: {label} {shown} ('{meta.from_file[name]}')")
    lines.append(f"heat release: {record.hrr_method}")
    if results.tig_source == "reported":
        lines.append(f"ignition: {results.tig_s:g} s as reported in the file (curve criterion "
                     f"{_number(results.tig_curve_s, 0)} s)")
    else:
        lines.append(f"ignition: {_number(results.tig_s, 0)} s by the curve criterion "
                     "(the file reports none)")
    for key, kept, ignored in record.conflicts:
        lines.append(f"the file gives '{key}' twice: kept {kept}, ignored {ignored}")
    return lines


def _given(value) -> float | None:
    """A table's number, or None where the cell is empty."""
    return None if pd.isna(value) else float(value)


def _number(value: float, decimals: int) -> str:
    return "—" if not math.isfinite(value) else f"{value:.{decimals}f}"
