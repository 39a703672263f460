"""The installation check with the window: the engine's checks, then the real window.

Strict: the bundle must hold every part, so a missing extra is a failure, not a skip.

`python -m trinity_gui.bundle --self-test` (the desktop bundle's ``--self-test``) runs it
headless: Qt's offscreen platform unless a display is given, a throw-away workspace and
settings, so nothing of the user's is read or written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engine.self_test import SelfTestFailure, run_self_test

#: How long the window may take to paint before the check fails.
PAINT_TIMEOUT_MS = 60_000


def check_window(folder: Path) -> str:
    """The main window builds, shows and paints, and finds the shipped model."""
    shown = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    if not any(os.environ.get(name) for name in shown):  # headless, even on a bare server
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from engine.workspace import Settings
    from trinity_gui.app import MainWindow
    from trinity_gui.context import AppContext

    app = QApplication.instance() or QApplication([sys.argv[0]])
    context = AppContext(Settings(workspace=folder / "workspace"),
                         settings_file=folder / "settings.json")
    window = MainWindow(context, folder / "recent.json")
    window.show()
    clock = QElapsedTimer()
    clock.start()
    # The window paints, then loads the model (MainWindow._after_start) and labels it.
    while not window.model_label.text() and clock.elapsed() < PAINT_TIMEOUT_MS:
        app.processEvents()
    image = window.grab()
    label = window.model_label.text()
    window.close()
    if image.isNull() or image.width() < 100:
        raise SelfTestFailure("The window did not paint.")
    if not label.startswith("Model: "):
        raise SelfTestFailure(f"The window has no model after {clock.elapsed() / 1000:.0f} s "
                              f"({label or 'nothing loaded'}).")
    return f"{app.platformName()} platform, {image.width()}×{image.height()} px, {label}"


def main() -> int:
    results = run_self_test({"window": check_window}, strict=True)
    return 0 if all(r.ok for r in results) else 1
