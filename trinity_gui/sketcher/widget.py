"""`MoleculeSketcher`: palette, canvas and SMILES field; `SketcherDialog` around it.

The SMILES field works both ways: drawing updates it, and typing a SMILES (Enter)
lays it out on the canvas. Under it the engine says whether the sketch is a valid
repeat unit, in the same words as the main window.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QIcon,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.polymer import PolymerError, parse_polymer
from trinity_gui.sketcher.canvas import COLOURS, SketchCanvas, Tool
from trinity_gui.sketcher.molecule import ELEMENTS, RINGS, SketchMolecule

HELP = (
    "Click to place an atom · drag from an atom to draw a bond · click a bond to "
    "change its order · click an atom with another element to change it · "
    "right-click deletes · wheel zooms"
)
ERROR_STYLE = "color: #b00020;"
VALID_STYLE = "color: #1b5e20;"


class MoleculeSketcher(QWidget):
    """Draw a repeat unit (``*`` marks the two attachment points) and read its SMILES."""

    smilesChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.molecule = SketchMolecule()
        self._last_smiles = ""
        self.canvas = SketchCanvas(self.molecule)
        self.canvas.edited.connect(self._edited)
        self.tools = QButtonGroup(self)
        self.tools.setExclusive(True)
        self.tool_buttons: dict[Tool, QToolButton] = {}

        palette = QGridLayout()
        palette.setSpacing(4)
        for i, symbol in enumerate(ELEMENTS):
            button = self._tool_button(Tool("atom", symbol), symbol, _element_tip(symbol))
            colour = COLOURS.get(symbol, "#202020")
            size = "font-size: 16pt;" if symbol == "*" else ""
            button.setStyleSheet(
                f"QToolButton {{ color: {colour}; font-weight: bold; {size} }}"
            )
            palette.addWidget(button, i // 3, i % 3)
        row = math.ceil(len(ELEMENTS) / 3)
        for i, (key, template) in enumerate(RINGS.items()):
            button = self._tool_button(Tool("ring", key), "", template.name)
            button.setIcon(_ring_icon(template.aromatic))
            button.setIconSize(QSize(26, 26))
            palette.addWidget(button, row, i)
        move = self._tool_button(Tool("move"), "Move", "Drag atoms to move them")
        erase = self._tool_button(Tool("erase"), "Erase", "Click an atom or bond to delete it")
        palette.addWidget(move, row + 1, 0, 1, 3)
        palette.addWidget(erase, row + 2, 0, 1, 3)
        self.tool_buttons[Tool("atom", "C")].setChecked(True)
        self.tools.buttonToggled.connect(self._tool_toggled)

        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Undo the last edit (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        clean = QPushButton("Clean up")
        clean.setToolTip("Lay the structure out again (RDKit 2-D coordinates)")
        clean.clicked.connect(self._clean_up)
        clear = QPushButton("Clear")
        clear.clicked.connect(self._clear)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)

        side = QVBoxLayout()
        side.addLayout(palette)
        side.addSpacing(12)
        for button in (self.undo_button, clean, clear):
            side.addWidget(button)
        side.addStretch(1)

        self.smiles_field = QLineEdit()
        self.smiles_field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.smiles_field.setPlaceholderText("Draw, or type a SMILES and press Enter")
        self.smiles_field.returnPressed.connect(
            lambda: self.set_smiles(self.smiles_field.text())
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        hint = QLabel(HELP)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")

        drawing = QHBoxLayout()
        drawing.addLayout(side)
        drawing.addWidget(self.canvas, stretch=1)
        smiles_row = QHBoxLayout()
        smiles_row.addWidget(QLabel("SMILES"))
        smiles_row.addWidget(self.smiles_field, stretch=1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(drawing, stretch=1)
        layout.addLayout(smiles_row)
        layout.addWidget(self.message)
        self._show_smiles()

    def smiles(self) -> str:
        return self.molecule.smiles()

    def set_smiles(self, smiles: str) -> None:
        """Lay ``smiles`` out on the canvas; an unparseable one leaves the sketch as is."""
        text = smiles.strip()
        if not text:
            self.molecule.clear()
        else:
            try:
                self.molecule.load_smiles(text)
            except ValueError:
                self.smiles_field.setText(text)
                self._validate(text)
                return
        self.canvas.redraw()
        self.canvas.frame()
        self._edited()

    def undo(self) -> None:
        self.molecule.undo()
        self.canvas.redraw()
        self._edited()

    def select_tool(self, tool: Tool) -> None:
        self.tool_buttons[tool].setChecked(True)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.canvas.frame()

    def _tool_button(self, tool: Tool, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setMinimumSize(38, 34)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.tools.addButton(button)
        self.tool_buttons[tool] = button
        return button

    def _tool_toggled(self, button: QToolButton, checked: bool) -> None:
        if checked:
            tool = next(t for t, b in self.tool_buttons.items() if b is button)
            self.canvas.tool = tool

    def _clean_up(self) -> None:
        self.molecule.clean_up()
        self.canvas.redraw()
        self.canvas.frame()
        self._edited()

    def _clear(self) -> None:
        self.molecule.clear()
        self.canvas.redraw()
        self._edited()

    def _edited(self) -> None:
        self._show_smiles()
        smiles = self.smiles()
        if smiles != self._last_smiles:
            self._last_smiles = smiles
            self.smilesChanged.emit(smiles)

    def _show_smiles(self) -> None:
        smiles = self.smiles()
        self.smiles_field.setText(smiles)
        self.undo_button.setEnabled(self.molecule.can_undo())
        self._validate(smiles)

    def _validate(self, smiles: str) -> None:
        if not smiles:
            self.message.setText("Draw the repeat unit with two * where it joins its neighbours.")
            self.message.setStyleSheet("")
            return
        try:
            polymer = parse_polymer(smiles)
        except PolymerError as exc:
            self.message.setText(str(exc))
            self.message.setStyleSheet(ERROR_STYLE)
            return
        self.message.setText(f"Valid repeat unit · {polymer.formula}")
        self.message.setStyleSheet(VALID_STYLE)


class SketcherDialog(QDialog):
    """The sketcher as a dialog: OK hands the drawn SMILES back to the caller."""

    def __init__(self, smiles: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draw a repeat unit")
        self.sketcher = MoleculeSketcher()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sketcher, stretch=1)
        layout.addWidget(buttons)
        self.sketcher.set_smiles(smiles)
        self.resize(860, 600)

    def smiles(self) -> str:
        return self.sketcher.smiles()


def _element_tip(symbol: str) -> str:
    if symbol == "*":
        return "Attachment point: where the repeat unit joins the next one (exactly two)"
    return f"{symbol}: click to place, or click an atom to change it to {symbol}"


def _ring_icon(aromatic: bool) -> QIcon:
    """A hexagon (with a circle inside for benzene), drawn rather than shipped."""
    size = 52
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#202020"), 3))
    centre, radius = QPointF(size / 2, size / 2), size * 0.42
    corners = [
        centre + QPointF(radius * math.cos(a), radius * math.sin(a))
        for a in (math.pi / 2 + k * math.pi / 3 for k in range(6))
    ]
    for k in range(6):
        painter.drawLine(corners[k], corners[(k + 1) % 6])
    if aromatic:
        painter.drawEllipse(centre, radius * 0.55, radius * 0.55)
    painter.end()
    return QIcon(pixmap)
