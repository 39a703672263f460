"""The first window: live validation, depiction and GC table (pytest-qt, offscreen)."""

import pytest

pytest.importorskip("PySide6")

from trinity_gui.app import MainWindow


@pytest.fixture
def view(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    yield window.polymer_view  # the generator frame keeps the window alive


def test_typing_a_valid_polymer_shows_properties(view, qtbot):
    qtbot.keyClicks(view.smiles, "*CC(*)c1ccccc1")
    qtbot.waitUntil(lambda: view.properties is not None, timeout=3000)
    assert "C8H8" in view.message.text()
    names = [view.table.item(i, 0).text() for i in range(view.table.rowCount())]
    assert "Density" in names and "Char yield" in names
    assert "aromatic_CH" in view.groups.text()
    assert view.depiction.renderer().isValid()


def test_bad_smiles_shows_the_engine_sentence(view, qtbot):
    view.smiles.setText("*C1CC*")
    view.update_polymer()
    assert view.properties is None and view.table.rowCount() == 0
    assert "ring is opened but never closed" in view.message.text()


def test_picker_loads_a_shipped_polymer(view):
    index = view.picker.findText("PMMA")
    assert index > 0
    view.picker.setCurrentIndex(index)
    view.picker.activated.emit(index)
    assert view.polymer.formula == "C5H8O2"
