"""Melting of semicrystalline polymers: a solid → melt step before decomposition.

A semicrystalline polymer (polyethylene, polypropylene, POM, PET, PBT, PEEK, PTFE, …)
takes up its heat of melting at its melting range before it can decompose, which
delays ignition; an amorphous one (PS, PMMA, PC) does not. How much crystal a part
holds depends on how it was processed as much as on its chemistry, so it cannot be
read from the repeat unit: the heats are those of real commercial material, per kg of
polymer, from ``resources/gc/melting.csv`` (each row with its source). A polymer whose
chain is not in the table is treated as amorphous, and says so in its methods; a
copolymer too, since random comonomers break up the crystals.

The melt step follows the UMD property sets, which model it as a narrow first-order
step (solid → melt, no gas): its dimensionless activation energy E/(R·T_p) is the
median of their melt steps (``constants.csv``: ``melting_dimensionless_activation_energy``),
and T_p is the table's DSC peak at 10 K/min. The melt has the solid's properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from engine.gc.tables import table_rows
from engine.identity import heavy_atom_proportions, polymer_key
from engine.polymer import Polymer, parse_polymer


@dataclass(frozen=True)
class Melting:
    """The melting endotherm of one semicrystalline polymer, as commercial parts have it."""

    polymer: str
    peak_k: float
    heat_j_kg: float
    source: str

    def method(self) -> str:
        return (
            f"semicrystalline ({self.polymer}): DSC peak {self.peak_k - 273.15:.0f} °C, "
            f"{self.heat_j_kg / 1e3:.0f} kJ/kg; {self.source}"
        )


AMORPHOUS_METHOD = (
    "amorphous: no melting step (the chain is not among the semicrystalline polymers of "
    "resources/gc/melting.csv, or is a copolymer)"
)


@cache
def _table() -> dict[str, Melting]:
    table = {}
    for row in table_rows("melting.csv"):
        unit = parse_polymer(row["smiles"]).units[0]
        table[polymer_key(unit)] = Melting(
            polymer=row["polymer"],
            peak_k=float(row["melting_peak_c"]) + 273.15,
            heat_j_kg=float(row["heat_of_melting_kj_kg"]) * 1e3,
            source=row["source"],
        )
    return table


@cache
def _table_proportions() -> frozenset[frozenset[tuple[str, int]]]:
    """`heavy_atom_proportions` of the table's polymers."""
    return frozenset(
        heavy_atom_proportions(parse_polymer(row["smiles"]).units[0])
        for row in table_rows("melting.csv")
    )


def melting(polymer: Polymer) -> Melting | None:
    """The melting endotherm of ``polymer``, or None for an amorphous one.

    A unit whose heavy-atom proportions no table polymer has cannot share its key, so
    most units are ruled out without working out the key (which closes the chain into a
    ring and writes it as SMILES).
    """
    if not polymer.is_homopolymer:
        return None
    unit = polymer.units[0]
    if heavy_atom_proportions(unit) not in _table_proportions():
        return None
    return _table().get(polymer_key(unit))


def semicrystalline_polymers() -> list[Melting]:
    """Every polymer of the melting table, in table order."""
    return list(_table().values())
