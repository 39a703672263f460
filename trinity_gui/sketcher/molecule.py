"""The sketcher's editable molecule: an RDKit RWMol with 2-D coordinates and undo.

Qt-free, so every edit the canvas makes is one method that tests can call directly.
Chemistry (hydrogens, aromaticity, SMILES, layout) is RDKit's; this module only places
new atoms where a chemist would draw them. Coordinates are RDKit's depiction units
(bond length 1, y up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rdkit import Chem, rdBase
from rdkit.Chem import rdDepictor
from rdkit.Geometry import Point3D

#: Length of a drawn bond, in RDKit depiction units.
BOND_LENGTH = 1.0
#: Elements on the palette; ``*`` is the repeat unit's attachment point.
ELEMENTS = ("C", "N", "O", "S", "F", "Cl", "Br", "Si", "*")
#: The order a click on a bond steps through.
BOND_CYCLE = (
    Chem.BondType.SINGLE,
    Chem.BondType.DOUBLE,
    Chem.BondType.TRIPLE,
    Chem.BondType.AROMATIC,
)
#: Undo steps kept; older ones are dropped.
HISTORY_DEPTH = 200

Point = tuple[float, float]


@dataclass(frozen=True)
class RingTemplate:
    """A ring the palette places in one click."""

    name: str
    size: int
    aromatic: bool


RINGS = {
    "benzene": RingTemplate("Benzene", 6, aromatic=True),
    "cyclohexane": RingTemplate("Cyclohexane", 6, aromatic=False),
}


@dataclass(frozen=True)
class SketchAtom:
    """What the canvas needs to draw one atom."""

    index: int
    symbol: str
    position: Point
    hydrogens: int
    degree: int


@dataclass(frozen=True)
class SketchBond:
    """What the canvas needs to draw one bond."""

    index: int
    begin: int
    end: int
    order: Chem.BondType


_TABLE = Chem.GetPeriodicTable()


def _atomic_number(symbol: str) -> int:
    return 0 if symbol == "*" else _TABLE.GetAtomicNumber(symbol)


class SketchMolecule:
    """A molecule being drawn: edits, hit tests, SMILES in and out, undo."""

    def __init__(self) -> None:
        self._mol = _empty()
        self._history: list[Chem.RWMol] = []

    # -- reading ---------------------------------------------------------------------

    def __len__(self) -> int:
        return self._mol.GetNumAtoms()

    def atoms(self) -> list[SketchAtom]:
        self._mol.UpdatePropertyCache(strict=False)
        return [
            SketchAtom(
                atom.GetIdx(),
                "*" if atom.GetAtomicNum() == 0 else atom.GetSymbol(),
                self.position(atom.GetIdx()),
                atom.GetTotalNumHs(),
                atom.GetDegree(),
            )
            for atom in self._mol.GetAtoms()
        ]

    def bonds(self) -> list[SketchBond]:
        return [
            SketchBond(b.GetIdx(), b.GetBeginAtomIdx(), b.GetEndAtomIdx(), b.GetBondType())
            for b in self._mol.GetBonds()
        ]

    def position(self, index: int) -> Point:
        p = self._mol.GetConformer().GetAtomPosition(index)
        return (p.x, p.y)

    def smiles(self) -> str:
        """Canonical SMILES; a sketch RDKit cannot sanitise is written as drawn.

        Written as drawn, a half-finished sketch still shows its SMILES, and the engine's
        validation then says what is wrong with it.
        """
        if not len(self):
            return ""
        mol = Chem.Mol(self._mol)
        try:
            with rdBase.BlockLogs():
                Chem.SanitizeMol(mol)
        except Exception:
            mol = Chem.Mol(self._mol)
            mol.UpdatePropertyCache(strict=False)
            Chem.FastFindRings(mol)
        mol.RemoveAllConformers()
        return Chem.MolToSmiles(mol)

    def atom_at(self, point: Point, radius: float) -> int | None:
        """The atom nearest to ``point`` within ``radius``."""
        best, best_d = None, radius
        for index in range(len(self)):
            d = _distance(point, self.position(index))
            if d <= best_d:
                best, best_d = index, d
        return best

    def bond_at(self, point: Point, tolerance: float) -> int | None:
        """The bond whose segment passes within ``tolerance`` of ``point``."""
        best, best_d = None, tolerance
        for bond in self._mol.GetBonds():
            a = self.position(bond.GetBeginAtomIdx())
            b = self.position(bond.GetEndAtomIdx())
            d = _segment_distance(point, a, b)
            if d <= best_d:
                best, best_d = bond.GetIdx(), d
        return best

    def bond_between(self, a: int, b: int) -> int | None:
        bond = self._mol.GetBondBetweenAtoms(a, b)
        return None if bond is None else bond.GetIdx()

    # -- undo ------------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Remember the current state, so that `undo` returns to it."""
        self._history.append(Chem.RWMol(self._mol))
        del self._history[:-HISTORY_DEPTH]

    def can_undo(self) -> bool:
        return bool(self._history)

    def undo(self) -> None:
        if self._history:
            self._mol = self._history.pop()

    # -- whole-molecule edits --------------------------------------------------------

    def load_smiles(self, smiles: str) -> None:
        """Replace the sketch by ``smiles`` laid out with RDKit's 2-D coordinates.

        A SMILES RDKit parses but cannot sanitise (a valence error) is loaded as written,
        so the user can fix it by drawing; one it cannot parse raises `ValueError`.
        """
        with rdBase.BlockLogs():
            mol = Chem.MolFromSmiles(smiles)
            if mol is None:
                mol = Chem.MolFromSmiles(smiles, sanitize=False)
                if mol is None:
                    raise ValueError(f"RDKit cannot parse {smiles!r}.")
                mol.UpdatePropertyCache(strict=False)
                Chem.FastFindRings(mol)
        self.checkpoint()
        self._mol = Chem.RWMol(mol)
        self._layout()

    def clean_up(self) -> None:
        """Lay the sketch out again with RDKit's 2-D coordinates."""
        if len(self):
            self.checkpoint()
            self._layout()

    def clear(self) -> None:
        if len(self):
            self.checkpoint()
            self._mol = _empty()

    # -- atom and bond edits ---------------------------------------------------------

    def add_atom(self, symbol: str, position: Point) -> int:
        self.checkpoint()
        return self._new_atom(symbol, position)

    def add_chain_atom(self, anchor: int, symbol: str, position: Point | None = None) -> int:
        """A new atom single-bonded to ``anchor``; by default where the chain would go."""
        self.checkpoint()
        if position is None:
            position = self._step(anchor, self.free_direction(anchor))
        index = self._new_atom(symbol, position)
        self._add_bond(anchor, index, Chem.BondType.SINGLE)
        return index

    def connect(self, a: int, b: int) -> int:
        """Bond two atoms; if they are bonded already, step the bond's order instead."""
        existing = self.bond_between(a, b)
        if existing is not None:
            self.cycle_bond(existing)
            return existing
        self.checkpoint()
        return self._add_bond(a, b, Chem.BondType.SINGLE)

    def cycle_bond(self, index: int) -> None:
        """single → double → triple → aromatic → single."""
        self.checkpoint()
        bond = self._mol.GetBondWithIdx(index)
        current = bond.GetBondType()
        step = BOND_CYCLE.index(current) + 1 if current in BOND_CYCLE else 0
        self._set_bond_type(bond, BOND_CYCLE[step % len(BOND_CYCLE)])

    def set_element(self, index: int, symbol: str) -> None:
        self.checkpoint()
        atom = self._mol.GetAtomWithIdx(index)
        atom.SetAtomicNum(_atomic_number(symbol))
        atom.SetFormalCharge(0)
        atom.SetNoImplicit(False)
        atom.SetNumExplicitHs(0)

    def move_atom(self, index: int, position: Point) -> None:
        """Move without a checkpoint: a drag calls `checkpoint` once, then this often."""
        self._mol.GetConformer().SetAtomPosition(index, Point3D(*position, 0.0))

    def delete_atom(self, index: int) -> None:
        self.checkpoint()
        neighbours = [n.GetIdx() for n in self._mol.GetAtomWithIdx(index).GetNeighbors()]
        self._mol.RemoveAtom(index)
        for n in neighbours:
            self._refresh_atom(n - (n > index))

    def delete_bond(self, index: int) -> None:
        self.checkpoint()
        bond = self._mol.GetBondWithIdx(index)
        a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        self._mol.RemoveBond(a, b)
        self._refresh_atom(a)
        self._refresh_atom(b)

    # -- rings -----------------------------------------------------------------------

    def add_ring(self, template: RingTemplate, center: Point) -> list[int]:
        """A free-standing ring centred on ``center``, one corner pointing up."""
        self.checkpoint()
        radius = _circumradius(template.size)
        corners = [
            _polar(center, radius, math.pi / 2 + 2 * math.pi * k / template.size)
            for k in range(template.size)
        ]
        return self._close_ring(template, corners)

    def attach_ring(self, template: RingTemplate, anchor: int) -> list[int]:
        """A ring single-bonded to ``anchor`` as a substituent (phenyl, cyclohexyl)."""
        self.checkpoint()
        theta = self.free_direction(anchor)
        radius = _circumradius(template.size)
        first = self._step(anchor, theta)
        center = _polar(first, radius, theta)
        corners = [
            _polar(center, radius, theta + math.pi + 2 * math.pi * k / template.size)
            for k in range(template.size)
        ]
        ring = self._close_ring(template, corners)
        self._add_bond(anchor, ring[0], Chem.BondType.SINGLE)
        return ring

    def fuse_ring(self, template: RingTemplate, bond_index: int) -> list[int]:
        """A ring sharing bond ``bond_index``, on the side with fewer atoms."""
        self.checkpoint()
        bond = self._mol.GetBondWithIdx(bond_index)
        a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        pa, pb = self.position(a), self.position(b)
        length = _distance(pa, pb) or BOND_LENGTH
        n = template.size
        apothem = length / (2 * math.tan(math.pi / n))
        mid = ((pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2)
        normal = ((pa[1] - pb[1]) / length, (pb[0] - pa[0]) / length)
        sides = [(mid[0] + s * apothem * normal[0], mid[1] + s * apothem * normal[1])
                 for s in (1, -1)]
        center = min(sides, key=self._crowding)
        radius = length / (2 * math.sin(math.pi / n))
        start = math.atan2(pa[1] - center[1], pa[0] - center[0])
        turn = 2 * math.pi / n
        if _distance(_polar(center, radius, start + turn), pb) > length / 2:
            turn = -turn
        corners = [_polar(center, radius, start + k * turn) for k in range(n)]
        return self._close_ring(template, corners, shared=(a, b))

    # -- geometry --------------------------------------------------------------------

    def free_direction(self, index: int) -> float:
        """Angle (radians) for a new bond from atom ``index``, as a chemist would draw it.

        A chain end continues at 120° on its less crowded side, so chains zig-zag; a
        branch point bisects its widest gap between bonds; a lone atom goes up-right.
        """
        here = self.position(index)
        angles = sorted(
            math.atan2(p[1] - here[1], p[0] - here[0])
            for p in (self.position(n.GetIdx())
                      for n in self._mol.GetAtomWithIdx(index).GetNeighbors())
        )
        if not angles:
            return math.pi / 6
        if len(angles) == 1:
            options = [angles[0] + 2 * math.pi / 3, angles[0] - 2 * math.pi / 3]
            return min(options, key=lambda t: self._crowding(self._step(index, t), index))
        gaps = [
            ((angles[(i + 1) % len(angles)] - angles[i]) % (2 * math.pi) or 2 * math.pi,
             angles[i])
            for i in range(len(angles))
        ]
        width, start = max(gaps)
        return start + width / 2

    def _crowding(self, point: Point, *skip: int) -> float:
        return sum(
            1.0 / (_distance(point, self.position(i)) ** 2 + 1e-3)
            for i in range(len(self))
            if i not in skip
        )

    def _step(self, index: int, theta: float) -> Point:
        return _polar(self.position(index), BOND_LENGTH, theta)

    # -- internals -------------------------------------------------------------------

    def _new_atom(self, symbol: str, position: Point) -> int:
        index = self._mol.AddAtom(Chem.Atom(_atomic_number(symbol)))
        self.move_atom(index, position)
        return index

    def _add_bond(self, a: int, b: int, kind: Chem.BondType) -> int:
        self._mol.AddBond(a, b, kind)
        bond = self._mol.GetBondBetweenAtoms(a, b)
        self._set_bond_type(bond, kind)
        return bond.GetIdx()

    def _set_bond_type(self, bond: Chem.Bond, kind: Chem.BondType) -> None:
        bond.SetBondType(kind)
        bond.SetIsAromatic(kind == Chem.BondType.AROMATIC)
        self._refresh_atom(bond.GetBeginAtomIdx())
        self._refresh_atom(bond.GetEndAtomIdx())

    def _refresh_atom(self, index: int) -> None:
        """After a bond edit: aromatic iff an aromatic bond remains; hydrogens implicit.

        Bracket hydrogens written in a loaded SMILES ([SiH2], [nH]) stop being right
        once bonds change; aromatic ones are kept because kekulisation needs [nH].
        """
        atom = self._mol.GetAtomWithIdx(index)
        atom.SetIsAromatic(any(b.GetIsAromatic() for b in atom.GetBonds()))
        if not atom.GetIsAromatic():
            atom.SetNoImplicit(False)
            atom.SetNumExplicitHs(0)

    def _close_ring(
        self, template: RingTemplate, corners: list[Point], shared: tuple[int, ...] = ()
    ) -> list[int]:
        """Atoms at ``corners`` bonded in a cycle.

        A corner reuses the ``shared`` atom or ring atom already there, so rings fuse
        into ring systems, while chain atoms nearby are left alone.
        """
        kind = Chem.BondType.AROMATIC if template.aromatic else Chem.BondType.SINGLE
        Chem.FastFindRings(self._mol)
        ring = []
        for corner in corners:
            existing = self.atom_at(corner, BOND_LENGTH / 4)
            if existing is not None and (
                existing in shared or self._mol.GetAtomWithIdx(existing).IsInRing()
            ):
                ring.append(existing)
            else:
                ring.append(self._new_atom("C", corner))
        for i, a in enumerate(ring):
            b = ring[(i + 1) % len(ring)]
            bond = self._mol.GetBondBetweenAtoms(a, b)
            if bond is None:
                self._add_bond(a, b, kind)
            elif template.aromatic:
                self._set_bond_type(bond, kind)
        return ring

    def _layout(self) -> None:
        rdDepictor.SetPreferCoordGen(True)
        rdDepictor.Compute2DCoords(self._mol)


def _empty() -> Chem.RWMol:
    mol = Chem.RWMol()
    mol.AddConformer(Chem.Conformer(0), assignId=True)
    return mol


def _circumradius(size: int) -> float:
    return BOND_LENGTH / (2 * math.sin(math.pi / size))


def _polar(origin: Point, radius: float, theta: float) -> Point:
    return (origin[0] + radius * math.cos(theta), origin[1] + radius * math.sin(theta))


def _distance(p: Point, q: Point) -> float:
    return math.hypot(p[0] - q[0], p[1] - q[1])


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if not length2 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy)
                                             / length2))
    return _distance(p, (a[0] + t * dx, a[1] + t * dy))
