"""The group library: SMARTS patterns that cut a repeat unit into structural groups.

Groups are data (``resources/gc/groups.csv``), matched in file order, larger groups
first; each heavy atom belongs to exactly one group. Atoms no group claims are
reported by name, so a property estimate never silently ignores part of a molecule.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdkit import Chem

from engine.polymer import Polymer, RepeatUnit, cached_per_unit
from engine.resources import resource_path


@dataclass(frozen=True)
class Group:
    """One structural group: its name, SMARTS and the publication it follows."""

    name: str
    smarts: str
    description: str
    source: str
    pattern: Chem.Mol
    claimed: tuple[int, ...]
    elements: frozenset[int]


@dataclass(frozen=True)
class Fragmentation:
    """Groups found in one repeat unit, and the atoms no group covered."""

    counts: dict[str, int]
    atom_groups: tuple[str | None, ...]
    uncovered: tuple[int, ...]

    @property
    def complete(self) -> bool:
        return not self.uncovered


class CoverageError(ValueError):
    """Some heavy atoms of a repeat unit match no group of the library."""


@cache
def load_groups(path: Path | None = None) -> tuple[Group, ...]:
    """Read the group library (every row must carry a SMARTS and a source)."""
    path = path or resource_path("gc", "groups.csv")
    groups = []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            pattern = Chem.MolFromSmarts(row["smarts"])
            if pattern is None or not row.get("source"):
                raise ValueError(f"{path}, line {line}: bad SMARTS or missing source.")
            claimed = tuple(
                a.GetIdx() for a in pattern.GetAtoms() if a.GetSmarts() not in ("*", "[*]")
            )
            elements = frozenset(
                a.GetAtomicNum() for a in pattern.GetAtoms() if a.GetAtomicNum() > 0
            )
            groups.append(
                Group(
                    row["group"],
                    row["smarts"],
                    row["description"],
                    row["source"],
                    pattern,
                    claimed,
                    elements,
                )
            )
    return tuple(groups)


def fragment_unit(unit: RepeatUnit, groups: tuple[Group, ...] | None = None) -> Fragmentation:
    """Assign every heavy atom of a repeat unit to one group (greedy, library order).

    The unit is matched inside its chain: the two ends are joined into a ring (of
    several copies when the backbone is shorter than three atoms), so a group that
    spans the join, like the ester of ``*OCCOC(=O)c1ccc(C(*)=O)cc1``, is found whole.
    A ``*`` written in a SMARTS (``[CX3H1]=*``) is context and is not claimed.
    """
    groups = groups or load_groups()
    numbers = unit.atomic_numbers
    ring, origin, copies = unit_chain(unit)
    present = set(numbers)
    owner: list[str | None] = [None] * ring.GetNumAtoms()
    unclaimed = len(owner)
    counts: Counter[str] = Counter()
    for group in groups:
        if not unclaimed:  # every atom has its group: no later group can claim one
            break
        if not group.elements <= present:
            continue
        for match in ring.GetSubstructMatches(group.pattern, uniquify=False):
            atoms = [match[i] for i in group.claimed]
            if any(owner[a] is not None for a in atoms):
                continue
            for a in atoms:
                owner[a] = group.name
            unclaimed -= len(atoms)
            counts[group.name] += 1
    unit_owner: list[str | None] = [None] * len(numbers)
    for ring_idx, unit_idx in enumerate(origin):
        if unit_owner[unit_idx] is None:
            unit_owner[unit_idx] = owner[ring_idx]
    uncovered = tuple(
        i for i, number in enumerate(numbers) if number != 0 and unit_owner[i] is None
    )
    per_unit = {name: n // copies for name, n in counts.items()}
    return Fragmentation(per_unit, tuple(unit_owner), uncovered)


#: Units whose closed chain is kept: the group matching of an estimate and the polymer
#: key its melting step may need use the same ring.
_CHAIN_CACHE_SIZE = 256


@cached_per_unit(_CHAIN_CACHE_SIZE)
def unit_chain(unit: RepeatUnit) -> tuple[Chem.Mol, list[int], int]:
    """`closed_chain` of a unit with just enough copies, built once for all its users.

    The ring is shared: callers read it and never edit it.
    """
    return closed_chain(unit.mol, unit.atomic_numbers)


def closed_chain(
    mol: Chem.Mol, numbers: Sequence[int], copies: int | None = None
) -> tuple[Chem.Mol, list[int], int]:
    """The repeat unit joined head to tail into a ring of ``copies`` units.

    ``numbers`` are the atomic numbers of ``mol`` (0 for the two ``*``). Returns the
    ring molecule, the unit atom index of each ring atom, and the number of copies
    (None: just enough for a ring of at least three backbone atoms).
    """
    dummies = [i for i, number in enumerate(numbers) if number == 0]
    head, tail = (mol.GetAtomWithIdx(d).GetNeighbors()[0].GetIdx() for d in dummies)
    backbone = len(Chem.GetShortestPath(mol, head, tail)) if head != tail else 1
    if copies is None:
        copies = max(1, -(-3 // backbone))
    keep = [i for i, number in enumerate(numbers) if number != 0]
    index = {old: new for new, old in enumerate(keep)}
    ring = Chem.RWMol(mol)  # the first copy: the unit less its two *
    for d in sorted(dummies, reverse=True):
        ring.RemoveAtom(d)
    if copies > 1:
        core = ring.GetMol()
        for _ in range(copies - 1):
            ring.InsertMol(core)
    origin = keep * copies
    n = len(keep)
    for c in range(copies):
        nxt = (c + 1) % copies
        ring.AddBond(c * n + index[tail], nxt * n + index[head], Chem.BondType.SINGLE)
    out = ring.GetMol()
    out.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(out)
    return out, origin, copies


def fragment(polymer: Polymer) -> dict[str, float]:
    """Group counts per average repeat unit; raises `CoverageError` naming stray atoms."""
    totals: Counter[str] = Counter()
    for unit, x in zip(polymer.units, polymer.mole_fractions, strict=True):
        frag = fragment_unit(unit)
        if frag.uncovered:
            raise CoverageError(describe_uncovered(unit, frag))
        for name, n in frag.counts.items():
            totals[name] += x * n
    return dict(totals)


def describe_uncovered(unit: RepeatUnit, frag: Fragmentation) -> str:
    """One sentence naming the atoms of ``unit`` that no group covers."""
    names = ", ".join(f"{unit.mol.GetAtomWithIdx(i).GetSymbol()}{i + 1}" for i in frag.uncovered)
    return (
        f"The group library does not cover atom(s) {names} of {unit.smiles}; "
        "no property estimate is made for a partly covered repeat unit."
    )


def group_atoms(polymer: Polymer) -> dict[str, tuple[int, ...]]:
    """Atoms each group covers, as atom indices of the depiction (`depict_svg`).

    The depiction draws ``polymer.smiles``, whose units follow one another, so each
    unit's atoms are offset by the atoms of the units before it. Lets a view highlight
    a group on the drawing without knowing how units are matched.
    """
    atoms: dict[str, list[int]] = {}
    offset = 0
    for unit in polymer.units:
        for index, name in enumerate(fragment_unit(unit).atom_groups):
            if name is not None:
                atoms.setdefault(name, []).append(offset + index)
        offset += unit.mol.GetNumAtoms()
    return {name: tuple(indices) for name, indices in atoms.items()}
