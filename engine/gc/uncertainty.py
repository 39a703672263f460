"""How far each group-contribution estimate may be off, and draws of plausible materials.

An estimate is one point of a spread: the TGA peak is off by 36 K (median, leave one
polymer out), the class-default conductivity by 22 %, … Simulating one material per
polymer teaches a model (and tells a user) a single biased outcome. `draw_properties`
draws a plausible material from the spread of each estimate instead, so that many draws
give the spread of cone outcomes the physics allows: phase 1 learns it, and the
predictor reads the probability of ignition from it.

Widths (one standard deviation; "log" means of the natural log of the value), each from
``benchmarks/bench_gc_validation.py`` (``benchmarks/results/gc_validation.json``,
2026-12-05) unless said otherwise:

* TGA peak (every decomposition step shifted together): 36 K, the leave-one-polymer-out
  median error of the decomposition model;
* conductivity: log 0.22 (class default, MAPE 22 % over 13 polymers);
* specific heat: log 0.075 (MAPE 7.5 %); density: log 0.043 (MAPE 4.3 %);
* absorption coefficient: log 0.16 (class default, MAPE 16 % over the UMD sets);
* heat of combustion: log 0.10 (MCC heat of combustion MAPE 9.7 %);
* char yield: 0.09 kg/kg (leave-one-polymer-out mean error), kept within 0-0.9;
* heat of pyrolysis: log 0.35, a factor of 2 at two standard deviations: this project's
  choice, the range the per-mechanism fits span (0.8-3.0 MJ/kg, ``gasification.csv``);
* heat of melting: log 0.2 (the FSRI endotherms move by up to 10 % with the baseline
  and crystallinity varies between grades; this project's choice).

Draws are independent (no correlation is known) and truncated at ±2.5 standard
deviations (`TRUNCATION`), so that every draw stays a material the solver accepts (an
elimination heat of 3 MJ/kg drawn at +4σ would be 12 MJ/kg, beyond any pyrolysis). The
melt step keeps its peak: a melting point is measured, not estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from engine.gc.estimators import (
    TGA_HEATING_RATE_K_S,
    Kinetics,
    kinetics_from_peak,
    peak_temperature,
)
from engine.gc.properties import MaterialProperties, Reaction


@dataclass(frozen=True)
class PropertySpread:
    """One standard deviation of each estimate (see the module docstring)."""

    decomposition_peak_k: float = 36.0
    log_conductivity: float = 0.22
    log_specific_heat: float = 0.075
    log_density: float = 0.043
    log_absorption_coefficient: float = 0.16
    log_heat_of_combustion: float = 0.10
    char_yield: float = 0.09
    log_heat_of_pyrolysis: float = 0.35
    log_heat_of_melting: float = 0.2


GC_SPREAD = PropertySpread()
#: Draws are cut at this many standard deviations.
TRUNCATION = 2.5
MAX_CHAR_YIELD = 0.9
#: A drawn char below this is dropped: a char layer of under a kg/m³ is not a layer.
MIN_CHAR_YIELD = 0.002


def _shifted(step: Reaction, shift_k: float, heat_factor: float) -> Reaction:
    kinetics = Kinetics(step.pre_exponential_1_s, step.activation_energy_j_mol, step.order)
    peak = peak_temperature(kinetics, TGA_HEATING_RATE_K_S) + shift_k
    moved = kinetics_from_peak(peak)
    return replace(
        step,
        pre_exponential_1_s=moved.pre_exponential_1_s,
        activation_energy_j_mol=moved.activation_energy_j_mol,
        heat_of_reaction_j_kg=step.heat_of_reaction_j_kg * heat_factor,
    )


def draw_properties(
    props: MaterialProperties, rng: np.random.Generator, spread: PropertySpread = GC_SPREAD
) -> MaterialProperties:
    """One plausible material around ``props``: each estimate drawn from its spread."""
    z = np.clip(rng.standard_normal(9), -TRUNCATION, TRUNCATION)
    shift = spread.decomposition_peak_k * z[0]
    pyrolysis = math.exp(spread.log_heat_of_pyrolysis * z[1])
    melting = math.exp(spread.log_heat_of_melting * z[2])
    char = min(max(props.char_yield + spread.char_yield * z[3], 0.0), MAX_CHAR_YIELD)
    if char < MIN_CHAR_YIELD:
        char = 0.0
    steps = []
    reaching = 1.0  # kg of the virgin kg that reaches the step about to be drawn
    for step in props.reactions:
        if step.leaves == "melt":
            steps.append(replace(step, heat_of_reaction_j_kg=step.heat_of_reaction_j_kg * melting))
            continue
        moved = _shifted(step, shift, pyrolysis)
        if step.leaves == "char":
            # the last step leaves the drawn char, per kg of what it consumes
            char = min(char, MAX_CHAR_YIELD * reaching)
            moved = replace(moved, char_yield=char / reaching)
        else:
            reaching *= step.char_yield
        steps.append(moved)
    return replace(
        props,
        reactions=tuple(steps),
        char_yield=char,
        conductivity_w_mk=props.conductivity_w_mk * math.exp(spread.log_conductivity * z[4]),
        specific_heat_j_kgk=props.specific_heat_j_kgk
        * math.exp(spread.log_specific_heat * z[5]),
        density_kg_m3=props.density_kg_m3 * math.exp(spread.log_density * z[6]),
        absorption_coefficient_1_m=props.absorption_coefficient_1_m
        * math.exp(spread.log_absorption_coefficient * z[7]),
        heat_of_combustion_j_kg=props.heat_of_combustion_j_kg
        * math.exp(spread.log_heat_of_combustion * z[8]),
        heat_of_reaction_j_kg=props.heat_of_reaction_j_kg * pyrolysis,
    )
