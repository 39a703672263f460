"""Flame chemistry from composition: the combustion efficiency χ of a polymer's volatiles.

A cone flame does not burn its fuel completely: aromatic fuels leave more soot and CO
than aliphatic ones (Tewarson's chemical heats of combustion, SFPE Handbook, fall
further below the net heats for aromatic polymers), and halogens inhibit the flame
further. χ is therefore a property of the fuel, estimated per flame class from the
structure:

* halogenated: the polymer holds Cl, Br or I (its fuel, once the HX has left, is the
  aromatic tar of a polyene; without a halogenated polymer in a fit it takes the
  aromatic value);
* aromatic: aromatic carbon is at least `AROMATIC_MASS_SHARE` of the mass (PS, PET, PC);
* aliphatic: everything else (polyolefins, PMMA, polyamides).

Phosphorus and antimony flame retardants are not modelled (no cone test of such a
polymer with a structure ships with Trinity).

The χ of each class is a `FlameModel`; the shipped one (``resources/gc/flame.csv``) is
fitted by this project to the cone tests as measured THR over THR simulated at χ = 1
(``benchmarks/bench_cone_validation.py --fit-tables``); `fit_flame_model` refits it
without a polymer, for leave-one-polymer-out validation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from engine.gc.atoms import atom_table
from engine.gc.tables import table_rows
from engine.polymer import Polymer, RepeatUnit, atomic_mass_kg_mol

ALIPHATIC = "aliphatic"
AROMATIC = "aromatic"
HALOGENATED = "halogenated"
FLAME_CLASSES = (ALIPHATIC, AROMATIC, HALOGENATED)

#: Mass share of aromatic carbon from which a fuel is sooty (PET 0.38, PS 0.69, ABS
#: ≈ 0.4; aliphatic polymers 0): a round cut between the two groups.
AROMATIC_MASS_SHARE = 0.2
#: χ is kept within these bounds: below, a flame would not be sustained; above, complete.
EFFICIENCY_BOUNDS = (0.2, 1.0)

_INHIBITING_HALOGENS = ("Cl", "Br", "I")


class FlameFitError(ValueError):
    """The cone records cannot fit a flame model (one sentence why)."""


@dataclass(frozen=True)
class FlameModel:
    """Combustion efficiency per flame class; `fallback` for a class the fit had no
    polymer of (halogenated falls back to aromatic first)."""

    efficiencies: Mapping[str, float]
    fallback: float
    source: str

    def combustion_efficiency(self, flame_class: str) -> float:
        if flame_class in self.efficiencies:
            return float(self.efficiencies[flame_class])
        if flame_class == HALOGENATED and AROMATIC in self.efficiencies:
            return float(self.efficiencies[AROMATIC])
        return float(self.fallback)


@cache
def shipped_flame() -> FlameModel:
    """The model of ``resources/gc/flame.csv`` (row 'all' is the fallback)."""
    rows = {row["flame_class"]: row for row in table_rows("flame.csv")}
    fallback = rows.pop("all")
    return FlameModel(
        efficiencies={c: float(r["combustion_efficiency"]) for c, r in rows.items()},
        fallback=float(fallback["combustion_efficiency"]),
        source=fallback["source"],
    )


def aromatic_carbon_mass_share(polymer: Polymer) -> float:
    """kg of aromatic carbon per kg of polymer."""
    carbon = atomic_mass_kg_mol("C")
    return sum(
        w * _aromatic_carbons(unit) * carbon / unit.molar_mass_kg_mol
        for unit, w in zip(polymer.units, polymer.unit_mass_fractions, strict=True)
    )


def _aromatic_carbons(unit: RepeatUnit) -> int:
    """Aromatic carbon atoms of a unit, read from its `atom_table` (which the estimate
    has built already) rather than by a query of its own."""
    table = atom_table(unit)
    return sum(
        aromatic and number == 6
        for number, aromatic in zip(table.numbers, table.aromatic, strict=True)
    )


def flame_class(polymer: Polymer) -> str:
    """The flame class of a polymer (module docstring)."""
    counts = polymer.element_counts
    if any(counts.get(x, 0.0) > 0 for x in _INHIBITING_HALOGENS):
        return HALOGENATED
    if aromatic_carbon_mass_share(polymer) >= AROMATIC_MASS_SHARE:
        return AROMATIC
    return ALIPHATIC


@dataclass(frozen=True)
class HeatRecord:
    """One cone test: measured THR over THR simulated with χ = 1."""

    polymer: str
    flame_class: str
    ratio: float


def fit_flame_model(
    records: Iterable[HeatRecord], *, exclude: Iterable[str] = (), source: str
) -> FlameModel:
    """χ per class: the median over its polymers of each polymer's median THR ratio (so
    that PMMA's hundred tests count once), within `EFFICIENCY_BOUNDS`."""
    left_out = set(exclude)
    per_polymer: dict[str, list[float]] = {}
    classes: dict[str, str] = {}
    for r in records:
        if r.polymer in left_out or not (math.isfinite(r.ratio) and r.ratio > 0):
            continue
        per_polymer.setdefault(r.polymer, []).append(r.ratio)
        classes[r.polymer] = r.flame_class
    if not per_polymer:
        raise FlameFitError("no cone records with a THR are left to fit the flame model.")
    medians = {p: _median(v) for p, v in per_polymer.items()}
    efficiencies = {}
    for name in FLAME_CLASSES:
        values = [m for p, m in medians.items() if classes[p] == name]
        if values:
            efficiencies[name] = _bounded(_median(values))
    return FlameModel(efficiencies, _bounded(_median(list(medians.values()))), source)


def _bounded(value: float) -> float:
    low, high = EFFICIENCY_BOUNDS
    return min(max(value, low), high)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
