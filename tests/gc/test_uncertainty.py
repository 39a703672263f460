"""Plausible materials drawn around a GC estimate (engine.gc.uncertainty)."""

import numpy as np
import pytest

from engine.cone.gc_material import cone_material
from engine.gc.estimators import TGA_HEATING_RATE_K_S, Kinetics, peak_temperature
from engine.gc.properties import estimate_properties
from engine.gc.uncertainty import GC_SPREAD, MAX_CHAR_YIELD, PropertySpread, draw_properties
from engine.polymer import parse_polymer


def _peak(step) -> float:
    kinetics = Kinetics(step.pre_exponential_1_s, step.activation_energy_j_mol, step.order)
    return peak_temperature(kinetics, TGA_HEATING_RATE_K_S)


def test_draws_spread_each_estimate_by_its_validation_error():
    props = estimate_properties(parse_polymer("*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1"))
    rng = np.random.default_rng(0)
    draws = [draw_properties(props, rng) for _ in range(400)]
    conductivity = np.log([d.conductivity_w_mk / props.conductivity_w_mk for d in draws])
    assert np.std(conductivity) == pytest.approx(GC_SPREAD.log_conductivity, rel=0.15)
    shift = [_peak(d.reactions[-1]) - _peak(props.reactions[-1]) for d in draws]
    assert np.std(shift) == pytest.approx(GC_SPREAD.decomposition_peak_k, rel=0.15)
    assert abs(np.mean(shift)) < 6.0
    chars = np.array([d.char_yield for d in draws])
    assert chars.min() >= 0.0 and chars.max() <= MAX_CHAR_YIELD
    for d in draws[:20]:  # every draw is a material the solver accepts
        cone_material(d)


def test_a_zero_spread_draws_the_estimate_itself():
    props = estimate_properties(parse_polymer("*CC*"))
    none = PropertySpread(*(0.0 for _ in range(9)))
    drawn = draw_properties(props, np.random.default_rng(1), none)
    assert drawn.conductivity_w_mk == props.conductivity_w_mk
    assert drawn.char_yield == props.char_yield
    assert _peak(drawn.reactions[-1]) == pytest.approx(_peak(props.reactions[-1]), abs=1e-6)
    # the melt step keeps its measured peak and heat
    assert drawn.reactions[0] == props.reactions[0]


def test_pvc_keeps_its_non_fuel_first_step_and_its_char_per_kg_of_polymer():
    props = estimate_properties(parse_polymer("*CC(*)Cl"))
    rng = np.random.default_rng(2)
    for _ in range(50):
        d = draw_properties(props, rng)
        first, second = d.reactions
        assert first.fuel_fraction == 0.0 and first.char_yield == props.reactions[0].char_yield
        # char per kg of PVC = what reaches the second step × its yield
        assert first.char_yield * second.char_yield == pytest.approx(d.char_yield, abs=1e-12)
        material = cone_material(d)
        assert material.reactions[0].fuel_fraction == 0.0


def test_a_char_too_thin_to_be_a_layer_leaves_as_gas():
    """A polysiloxane whose estimated char is 4e-4 kg/kg once failed every simulation
    (a 0.5 kg/m³ char is below the solver's density range)."""
    props = estimate_properties(parse_polymer("*O[Si](CCc1ccccc1)(O[Si](*)(CCC)c1ccccc1)c1ccccc1"))
    assert 0 < props.char_yield < 1e-3
    material = cone_material(props)
    assert len(material.components) == 1 and material.reactions[0].residue is None


def test_draws_are_truncated_and_an_unacceptable_draw_is_drawn_again():
    from engine.gc.uncertainty import TRUNCATION
    from engine.physics_informed import _plausible

    pvc = estimate_properties(parse_polymer("*CC(*)Cl"))
    rng = np.random.default_rng(5)
    heats = [draw_properties(pvc, rng).heat_of_reaction_j_kg for _ in range(2000)]
    # elimination's 3 MJ/kg at most e^(0.35·2.5) higher: still a pyrolysis heat
    assert max(heats) <= pvc.heat_of_reaction_j_kg * np.exp(0.35 * TRUNCATION) + 1
    wild = PropertySpread(log_heat_of_pyrolysis=3.0)  # half the draws beyond 10 MJ/kg
    materials = _plausible(pvc, np.random.default_rng(6), wild, 24)
    assert len(materials) == 24
    assert all(abs(r.heat_of_reaction) <= 1e7 for m in materials for r in m.reactions)
