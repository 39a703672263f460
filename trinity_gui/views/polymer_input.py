"""`PolymerInput`: the repeat unit, pasted, picked or drawn, validated as it is typed.

Every check and sentence is the engine's (`parse_polymer`, the group library); the
widget only waits for a pause in typing, shows the verdict under the field and keeps
the depiction and the recent list current.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsOpacityEffect,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from engine.datasets import shipped_polymers
from engine.gc.groups import CoverageError, fragment
from engine.gc.properties import DISPLAY_UNITS
from engine.polymer import Polymer, PolymerError, depict_svg, parse_polymer
from trinity_gui.sketcher import SketcherDialog

log = logging.getLogger(__name__)

#: Pause after the last keystroke before validating (keeps typing smooth).
TYPING_PAUSE_MS = 200
#: Recent polymers kept.
MAX_RECENT = 20
#: A stale depiction (the field no longer parses) is shown faded, not hidden.
STALE_OPACITY = 0.25

ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a5a00;"
VALID_STYLE = "color: #1b5e20;"


@dataclass(frozen=True)
class RecentPolymer:
    """One remembered repeat unit, with the name it was picked under, if any."""

    smiles: str
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} — {self.smiles}" if self.name else self.smiles


class RecentPolymers:
    """Most recent first, at most `MAX_RECENT`, kept in a JSON file when given one.

    A damaged file is logged and ignored (the list starts empty) rather than stopping
    the app; writes go to a temporary file that replaces the old one, so a crash never
    leaves half a file.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: list[RecentPolymer] = self._read() if path else []

    def add(self, smiles: str, name: str | None = None) -> None:
        kept = [e for e in self.entries if e.smiles != smiles]
        self.entries = [RecentPolymer(smiles, name), *kept][:MAX_RECENT]
        self._write()

    def _read(self) -> list[RecentPolymer]:
        if not self.path.exists():
            return []
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            entries = [RecentPolymer(str(r["smiles"]), r.get("name")) for r in rows]
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("Ignoring the recent-polymer file %s: %s", self.path, exc)
            return []
        return entries[:MAX_RECENT]

    def _write(self) -> None:
        if self.path is None:
            return
        text = json.dumps([asdict(e) for e in self.entries], indent=1)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".recent-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("Could not save the recent polymers to %s: %s", self.path, exc)


class PolymerInput(QWidget):
    """SMILES field, shipped and recent pickers, sketcher button and live depiction.

    ``polymerChanged`` carries the parsed `Polymer`, or None while the field holds no
    valid repeat unit; it fires only when that changes.
    """

    polymerChanged = Signal(object)

    def __init__(self, recent_file: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._polymer: Polymer | None = None
        self._name: str | None = None
        self._highlight: tuple[int, ...] = ()
        self.recent = RecentPolymers(recent_file)
        self.sketcher_dialog: SketcherDialog | None = None

        self.picker = QComboBox()
        self.picker.setPlaceholderText("Shipped polymers…")
        for name, smiles in sorted(shipped_polymers().items(), key=lambda i: i[0].lower()):
            self.picker.addItem(name, smiles)
            self.picker.setItemData(self.picker.count() - 1, smiles, Qt.ItemDataRole.ToolTipRole)
        self.picker.setCurrentIndex(-1)
        self.picker.activated.connect(self._picked)

        self.recent_box = QComboBox()
        self.recent_box.setPlaceholderText("Recent…")
        self.recent_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.recent_box.setMinimumContentsLength(14)
        self.recent_box.activated.connect(self._recent_picked)
        self._fill_recent()

        self.smiles_field = QLineEdit()
        self.smiles_field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.smiles_field.setPlaceholderText("Repeat unit with two *, e.g. *CC(*)c1ccccc1")
        self.smiles_field.setClearButtonEnabled(True)
        self.smiles_field.textEdited.connect(self._typed)
        self.smiles_field.textChanged.connect(lambda _: self._timer.start())
        self.smiles_field.editingFinished.connect(self._remember)
        self.draw_button = QPushButton("Draw…")
        self.draw_button.setToolTip("Draw the repeat unit, or edit the current one, in a sketcher")
        self.draw_button.clicked.connect(self.open_sketcher)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Room for two lines, so that most sentences do not push the drawing about.
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing())
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.depiction = QSvgWidget()
        self.depiction.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self._fade = QGraphicsOpacityEffect(self.depiction)
        self.depiction.setGraphicsEffect(self._fade)
        placeholder = QLabel("Paste a SMILES, pick a shipped polymer or draw one.")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.drawing = QStackedWidget()
        self.drawing.addWidget(placeholder)
        self.drawing.addWidget(self.depiction)
        self.drawing.setMinimumSize(320, 240)
        self.drawing.setStyleSheet(
            "QStackedWidget { background: white; border: 1px solid palette(mid); }"
        )

        pickers = QHBoxLayout()
        pickers.addWidget(self.picker, stretch=1)
        pickers.addWidget(self.recent_box, stretch=1)
        field = QHBoxLayout()
        field.addWidget(self.smiles_field, stretch=1)
        field.addWidget(self.draw_button)
        grid = QGridLayout(self)
        grid.addWidget(QLabel("Polymer"), 0, 0)
        grid.addLayout(pickers, 0, 1)
        grid.addWidget(QLabel("SMILES"), 1, 0)
        grid.addLayout(field, 1, 1)
        grid.addWidget(self.message, 2, 1)
        grid.addWidget(self.drawing, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)

        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.validate_now)

    # -- public ----------------------------------------------------------------------

    def polymer(self) -> Polymer | None:
        return self._polymer

    def set_smiles(self, text: str, *, name: str | None = None, remember: bool = True) -> None:
        """Show ``text`` and validate it at once; a valid one joins the recent list."""
        self.smiles_field.setText(text)
        self._name = name
        self.validate_now()
        if remember:
            self._remember()

    def highlight(self) -> tuple[int, ...]:
        return self._highlight

    def set_highlight(self, atoms: Sequence[int]) -> None:
        """Highlight atoms of the depiction (indices as `engine.gc.groups.group_atoms`)."""
        self._highlight = tuple(atoms)
        if self._polymer is not None:
            self._depict(self._polymer)

    def open_sketcher(self) -> SketcherDialog:
        """Open the sketcher on the current SMILES; OK puts the drawing in the field."""
        dialog = SketcherDialog(self.smiles_field.text(), self)
        dialog.accepted.connect(lambda: self._sketched(dialog.smiles()))
        dialog.finished.connect(self._sketcher_closed)
        self.sketcher_dialog = dialog
        dialog.open()
        return dialog

    def validate_now(self) -> None:
        """Validate the field now: the engine's sentence, the depiction, the signal."""
        self._timer.stop()
        text = self.smiles_field.text()
        try:
            polymer = parse_polymer(text, name=self._name)
        except PolymerError as exc:
            self._show_invalid(str(exc) if text.strip() else "")
            return
        self._show_valid(polymer)

    # -- reacting --------------------------------------------------------------------

    def _typed(self, _: str) -> None:
        self._name = None  # a typed structure is no longer the picked polymer

    def _picked(self, index: int) -> None:
        self.set_smiles(self.picker.itemData(index), name=self.picker.itemText(index))
        self.picker.setCurrentIndex(-1)

    def _recent_picked(self, index: int) -> None:
        entry = self.recent.entries[index]
        self.set_smiles(entry.smiles, name=entry.name)
        self.recent_box.setCurrentIndex(-1)

    def _sketcher_closed(self) -> None:
        self.sketcher_dialog.deleteLater()
        self.sketcher_dialog = None

    def _sketched(self, smiles: str) -> None:
        if smiles:
            self.set_smiles(smiles)

    def _remember(self) -> None:
        if self._timer.isActive():  # Enter pressed before the typing pause ended
            self.validate_now()
        if self._polymer is not None:
            self.recent.add(self._polymer.smiles, self._polymer.name)
            self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_box.clear()
        for entry in self.recent.entries:
            self.recent_box.addItem(entry.label)
            self.recent_box.setItemData(
                self.recent_box.count() - 1, entry.label, Qt.ItemDataRole.ToolTipRole
            )
        self.recent_box.setCurrentIndex(-1)
        self.recent_box.setEnabled(bool(self.recent.entries))

    # -- showing ---------------------------------------------------------------------

    def _show_invalid(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message.setStyleSheet(ERROR_STYLE)
        self._fade.setOpacity(STALE_OPACITY)
        if not self.smiles_field.text().strip():
            self.drawing.setCurrentIndex(0)
        self._set_polymer(None)

    def _show_valid(self, polymer: Polymer) -> None:
        grams = DISPLAY_UNITS["molar_mass_kg_mol"]
        parts = [polymer.formula,
                 f"{grams.format(polymer.molar_mass_kg_mol * grams.scale)} {grams.label}"]
        if polymer.name:
            parts.insert(0, polymer.name)
        if not polymer.is_homopolymer:
            parts.append(f"{len(polymer.units)} units in equal moles")
        try:
            fragment(polymer)
        except CoverageError as exc:
            self.message.setText(" · ".join(parts) + f". {exc}")
            self.message.setStyleSheet(WARNING_STYLE)
        else:
            self.message.setText(" · ".join(parts))
            self.message.setStyleSheet(VALID_STYLE)
        self.message.setToolTip(f"Canonical SMILES: {polymer.smiles}")
        if polymer != self._polymer:
            self._highlight = ()
        self._depict(polymer)
        self._set_polymer(polymer)

    def _depict(self, polymer: Polymer) -> None:
        svg = depict_svg(polymer, highlight=self._highlight)
        self.depiction.load(QByteArray(svg.encode()))
        self.depiction.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self._fade.setOpacity(1.0)
        self.drawing.setCurrentIndex(1)

    def _set_polymer(self, polymer: Polymer | None) -> None:
        if polymer != self._polymer:
            self._polymer = polymer
            self.polymerChanged.emit(polymer)
