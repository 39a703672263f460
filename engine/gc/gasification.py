"""How a polymer gasifies, from its structure: decomposition mechanism, the gas that
leaves first without burning, and the heat of pyrolysis of each mechanism.

Polymers that break down the same way need about the same heat per kg to do it
(Tewarson's heats of gasification, SFPE Handbook, group by mechanism: unzipping
PMMA and POM, random-scission polyolefins, char-forming aromatics, eliminating PVC).
The mechanism is read from the repeat unit:

* elimination: a halogen on an sp3 carbon next to a C–H (HCl from PVC, HF from PVDF),
  or a hydroxyl on an sp3 carbon (water from PVA). The small molecule leaves first;
  it is not fuel (`eliminated_gas_fraction`).
* char forming: at least half the atoms on the backbone path are aromatic (PC, PEEK,
  PPO, PEI, phenolics); PET and PBT, with one ring in ten backbone atoms, are not.
* unzipping: a backbone carbon without hydrogen that carries an ester or an aromatic
  ring (PMMA, poly(α-methylstyrene)), an acetal carbon between two backbone oxygens
  (POM), or a backbone carbon bearing fluorine and no hydrogen (PTFE).
* random scission: everything else (polyolefins, PS, polyesters, polyamides).

A copolymer takes the mechanism of its unit with the largest mass fraction.

The heat of pyrolysis per mechanism is a `GasificationModel`; the shipped one is
``resources/gc/gasification.csv``, fitted by this project to the cone tests
(``benchmarks/bench_cone_validation.py --fit-tables``); `fit_gasification_model` refits
it without a polymer, for leave-one-polymer-out validation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from rdkit import Chem

from engine.gc.atoms import atom_table
from engine.gc.tables import table_rows
from engine.polymer import Polymer, RepeatUnit, atomic_mass_kg_mol, cached_per_unit

UNZIPPING = "unzipping"
RANDOM_SCISSION = "random_scission"
CHAR_FORMING = "char_forming"
ELIMINATION = "elimination"
MECHANISMS = (UNZIPPING, RANDOM_SCISSION, CHAR_FORMING, ELIMINATION)

#: A backbone at least this aromatic (aromatic atoms / atoms on the path) forms char.
CHAR_FORMING_AROMATIC_SHARE = 0.5

_HALOGENS = ("F", "Cl", "Br", "I")
_ESTER_CARBON = Chem.MolFromSmarts("[CX3](=O)[OX2]")


class GasificationFitError(ValueError):
    """The cone records cannot fit a gasification model (one sentence why)."""


@dataclass(frozen=True)
class GasificationModel:
    """Heat of pyrolysis (J/kg of source consumed) per mechanism, and where it came from.

    `fallback` applies to a mechanism without a value (no polymer of that class in the
    fit); `source` is shown next to every estimate it makes.
    """

    heats_j_kg: Mapping[str, float]
    fallback_j_kg: float
    source: str

    def heat_of_reaction(self, mechanism: str) -> float:
        return float(self.heats_j_kg.get(mechanism, self.fallback_j_kg))


@cache
def shipped_gasification() -> GasificationModel:
    """The model of ``resources/gc/gasification.csv`` (row 'all' is the fallback)."""
    rows = {row["mechanism"]: row for row in table_rows("gasification.csv")}
    fallback = rows.pop("all")
    return GasificationModel(
        heats_j_kg={m: float(r["heat_of_reaction_j_kg"]) for m, r in rows.items()},
        fallback_j_kg=float(fallback["heat_of_reaction_j_kg"]),
        source=fallback["source"],
    )


# --- structure ---------------------------------------------------------------------------


def _eliminated_molar_mass(unit: RepeatUnit) -> float:
    """kg/mol of HX and water one unit can eliminate: each halogen or hydroxyl on an sp3
    carbon whose neighbour carbon has a hydrogen to give (as many as those hydrogens).

    The carbon's neighbours are taken in RDKit's order: which one gives its hydrogen
    decides what the next halogen finds."""
    table = atom_table(unit)
    symbols, hydrogens = table.symbols, table.hydrogens
    mass = 0.0
    spare_h: dict[int, int] = {}
    for i, symbol in enumerate(symbols):
        if symbol not in _HALOGENS and not (symbol == "O" and hydrogens[i] == 1):
            continue
        carbon = table.neighbours[i][0]  # a halogen or hydroxyl has one neighbour
        if not table.sp3_carbon[carbon]:
            continue
        for nb in unit.mol.GetAtomWithIdx(carbon).GetNeighbors():
            idx = nb.GetIdx()
            spare_h.setdefault(idx, hydrogens[idx])
            if symbols[idx] == "C" and spare_h[idx] > 0:
                spare_h[idx] -= 1
                leaving = symbol if symbol != "O" else "OH"
                mass += _leaving_mass(leaving)
                break
    return mass


def _leaving_mass(group: str) -> float:
    hydrogen = atomic_mass_kg_mol("H")
    if group == "OH":
        return atomic_mass_kg_mol("O") + 2 * hydrogen  # H2O
    return atomic_mass_kg_mol(group) + hydrogen  # HX


#: Units whose facts are kept: an estimate asks for them twice (mechanism, then the
#: eliminated gas), and predictions meet the same units again and again.
_UNIT_CACHE_SIZE = 8192


@cached_per_unit(_UNIT_CACHE_SIZE)
def _unit_facts(unit: RepeatUnit) -> tuple[str, float]:
    """(mechanism, kg/mol eliminated) of one unit, read from its own molecule."""
    eliminated = _eliminated_molar_mass(unit)
    return _unit_mechanism(unit, eliminated), eliminated


def unit_mechanism(unit: RepeatUnit) -> str:
    """The decomposition mechanism of one repeat unit (module docstring)."""
    return _unit_facts(unit)[0]


def _unit_mechanism(unit: RepeatUnit, eliminated_kg_mol: float) -> str:
    if eliminated_kg_mol > 0:
        return ELIMINATION
    table = atom_table(unit)
    symbols, aromatic, neighbours = table.symbols, table.aromatic, table.neighbours
    backbone = table.path
    if sum(aromatic[i] for i in backbone) / len(backbone) >= CHAR_FORMING_AROMATIC_SHARE:
        return CHAR_FORMING
    on_path = set(backbone)
    ester_carbons = {match[0] for match in unit.mol.GetSubstructMatches(_ESTER_CARBON)}
    for i in backbone:
        if symbols[i] != "C" or aromatic[i] or table.hydrogens[i] > 0:
            continue
        side = [nb for nb in neighbours[i] if nb not in on_path]
        if any(nb in ester_carbons or aromatic[nb] for nb in side):
            return UNZIPPING
        if any(symbols[nb] == "F" for nb in side):
            return UNZIPPING
    for i in backbone:
        chain_oxygens = [nb for nb in neighbours[i] if symbols[nb] == "O" and nb in on_path]
        if symbols[i] == "C" and len(chain_oxygens) == 2 and not aromatic[i]:
            return UNZIPPING
    # A one-carbon unit between two attachment points next to an oxygen (*CO*): the
    # oxygen-carbon-oxygen acetal spans two repeat units.
    if len(backbone) == 2 and {symbols[i] for i in backbone} == {"C", "O"}:
        return UNZIPPING
    return RANDOM_SCISSION


def decomposition_mechanism(polymer: Polymer) -> str:
    """The mechanism of the unit that carries the most mass."""
    fractions = polymer.unit_mass_fractions
    main = max(range(len(polymer.units)), key=lambda i: fractions[i])
    return unit_mechanism(polymer.units[main])


def eliminated_gas_fraction(polymer: Polymer) -> float:
    """kg of HX and water eliminated per kg of polymer (0 unless the polymer eliminates)."""
    if decomposition_mechanism(polymer) != ELIMINATION:
        return 0.0
    return sum(
        w * _unit_facts(u)[1] / u.molar_mass_kg_mol
        for u, w in zip(polymer.units, polymer.unit_mass_fractions, strict=True)
    )


# --- fitting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeakRecord:
    """One cone test simulated with a trial heat of pyrolysis: the ratio the fit scores."""

    polymer: str
    mechanism: str
    heat_of_reaction_j_kg: float
    log_ratio: float
    """ln(simulated pHRR / measured pHRR) with that heat of pyrolysis."""


def fit_gasification_model(
    records: Iterable[PeakRecord], *, exclude: Iterable[str] = (), source: str
) -> GasificationModel:
    """Per mechanism, the trial heat of pyrolysis whose median |ln(pHRR ratio)| over the
    polymers of that class is least, each polymer weighted once (its median log ratio);
    the fallback is the same over all polymers. `exclude` leaves polymers out."""
    left_out = set(exclude)
    kept = [r for r in records if r.polymer not in left_out]
    if not kept:
        raise GasificationFitError("no cone records are left to fit the heats of pyrolysis.")
    best = {m: _best_heat([r for r in kept if r.mechanism == m]) for m in MECHANISMS}
    heats = {m: h for m, h in best.items() if h is not None}
    fallback = _best_heat(kept)
    assert fallback is not None  # kept is not empty
    return GasificationModel(heats, fallback, source)


def _best_heat(records: list[PeakRecord]) -> float | None:
    if not records:
        return None
    by_trial: dict[float, dict[str, list[float]]] = {}
    for r in records:
        by_trial.setdefault(r.heat_of_reaction_j_kg, {}).setdefault(r.polymer, []).append(
            r.log_ratio
        )
    scores = {}
    for heat, polymers in by_trial.items():
        per_polymer = [_median(v) for v in polymers.values()]
        scores[heat] = _median([abs(v) for v in per_polymer]) if per_polymer else math.inf
    return min(scores, key=lambda h: (scores[h], h))


def _median(values: list[float]) -> float:
    ordered = sorted(v for v in values if math.isfinite(v))
    if not ordered:
        return math.inf
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
