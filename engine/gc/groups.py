"""The group library: SMARTS patterns that cut a repeat unit into structural groups.

Groups are data (``resources/gc/groups.csv``), matched in file order, larger groups
first; each heavy atom belongs to exactly one group. Atoms no group claims are
reported by name, so a property estimate never silently ignores part of a molecule.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdkit import Chem

from engine.gc.atoms import atom_table
from engine.polymer import Polymer, RepeatUnit, cached_per_unit
from engine.resources import resource_path

#: A SMARTS that claims one atom decided by the atom alone: an element (lowercase:
#: aromatic), optionally its total degree X and total hydrogens H, optionally a double
#: or triple bond to any atom (``[CX3H2]=*``). Such a match is the same in the unit as in
#: its closed chain: the chain swaps each ``*`` for the atom bonded there, by a single
#: bond as the ``*``'s own, so no degree, hydrogen count or multiple bond changes.
_ATOM_SMARTS = re.compile(
    r"\[(?P<symbol>Cl|Br|Si|[BCNOPSFI]|[cnops])(?:X(?P<degree>\d))?(?:H(?P<hydrogens>\d))?\]"
    r"(?:(?P<bond>[=#])\*)?"
)
_BOND_QUERIES = {"=": Chem.MolFromSmarts("*=*"), "#": Chem.MolFromSmarts("*#*")}


@dataclass(frozen=True)
class AtomTest:
    """What a one-atom group asks of the atom it claims (`_ATOM_SMARTS`); None: any."""

    number: int
    aromatic: bool
    degree: int | None
    hydrogens: int | None
    bond: str | None

    def passes(self, facts: tuple[int, bool, int, int, frozenset[str]]) -> bool:
        number, aromatic, degree, hydrogens, bonds = facts
        return (
            number == self.number
            and aromatic == self.aromatic
            and self.degree in (None, degree)
            and self.hydrogens in (None, hydrogens)
            and self.bond in (None, *bonds)
        )


def _pattern_atom_tests(pattern: Chem.Mol) -> tuple[AtomTest | None, ...] | None:
    """What each atom of a pattern asks of the atom it matches, as far as its facts tell
    (None for a ``*``, which any atom passes), or None when some atom's query is beyond
    `AtomTest`. A unit without an atom passing each test has no match of the pattern."""
    tests: list[AtomTest | None] = []
    for atom in pattern.GetAtoms():
        smarts = atom.GetSmarts().replace("&", "")  # RDKit writes [C&X3] for [CX3]
        if smarts in ("*", "[*]"):
            tests.append(None)
            continue
        orders = {b.GetSmarts() for b in atom.GetBonds()} & {"=", "#"}
        if len(orders) > 1:
            return None
        written = smarts if smarts.startswith("[") else f"[{smarts}]"
        test = atom_test(written + (f"{orders.pop()}*" if orders else ""))
        if test is None:
            return None
        tests.append(test)
    return tuple(tests)


def atom_test(smarts: str) -> AtomTest | None:
    """The `AtomTest` of a one-atom SMARTS, or None for any other pattern."""
    match = _ATOM_SMARTS.fullmatch(smarts)
    if match is None:
        return None
    symbol, degree, hydrogens = match["symbol"], match["degree"], match["hydrogens"]
    return AtomTest(
        Chem.GetPeriodicTable().GetAtomicNumber(symbol.capitalize()),
        symbol.islower(),
        None if degree is None else int(degree),
        None if hydrogens is None else int(hydrogens),
        match["bond"],
    )


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
    test: AtomTest | None = None
    atom_tests: tuple[AtomTest | None, ...] | None = None


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
                    atom_test(row["smarts"]),
                    _pattern_atom_tests(pattern),
                )
            )
    return tuple(groups)


def fragment_unit(unit: RepeatUnit, groups: tuple[Group, ...] | None = None) -> Fragmentation:
    """Assign every heavy atom of a repeat unit to one group (greedy, library order).

    The unit is matched inside its chain: the two ends are joined into a ring (of
    several copies when the backbone is shorter than three atoms), so a group that
    spans the join, like the ester of ``*OCCOC(=O)c1ccc(C(*)=O)cc1``, is found whole.
    A ``*`` written in a SMARTS (``[CX3H1]=*``) is context and is not claimed.

    A one-atom group (`AtomTest`) is read from the unit's atom facts rather than matched
    on the ring, since it claims the same atoms either way; the ring is built and
    matched only for the larger groups the unit has the elements of. A unit with a
    hydrogen kept as a graph atom is matched the plain way throughout
    (`fragment_on_ring`), since the facts' hydrogen counts leave such atoms out.
    """
    groups = groups or load_groups()
    numbers = unit.atomic_numbers
    if 1 in numbers:
        return fragment_on_ring(unit, groups)
    present = set(numbers)
    first, matchable = _atom_facts(unit, groups)
    if not any(groups[i].test is None and groups[i].elements <= present for i in matchable):
        counts = Counter(sorted(i for i in first if i is not None))
        atom_groups = tuple(None if i is None else groups[i].name for i in first)
        uncovered = tuple(
            i for i, number in enumerate(numbers) if number != 0 and first[i] is None
        )
        return Fragmentation({groups[i].name: n for i, n in counts.items()}, atom_groups, uncovered)
    ring, origin, copies = unit_chain(unit)
    sites: dict[int, list[int]] = {}
    for ring_idx, unit_idx in enumerate(origin):
        if first[unit_idx] is not None:
            sites.setdefault(first[unit_idx], []).append(ring_idx)
    return _claim(unit, groups, ring, origin, copies, sites, matchable)


def fragment_on_ring(unit: RepeatUnit, groups: tuple[Group, ...] | None = None) -> Fragmentation:
    """`fragment_unit` the plain way: every group, one-atom groups too, matched on the ring."""
    ring, origin, copies = unit_chain(unit)
    groups = groups or load_groups()
    return _claim(unit, groups, ring, origin, copies, None, frozenset(range(len(groups))))


def _claim(
    unit: RepeatUnit,
    groups: tuple[Group, ...],
    ring: Chem.Mol,
    origin: list[int],
    copies: int,
    sites: dict[int, list[int]] | None,
    matchable: frozenset[int],
) -> Fragmentation:
    """Claim the ring's atoms group by group; ``sites``: the ring atoms each one-atom
    group is the first to pass (by its index in ``groups``), or None to match those
    groups on the ring as well; a group whose index is not in ``matchable`` has no match."""
    numbers = unit.atomic_numbers
    present = set(numbers)
    owner: list[str | None] = [None] * ring.GetNumAtoms()
    unclaimed = len(owner)
    counts: Counter[str] = Counter()
    for index, group in enumerate(groups):
        if not unclaimed:  # every atom has its group: no later group can claim one
            break
        if not group.elements <= present or index not in matchable:
            continue
        if sites is not None and group.test is not None:
            matches = [(a,) for a in sites.get(index, ())]
            claimed: tuple[int, ...] = (0,)
        else:
            matches = ring.GetSubstructMatches(group.pattern, uniquify=False)
            claimed = group.claimed
        for match in matches:
            atoms = [match[i] for i in claimed]
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


#: Per group library (by identity, kept alive here): the first one-atom group each kind
#: of atom passes, and the groups the atoms of each set of kinds can match
#: (`_atom_facts`).
_LIBRARY_FACTS: dict[int, tuple[tuple[Group, ...], dict, dict]] = {}


def _atom_facts(
    unit: RepeatUnit, groups: tuple[Group, ...]
) -> tuple[list[int | None], frozenset[int]]:
    """For each atom of ``unit``, the index in ``groups`` of the first one-atom group it
    passes (None: none, and for the ``*``), and the indices of the groups the unit can
    match at all.

    Only the first one-atom group can claim an atom: a later one finds it claimed by
    then, by that group or by a larger one before it. A larger group can match only if
    each of its atoms' `AtomTest` is passed by some atom of the unit (its ring has the
    same kinds of atoms), which rules most of them out without matching.
    """
    library = _LIBRARY_FACTS.get(id(groups))
    if library is None or library[0] is not groups:
        library = _LIBRARY_FACTS[id(groups)] = (groups, {}, {})
    _, known, matchable_by_kinds = library
    table = atom_table(unit)
    bonds: list[set[str]] = [set() for _ in table.numbers]
    for symbol, query in _BOND_QUERIES.items():
        for match in unit.mol.GetSubstructMatches(query):
            for a in match:
                bonds[a].add(symbol)
    first: list[int | None] = []
    kinds = set()
    for number, aromatic, around, hydrogens, bonded in zip(
        table.numbers, table.aromatic, table.neighbours, table.hydrogens, bonds, strict=True
    ):
        facts = (number, aromatic, len(around) + hydrogens, hydrogens, frozenset(bonded))
        if facts not in known:
            known[facts] = next(
                (i for i, g in enumerate(groups) if g.test is not None and g.test.passes(facts)),
                None,
            )
        first.append(known[facts])
        if number:
            kinds.add(facts)
    key = frozenset(kinds)
    matchable = matchable_by_kinds.get(key)
    if matchable is None:
        matchable = matchable_by_kinds[key] = frozenset(
            i
            for i, g in enumerate(groups)
            if g.atom_tests is None
            or all(t is None or any(t.passes(k) for k in key) for t in g.atom_tests)
        )
    return first, matchable


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
