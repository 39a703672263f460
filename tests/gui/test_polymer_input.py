"""Polymer input: live validation, depiction, pickers, recent list, sketcher (pytest-qt)."""

import json
import logging

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from engine.polymer import Polymer
from trinity_gui.views.polymer_input import MAX_RECENT, PolymerInput


@pytest.fixture
def recent_file(tmp_path):
    return tmp_path / "recent.json"


@pytest.fixture
def box(qtbot, recent_file):
    widget = PolymerInput(recent_file)
    qtbot.addWidget(widget)
    return widget


def test_typing_validates_after_a_pause_and_emits_the_polymer(box, qtbot):
    with qtbot.waitSignal(box.polymerChanged, timeout=3000) as emitted:
        qtbot.keyClicks(box.smiles_field, "*CC(*)c1ccccc1")
    polymer = emitted.args[0]
    assert isinstance(polymer, Polymer) and polymer.formula == "C8H8"
    assert box.polymer() is polymer
    assert "C8H8" in box.message.text() and "104.15 g/mol" in box.message.text()
    assert box.depiction.renderer().isValid()
    assert box.drawing.currentWidget() is box.depiction


def test_a_bad_smiles_shows_the_engine_sentence_and_emits_none(box, qtbot):
    box.set_smiles("*CC*")
    with qtbot.waitSignal(box.polymerChanged) as emitted:
        box.smiles_field.setText("*C1CC*")
        box.validate_now()
    assert emitted.args == [None] and box.polymer() is None
    assert "ring is opened but never closed" in box.message.text()
    # The last good drawing stays, faded, so the structure does not flicker away.
    assert box.drawing.currentWidget() is box.depiction


def test_polymer_changed_fires_only_when_the_polymer_changes(box, qtbot):
    box.set_smiles("*CC*")
    with qtbot.assertNotEmitted(box.polymerChanged):
        box.set_smiles("*CC*")
        box.set_smiles("C(*)C*")  # the same polymer written differently
    with qtbot.waitSignal(box.polymerChanged):
        box.set_smiles("*C*")


def test_an_uncovered_structure_is_valid_but_warned_about(box):
    box.set_smiles("*CC(=S)C*")
    assert box.polymer() is not None
    assert "does not cover" in box.message.text()


def test_picking_a_shipped_polymer_names_it(box, qtbot):
    index = box.picker.findText("PMMA")
    assert index >= 0
    with qtbot.waitSignal(box.polymerChanged) as emitted:
        box.picker.activated.emit(index)
    assert emitted.args[0].name == "PMMA" and emitted.args[0].formula == "C5H8O2"
    assert box.message.text().startswith("PMMA · C5H8O2")
    assert box.picker.currentIndex() == -1  # the placeholder shows again


def test_recent_polymers_are_saved_newest_first_and_reloaded(qtbot, box, recent_file):
    box.set_smiles("*CC*")
    box.picker.activated.emit(box.picker.findText("PVC"))
    box.set_smiles("*CC*")  # again: moves to the top, not duplicated
    box.set_smiles("*C1CC*")  # invalid: not remembered
    saved = json.loads(recent_file.read_text())
    assert [r["smiles"] for r in saved] == ["*CC*", "*CC(*)Cl"]
    assert saved[1]["name"] == "PVC"
    again = PolymerInput(recent_file)
    qtbot.addWidget(again)
    assert [again.recent_box.itemText(i) for i in range(again.recent_box.count())] == [
        "*CC*",
        "PVC — *CC(*)Cl",
    ]
    again.recent_box.activated.emit(1)
    assert again.polymer().name == "PVC"


def test_recent_list_is_capped(box, recent_file):
    for n in range(1, MAX_RECENT + 6):
        box.set_smiles("*" + "C" * n + "*")
    saved = json.loads(recent_file.read_text())
    assert len(saved) == MAX_RECENT
    assert saved[0]["smiles"] == "*" + "C" * (MAX_RECENT + 5) + "*"


@pytest.mark.parametrize("content", ["{not json", '{"smiles": 3}', "[1, 2]", '[{"name": "x"}]'])
def test_a_damaged_recent_file_is_ignored_and_logged(qtbot, recent_file, caplog, content):
    recent_file.write_text(content)
    with caplog.at_level(logging.WARNING):
        widget = PolymerInput(recent_file)
    qtbot.addWidget(widget)
    assert widget.recent.entries == [] and not widget.recent_box.isEnabled()
    assert "Ignoring the recent-polymer file" in caplog.text
    widget.set_smiles("*CC*")  # and the next save replaces it with a good one
    assert json.loads(recent_file.read_text()) == [{"smiles": "*CC*", "name": None}]


def test_typed_enter_remembers_without_waiting_for_the_pause(box, qtbot, recent_file):
    qtbot.keyClicks(box.smiles_field, "*CC(*)C")
    box.smiles_field.editingFinished.emit()
    assert json.loads(recent_file.read_text())[0]["smiles"] == "*CC(*)C"


def test_draw_opens_the_current_smiles_and_ok_replaces_it(box, qtbot):
    box.set_smiles("*CC(*)C")
    qtbot.mouseClick(box.draw_button, Qt.MouseButton.LeftButton)
    dialog = box.sketcher_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.smiles() == "*CC(*)C"
    dialog.sketcher.set_smiles("*CC(*)Cl")
    with qtbot.waitSignal(box.polymerChanged) as emitted:
        dialog.accept()
    assert emitted.args[0].smiles == "*CC(*)Cl"
    assert box.smiles_field.text() == "*CC(*)Cl"
    assert box.sketcher_dialog is None  # closed and released


def test_cancelling_the_sketcher_changes_nothing(box):
    box.set_smiles("*CC(*)C")
    dialog = box.open_sketcher()
    dialog.sketcher.set_smiles("*CC(*)Cl")
    dialog.reject()
    assert box.polymer().smiles == "*CC(*)C"


def highlighted_pixels(box) -> int:
    """Pixels of RDKit's highlight colour (#FF7F7F) on the depiction."""
    image = box.depiction.grab().toImage()
    return sum(
        image.pixelColor(x, y).name() == "#ff7f7f"
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


def test_highlight_redraws_the_depiction_until_the_polymer_changes(box, qtbot):
    box.resize(500, 500)
    box.show()
    qtbot.waitExposed(box)
    box.set_smiles("*CC(*)Cl")
    assert highlighted_pixels(box) == 0
    chlorine = [a.GetIdx() for a in box.polymer().units[0].mol.GetAtoms() if a.GetSymbol() == "Cl"]
    box.set_highlight(chlorine)
    assert highlighted_pixels(box) > 20
    box.set_smiles("*CC(*)C")  # a new polymer drops the old highlight
    assert highlighted_pixels(box) == 0
