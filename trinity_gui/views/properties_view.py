"""`PropertiesView`: the group-contribution estimates of a polymer and the groups found.

Numbers, units and method notes come from `engine.gc.properties`; the atoms of each
group from `engine.gc.groups.group_atoms`. Selecting groups emits their atoms, so the
window can light them on whichever depiction it shows (`PolymerInput.set_highlight`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.gc.groups import CoverageError, group_atoms, load_groups
from engine.gc.properties import (
    DISPLAY_UNITS,
    PROPERTY_TITLES,
    MaterialProperties,
    estimate_properties,
)
from engine.polymer import Polymer
from engine.thermal.report import BESIDE_GC_HEADER, beside_gc_rows

NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
#: The property table scrolls rather than shrink below this many rows.
LEAST_ROWS = 5


class PropertiesView(QWidget):
    """GC property table (name, value, unit, method) and the groups with their counts.

    Signals:
      propertiesChanged(object)  the new `MaterialProperties`, or None
      groupHighlighted(object)   atom indices (tuple) of the selected groups on the
                                 depiction; empty when none is selected
    """

    propertiesChanged = Signal(object)
    groupHighlighted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._properties: MaterialProperties | None = None
        self._atoms: dict[str, tuple[int, ...]] = {}
        self._descriptions = {g.name: g.description for g in load_groups()}

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = _table(["Property", "Value", "Unit", "Method"])
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        _fit_rows(self.table, len(DISPLAY_UNITS))

        self.groups = _table(["Group", "Count", "Description"])
        self.groups.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.groups.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.groups.setToolTip("Select groups to highlight their atoms on the structure")
        header = self.groups.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.groups.itemSelectionChanged.connect(self._groups_selected)

        # Measured kinetics (a TGA or MCC file dropped on the window), beside GC's.
        self._kinetics = None
        self.kinetics_heading = _heading("Pyrolysis steps: measured and estimated")
        self.kinetics_note = QLabel()
        self.kinetics_note.setWordWrap(True)
        self.kinetics_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kinetics_table = _table(list(BESIDE_GC_HEADER))
        self.kinetics_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)

        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Estimated properties (group contribution)"))
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        for widget in (self.kinetics_heading, self.kinetics_note, self.kinetics_table):
            layout.addWidget(widget)
            widget.setVisible(False)
        layout.addWidget(_heading("Groups found per repeat unit"))
        layout.addWidget(self.groups, stretch=1)
        self.set_polymer(None)

    def properties(self) -> MaterialProperties | None:
        return self._properties

    def set_polymer(self, polymer: Polymer | None) -> None:
        """Estimate and show the properties of ``polymer``; None empties the view."""
        self.table.setRowCount(0)
        self.groups.setRowCount(0)
        self._atoms = {}
        properties = None
        if polymer is None:
            self._status("No valid repeat unit yet.", "color: palette(placeholder-text);")
        else:
            try:
                properties = estimate_properties(polymer)
            except CoverageError as exc:
                self._status(str(exc), "color: #b00020;")
            else:
                self._status("", "")
                self._atoms = group_atoms(polymer)
                self._fill(properties)
        self._properties = properties
        if self._kinetics is not None and (polymer is None
                                           or polymer.smiles != self._kinetics.smiles):
            self._kinetics = None  # measured on another polymer
        self._fill_kinetics()
        self.propertiesChanged.emit(properties)

    def set_kinetics(self, kinetics) -> None:
        """List measured steps (`engine.thermal.material.MeasuredKinetics`) beside the GC
        estimate while their polymer is shown; None hides them."""
        shown = self._properties
        if kinetics is not None and (shown is None or shown.smiles != kinetics.smiles):
            kinetics = None  # fitted for a polymer no longer shown
        self._kinetics = kinetics
        self._fill_kinetics()

    def _fill_kinetics(self) -> None:
        kinetics, properties = self._kinetics, self._properties
        shown = kinetics is not None and properties is not None
        for widget in (self.kinetics_heading, self.kinetics_note, self.kinetics_table):
            widget.setVisible(shown)
        if not shown:
            self.kinetics_table.setRowCount(0)
            return
        fit = kinetics.fit
        notes = [f"Measured: {kinetics.label}; fit rms {fit.rms:.4f}, R² {fit.r2:.4f}. "
                 f"Peaks at {fit.reference_heating_rate_k_min:.3g} K/min. The cone test "
                 "shows the curve simulated with the measured steps as a dashed line.",
                 *fit.warnings]
        self.kinetics_note.setText(" ".join(notes))
        rows = beside_gc_rows(fit, properties)
        self.kinetics_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for column, text in enumerate(row):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(NUMBER_ALIGNMENT)
                self.kinetics_table.setItem(i, column, item)
        _fit_rows(self.kinetics_table, len(rows))

    def _status(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)
        self.status.setVisible(bool(text))

    def _fill(self, properties: MaterialProperties) -> None:
        rows = properties.display_rows()
        self.table.setRowCount(len(rows))
        for i, (name, value, unit, method) in enumerate(rows):
            cells = [PROPERTY_TITLES.get(name, name), DISPLAY_UNITS[name].format(value), unit,
                     method]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(method)
                if column == 1:
                    item.setTextAlignment(NUMBER_ALIGNMENT)
                self.table.setItem(i, column, item)
        counts = sorted(properties.groups.items(), key=lambda item: (-item[1], item[0]))
        self.groups.setRowCount(len(counts))
        for i, (name, count) in enumerate(counts):
            description = self._descriptions.get(name, "")
            cells = [name, f"{count:.3g}", description]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(description)
                if column == 1:
                    item.setTextAlignment(NUMBER_ALIGNMENT)
                self.groups.setItem(i, column, item)

    def selected_groups(self) -> list[str]:
        rows = sorted({index.row() for index in self.groups.selectedIndexes()})
        return [self.groups.item(row, 0).text() for row in rows]

    def _groups_selected(self) -> None:
        atoms = sorted({a for name in self.selected_groups() for a in self._atoms.get(name, ())})
        self.groupHighlighted.emit(tuple(atoms))


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


def _fit_rows(table: QTableWidget, rows: int) -> None:
    """As tall as its rows where the window has room (no scroll bar), but never making
    the window taller than a small screen: below that it scrolls, down to `LEAST_ROWS`."""
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
    table.setMinimumHeight(height + min(rows, LEAST_ROWS)
                           * table.verticalHeader().defaultSectionSize())


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label
