"""Cone materials from the FDS UMD pyrolysis property sets (SOURCES.md §5).

Each CSV row is one component and the one reaction that consumes it; the `residue`
column names the next component, so multi-step schemes (POM, PET, PEI) chain
solid → melt → intermediate → char. The final char has no row of its own: its
properties are parsed from the notes ("PET_char rho=80 eps=0.86 abs=8000 k 27:0.475;
457:0.672 cp ...") and whatever the notes do not give is taken from the component
the notes say it matches ("same props as PMMA", "same k/cp as melt") or, failing
that, from the component that produces it.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from engine.cone.material import Component, ConeMaterial, Property, Reaction
from engine.gc.estimators import heat_of_combustion_volatiles
from engine.polymer import PolymerError, parse_polymer

MEASURED_HEAT_OF_COMBUSTION_J_KG = {
    "PMMA": 24.0e6,  # REAC HEAT_OF_COMBUSTION of ../shared/data/fds/*/PMMA_50_*.fds
    "ABS": 37.43e6,  # NIST cone-db MCC, resources/data/properties/measured_properties.csv
}
"""The UMD sets are gasification calibrations and carry no heat of combustion: these
come from elsewhere, and every other polymer gets the group-contribution estimate of
its volatiles (oxygen consumption, char taken as carbon) at the chain's residue yield."""


class UmdFormatError(ValueError):
    """A UMD property row that cannot be turned into a component or reaction."""


def load_umd_materials(
    path: str | Path, heat_of_combustion_j_kg: Mapping[str, float] | None = None
) -> dict[str, ConeMaterial]:
    """One ConeMaterial per polymer, keyed by the `polymer` column."""
    hoc = {**MEASURED_HEAT_OF_COMBUSTION_J_KG, **(heat_of_combustion_j_kg or {})}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_polymer: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_polymer.setdefault(row["polymer"], []).append(row)
    materials = {}
    for polymer, chain in by_polymer.items():
        material = _material(polymer, chain, hoc.get(polymer, 0.0))
        if polymer not in hoc:
            volatiles = _estimated_heat_of_combustion(chain[0]["smiles"], material)
            material = replace(material, heat_of_combustion=volatiles)
        materials[polymer] = material
    return materials


def _estimated_heat_of_combustion(smiles: str, material: ConeMaterial) -> float:
    """GC heat of combustion of the volatiles at the chain's overall residue yield."""
    try:
        polymer = parse_polymer(smiles)
    except PolymerError as exc:
        raise UmdFormatError(f"no heat of combustion and no usable SMILES ({exc})") from None
    residue, source = 1.0, 0
    for reaction in material.reactions:
        if reaction.source == source:
            residue *= reaction.residue_yield
            source = reaction.residue if reaction.residue is not None else -1
    return heat_of_combustion_volatiles(polymer, residue)


def _material(polymer: str, rows: list[dict[str, str]], hoc: float) -> ConeMaterial:
    components = [_component(row) for row in rows]
    names = [_short_name(row["component"]) for row in rows]
    reactions = []
    for i, row in enumerate(rows):
        residue_name = row["residue"].strip()
        residue_yield = float(row["nu_residue"])
        if residue_name in names:
            residue = names.index(residue_name)
        else:
            components.append(_char(residue_name, row, components, names))
            names.append(residue_name)
            residue = len(components) - 1
        reactions.append(
            Reaction(
                A=float(row["A_1_s"]),
                E=float(row["E_J_mol"]),
                n=1.0,
                heat_of_reaction=float(row["heat_of_reaction_kJ_kg"]) * 1e3,
                source=i,
                residue=residue,
                residue_yield=residue_yield,
            )
        )
    return ConeMaterial(polymer, tuple(components), tuple(reactions), hoc)


def _short_name(label: str) -> str:
    """'POM_melt (step2)' → 'POM_melt'."""
    return label.split("(")[0].strip()


def _component(row: dict[str, str]) -> Component:
    return Component(
        name=_short_name(row["component"]),
        density=float(row["density_kg_m3"]),
        conductivity=_table(row["conductivity_W_mK_vs_T_C"], 1.0),
        specific_heat=_table(row["specific_heat_kJ_kgK_vs_T_C"], 1e3),
        emissivity=float(row["emissivity"]),
        absorption_coefficient=float(row["absorption_coefficient_1_m"]),
    )


def _table(text: str, scale: float) -> Property:
    """'27:0.336;107:0.306' → ((27, 0.336), (107, 0.306)) scaled to SI."""
    pairs = []
    for item in text.strip().split(";"):
        t, _, v = item.partition(":")
        try:
            pairs.append((float(t), float(v) * scale))
        except ValueError as exc:
            raise UmdFormatError(f"cannot read property table {text!r}.") from exc
    return pairs[0][1] if len(pairs) == 1 else tuple(pairs)


def _char(name: str, row: dict[str, str], made: list[Component], names: list[str]) -> Component:
    """The final residue, from the notes of the row that produces it."""
    notes = row["notes"]
    template = made[names.index(_short_name(row["component"]))]
    same = re.search(r"same props as (\w+)", notes)
    if same and same.group(1) in names:
        template = made[names.index(same.group(1))]
    melt = [i for i, n in enumerate(names) if n.endswith("_melt")]
    k_cp = made[melt[0]] if "same k/cp as melt" in notes and melt else template

    def number(key: str, default: float) -> float:
        found = re.search(rf"\b{key}=([-+0-9.eE]+)", notes)
        return float(found.group(1)) if found else default

    def table(key: str, default: Property, scale: float) -> Property:
        found = re.search(rf"\b{key} ((?:[-0-9.]+:[-0-9.eE]+;?)+)", notes)
        return _table(found.group(1).rstrip(";"), scale) if found else default

    kappa = number("abs", template.absorption_coefficient)
    return Component(
        name=name,
        density=number("rho", template.density),
        conductivity=table("k", k_cp.conductivity, 1.0),
        specific_heat=table("cp", k_cp.specific_heat, 1e3),
        emissivity=number("eps", template.emissivity),
        absorption_coefficient=kappa if math.isfinite(kappa) else math.inf,
    )
