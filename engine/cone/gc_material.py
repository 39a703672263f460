"""From group-contribution `MaterialProperties` to a `ConeMaterial` for the solver.

A GC material has two components: the virgin polymer, and a char when the estimated
char yield is above zero. The char keeps the volume of the polymer it came from
(density = yield × virgin density, so the layer neither shrinks nor swells as it
chars); its other properties are class defaults (``resources/gc/constants.csv``).
"""

from __future__ import annotations

from engine.cone.material import Component, ConeMaterial, Reaction
from engine.gc.properties import MaterialProperties
from engine.gc.tables import constant

#: Below this yield a residue is numerically negligible and is not tracked.
MIN_CHAR_YIELD = 1e-4


def cone_material(props: MaterialProperties) -> ConeMaterial:
    """The solver's material for GC properties (one pyrolysis step, optional char)."""
    virgin = Component(
        name=props.name or props.smiles,
        density=props.density_kg_m3,
        conductivity=props.conductivity_w_mk,
        specific_heat=props.specific_heat_j_kgk,
        emissivity=props.emissivity,
        absorption_coefficient=props.absorption_coefficient_1_m,
    )
    components = [virgin]
    reactions = []
    for step in props.reactions:
        residue = None
        char_yield = step.char_yield if step.char_yield >= MIN_CHAR_YIELD else 0.0
        if char_yield:
            components.append(
                Component(
                    name="char",
                    density=char_yield * props.density_kg_m3,
                    conductivity=constant("char_conductivity"),
                    specific_heat=constant("char_specific_heat"),
                    emissivity=constant("char_emissivity"),
                    absorption_coefficient=constant("char_absorption_coefficient"),
                )
            )
            residue = len(components) - 1
        reactions.append(
            Reaction(
                A=step.pre_exponential_1_s,
                E=step.activation_energy_j_mol,
                n=step.order,
                heat_of_reaction=step.heat_of_reaction_j_kg,
                source=0,
                residue=residue,
                residue_yield=char_yield,
            )
        )
    return ConeMaterial(
        name=props.name or props.smiles,
        components=tuple(components),
        reactions=tuple(reactions),
        heat_of_combustion=props.heat_of_combustion_j_kg,
    )
