"""The first window: polymer input wired to the properties view (pytest-qt, offscreen)."""

import json

import pytest

pytest.importorskip("PySide6")

from trinity_gui.app import EXAMPLE, MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    main = MainWindow(tmp_path / "recent.json")
    qtbot.addWidget(main)
    return main


def test_opens_on_an_example_without_remembering_it(window, tmp_path):
    assert window.polymer_input.polymer().smiles == EXAMPLE[0]
    assert window.properties_view.properties().formula == "C8H8"
    assert not (tmp_path / "recent.json").exists()


def test_opens_on_the_most_recent_polymer(qtbot, tmp_path):
    recent = tmp_path / "recent.json"
    recent.write_text(json.dumps([{"smiles": "*CC(*)Cl", "name": "PVC"}]))
    main = MainWindow(recent)
    qtbot.addWidget(main)
    assert main.polymer_input.polymer().name == "PVC"


def test_typing_updates_the_properties(window, qtbot):
    window.polymer_input.smiles_field.clear()
    qtbot.keyClicks(window.polymer_input.smiles_field, "*CC(*)(C)C(=O)OC")

    def estimated():
        properties = window.properties_view.properties()
        assert properties is not None and properties.formula == "C5H8O2"

    qtbot.waitUntil(estimated, timeout=3000)


def test_a_bad_smiles_empties_the_properties(window):
    window.polymer_input.set_smiles("*C1CC*")
    assert window.properties_view.properties() is None
    assert "ring is opened but never closed" in window.polymer_input.message.text()


def test_selecting_a_group_highlights_it_on_the_depiction(window):
    groups = window.properties_view.groups
    names = [groups.item(row, 0).text() for row in range(groups.rowCount())]
    groups.selectRow(names.index("aromatic_CH"))
    drawn = window.polymer_input.polymer().units[0].mol
    lit = window.polymer_input.highlight()
    assert len(lit) == 5 and all(drawn.GetAtomWithIdx(i).GetIsAromatic() for i in lit)
