"""Melting of semicrystalline polymers (engine.gc.melting and its step in the GC material)."""

import csv
import dataclasses
import statistics

import pytest

from engine.cone.gc_material import cone_material
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate_one
from engine.constants import GAS_CONSTANT
from engine.gc.estimators import Kinetics, peak_temperature
from engine.gc.melting import AMORPHOUS_METHOD, melting, semicrystalline_polymers
from engine.gc.properties import estimate_properties
from engine.gc.tables import constant
from engine.polymer import parse_polymer
from engine.resources import resource_path

TEN_K_MIN = 10.0 / 60.0


def _umd_melt_steps() -> dict[str, dict[str, str]]:
    path = resource_path("data", "properties", "pyrolysis_properties_umd.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        r["polymer"]: r
        for r in rows
        if "solid->melt" in r["component"] and float(r["E_J_mol"]) > 0
    }


def test_melt_activation_energy_is_the_median_of_the_umd_melt_steps():
    steps = _umd_melt_steps()
    assert set(steps) == {"POM", "PET"}
    psi = []
    for row in steps.values():
        kinetics = Kinetics(float(row["A_1_s"]), float(row["E_J_mol"]))
        peak = peak_temperature(kinetics, TEN_K_MIN)
        psi.append(kinetics.activation_energy_j_mol / (GAS_CONSTANT * peak))
    assert constant("melting_dimensionless_activation_energy") == pytest.approx(
        statistics.median(psi), abs=0.05
    )


def test_table_rows_taken_from_the_umd_sets_match_them():
    steps = _umd_melt_steps()
    table = {m.polymer: m for m in semicrystalline_polymers()}
    for polymer, row in steps.items():
        kinetics = Kinetics(float(row["A_1_s"]), float(row["E_J_mol"]))
        peak = peak_temperature(kinetics, TEN_K_MIN)
        assert table[polymer].peak_k == pytest.approx(peak, abs=0.5)
        assert table[polymer].heat_j_kg == pytest.approx(float(row["heat_of_reaction_kJ_kg"]) * 1e3)
        assert "UMD" in table[polymer].source


def test_every_row_has_a_source_a_plausible_peak_and_heat():
    rows = semicrystalline_polymers()
    assert {m.polymer for m in rows} >= {"PE", "PP", "PA66", "POM", "PET", "PBT", "PEEK", "PTFE"}
    for m in rows:
        assert m.source.strip()
        assert 100 < m.peak_k - 273.15 < 400, m.polymer
        assert 10e3 < m.heat_j_kg < 310e3, m.polymer  # below the 100 % crystal of PE


@pytest.mark.parametrize("smiles", ["*C*", "*CC*", "*CCCC*", "*CCCCCC*"])
def test_polyethylene_melts_however_its_unit_is_written(smiles):
    found = melting(parse_polymer(smiles))
    assert found is not None and found.polymer == "PE"


@pytest.mark.parametrize(
    "smiles",
    ["*CC(*)(C)C(=O)OC", "*CC(*)c1ccccc1", "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1", "*CC(*)Cl"],
)
def test_amorphous_polymers_do_not_melt(smiles):
    props = estimate_properties(parse_polymer(smiles))
    assert melting(parse_polymer(smiles)) is None
    assert props.heat_of_melting_j_kg == 0.0 and props.melting_peak_k is None
    assert props.methods["heat_of_melting_j_kg"] == AMORPHOUS_METHOD
    assert all(r.consumes != "melt" and r.leaves != "melt" for r in props.reactions)


def test_a_copolymer_is_taken_as_amorphous():
    assert melting(parse_polymer("*CC*.*CC(*)C", [0.5, 0.5])) is None


def test_melt_step_comes_first_takes_up_the_heat_and_releases_no_gas():
    pe = estimate_properties(parse_polymer("*CC*"))
    melt, decomposition = pe.reactions
    assert (melt.consumes, melt.leaves, melt.char_yield) == ("virgin", "melt", 1.0)
    assert melt.heat_of_reaction_j_kg == pe.heat_of_melting_j_kg == 188e3
    kinetics = Kinetics(melt.pre_exponential_1_s, melt.activation_energy_j_mol)
    assert peak_temperature(kinetics, TEN_K_MIN) == pytest.approx(pe.melting_peak_k, abs=0.01)
    assert decomposition.consumes == "melt" and decomposition.char_yield == pe.char_yield
    assert "138 °C" in pe.methods["heat_of_melting_j_kg"]
    material = cone_material(pe)
    assert material.components[1].density == material.components[0].density
    assert material.reactions[1].source == material.reactions[0].residue == 1


def test_melting_delays_ignition_and_keeps_the_heat_released():
    """The heat of melting must be supplied before the melt can gasify, so the same
    material without the melt step ignites earlier; what burns is the same."""
    pe = estimate_properties(parse_polymer("*CC*"))
    without = dataclasses.replace(
        pe, reactions=(dataclasses.replace(pe.reactions[1], consumes="virgin"),)
    )
    with_melt = simulate_one(ConeScenario(cone_material(pe), 50.0, 6.0))
    no_melt = simulate_one(ConeScenario(cone_material(without), 50.0, 6.0))
    assert with_melt.ignited and no_melt.ignited
    assert with_melt.tig_s > no_melt.tig_s + 3.0
    assert with_melt.metrics.thr_mj_m2 == pytest.approx(no_melt.metrics.thr_mj_m2, rel=0.02)
