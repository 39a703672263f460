"""A cone-model material from measured kinetics and group contribution.

The measured steps replace the GC estimate for what TGA and MCC measure (kinetics and
residue); everything a milligram test cannot see comes from GC as before (density, k,
c_p, ε, κ, heat of pyrolysis, heat of combustion: `engine.gc.properties`).

Consecutive steps are already a chain, with A referred to the initial mass as the
solver has it, and go over unchanged. The cone solver starts every cell as component 0
(the virgin solid), so parallel independent steps are handed to it as the equivalent
chain, in order of peak temperature: virgin → gas + intermediate 1 → … → gas + char.
Step j consumes intermediate j, whose mass when the step starts is M_j (the mass left
by the steps before it); its residue yield is M_{j+1}/M_j. The solver normalises the
(ρ/ρ₀)^n term by the virgin density, so a step of order n gets A_j / M_j^(n−1) to keep
its rate per unit of its own mass. The chain equals the parallel scheme when the steps
do not overlap, and differs from it only in how overlapping steps share the
temperature range. Intermediates keep the volume of the virgin solid (density M_j ρ₀)
and its GC thermal properties; the char gets the class defaults. Everything else
(virgin properties, heat of pyrolysis, heat of combustion per kg of fuel, combustion
efficiency) is the GC material of `engine.cone.gc_material.cone_material`, unchanged; the
gas GC says is eliminated first (HX, water) is taken from the earliest measured steps
as non-fuel gas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from engine.cone.gc_material import MIN_CHAR_YIELD, char_component, cone_material
from engine.cone.material import ConeMaterial
from engine.gc.properties import MaterialProperties, estimate_properties
from engine.polymer import Polymer, parse_polymer
from engine.thermal.curves import read_curve
from engine.thermal.kinetics import (
    CONSECUTIVE,
    PARALLEL,
    KineticFit,
    KineticsError,
    KineticStep,
    fit_kinetics,
)


@dataclass(frozen=True, eq=False)
class MeasuredKinetics:
    """A fit of the files of one polymer and the cone material it gives that polymer."""

    smiles: str
    sources: tuple[str, ...]
    fit: KineticFit
    material: ConeMaterial

    @property
    def label(self) -> str:
        """How the window names the curve simulated with these kinetics."""
        return f"kinetics from {', '.join(self.sources)}"


def measured_kinetics(
    paths: Sequence[str | Path], polymer: Polymer, steps: int | None = None
) -> MeasuredKinetics:
    """Read ``paths``, fit their kinetics and build ``polymer``'s material with them."""
    curves = [read_curve(p) for p in paths]
    fit = fit_kinetics(curves, steps)
    props = estimate_properties(polymer)
    material = measured_material(fit.steps, props, polymer.name or None, fit.scheme)
    return MeasuredKinetics(polymer.smiles, tuple(Path(p).name for p in paths), fit, material)


def kinetics_material(
    steps: Sequence[KineticStep], smiles: str, name: str | None = None, scheme: str = PARALLEL
) -> ConeMaterial:
    """The cone material of ``smiles`` with the measured ``steps`` (`measured_material`
    with the GC estimate of that polymer)."""
    return measured_material(steps, estimate_properties(parse_polymer(smiles)), name, scheme)


def measured_material(
    steps: Sequence[KineticStep],
    props: MaterialProperties,
    name: str | None = None,
    scheme: str = PARALLEL,
) -> ConeMaterial:
    """GC properties with the measured steps as a chain of reactions (module docstring).

    Parallel steps without a residue yield (an MCC fit) take the GC char yield for the
    sample; consecutive steps are the chain already, in their order.
    """
    if not steps:
        raise KineticsError("There are no kinetic steps to build a material from.")
    if scheme == CONSECUTIVE:
        ordered = list(steps)
        yields = [s.residue_yield or 0.0 for s in ordered]
        # A consecutive step's A already refers to the initial mass, as in the solver.
        a_values = [s.A_1_s for s in ordered]
    else:
        ordered, yields, a_values = _parallel_as_chain(steps, props)
    base = cone_material(props)
    label = name or base.name
    virgin = replace(base.virgin, name=label)
    rho = virgin.density
    # The GC material's main (last) step carries what the measurement does not see,
    # such as the heat of pyrolysis; each measured step takes it with its own kinetics.
    template = base.reactions[-1]
    components = [virgin]
    reactions = []
    mass = 1.0
    # HX or water that GC says leaves first is not fuel: the earliest measured mass loss
    # carries it, so a PVC run's first step burns nothing, as in the GC material.
    non_fuel = props.eliminated_gas_fraction
    for j, (step, yield_, a) in enumerate(zip(ordered, yields, a_values, strict=True)):
        after = mass * yield_
        loss = mass - after
        carried = min(non_fuel, loss)
        non_fuel -= carried
        fuel_fraction = 1.0 - carried / loss if loss > 0 else 1.0
        last = j == len(ordered) - 1
        if last and after < MIN_CHAR_YIELD:
            residue_index, yield_ = None, 0.0
        else:
            residue_index = j + 1
            components.append(
                char_component(rho * after)
                if last
                else replace(virgin, name=f"{label} after step {j + 1}", density=rho * after)
            )
        reactions.append(
            replace(
                template,
                A=a,
                E=step.E_j_mol,
                n=step.n,
                source=j,
                residue=residue_index,
                residue_yield=yield_,
                reference_temperature=None,
                fuel_fraction=fuel_fraction,
            )
        )
        mass = after
    return replace(base, name=label, components=tuple(components), reactions=tuple(reactions))


def _parallel_as_chain(
    steps: Sequence[KineticStep], props: MaterialProperties
) -> tuple[list[KineticStep], list[float], list[float]]:
    """Parallel steps in order of peak, with the yield and A each has as a link of the
    equivalent chain (module docstring)."""
    ordered = sorted(steps, key=lambda s: s.peak_c)
    total = sum(s.mass_fraction for s in ordered)
    if total <= 0:
        raise KineticsError("The kinetic steps hold no mass; fit them again.")
    if all(s.residue_yield is None for s in ordered):
        residue = props.char_yield
        losses = [s.mass_fraction / total * (1.0 - residue) for s in ordered]
    else:
        losses = [s.mass_fraction * (1.0 - (s.residue_yield or 0.0)) / total for s in ordered]
    yields, a_values = [], []
    mass = 1.0
    for step, loss in zip(ordered, losses, strict=True):
        after = max(mass - loss, 0.0)
        yields.append(after / mass if mass > 0 else 0.0)
        a_values.append(step.A_1_s / mass ** (step.n - 1.0) if mass > 0 else step.A_1_s)
        mass = after
    return ordered, yields, a_values

