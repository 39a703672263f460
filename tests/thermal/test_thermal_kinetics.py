"""Kinetics recovered from TGA and MCC curves simulated with known A, E, n.

The curves come from `engine.thermal.simulate`, whose peak is checked against the
independent integration in `engine.cone.material.tga_peak_temperature_c`, so a wrong
simulator cannot hide behind a fit that merely inverts it.
"""

import numpy as np
import pytest

from engine.cone.material import tga_peak_temperature_c
from engine.thermal.curves import MCC, TGA, ThermalCurve
from engine.thermal.kinetics import KineticsError, fit_kinetics
from engine.thermal.simulate import StepArrays, chain, linear_program, mcc_hrr, tga_mass

MAIN = (1e13, 200e3, 1.0)  # A 1/s, E J/mol, n: a PMMA-like step peaking near 420 °C
EARLY = (1e10, 150e3, 1.0)
LATE = (1e16, 250e3, 1.3)


def _steps(*steps: tuple[float, float, float]) -> StepArrays:
    a, e, n = (np.array(v, dtype=float) for v in zip(*steps, strict=True))
    return StepArrays(a, e, n)


def tga_curve(steps, fractions, residue, rate_k_min, noise=0.0, seed=0) -> ThermalCurve:
    time_s, temp_k = linear_program(150.0, 700.0, rate_k_min)
    mass = tga_mass(_steps(*steps), np.array(fractions), residue, time_s, temp_k)
    mass = mass + np.random.default_rng(seed).normal(0.0, noise, mass.size)
    return ThermalCurve(TGA, temp_k, time_s, mass, rate_k_min / 60.0, "given")


def _peak_c(steps, fractions, rate_k_min) -> float:
    from engine.thermal.simulate import mass_loss_rate

    time_s, temp_k = linear_program(150.0, 700.0, rate_k_min, step_k=0.05)
    rate = mass_loss_rate(_steps(*steps), np.array(fractions), time_s, temp_k)
    return float(temp_k[np.argmax(rate)] - 273.15)


@pytest.mark.parametrize("n", [0.8, 1.0, 1.5])
def test_simulated_peak_matches_an_independent_integration(n):
    peak = _peak_c([(1e13, 200e3, n)], [1.0], 10.0)
    assert peak == pytest.approx(tga_peak_temperature_c(1e13, 200e3, n, 10.0), abs=0.2)


def test_one_step_is_recovered():
    fit = fit_kinetics([tga_curve([MAIN], [0.9], 0.1, 10.0)])
    (step,) = fit.steps
    assert step.E_j_mol == pytest.approx(MAIN[1], rel=0.05)
    assert step.peak_c == pytest.approx(tga_peak_temperature_c(*MAIN, 10.0), abs=2.0)
    assert step.n == pytest.approx(1.0, abs=0.05)
    assert step.mass_fraction * step.residue_yield == pytest.approx(0.1, abs=0.005)
    assert fit.residue == pytest.approx(0.1, abs=0.005)
    assert fit.r2 > 0.999


def test_one_step_is_recovered_through_balance_noise():
    fit = fit_kinetics([tga_curve([MAIN], [0.9], 0.1, 10.0, noise=0.002)], steps=1)
    (step,) = fit.steps
    assert step.E_j_mol == pytest.approx(MAIN[1], rel=0.05)
    assert step.peak_c == pytest.approx(tga_peak_temperature_c(*MAIN, 10.0), abs=2.0)


def test_two_parallel_steps_are_found_and_recovered():
    fit = fit_kinetics([tga_curve([EARLY, LATE], [0.3, 0.6], 0.1, 10.0)])
    assert len(fit.steps) == 2
    for step, truth, fraction in zip(fit.steps, (EARLY, LATE), (0.3, 0.6), strict=True):
        assert step.E_j_mol == pytest.approx(truth[1], rel=0.05)
        assert step.peak_c == pytest.approx(tga_peak_temperature_c(*truth, 10.0), abs=2.0)
        lost = step.mass_fraction * (1.0 - step.residue_yield)
        assert lost == pytest.approx(fraction, abs=0.01)


def test_several_heating_rates_are_fitted_together():
    rates = (5.0, 10.0, 20.0)
    fit = fit_kinetics([tga_curve([MAIN], [0.9], 0.1, r) for r in rates])
    (step,) = fit.steps
    assert step.E_j_mol == pytest.approx(MAIN[1], rel=0.05)
    assert fit.reference_heating_rate_k_min == pytest.approx(10.0)
    for curve in fit.curves:
        truth = tga_peak_temperature_c(*MAIN, curve.heating_rate_k_min)
        assert curve.peak_fitted_c == pytest.approx(truth, abs=2.0)


def test_two_steps_at_several_rates():
    fit = fit_kinetics([tga_curve([EARLY, LATE], [0.3, 0.6], 0.1, r) for r in (5.0, 20.0)])
    assert [s.E_j_mol for s in fit.steps] == pytest.approx([EARLY[1], LATE[1]], rel=0.05)


def test_mcc_shape_is_fitted():
    time_s, temp_k = linear_program(150.0, 700.0, 60.0, step_k=0.5)
    hrr = mcc_hrr(_steps(MAIN), np.array([25e3]), time_s, temp_k)  # 25 kJ/g
    fit = fit_kinetics([ThermalCurve(MCC, temp_k, time_s, hrr, 1.0, "given")], steps=1)
    (step,) = fit.steps
    assert step.E_j_mol == pytest.approx(MAIN[1], rel=0.05)
    assert step.residue_yield is None and fit.residue is None
    assert fit.curves[0].peak_fitted_c == pytest.approx(fit.curves[0].peak_measured_c, abs=2.0)


def test_to_dict_is_json_with_the_promised_keys():
    import json

    data = json.loads(json.dumps(fit_kinetics([tga_curve([MAIN], [0.9], 0.1, 10.0)]).to_dict()))
    assert set(data["steps"][0]) >= {"A_1_s", "E_j_mol", "n", "residue_yield", "peak_c"}
    assert {"rms", "r2", "curves"} <= set(data["fit"])
    assert data["fit"]["curves"][0]["peak_error_k"] == pytest.approx(0.0, abs=2.0)


def test_a_flat_curve_is_one_sentence():
    time_s, temp_k = linear_program(150.0, 700.0, 10.0)
    flat = ThermalCurve(TGA, temp_k, time_s, np.full(temp_k.size, 0.999), 10 / 60, "given")
    with pytest.raises(KineticsError, match="no decomposition"):
        fit_kinetics([flat])


def test_curves_of_different_materials_are_refused():
    a = tga_curve([MAIN], [0.9], 0.1, 10.0)
    b = tga_curve([MAIN], [0.9], 0.1, 10.0)
    object.__setattr__(a, "material", "PC")
    object.__setattr__(b, "material", "PMMA")
    with pytest.raises(KineticsError, match="different materials"):
        fit_kinetics([a, b])


def chain_curve(steps, yields, rate_k_min) -> ThermalCurve:
    time_s, temp_k = linear_program(150.0, 700.0, rate_k_min)
    mass = chain(_steps(*steps), np.array(yields), time_s, temp_k).total()
    return ThermalCurve(TGA, temp_k, time_s, mass, rate_k_min / 60.0, "given")


def test_one_step_chain_is_the_parallel_step():
    time_s, temp_k = linear_program(150.0, 700.0, 10.0, step_k=0.5)
    single = chain(_steps(MAIN), np.array([0.1]), time_s, temp_k)
    parallel = tga_mass(_steps(MAIN), np.array([0.9]), 0.1, time_s, temp_k)
    np.testing.assert_allclose(single.total(), parallel, atol=2e-3)


@pytest.mark.parametrize("rates", [(10.0,), (5.0, 20.0)])
def test_consecutive_steps_are_recovered(rates):
    fit = fit_kinetics(
        [chain_curve([EARLY, LATE], [0.7, 0.15], r) for r in rates], scheme="consecutive"
    )
    assert fit.scheme == "consecutive" and len(fit.steps) == 2
    first, second = fit.steps
    assert [first.E_j_mol, second.E_j_mol] == pytest.approx([EARLY[1], LATE[1]], rel=0.05)
    assert [first.residue_yield, second.residue_yield] == pytest.approx([0.7, 0.15], abs=0.01)
    assert second.mass_fraction == pytest.approx(0.7, abs=0.01)
    assert fit.residue == pytest.approx(0.105, abs=0.005)
    for curve in fit.curves:
        assert abs(curve.peak_error_k) <= 2.0


def test_consecutive_needs_a_tga_curve():
    time_s, temp_k = linear_program(150.0, 700.0, 60.0)
    hrr = mcc_hrr(_steps(MAIN), np.array([25e3]), time_s, temp_k)
    with pytest.raises(KineticsError, match="add a TGA curve"):
        fit_kinetics([ThermalCurve(MCC, temp_k, time_s, hrr, 1.0, "given")], scheme="consecutive")
