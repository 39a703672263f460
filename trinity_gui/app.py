"""``trinity-gui``: the desktop window (for now: polymer input and its properties).

Thin by design: every number shown comes from `engine`; the views lay out widgets and
react to input. Later views (cone plot, data, training, models, jobs) join as tabs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter

from trinity_gui.views.polymer_input import PolymerInput
from trinity_gui.views.properties_view import PropertiesView

#: Shown at first start, before anything is in the recent list.
EXAMPLE = ("*CC(*)c1ccccc1", "polystyrene")


def recent_file() -> Path:
    """Where the recent polymers are kept (the platform's per-user data folder)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder) / "recent_polymers.json"


class MainWindow(QMainWindow):
    def __init__(self, recent: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Trinity — polymer fire behaviour")
        self.polymer_input = PolymerInput(recent)
        self.properties_view = PropertiesView()
        self.polymer_input.polymerChanged.connect(self.properties_view.set_polymer)
        self.properties_view.groupHighlighted.connect(self.polymer_input.set_highlight)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.polymer_input)
        splitter.addWidget(self.properties_view)
        splitter.setSizes([480, 620])
        self.setCentralWidget(splitter)
        self.resize(1180, 680)
        entries = self.polymer_input.recent.entries
        smiles, name = (entries[0].smiles, entries[0].name) if entries else EXAMPLE
        self.polymer_input.set_smiles(smiles, name=name, remember=False)


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Trinity")
    window = MainWindow(recent_file())
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
