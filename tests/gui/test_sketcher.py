"""The molecule sketcher: SMILES round trips, drawing by clicks, undo (pytest-qt, offscreen)."""

import math

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt
from rdkit import Chem

from engine.datasets import shipped_polymers
from trinity_gui.sketcher import MoleculeSketcher, SketcherDialog
from trinity_gui.sketcher.canvas import Tool
from trinity_gui.sketcher.molecule import RINGS, SketchMolecule

SHIPPED = shipped_polymers()
ROUND_TRIP = [
    SHIPPED["PMMA"],  # ester side group
    SHIPPED["PET"],  # aromatic, esters across the join
    SHIPPED["PA66"],  # amides
    SHIPPED["PC"],  # carbonate, two rings, quaternary carbon
    SHIPPED["ABS"],  # a copolymer: three units, six *
    SHIPPED["PPS composite"],  # aromatic thioether
    "*[Si](C)(C)O*",  # polydimethylsiloxane
    "*c1ccc(-c2ccc(*)[nH]2)cc1",  # a pyrrole: the [nH] must survive
]


@pytest.fixture
def sketcher(qtbot):
    widget = MoleculeSketcher()
    qtbot.addWidget(widget)
    widget.resize(800, 560)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def at_atom(sketcher, index: int) -> QPoint:
    return sketcher.canvas.widget_point(sketcher.molecule.position(index)).toPoint()


def at_bond(sketcher, a: int, b: int) -> QPoint:
    return (at_atom(sketcher, a) + at_atom(sketcher, b)) / 2


def click(qtbot, sketcher, point: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(sketcher.canvas.viewport(), button, pos=point)


def drag(qtbot, sketcher, start: QPoint, end: QPoint) -> None:
    viewport = sketcher.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, (start + end) / 2)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def stars(smiles: str) -> int:
    return sum(a.GetAtomicNum() == 0 for a in Chem.MolFromSmiles(smiles).GetAtoms())


@pytest.mark.parametrize("smiles", ROUND_TRIP)
def test_smiles_round_trips_through_the_sketch(sketcher, smiles):
    sketcher.set_smiles(smiles)
    assert sketcher.smiles() == Chem.CanonSmiles(smiles)
    assert sketcher.smiles_field.text() == sketcher.smiles()
    drawn = sketcher.molecule.atoms()
    assert sum(a.symbol == "*" for a in drawn) == stars(smiles)
    # Laid out by RDKit: no two atoms on top of each other.
    points = [a.position for a in drawn]
    assert min(math.dist(p, q) for i, p in enumerate(points) for q in points[:i]) > 0.5


def test_drawing_polystyrene_by_clicks(sketcher, qtbot):
    canvas = sketcher.canvas
    centre = canvas.viewport().rect().center()
    click(qtbot, sketcher, centre)  # a lone carbon
    assert sketcher.smiles() == "C"
    for end in range(3):  # clicking an atom with its own element grows the chain
        click(qtbot, sketcher, at_atom(sketcher, end))
    assert sketcher.smiles() == "CCCC"
    sketcher.select_tool(Tool("atom", "*"))
    click(qtbot, sketcher, at_atom(sketcher, 0))  # another element: the atom changes
    click(qtbot, sketcher, at_atom(sketcher, 3))
    assert sketcher.smiles() == "*CC*"
    sketcher.select_tool(Tool("ring", "benzene"))
    click(qtbot, sketcher, at_atom(sketcher, 2))  # a ring on an atom: a substituent
    assert sketcher.smiles() == Chem.CanonSmiles("*CC(*)c1ccccc1")
    assert sketcher.message.text().startswith("Valid repeat unit · C8H8")
    assert sum(a.symbol == "*" for a in sketcher.molecule.atoms()) == 2


def test_clicking_a_bond_steps_its_order_and_undo_steps_back(sketcher, qtbot):
    sketcher.set_smiles("*CC(*)C")
    bond = next(
        b for b in sketcher.molecule.bonds()
        if {sketcher.molecule.atoms()[i].symbol for i in (b.begin, b.end)} == {"C"}
        and sketcher.molecule.atoms()[b.begin].degree == 2
    )
    with qtbot.waitSignal(sketcher.smilesChanged) as changed:
        click(qtbot, sketcher, at_bond(sketcher, bond.begin, bond.end))
    assert sketcher.molecule.bonds()[bond.index].order == Chem.BondType.DOUBLE
    assert changed.args == [sketcher.smiles()]
    click(qtbot, sketcher, at_bond(sketcher, bond.begin, bond.end))
    assert sketcher.molecule.bonds()[bond.index].order == Chem.BondType.TRIPLE
    assert "more than its valence allows" in sketcher.message.text()
    sketcher.undo()
    sketcher.undo()
    assert sketcher.smiles() == Chem.CanonSmiles("*CC(*)C")


def test_dragging_from_an_atom_draws_a_bond_to_a_new_atom(sketcher, qtbot):
    sketcher.set_smiles("*CC(*)C")
    methyl = next(a.index for a in sketcher.molecule.atoms() if a.symbol == "C" and a.degree == 1)
    sketcher.select_tool(Tool("atom", "O"))
    start = at_atom(sketcher, methyl)
    drag(qtbot, sketcher, start, start + QPoint(60, 0))
    assert sketcher.smiles() == Chem.CanonSmiles("*CC(*)CO")
    new = sketcher.molecule.atoms()[-1]
    length = math.dist(new.position, sketcher.molecule.position(methyl))
    assert new.symbol == "O" and length == pytest.approx(1.0)  # snapped to one bond


def test_dragging_between_two_atoms_bonds_them(sketcher, qtbot):
    sketcher.set_smiles("*CCCCC*")
    ends = [a.index for a in sketcher.molecule.atoms() if a.symbol == "C" and a.degree == 2]
    # The first and the last carbon of the chain: bonding them closes a ring.
    first, last = ends[0], ends[-1]
    drag(qtbot, sketcher, at_atom(sketcher, first), at_atom(sketcher, last))
    assert Chem.MolFromSmiles(sketcher.smiles()).GetRingInfo().NumRings() == 1


def test_right_click_and_the_erase_tool_delete(sketcher, qtbot):
    sketcher.set_smiles("*CC(*)Cl")
    chlorine = next(a.index for a in sketcher.molecule.atoms() if a.symbol == "Cl")
    click(qtbot, sketcher, at_atom(sketcher, chlorine), Qt.MouseButton.RightButton)
    assert sketcher.smiles() == "*CC*"
    sketcher.select_tool(Tool("erase"))
    star = next(a.index for a in sketcher.molecule.atoms() if a.symbol == "*")
    click(qtbot, sketcher, at_atom(sketcher, star))
    assert stars(sketcher.smiles()) == 1
    assert "1 attachment point" in sketcher.message.text()


def test_moving_an_atom_keeps_the_structure(sketcher, qtbot):
    sketcher.set_smiles("*CC*")
    before = sketcher.smiles()
    sketcher.select_tool(Tool("move"))
    old = sketcher.molecule.position(1)
    drag(qtbot, sketcher, at_atom(sketcher, 1), at_atom(sketcher, 1) + QPoint(0, 80))
    assert sketcher.molecule.position(1)[1] < old[1] - 1  # screen down is y down
    assert sketcher.smiles() == before
    sketcher.undo()
    assert sketcher.molecule.position(1) == pytest.approx(old)


def test_a_click_with_the_move_tool_is_not_an_undo_step(sketcher, qtbot):
    sketcher.set_smiles("*CC*")
    sketcher.select_tool(Tool("move"))
    click(qtbot, sketcher, at_atom(sketcher, 1))
    sketcher.undo()  # undoes the load itself, the last real edit
    assert sketcher.smiles() == ""


def test_typing_a_smiles_in_the_field_lays_it_out(sketcher, qtbot):
    sketcher.smiles_field.setText("*CC(*)c1ccccc1")
    qtbot.keyClick(sketcher.smiles_field, Qt.Key.Key_Return)
    assert len(sketcher.molecule) == 10


def test_an_unparseable_smiles_keeps_the_sketch_and_says_why(sketcher):
    sketcher.set_smiles("*CC*")
    sketcher.set_smiles("*C1CC*")
    assert len(sketcher.molecule) == 4
    assert "ring is opened but never closed" in sketcher.message.text()


def test_dialog_hands_back_the_drawn_smiles(qtbot):
    dialog = SketcherDialog("*CC(*)C")
    qtbot.addWidget(dialog)
    dialog.sketcher.set_smiles("*CC(*)Cl")
    assert dialog.smiles() == "*CC(*)Cl"


# The editable molecule, without Qt events.


def test_rings_fuse_on_bonds_and_attach_to_atoms():
    mol = SketchMolecule()
    mol.add_ring(RINGS["benzene"], (0.0, 0.0))
    mol.fuse_ring(RINGS["benzene"], 0)
    assert mol.smiles() == "c1ccc2ccccc2c1"  # naphthalene: the shared atoms are reused
    mol.clear()
    anchor = mol.add_atom("*", (0.0, 0.0))
    mol.attach_ring(RINGS["cyclohexane"], anchor)
    assert mol.smiles() == "*C1CCCCC1"


def test_chains_zig_zag():
    mol = SketchMolecule()
    atom = mol.add_atom("C", (0.0, 0.0))
    for _ in range(3):
        atom = mol.add_chain_atom(atom, "C")
    # Each next-but-one atom is √3 bond lengths away (120° angles, all trans).
    for i in range(2):
        assert math.dist(mol.position(i), mol.position(i + 2)) == pytest.approx(math.sqrt(3))
    assert math.dist(mol.position(0), mol.position(3)) == pytest.approx(math.sqrt(7))


def test_bracket_hydrogens_follow_bond_edits():
    mol = SketchMolecule()
    mol.load_smiles("*[Si](C)(C)O*")
    methyl = next(
        a.index for a in mol.atoms() if a.symbol == "C" and a.degree == 1
    )
    mol.delete_atom(methyl)
    assert mol.smiles() == "*O[SiH](*)C"
