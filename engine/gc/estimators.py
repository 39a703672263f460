"""Property estimators: one function per property, each from a published method.

All take a validated `Polymer` (copolymers as mole-fraction averages of their units)
and return SI values. The methods and their tables are described in
``resources/gc/README.md``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from engine.constants import AVOGADRO, GAS_CONSTANT
from engine.gc.atoms import atom_table
from engine.gc.groups import CoverageError, describe_uncovered, fragment_unit
from engine.gc.tables import constant, element_table, group_table
from engine.polymer import Polymer, RepeatUnit, atomic_mass_kg_mol, cached_per_unit

#: TGA heating rate at which decomposition temperatures are tabulated (10 K/min).
TGA_HEATING_RATE_K_S = 10.0 / 60.0
#: Pyrolysis-combustion flow calorimetry heating rate (ASTM D7309 method A, 1 K/s).
MCC_HEATING_RATE_K_S = 1.0


def _per_unit(polymer: Polymer, fn) -> float:
    """Mole-fraction average of a per-unit extensive quantity."""
    return sum(x * fn(u) for u, x in zip(polymer.units, polymer.mole_fractions, strict=True))


# --- density -------------------------------------------------------------------------


def _unit_vdw_volume_a3(unit: RepeatUnit) -> float:
    """Van der Waals volume of one unit inside a chain (Zhao et al. 2003).

    The bond count is that of the chain: every bond of the unit plus the one that
    joins it to the next unit (so a unit has as many bonds as atoms plus rings).
    """
    volumes = element_table("vdw_volume.csv", "volume_A3")
    atoms = sum(volumes[el] * n for el, n in unit.element_counts.items())
    # Each * has exactly one bond, never to the other * (parse_polymer checks this), so
    # the bonds between heavy atoms are all bonds but those of the *.
    table = atom_table(unit)
    heavy_bonds = unit.mol.GetNumBonds() - sum(len(table.neighbours[i]) for i in table.dummies)
    bonds = heavy_bonds + unit.element_counts.get("H", 0) + 1
    aromatic = sum(1 for ring in table.rings if all(table.aromatic[i] for i in ring))
    other = len(table.rings) - aromatic
    return (
        atoms
        + bonds * constant("vdw_bond_correction")
        + aromatic * constant("vdw_aromatic_ring_correction")
        + other * constant("vdw_nonaromatic_ring_correction")
    )


def van_der_waals_volume_m3_mol(polymer: Polymer) -> float:
    return _per_unit(polymer, _unit_vdw_volume_a3) * 1e-30 * AVOGADRO


def density(polymer: Polymer) -> float:
    """Amorphous density (kg/m³): ρ = k·M / V_w with Askadskii's packing coefficient."""
    return (
        constant("packing_coefficient")
        * polymer.molar_mass_kg_mol
        / van_der_waals_volume_m3_mol(polymer)
    )


# --- heat capacity --------------------------------------------------------------------


def specific_heat(polymer: Polymer) -> float:
    """Solid specific heat at 25 °C (J/kg/K), modified Kopp's rule (Hurst & Harrison)."""
    cp = element_table("heat_capacity.csv", "cp_solid_j_molk")
    molar = sum(cp[el] * n for el, n in polymer.element_counts.items())
    return molar / polymer.molar_mass_kg_mol


# --- heat of combustion ---------------------------------------------------------------


def oxygen_demand(counts: dict[str, float]) -> float:
    """Moles of O2 for complete combustion of one unit of the given composition.

    Products: CO2, H2O, SO2, SiO2, N2, and HF/HCl/HBr for as many halogen atoms as
    there is hydrogen; halogen beyond that leaves as X2 (as in perfluorinated chains).
    """
    c, h, o = counts.get("C", 0.0), counts.get("H", 0.0), counts.get("O", 0.0)
    halogens = sum(counts.get(x, 0.0) for x in ("F", "Cl", "Br"))
    water_h = max(h - halogens, 0.0)
    return c + counts.get("S", 0.0) + counts.get("Si", 0.0) + water_h / 4.0 - o / 2.0


def heat_of_combustion_total(polymer: Polymer) -> float:
    """Net heat of complete combustion (J/kg) by oxygen consumption (Huggett's 13.1 MJ/kg)."""
    o2_kg = oxygen_demand(polymer.element_counts) * 2 * atomic_mass_kg_mol("O")
    return max(o2_kg, 0.0) / polymer.molar_mass_kg_mol * constant("heat_per_oxygen")


def heat_of_combustion_volatiles(polymer: Polymer, char_yield: float) -> float:
    """Net heat of combustion of the volatiles (J/kg): the char is taken as carbon."""
    total = heat_of_combustion_total(polymer)
    if char_yield >= 1.0:
        return 0.0
    volatile = (total - char_yield * constant("char_heat_of_combustion")) / (1.0 - char_yield)
    return max(volatile, 0.0)


# --- group-based estimates ------------------------------------------------------------


@dataclass(frozen=True)
class UnitGroups:
    """Groups of one repeat unit: counts and the mass each group carries (kg/mol)."""

    counts: dict[str, int]
    masses: dict[str, float]


@cached_per_unit(8192)
def unit_groups(unit: RepeatUnit) -> UnitGroups:
    """Groups of a unit; cached by canonical SMILES, since several estimators need them.

    Computed from the unit's own molecule: rebuilding it from the SMILES would cost a
    second parse of every new unit.
    """
    frag = fragment_unit(unit)
    if frag.uncovered:
        raise CoverageError(describe_uncovered(unit, frag))
    table = atom_table(unit)
    masses: Counter[str] = Counter()
    for group, symbol, hydrogens in zip(
        frag.atom_groups, table.symbols, table.hydrogens, strict=True
    ):
        if group is None:
            continue
        masses[group] += atomic_mass_kg_mol(symbol) + hydrogens * atomic_mass_kg_mol("H")
    return UnitGroups(frag.counts, dict(masses))


def group_counts(polymer: Polymer) -> dict[str, float]:
    """Groups per average repeat unit (mole-fraction weighted)."""
    totals: Counter[str] = Counter()
    for unit, x in zip(polymer.units, polymer.mole_fractions, strict=True):
        for name, n in unit_groups(unit).counts.items():
            totals[name] += x * n
    return dict(totals)


def group_mass_fractions(polymer: Polymer) -> dict[str, float]:
    """Mass fraction of the polymer carried by each group."""
    totals: Counter[str] = Counter()
    for unit, x in zip(polymer.units, polymer.mole_fractions, strict=True):
        for name, m in unit_groups(unit).masses.items():
            totals[name] += x * m
    return {name: m / polymer.molar_mass_kg_mol for name, m in totals.items()}


@dataclass(frozen=True)
class CharFeatures:
    """Structure features that drive charring, per repeat unit."""

    backbone_aromatic_atoms: int
    pendant_aromatic_atoms: int
    aliphatic_hydrogens: int
    carbons: int


def char_features(unit: RepeatUnit) -> CharFeatures:
    """Aromatic atoms in rings on the backbone path or hanging off it, and sp3 C–H.

    Rings in the main chain cross-link into char when the chain breaks; pendant rings
    (polystyrene) leave with the monomer; aliphatic hydrogen caps radicals and
    promotes volatilisation.
    """
    table = atom_table(unit)
    path = set(table.path)
    backbone: set[int] = set()
    pendant: set[int] = set()
    for ring in table.rings:
        if not all(table.aromatic[i] for i in ring):
            continue
        (backbone if path & set(ring) else pendant).update(ring)
    pendant -= backbone
    aliphatic_h = sum(h for h, sp3 in zip(table.hydrogens, table.sp3_carbon, strict=True) if sp3)
    return CharFeatures(len(backbone), len(pendant), aliphatic_h, unit.element_counts.get("C", 0))


def _unit_char_carbon(unit: RepeatUnit) -> float:
    coef = group_table("char.csv", "carbon_per_feature")
    f = char_features(unit)
    z = (
        coef["backbone_aromatic_atom"] * f.backbone_aromatic_atoms
        + coef["pendant_aromatic_atom"] * f.pendant_aromatic_atoms
        + coef["aliphatic_hydrogen"] * f.aliphatic_hydrogens
    )
    return min(max(z, 0.0), f.carbons)


def char_yield(polymer: Polymer) -> float:
    """Char (residue) yield in inert pyrolysis (kg/kg), taken as carbon."""
    carbon = _per_unit(polymer, _unit_char_carbon)
    return carbon * atomic_mass_kg_mol("C") / polymer.molar_mass_kg_mol


# --- kinetics -------------------------------------------------------------------------


@dataclass(frozen=True)
class Kinetics:
    """One first-order Arrhenius step: k = A exp(−E/RT)."""

    pre_exponential_1_s: float
    activation_energy_j_mol: float
    order: float = 1.0


def kinetics_from_peak(
    peak_k: float,
    heating_rate_k_s: float = TGA_HEATING_RATE_K_S,
    *,
    dimensionless_energy: str = "dimensionless_activation_energy",
) -> Kinetics:
    """A, E of a first-order step that peaks at ``peak_k`` at the given heating rate.

    E = ψ·R·T_p with ψ the constant named ``dimensionless_energy`` in ``constants.csv``
    (decomposition by default; melting is much narrower); then the peak condition of a
    first-order step, β·E/(R·T_p²) = A·exp(−E/(R·T_p)), gives A.
    """
    energy = constant(dimensionless_energy) * GAS_CONSTANT * peak_k
    a = (
        heating_rate_k_s
        * energy
        / (GAS_CONSTANT * peak_k**2)
        * math.exp(energy / (GAS_CONSTANT * peak_k))
    )
    return Kinetics(a, energy)


def peak_temperature(kinetics: Kinetics, heating_rate_k_s: float) -> float:
    """Temperature of peak mass-loss rate of a first-order step at a heating rate.

    The peak condition ln(βE/(R·T²)) = ln A − E/(R·T) falls monotonically with T, so
    bisection on 300–2000 K finds its one root to 1e-9 K in 41 steps. Written out rather
    than calling scipy's brentq: importing scipy.optimize is a second of the desktop
    window's start-up, which estimates a polymer's properties as it opens.
    """
    a, e = kinetics.pre_exponential_1_s, kinetics.activation_energy_j_mol

    def condition(t: float) -> float:
        return math.log(heating_rate_k_s * e / (GAS_CONSTANT * t * t)) - (
            math.log(a) - e / (GAS_CONSTANT * t)
        )

    low, high = 300.0, 2000.0
    if condition(low) <= 0.0 or condition(high) >= 0.0:
        raise ValueError(
            f"The decomposition kinetics (A = {a:.3g} 1/s, E = {e / 1e3:.0f} kJ/mol) put the "
            f"peak outside {low:g}–{high:g} K."
        )
    while high - low > 1e-9:
        middle = 0.5 * (low + high)
        if condition(middle) > 0.0:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def heat_release_capacity(
    heat_of_combustion_volatiles_j_kg: float, char_yield_kg_kg: float, kinetics: Kinetics
) -> float:
    """Heat release capacity (J/g/K) of MCC at 1 K/s: η_c = h_c(1−μ)E / (e·R·T_p²) (Lyon)."""
    tp = peak_temperature(kinetics, MCC_HEATING_RATE_K_S)
    eta = (
        heat_of_combustion_volatiles_j_kg
        * (1.0 - char_yield_kg_kg)
        * kinetics.activation_energy_j_mol
        / (math.e * GAS_CONSTANT * tp * tp)
    )
    return eta / 1000.0
