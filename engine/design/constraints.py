"""What a design candidate may be: substructures it must or must not hold, the elements
it may contain, how like a starting polymer it must be and its repeat unit's molar mass.

Constraints are checked before a candidate is predicted, so they cost a parse and a few
substructure matches, never a cone simulation. A substructure is looked for in the
repeat unit as written and in the chain closed head to tail (two units joined into a
ring), so a group the unit's ends cut in two (an ester written ``*C(=O)…O*``) is still
found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, cached_property

from rdkit import Chem, DataStructs

from engine.gc.groups import closed_chain
from engine.polymer import Polymer, PolymerError, parse_polymer
from engine.similarity import fingerprint

#: Similarity to ``near`` a candidate needs when none is given (Tanimoto on Morgan
#: radius-2 fingerprints; PET and PBT are 0.80 alike, PMMA and PS 0.09).
DEFAULT_MIN_SIMILARITY = 0.4


class ConstraintError(ValueError):
    """A constraint that cannot be used (bad SMARTS, element, range); one sentence."""


def _pattern(smarts: str, flag: str) -> Chem.Mol:
    pattern = Chem.MolFromSmarts(smarts) if smarts.strip() else None
    if pattern is None:
        raise ConstraintError(
            f"{flag} {smarts!r} is not a SMARTS pattern RDKit can read; write a "
            "substructure such as \"c1ccccc1\" (a benzene ring) or \"[Cl,Br]\".")
    return pattern


@dataclass(frozen=True)
class Constraints:
    """``require``/``exclude``: SMARTS a candidate must / must not contain;
    ``elements``: the heavy elements it may contain (hydrogen is always allowed; empty:
    any); ``near``: a starting polymer's SMILES, with ``min_similarity`` to it;
    ``molar_mass_g_mol``: the repeat unit's (low, high), either None for open."""

    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    near: str | None = None
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    molar_mass_g_mol: tuple[float | None, float | None] = (None, None)

    def __post_init__(self) -> None:
        for symbol in self.elements:
            if not _is_element(symbol):
                raise ConstraintError(
                    f"--elements: {symbol!r} is not an element symbol; give symbols "
                    "separated by commas, e.g. C,O,N.")
        if not 0.0 <= self.min_similarity <= 1.0:
            raise ConstraintError("The minimum similarity must lie between 0 and 1.")
        low, high = self.molar_mass_g_mol
        if (low is not None and (not math.isfinite(low) or low < 0)) or (
                high is not None and (not math.isfinite(high) or high <= 0)) or (
                low is not None and high is not None and low > high):
            raise ConstraintError(
                "The molar mass range must be LOW:HIGH in g/mol with 0 ≤ LOW ≤ HIGH, "
                "e.g. 80:400 (either side may be left empty).")
        self.require_patterns  # noqa: B018 - compile now, so a bad SMARTS fails at once
        self.exclude_patterns  # noqa: B018
        self.near_fingerprint  # noqa: B018

    @cached_property
    def require_patterns(self) -> tuple[Chem.Mol, ...]:
        return tuple(_pattern(s, "--require") for s in self.require)

    @cached_property
    def exclude_patterns(self) -> tuple[Chem.Mol, ...]:
        return tuple(_pattern(s, "--exclude") for s in self.exclude)

    @cached_property
    def near_polymer(self) -> Polymer | None:
        if self.near is None:
            return None
        try:
            return parse_polymer(self.near)
        except PolymerError as error:
            raise ConstraintError(f"--near {self.near!r}: {error}") from None

    @cached_property
    def near_fingerprint(self):
        return fingerprint(self.near_polymer.smiles) if self.near_polymer is not None else None

    @property
    def active(self) -> bool:
        return bool(self.require or self.exclude or self.elements or self.near
                    or self.molar_mass_g_mol != (None, None))

    def violation(self, polymer: Polymer) -> str:
        """Which constraint refuses ``polymer`` (one phrase per constraint, so refusals
        can be counted by it), or "" when it passes every one."""
        if self.elements:
            allowed = {*self.elements, "H"}
            if set(polymer.element_counts) - allowed:
                return f"holds an element other than {', '.join(self.elements)} or H"
        low, high = self.molar_mass_g_mol
        mass = polymer.molar_mass_kg_mol * 1000.0
        if (low is not None and mass < low) or (high is not None and mass > high):
            return "repeat unit outside the molar mass range"
        if self.require_patterns or self.exclude_patterns:
            mols = _views(polymer)
            for smarts, pattern in zip(self.require, self.require_patterns, strict=True):
                if not any(m.HasSubstructMatch(pattern) for m in mols):
                    return f"lacks {smarts}"
            for smarts, pattern in zip(self.exclude, self.exclude_patterns, strict=True):
                if any(m.HasSubstructMatch(pattern) for m in mols):
                    return f"holds {smarts}"
        if self.near_fingerprint is not None:
            found = self.similarity_to_near(polymer)
            if found < self.min_similarity:
                return f"less than {self.min_similarity:g} alike to the starting polymer"
        return ""

    def similarity_to_near(self, polymer: Polymer) -> float:
        if self.near_fingerprint is None:
            return math.nan
        return DataStructs.TanimotoSimilarity(fingerprint(polymer.smiles), self.near_fingerprint)

    def describe(self) -> list[str]:
        """One phrase per constraint, for reports."""
        out = [f"contains {s}" for s in self.require]
        out += [f"does not contain {s}" for s in self.exclude]
        if self.elements:
            out.append(f"elements {', '.join(self.elements)} (and H)")
        if self.near:
            out.append(f"similarity ≥ {self.min_similarity:g} to {self.near}")
        low, high = self.molar_mass_g_mol
        if low is not None or high is not None:
            out.append(f"repeat unit {'' if low is None else f'{low:g}'}–"
                       f"{'' if high is None else f'{high:g}'} g/mol")
        return out


@cache
def _symbols() -> frozenset[str]:
    """Element symbols, read from RDKit's table (asking it for an unknown one prints a
    C++ stack trace)."""
    table = Chem.GetPeriodicTable()
    return frozenset(table.GetElementSymbol(z) for z in range(1, 119))


def _is_element(symbol: str) -> bool:
    return symbol in _symbols()


def _views(polymer: Polymer) -> list[Chem.Mol]:
    """Each unit as written and closed head to tail into a ring of two units."""
    views = []
    for unit in polymer.units:
        views.append(unit.mol)
        views.append(closed_chain(unit.mol, unit.atomic_numbers, 2)[0])
    return views
