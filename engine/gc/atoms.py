"""Per-atom facts of a repeat unit, read from RDKit once for every estimator.

Reading an atom property through RDKit's Python wrappers costs about a microsecond, and
the estimators between them walk every atom and its neighbours several times; a unit's
facts are therefore read once into plain tuples of ints and booleans (cached per unit)
and every estimator works on those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rdkit import Chem

from engine.polymer import RepeatUnit, cached_per_unit

_PERIODIC = Chem.GetPeriodicTable()
_SYMBOLS = {0: "*"} | {z: _PERIODIC.GetElementSymbol(z) for z in range(1, 119)}
_AROMATIC = Chem.MolFromSmarts("a")
_SP3_CARBON = Chem.MolFromSmarts("[#6^3]")
#: ``[*H1]`` … ``[*H7]``: atoms by total hydrogen count; sanitising refuses more.
_HYDROGEN_COUNTS = tuple(Chem.MolFromSmarts(f"[*H{count}]") for count in range(1, 8))


@dataclass(frozen=True)
class AtomTable:
    """Per-atom facts of one unit, by atom index of ``unit.mol`` (the two ``*`` included).

    ``neighbours`` are in index order (not RDKit's bond order); ``head`` and ``tail``
    are the atoms bonded to the first and the second ``*``; ``path`` runs from head to
    tail by RDKit's shortest path (just the head when both ``*`` sit on one atom);
    ``rings`` are RDKit's atom rings of the unit.
    """

    numbers: tuple[int, ...]
    symbols: tuple[str, ...]
    hydrogens: tuple[int, ...]
    aromatic: tuple[bool, ...]
    sp3_carbon: tuple[bool, ...]
    neighbours: tuple[tuple[int, ...], ...]
    dummies: tuple[int, ...]
    head: int
    tail: int
    path: tuple[int, ...]
    rings: tuple[tuple[int, ...], ...]

    def chain_neighbours(self) -> list[list[int]]:
        """Neighbours of every atom inside the chain: a ``*`` stands for the atom the
        next (or previous) unit bonds there, the tail for the head and back."""
        far = {self.dummies[0]: self.tail, self.dummies[1]: self.head}
        return [[far.get(j, j) for j in around] for around in self.neighbours]


#: Units whose table is kept: every estimate of a polymer reads it several times.
_CACHE_SIZE = 256


@cached_per_unit(_CACHE_SIZE)
def atom_table(unit: RepeatUnit) -> AtomTable:
    """The facts of ``unit``, read once (module docstring).

    Flags are read by substructure queries, a few calls in all, rather than atom by
    atom: an atom handle alone costs RDKit's wrappers about a microsecond.
    """
    mol = unit.mol
    numbers = unit.atomic_numbers
    dummies = tuple(i for i, z in enumerate(numbers) if z == 0)
    neighbours = _neighbours(mol, len(numbers))
    head, tail = (neighbours[d][0] for d in dummies)
    path = (head,) if head == tail else tuple(Chem.GetShortestPath(mol, head, tail))
    return AtomTable(
        numbers=numbers,
        symbols=tuple(_SYMBOLS[z] for z in numbers),
        hydrogens=_hydrogens(unit),
        aromatic=_flags(mol, _AROMATIC, len(numbers)),
        sp3_carbon=_flags(mol, _SP3_CARBON, len(numbers)),
        neighbours=neighbours,
        dummies=dummies,
        head=head,
        tail=tail,
        path=path,
        rings=tuple(mol.GetRingInfo().AtomRings()),
    )


def _flags(mol: Chem.Mol, query: Chem.Mol, n_atoms: int) -> tuple[bool, ...]:
    """Whether each atom matches a one-atom query."""
    flags = [False] * n_atoms
    for (i,) in mol.GetSubstructMatches(query):
        flags[i] = True
    return tuple(flags)


def _hydrogens(unit: RepeatUnit) -> tuple[int, ...]:
    """Each atom's hydrogens (``GetTotalNumHs``), by one query per count until all of
    the unit's hydrogens are placed.

    A query counts hydrogen atoms bonded as graph atoms too, which ``GetTotalNumHs``
    does not, so a unit that keeps such atoms (deuterium, say) is read atom by atom.
    """
    mol = unit.mol
    if 1 in unit.atomic_numbers:
        return tuple(mol.GetAtomWithIdx(i).GetTotalNumHs() for i in range(mol.GetNumAtoms()))
    hydrogens = [0] * mol.GetNumAtoms()
    left = unit.element_counts.get("H", 0)
    for count, query in enumerate(_HYDROGEN_COUNTS, start=1):
        if not left:
            break
        for (i,) in mol.GetSubstructMatches(query):
            hydrogens[i] = count
            left -= count
    return tuple(hydrogens)


def _neighbours(mol: Chem.Mol, n_atoms: int) -> tuple[tuple[int, ...], ...]:
    """Neighbours of every atom in index order, from one adjacency-matrix call."""
    rows, columns = np.nonzero(Chem.GetAdjacencyMatrix(mol))
    neighbours: list[list[int]] = [[] for _ in range(n_atoms)]
    for i, j in zip(rows.tolist(), columns.tolist(), strict=True):
        neighbours[i].append(j)
    return tuple(map(tuple, neighbours))
