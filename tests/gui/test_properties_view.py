"""Properties view: GC table with units and methods, groups, highlight (pytest-qt)."""

import pytest

pytest.importorskip("PySide6")

from engine.gc.properties import DISPLAY_UNITS, estimate_properties
from engine.polymer import parse_polymer
from trinity_gui.views.properties_view import PropertiesView


@pytest.fixture
def view(qtbot):
    widget = PropertiesView()
    qtbot.addWidget(widget)
    return widget


def cells(table, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_table_shows_every_estimate_with_unit_and_method(view, qtbot):
    pet = parse_polymer("*OCCOC(=O)c1ccc(C(*)=O)cc1")
    with qtbot.waitSignal(view.propertiesChanged) as emitted:
        view.set_polymer(pet)
    expected = estimate_properties(pet)
    assert emitted.args[0] == expected and view.properties() == expected
    assert view.table.rowCount() == len(DISPLAY_UNITS)
    names = cells(view.table, 0)
    density = names.index("Density")
    assert view.table.item(density, 1).text() == f"{expected.density_kg_m3:.0f}"
    assert view.table.item(density, 2).text() == "kg/m³"
    assert "van der Waals" in view.table.item(density, 3).text()
    peak = names.index("Decomposition peak")
    assert view.table.item(peak, 1).text() == f"{expected.decomposition_peak_k - 273.15:.0f}"


def test_groups_are_listed_with_counts_and_descriptions(view):
    view.set_polymer(parse_polymer("*OCCOC(=O)c1ccc(C(*)=O)cc1"))
    groups = dict(zip(cells(view.groups, 0), cells(view.groups, 1), strict=True))
    assert groups == {"aromatic_CH": "4", "ester": "2", "CH2": "2", "aromatic_C": "2"}
    ester = cells(view.groups, 0).index("ester")
    assert "-CO-O-" in view.groups.item(ester, 2).text()


def test_copolymer_counts_are_per_average_unit(view):
    view.set_polymer(parse_polymer("*CC*.*CC(*)Cl", [0.25, 0.75]))
    groups = dict(zip(cells(view.groups, 0), cells(view.groups, 1), strict=True))
    assert groups == {"CH2": "1.25", "CH": "0.75", "Cl": "0.75"}


def test_selecting_groups_emits_their_atoms(view, qtbot):
    pvc = parse_polymer("*CC(*)Cl")
    view.set_polymer(pvc)
    mol = pvc.units[0].mol
    rows = cells(view.groups, 0)
    with qtbot.waitSignal(view.groupHighlighted) as emitted:
        view.groups.selectRow(rows.index("Cl"))
    (atoms,) = emitted.args
    assert [mol.GetAtomWithIdx(i).GetSymbol() for i in atoms] == ["Cl"]
    # Adding a second group to the selection lights the union.
    with qtbot.waitSignal(view.groupHighlighted) as emitted:
        view.groups.selectionModel().select(
            view.groups.model().index(rows.index("CH"), 0),
            view.groups.selectionModel().SelectionFlag.Select
            | view.groups.selectionModel().SelectionFlag.Rows,
        )
    assert sorted(mol.GetAtomWithIdx(i).GetSymbol() for i in emitted.args[0]) == ["C", "Cl"]
    with qtbot.waitSignal(view.groupHighlighted) as emitted:
        view.groups.clearSelection()
    assert emitted.args == [()]


def test_an_uncovered_polymer_shows_why_and_no_numbers(view, qtbot):
    view.set_polymer(parse_polymer("*CC*"))
    with qtbot.waitSignal(view.propertiesChanged) as emitted:
        view.set_polymer(parse_polymer("*CC(=S)C*"))
    assert emitted.args == [None]
    assert view.table.rowCount() == 0 and view.groups.rowCount() == 0
    assert "does not cover" in view.status.text() and not view.status.isHidden()


def test_no_polymer_empties_the_view(view):
    view.set_polymer(parse_polymer("*CC*"))
    view.set_polymer(None)
    assert view.properties() is None and view.table.rowCount() == 0
    assert "No valid repeat unit" in view.status.text()


def test_every_row_shows_where_there_is_room_and_the_table_scrolls_where_not(view, qtbot):
    """The table used to hold the window at least 841 pixels tall (with the Jobs dock),
    more than a 1366×768 screen has."""
    view.set_polymer(parse_polymer("*OCCOC(=O)c1ccc(C(*)=O)cc1"))
    view.resize(900, 900)
    view.show()
    qtbot.waitExposed(view)
    assert not view.table.verticalScrollBar().isVisible()
    assert view.minimumSizeHint().height() <= 300
    view.resize(900, 300)
    qtbot.waitUntil(lambda: view.table.verticalScrollBar().isVisible(), timeout=2000)


def test_numbers_show_the_decimals_their_unit_resolves(view):
    """Polystyrene's char yield read 0.005605 kg/kg; its TGA peak 430.1 °C."""
    ps = parse_polymer("*CC(*)c1ccccc1")
    view.set_polymer(ps)
    expected = estimate_properties(ps)
    shown = dict(zip(cells(view.table, 0), cells(view.table, 1), strict=True))
    assert shown["Char yield"] == "0.01"
    assert shown["Decomposition peak"] == f"{expected.decomposition_peak_k - 273.15:.0f}"
    assert shown["Heat of combustion"] == f"{expected.heat_of_combustion_j_kg / 1e6:.1f}"
    assert shown["Molar mass (repeat unit)"] == "104.15"
    assert shown["Emissivity"] == "0.95"
