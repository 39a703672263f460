"""From group-contribution `MaterialProperties` to a `ConeMaterial` for the solver.

A GC material has the virgin polymer; an eliminating polymer (PVC) also has the
dehydrohalogenated intermediate its first step leaves, and a material whose char
yield is above zero has a char. Residues keep the volume of the polymer they came
from (density = yield × virgin density, so the layer neither shrinks nor swells); the
intermediate otherwise has the virgin's properties, the char the class defaults of
``resources/gc/constants.csv``.

The specific heat is the GC value at 25 °C, constant. Van Krevelen's rise of the
solid's c_p with temperature, c_p(T) = c_p(298 K)·(0.106 + 3.0e-3·T/K) (Properties of
Polymers, 4th ed. 2009, ch. 5), was tried: with the heats of pyrolysis refitted, it made
the leave-one-polymer-out cone validation worse (median t_ig error 47 % against 27 %,
pHRR 44 % against 23 %; benchmarks/bench_cone_validation.py, 2026-12-05), because the
solver ignites on a critical mass flux that the slower heating delays.

The heat of combustion the solver applies is per kg of fuel: the volatiles' heat spread
over the fuel only, since HX and water carry none of it.
"""

from __future__ import annotations

from engine.cone.material import Component, ConeMaterial, Reaction
from engine.gc.properties import MaterialProperties
from engine.gc.tables import constant

#: Below this yield a residue is numerically negligible and is not tracked.
MIN_CHAR_YIELD = 1e-4
#: Nor is a residue lighter than this (kg/m³), the lowest density a component may have.
MIN_RESIDUE_DENSITY = 1.0


def cone_material(props: MaterialProperties) -> ConeMaterial:
    """The solver's material for GC properties (its steps, residues and χ)."""
    virgin = Component(
        name=props.name or props.smiles,
        density=props.density_kg_m3,
        conductivity=props.conductivity_w_mk,
        specific_heat=props.specific_heat_j_kgk,
        emissivity=props.emissivity,
        absorption_coefficient=props.absorption_coefficient_1_m,
    )
    components = [virgin]
    index = {"virgin": 0}
    density = {"virgin": props.density_kg_m3}
    reactions = []
    for step in props.reactions:
        source = index[step.consumes]
        residue = None
        residue_yield = step.char_yield if step.char_yield >= MIN_CHAR_YIELD else 0.0
        if residue_yield * density[step.consumes] < MIN_RESIDUE_DENSITY:
            residue_yield = 0.0  # a layer of under a kg/m³ is no layer (and the solver's
            # density range starts there): its mass leaves as gas
        if residue_yield:
            rho = residue_yield * density[step.consumes]
            components.append(_residue(step.leaves, rho, virgin))
            residue = index[step.leaves] = len(components) - 1
            density[step.leaves] = rho
        reactions.append(
            Reaction(
                A=step.pre_exponential_1_s,
                E=step.activation_energy_j_mol,
                n=step.order,
                heat_of_reaction=step.heat_of_reaction_j_kg,
                source=source,
                residue=residue,
                residue_yield=residue_yield,
                fuel_fraction=step.fuel_fraction,
            )
        )
    volatiles = 1.0 - props.char_yield
    fuel = volatiles - props.eliminated_gas_fraction
    return ConeMaterial(
        name=props.name or props.smiles,
        components=tuple(components),
        reactions=tuple(reactions),
        heat_of_combustion=props.heat_of_combustion_j_kg * volatiles / fuel,
        combustion_efficiency=props.combustion_efficiency,
    )


def char_component(density: float) -> Component:
    """A char layer of ``density``; its other properties are the class defaults."""
    return Component(
        name="char",
        density=density,
        conductivity=constant("char_conductivity"),
        specific_heat=constant("char_specific_heat"),
        emissivity=constant("char_emissivity"),
        absorption_coefficient=constant("char_absorption_coefficient"),
    )


def _residue(name: str, density: float, virgin: Component) -> Component:
    if name == "char":
        return char_component(density)
    return Component(
        name=name,
        density=density,
        conductivity=virgin.conductivity,
        specific_heat=virgin.specific_heat,
        emissivity=virgin.emissivity,
        absorption_coefficient=virgin.absorption_coefficient,
    )
