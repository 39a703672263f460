"""The built-in guide: F1 (Help → Guide) opens it, and it explains every tab, the methods
and what an interval and an extrapolation flag mean."""

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from trinity_gui.app import TABS, MainWindow
from trinity_gui.help import GuideDialog


def test_f1_opens_the_guide_once(qtbot, tmp_path, context):
    window = MainWindow(context, tmp_path / "recent.json")
    qtbot.addWidget(window)
    with qtbot.waitActive(window):  # a window's shortcuts work while it is active
        window.show()
        window.activateWindow()
    assert window.guide is None
    qtbot.keyClick(window, Qt.Key.Key_F1)
    guide = window.guide
    assert isinstance(guide, GuideDialog) and guide.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.guide is guide  # one guide, brought forward
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert [a.text() for a in menu.actions()] == ["&Guide", "&About Trinity"]


def test_the_guide_explains_the_tabs_the_methods_and_the_interval(qtbot):
    guide = GuideDialog()
    qtbot.addWidget(guide)
    text = guide.browser.toPlainText()
    for tab in (*TABS, "Design"):
        assert tab in text
    for words in ("group contribution", "Fire Dynamics Simulator", "two-phase",
                  "80 % interval", "leave one polymer out", "8 in 10", "extrapolation",
                  "Pareto"):
        assert words in text, words
