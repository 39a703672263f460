"""Non-fuel gas and the material's combustion efficiency in the cone model.

A reaction's `fuel_fraction` says how much of its gas burns; the rest (HCl from PVC)
is mass loss without heat release and without a say in the ignition criterion. The
material's χ scales the heat of combustion. Old JSON files (neither key) read as before.
"""

import dataclasses
import json
import re

import numpy as np
import pytest

from engine.cone.fds.writer import write_fds_input
from engine.cone.material import Component, ConeMaterial, MaterialError, Reaction
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate_one

VIRGIN = Component("virgin", 1200.0, 0.2, 1500.0, 0.9, 2000.0)
INTERMEDIATE = Component("intermediate", 500.0, 0.2, 1500.0, 0.9, 2000.0)
CHAR = Component("char", 100.0, 0.4, 1000.0, 0.9, 8000.0)
HOC = 30e6
CHI = 0.6


def _two_step(first_fuel_fraction: float) -> ConeMaterial:
    """virgin → 0.4 intermediate + 0.6 gas (peak ≈ 300 °C); intermediate → 0.25 char +
    0.75 fuel (peak ≈ 470 °C), like PVC losing HCl and then burning its polyene."""
    return ConeMaterial(
        "two-step",
        (VIRGIN, INTERMEDIATE, CHAR),
        (
            Reaction(1e13, 1.6e5, 1.0, 3e5, 0, 1, 0.4, fuel_fraction=first_fuel_fraction),
            Reaction(1e13, 2.2e5, 1.0, 5e5, 1, 2, 0.25),
        ),
        HOC,
        combustion_efficiency=CHI,
    )


def test_gas_that_is_not_fuel_neither_burns_nor_ignites_the_sample():
    material = ConeMaterial(
        "inert gas only",
        (VIRGIN,),
        (Reaction(1e13, 1.6e5, 1.0, 3e5, 0, fuel_fraction=0.0),),
        HOC,
    )
    result = simulate_one(ConeScenario(material, 50.0, 3.0))
    assert np.nanmax(result.mlr_g_m2s) > 5.0  # it does gasify, well above 1 g/m²/s
    assert not result.ignited
    assert np.nanmax(result.hrr_kw_m2) == 0.0


def test_first_step_of_non_fuel_gas_delays_ignition_to_the_fuel_step():
    burning = simulate_one(ConeScenario(_two_step(1.0), 35.0, 3.0))
    inert_first = simulate_one(ConeScenario(_two_step(0.0), 35.0, 3.0))
    assert burning.ignited and inert_first.ignited
    assert inert_first.tig_s > burning.tig_s + 5.0


@pytest.mark.parametrize("gas_specific_heat", [None, 1800.0])
def test_heat_released_is_efficiency_times_heat_of_combustion_times_fuel_mass(gas_specific_heat):
    """Ignition by a surface temperature reached before any reaction, so every kg of
    fuel burns: THR = χ·ΔH_c·(mass of fuel) with fuel = 0.4·0.75 of the virgin mass;
    the same with heats of reaction by Kirchhoff's law (a gas specific heat)."""
    thickness_mm = 3.0
    material = dataclasses.replace(_two_step(0.0), gas_specific_heat=gas_specific_heat)
    scenario = ConeScenario(
        material,
        50.0,
        thickness_mm,
        ignition="temperature",
        ignition_temperature_c=60.0,
        output_interval_s=0.5,
    )
    result = simulate_one(scenario)
    fuel_kg_m2 = VIRGIN.density * thickness_mm * 1e-3 * 0.4 * 0.75
    thr_mj_m2 = np.trapezoid(np.nan_to_num(result.hrr_kw_m2), result.time_s) / 1e3
    assert thr_mj_m2 == pytest.approx(CHI * HOC * fuel_kg_m2 / 1e6, rel=0.01)
    lost = result.mass_kg_m2[0] - result.mass_kg_m2[-1]
    assert lost == pytest.approx(VIRGIN.density * thickness_mm * 1e-3 * (1 - 0.4 * 0.25), rel=0.01)


def test_scenario_efficiency_multiplies_the_material_one():
    material = _two_step(1.0)
    full = simulate_one(ConeScenario(material, 50.0, 3.0))
    half = simulate_one(ConeScenario(material, 50.0, 3.0, combustion_efficiency=0.5))
    np.testing.assert_allclose(half.hrr_kw_m2, 0.5 * full.hrr_kw_m2, rtol=1e-9)


def test_json_round_trip_keeps_fuel_fraction_and_efficiency():
    material = _two_step(0.0)
    again = ConeMaterial.from_json(material.to_json())
    assert again.combustion_efficiency == CHI
    assert [r.fuel_fraction for r in again.reactions] == [0.0, 1.0]
    written = json.loads(material.to_json())["reactions"]
    assert "fuel_fraction" not in written[1]  # all fuel: the default is not written


def test_old_material_json_still_loads_as_all_fuel_and_full_efficiency():
    old = {
        "name": "PMMA (a file written before fuel_fraction)",
        "density": 1200,
        "conductivity": 0.2,
        "specific_heat": 1600,
        "emissivity": 0.85,
        "absorption_coefficient": 2700,
        "reactions": [{"A": 8.5e12, "E": 1.88e5, "n": 1, "heat_of_reaction": 8.7e5}],
        "heat_of_combustion": 2.4e7,
    }
    material = ConeMaterial.from_json(old)
    assert material.combustion_efficiency == 1.0
    assert material.reactions[0].fuel_fraction == 1.0
    assert "combustion_efficiency" not in material.to_json()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"combustion_efficiency": 1.5}, "combustion_efficiency"), ({"fuel_fraction": -0.1}, "fuel")],
)
def test_out_of_range_fractions_are_one_sentence(change, field):
    with pytest.raises(MaterialError, match=field):
        if "fuel_fraction" in change:
            ConeMaterial("bad", (VIRGIN,), (Reaction(1e13, 1.6e5, 1.0, 3e5, 0, **change),), HOC)
        else:
            dataclasses.replace(_two_step(1.0), **change)


def test_fds_input_gives_non_fuel_gas_no_heat_and_fuel_the_efficient_heat():
    """FDS gets one fuel species; a reaction's heat per kg of its gas is scaled by its fuel
    share, and the material's χ multiplies the heat of combustion."""
    text = write_fds_input(ConeScenario(_two_step(0.0), 50.0, 3.0), "NONFUEL")
    heats = re.findall(r"HEAT_OF_COMBUSTION\(1,1\)=([-+.\deE]+)", text)
    assert [float(h) for h in heats] == [0.0, pytest.approx(CHI * HOC / 1e3)]
