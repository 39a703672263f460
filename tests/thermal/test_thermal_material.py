"""Measured steps become a cone material: GC for what TGA cannot see, the steps as a
chain of reactions that behaves in a TGA like the parallel steps it came from."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from engine.cone.material import ConeMaterial, tga_peak_temperature_c
from engine.gc.properties import estimate_properties
from engine.polymer import parse_polymer
from engine.thermal.curves import looks_like_thermal
from engine.thermal.kinetics import KineticsError, KineticStep
from engine.thermal.material import kinetics_material, measured_kinetics, measured_material
from engine.thermal.simulate import StepArrays, chain, linear_program, mass_loss_rate, tga_mass

PMMA = "*CC(*)(C)C(=O)OC"
EARLY = KineticStep(1e10, 150e3, 1.0, 0.0, 372.0, 0.3)
LATE = KineticStep(1e16, 250e3, 1.3, 0.1 / 0.7, 451.0, 0.7)


def _chain_tga(material: ConeMaterial, time_s, temp_k):
    """Mass-loss rate of the material's reactions in a TGA, as the cone solver states
    them: rate = A exp(−E/RT) m_src (m_src/m_virgin,0)^(n−1), masses per initial mass."""
    count = len(material.components)

    def rhs(t, m):
        temp = np.interp(t, time_s, temp_k)
        dm = np.zeros(count)
        for r in material.reactions:
            k = r.A * np.exp(-r.E / (8.314462618 * temp))
            src = max(m[r.source], 0.0)
            rate = k * src**r.n
            dm[r.source] -= rate
            if r.residue is not None:
                dm[r.residue] += r.residue_yield * rate
        return dm

    start = np.zeros(count)
    start[0] = 1.0
    sol = solve_ivp(rhs, (time_s[0], time_s[-1]), start, t_eval=time_s, method="LSODA",
                    rtol=1e-8, atol=1e-10)  # fmt: skip
    total = sol.y.sum(axis=0)
    return total, -np.gradient(total, time_s)


def test_chain_behaves_like_the_parallel_steps_in_a_tga():
    material = kinetics_material([EARLY, LATE], PMMA, "PMMA")
    assert len(material.reactions) == 2 and len(material.components) == 3
    time_s, temp_k = linear_program(150.0, 650.0, 10.0, step_k=0.5)
    mass, rate = _chain_tga(material, time_s, temp_k)
    steps = StepArrays(np.array([1e10, 1e16]), np.array([150e3, 250e3]), np.array([1.0, 1.3]))
    parallel = mass_loss_rate(steps, np.array([0.3, 0.6]), time_s, temp_k)
    assert mass[-1] == pytest.approx(0.1, abs=1e-3)
    for lo, hi in ((150, 410), (410, 650)):  # each step's peak, chain against parallel
        window = (temp_k - 273.15 >= lo) & (temp_k - 273.15 < hi)
        chain_peak = temp_k[window][np.argmax(rate[window])]
        parallel_peak = temp_k[window][np.argmax(parallel[window])]
        assert chain_peak == pytest.approx(parallel_peak, abs=2.0)


def test_gc_supplies_what_tga_cannot_see():
    props = estimate_properties(parse_polymer(PMMA))
    material = measured_material([EARLY, LATE], props, "PMMA")
    assert material.virgin.density == pytest.approx(props.density_kg_m3)
    assert material.components[-1].name == "char"
    assert material.components[-1].density == pytest.approx(0.1 * props.density_kg_m3)
    text = material.to_json()
    assert pytest.approx(250e3) == ConeMaterial.from_json(text).reactions[1].E


def test_mcc_steps_take_the_gc_char_yield():
    props = estimate_properties(parse_polymer("*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1"))
    step = KineticStep(1e13, 200e3, 1.0, None, 420.0, 1.0)
    material = measured_material([step], props, "PC")
    assert material.reactions[0].residue_yield == pytest.approx(props.char_yield, abs=1e-6)


def test_no_steps_is_one_sentence():
    with pytest.raises(KineticsError, match="no kinetic steps"):
        kinetics_material([], PMMA)


def test_measured_kinetics_of_files_for_a_polymer(tmp_path):
    from engine.thermal.report import beside_gc_rows

    time_s, temp_k = linear_program(150.0, 650.0, 10.0)
    steps = StepArrays(np.array([1e13]), np.array([200e3]), np.array([1.0]))
    mass = tga_mass(steps, np.array([0.97]), 0.03, time_s, temp_k)
    path = tmp_path / "run.csv"
    rows = "\n".join(
        f"{t - 273.15:.1f},{s:.1f},{m:.6f}" for t, s, m in zip(temp_k, time_s, mass, strict=True)
    )
    path.write_text(f"temperature_c,time_s,mass_fraction\n{rows}\n", encoding="utf-8")
    polymer = parse_polymer(PMMA, name="PMMA")
    measured = measured_kinetics([path], polymer)
    assert measured.smiles == polymer.smiles and measured.label == "kinetics from run.csv"
    assert pytest.approx(200e3, rel=0.05) == measured.material.reactions[0].E
    rows = beside_gc_rows(measured.fit, estimate_properties(polymer))
    assert rows[0][0] == "GC estimate" and rows[-1][0] == "Measured, step 1"
    assert float(rows[-1][6]) == pytest.approx(tga_peak_temperature_c(1e13, 200e3, 1.0, 10), abs=2)


def test_only_thermal_runs_look_like_thermal_runs(tmp_path):
    tga = tmp_path / "tga.csv"
    tga.write_text("Temp./°C;Mass/%\n" + "\n".join(f"{t};{100 - t / 10}" for t in range(20)))
    cone = tmp_path / "cone.csv"
    cone.write_text("time_s,hrr_kw_m2\n" + "\n".join(f"{t},{t * 2}" for t in range(20)))
    table = tmp_path / "tests.csv"
    table.write_text("smiles,heat_flux_kw_m2,thickness_mm\n*CC*,50,3\n")
    assert looks_like_thermal(tga)
    assert not looks_like_thermal(cone) and not looks_like_thermal(table)
    assert not looks_like_thermal(tmp_path / "missing.csv")


def test_consecutive_steps_go_to_the_solver_unchanged():
    first = KineticStep(1e10, 150e3, 1.0, 0.7, 372.0, 1.0)
    second = KineticStep(1e16, 250e3, 1.3, 0.15, 452.0, 0.7)
    material = kinetics_material([first, second], PMMA, "PMMA", scheme="consecutive")
    assert [r.A for r in material.reactions] == [1e10, 1e16]
    assert [r.residue_yield for r in material.reactions] == pytest.approx([0.7, 0.15])
    time_s, temp_k = linear_program(150.0, 650.0, 10.0, step_k=0.5)
    mass, _ = _chain_tga(material, time_s, temp_k)
    steps = StepArrays(np.array([1e10, 1e16]), np.array([150e3, 250e3]), np.array([1.0, 1.3]))
    expected = chain(steps, np.array([0.7, 0.15]), time_s, temp_k).total()
    np.testing.assert_allclose(mass, expected, atol=3e-3)


def test_hx_a_polymer_eliminates_is_not_fuel_in_its_measured_steps():
    """PVC: the HCl GC says leaves first is taken from the earliest measured mass loss
    and carries no heat; the polyene after it is all fuel."""
    pvc = estimate_properties(parse_polymer("*CC(*)Cl"))
    hcl = KineticStep(1e13, 150e3, 1.0, 0.0, 318.0, 0.6)
    polyene = KineticStep(1e14, 220e3, 1.0, 0.1 / 0.4, 463.0, 0.4)
    material = measured_material([hcl, polyene], pvc, "PVC")
    first, second = material.reactions
    non_fuel = (1.0 - first.residue_yield) * (1.0 - first.fuel_fraction)
    assert non_fuel == pytest.approx(pvc.eliminated_gas_fraction, abs=1e-9)
    assert first.fuel_fraction < 0.05 and second.fuel_fraction == 1.0
    # A polymer that eliminates nothing keeps every step as fuel.
    pmma = kinetics_material([EARLY, LATE], PMMA, "PMMA")
    assert all(r.fuel_fraction == 1.0 for r in pmma.reactions)
