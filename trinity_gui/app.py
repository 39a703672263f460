"""``trinity-gui``: the desktop window (first view: polymer input and its properties).

Thin by design: every number shown comes from `engine`; this module only lays out
widgets and reacts to typing. Later views (cone plot, data, training, models, jobs)
join as tabs.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.datasets import shipped_polymers
from engine.gc.groups import CoverageError
from engine.gc.properties import PROPERTY_TITLES, MaterialProperties, estimate_properties
from engine.polymer import Polymer, PolymerError, depict_svg, parse_polymer

#: Pause after the last keystroke before re-validating (keeps typing smooth).
TYPING_PAUSE_MS = 150


class PolymerView(QWidget):
    """SMILES field with live validation, a depiction, and the GC property table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.polymer: Polymer | None = None
        self.properties: MaterialProperties | None = None

        self.picker = QComboBox()
        self.picker.addItem("Shipped polymers…")
        for name, smiles in sorted(shipped_polymers().items()):
            self.picker.addItem(name, smiles)
        self.picker.activated.connect(self._picked)

        self.smiles = QLineEdit()
        self.smiles.setPlaceholderText("Repeat unit with two *, e.g. *CC(*)c1ccccc1")
        self.smiles.setClearButtonEnabled(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.depiction = QSvgWidget()
        self.depiction.setMinimumSize(360, 270)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Property", "Value", "Unit"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.groups = QLabel()
        self.groups.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Polymer", self.picker)
        form.addRow("SMILES", self.smiles)
        form.addRow("", self.message)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.depiction, stretch=1)
        right = QVBoxLayout()
        right.addWidget(self.table, stretch=1)
        right.addWidget(self.groups)
        layout = QHBoxLayout(self)
        layout.addLayout(left, stretch=1)
        layout.addLayout(right, stretch=1)

        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.update_polymer)
        self.smiles.textChanged.connect(lambda _: self._timer.start())

    def _picked(self, index: int) -> None:
        smiles = self.picker.itemData(index)
        if smiles:
            self.smiles.setText(smiles)
            self.update_polymer()

    def update_polymer(self) -> None:
        """Validate the field now: the engine's sentence, or depiction and properties."""
        self._timer.stop()
        text = self.smiles.text()
        try:
            polymer = parse_polymer(text)
            properties = estimate_properties(polymer)
        except (PolymerError, CoverageError) as exc:
            self.polymer = self.properties = None
            self.message.setText(str(exc) if text.strip() else "")
            self.message.setStyleSheet("color: #b00020;")
            self.table.setRowCount(0)
            self.groups.clear()
            self.depiction.load(QByteArray())
            return
        self.polymer, self.properties = polymer, properties
        self.message.setText(f"{polymer.smiles} · {polymer.formula} · "
                             f"{polymer.molar_mass_kg_mol * 1000:.2f} g/mol")
        self.message.setStyleSheet("color: #1b5e20;")
        self.depiction.load(QByteArray(depict_svg(polymer).encode()))
        rows = properties.display_rows()
        self.table.setRowCount(len(rows))
        for i, (name, value, unit, method) in enumerate(rows):
            label = QTableWidgetItem(PROPERTY_TITLES.get(name, name))
            label.setToolTip(method)
            shown = QTableWidgetItem(f"{value:.4g}")
            shown.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            shown.setToolTip(method)
            self.table.setItem(i, 0, label)
            self.table.setItem(i, 1, shown)
            self.table.setItem(i, 2, QTableWidgetItem(unit))
        found = ", ".join(f"{n:g} × {g}" for g, n in sorted(properties.groups.items()))
        self.groups.setText(f"Groups: {found}")


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Trinity — polymer fire behaviour")
        self.polymer_view = PolymerView()
        self.setCentralWidget(self.polymer_view)
        self.resize(1100, 640)


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    window = MainWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
