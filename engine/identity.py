"""One polymer, one name: the smallest repeat unit of a chain and a key for it.

``*C*``, ``*CC*`` and ``*CCCC*`` are the same polyethylene, and ``*OCC*`` and ``*COC*``
the same poly(ethylene oxide), written from another atom. `smallest_repeat_unit` cuts a
unit written as several copies of a smaller one down to that one; `polymer_key` names
the chain whatever unit, start atom or direction it was written with.

Both work on the chain closed head to tail into a ring (`engine.gc.groups.closed_chain`):
a candidate unit of d backbone atoms is the smallest unit when a ring of its copies is
the ring of the unit as written. Only cuts at a backbone bond outside every ring are
tried, so a phenylene or an imide on the backbone is never split.
"""

from __future__ import annotations

import math

from rdkit import Chem

from engine.gc.groups import closed_chain, unit_chain
from engine.polymer import Polymer, PolymerError, RepeatUnit, cached_per_unit


def _numbers(mol: Chem.Mol) -> list[int]:
    return [mol.GetAtomWithIdx(i).GetAtomicNum() for i in range(mol.GetNumAtoms())]


def _ring_smiles(mol: Chem.Mol, copies: int) -> str:
    ring, _, _ = closed_chain(mol, _numbers(mol), copies)
    return Chem.MolToSmiles(ring)


@cached_per_unit(256)
def _unit_ring_smiles(unit: RepeatUnit) -> str:
    """The unit closed into a ring of just enough copies (as `unit_chain`, whose ring the
    group matching of an estimate has already built), as canonical SMILES."""
    ring, _, _ = unit_chain(unit)
    return Chem.MolToSmiles(ring)


def _backbone(unit: RepeatUnit) -> list[int]:
    """Atom indices from the atom after the first ``*`` to the atom before the second."""
    mol = unit.mol
    dummies = [i for i, number in enumerate(unit.atomic_numbers) if number == 0]
    head, tail = (mol.GetAtomWithIdx(d).GetNeighbors()[0].GetIdx() for d in dummies)
    return [head] if head == tail else list(Chem.GetShortestPath(mol, head, tail))


def _heavy_atoms(unit: RepeatUnit) -> dict[str, int]:
    return {element: n for element, n in unit.element_counts.items() if element != "H"}


def _periods(unit: RepeatUnit, length: int) -> list[int]:
    """Backbone lengths ``d`` the unit could be ``length / d`` copies of a piece of.

    Copies multiply every heavy-atom count, so a count the number of copies does not
    divide rules a period out before any molecule is cut (most units have no period
    left; hydrogens are not used, so nothing rests on how the ring counts them).
    """
    heavy = _heavy_atoms(unit).values()
    return [
        d
        for d in range(1, length)
        if length % d == 0 and all(n % (length // d) == 0 for n in heavy)
    ]


def heavy_atom_proportions(unit: RepeatUnit) -> frozenset[tuple[str, int]]:
    """The unit's heavy atoms by element, divided by their greatest common divisor.

    Any number of copies of a unit, and any other way of writing its chain, have the
    same proportions, so units whose proportions differ never share a `polymer_key`:
    a lookup by key can rule most units out without closing any ring.
    """
    heavy = _heavy_atoms(unit)
    divisor = math.gcd(*heavy.values())
    return frozenset((element, n // divisor) for element, n in heavy.items())


def _first_period(mol: Chem.Mol, path: list[int], d: int) -> Chem.Mol | None:
    """The unit of the first ``d`` backbone atoms (with their side groups), or None
    when the bond after them is in a ring (the cut would not separate the unit)."""
    bond = mol.GetBondBetweenAtoms(path[d - 1], path[d])
    if bond.IsInRing():
        return None
    edit = Chem.RWMol(mol)
    kind = bond.GetBondType()
    edit.RemoveBond(path[d - 1], path[d])
    star = edit.AddAtom(Chem.Atom(0))
    edit.AddBond(path[d - 1], star, kind)
    cut = edit.GetMol()
    cut.UpdatePropertyCache(strict=False)
    pieces = Chem.GetMolFrags(cut, asMols=False, sanitizeFrags=False)
    first = next(p for p in pieces if path[0] in p)
    if star not in first:
        return None
    return Chem.RWMol(Chem.PathToSubmol(cut, _bonds_within(cut, first))).GetMol()


def _bonds_within(mol: Chem.Mol, atoms: tuple[int, ...]) -> list[int]:
    inside = set(atoms)
    return [
        b.GetIdx()
        for b in mol.GetBonds()
        if b.GetBeginAtomIdx() in inside and b.GetEndAtomIdx() in inside
    ]


def smallest_repeat_unit(unit: RepeatUnit) -> RepeatUnit:
    """``unit`` itself, or the smaller unit it is several copies of (``*CCCC*`` → ``*C*``).

    Stereo tags are kept as written: a unit whose copies differ in their tags (a
    syndiotactic diad) is not the copy of a smaller one and stays whole.
    """
    mol = unit.mol
    path = _backbone(unit)
    length = len(path)
    whole_copies = max(1, -(-3 // length))  # as many as `unit_chain` closes
    for d in _periods(unit, length):
        piece = _first_period(mol, path, d)
        if piece is None:
            continue
        if _ring_smiles(piece, whole_copies * length // d) != _unit_ring_smiles(unit):
            continue
        try:
            return RepeatUnit.from_smiles(Chem.MolToSmiles(piece))
        except PolymerError:
            continue
    return unit


def polymer_key(unit: RepeatUnit) -> str:
    """A name for the chain, not the way it was written: ``*OCC*``, ``*COC*`` and
    ``*OCCOCC*`` agree.

    The smallest repeat unit is closed head to tail into a ring (of two or three copies
    when its backbone is shorter than three atoms) and the ring's canonical SMILES is
    the key, so it depends neither on where the unit starts, nor on which way it is
    read, nor on how many copies were written.
    """
    return _unit_ring_smiles(smallest_repeat_unit(unit))


def model_smiles(polymer: Polymer) -> str:
    """What a learnt model reads for ``polymer``: each unit cut to its smallest repeat
    unit, without stereo tags, canonical, units in canonical order.

    Stereo tags are dropped because no training polymer carries them (the synthetic
    set never writes them, the cone tests name commercial, mostly atactic grades): a
    tag would be a token the model never learnt, and mirror images would differ.
    Tacticity therefore does not reach the model; the physics does not use it either.
    """
    units = []
    for unit in polymer.units:
        mol = Chem.Mol(smallest_repeat_unit(unit).mol)
        Chem.RemoveStereochemistry(mol)
        units.append(Chem.MolToSmiles(mol))
    return ".".join(sorted(units))
