"""Sanity a chemist would check on the group-contribution estimates."""

import csv
import math

import pandas as pd
import pytest

from engine.gc import estimators as est
from engine.gc.properties import DISPLAY_UNITS, MaterialProperties, estimate_properties
from engine.gc.tables import constant
from engine.polymer import parse_polymer
from engine.resources import resource_path

PE, PP, PS, PMMA = "*CC*", "*CC(*)C", "*CC(*)c1ccccc1", "*CC(*)(C)C(=O)OC"
POM, PC = "*CO*", "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1"
PEEK = "*Oc1ccc(Oc2ccc(C(=O)c3ccc(*)cc3)cc2)cc1"


def _props(smiles: str) -> MaterialProperties:
    return estimate_properties(parse_polymer(smiles))


def _net_reference(polymer: str) -> float:
    """Net heat of combustion from a published gross value, less the water's latent heat."""
    with open(resource_path("gc", "reference_heats_of_combustion.csv")) as handle:
        row = next(r for r in csv.DictReader(handle) if r["polymer"] == polymer)
    p = parse_polymer(row["smiles"])
    water_kg_per_kg = p.element_counts["H"] / 2 * 0.018015 / p.molar_mass_kg_mol
    gross = float(row["gross_heat_of_combustion_kJ_g"]) * 1e6
    return gross - constant("water_latent_heat") * water_kg_per_kg


@pytest.mark.parametrize(("name", "smiles"), [("PE", PE), ("PS", PS), ("PMMA", PMMA)])
def test_heat_of_combustion_within_5_percent_of_published(name, smiles):
    estimate = est.heat_of_combustion_total(parse_polymer(smiles))
    assert estimate == pytest.approx(_net_reference(name), rel=0.05)


def test_oxygen_demand_of_simple_formulas():
    assert est.oxygen_demand({"C": 2, "H": 4}) == 3.0  # C2H4 + 3 O2
    assert est.oxygen_demand({"C": 5, "H": 8, "O": 2}) == 6.0  # PMMA
    assert est.oxygen_demand({"C": 2, "H": 3, "Cl": 1}) == 2.5  # HCl takes one H
    assert est.oxygen_demand({"C": 2, "F": 4}) == 2.0  # no H: fluorine leaves as F2


def test_volatile_heat_of_combustion_accounts_for_char_carbon():
    pc = parse_polymer(PC)
    total = est.heat_of_combustion_total(pc)
    volatile = est.heat_of_combustion_volatiles(pc, 0.25)
    assert volatile * 0.75 + 0.25 * constant("char_heat_of_combustion") == pytest.approx(total)
    assert est.heat_of_combustion_volatiles(pc, 0.0) == pytest.approx(total)


def _measured_densities():
    table = pd.read_csv(resource_path("data", "properties", "measured_properties.csv"))
    table = table[table.density_kg_m3.notna() & table.smiles.notna()]
    homopolymer = ~table.smiles.str.contains(".", regex=False)
    table = table[homopolymer & ~table.polymer.str.contains("foam")]
    return [(r.material_id, r.smiles, r.density_kg_m3) for r in table.itertuples()]


@pytest.mark.parametrize(("material", "smiles", "measured"), _measured_densities())
def test_density_within_10_percent_of_measured(material, smiles, measured):
    assert _props(smiles).density_kg_m3 == pytest.approx(measured, rel=0.10), material


def test_char_yield_of_aromatic_backbones_well_above_aliphatics():
    low = max(_props(s).char_yield for s in (PE, PMMA, POM))
    assert low < 0.02
    for s in (PC, PEEK):
        assert _props(s).char_yield > 0.15 > 5 * low


def test_specific_heat_is_a_kopp_sum():
    # C2H4: 2 × 10.89 + 4 × 7.56 J/mol/K (Hurst & Harrison) over 28.054 g/mol.
    assert _props(PE).specific_heat_j_kgk == pytest.approx((2 * 10.89 + 4 * 7.56) / 0.028054)


def test_density_of_pe_from_zhao_volume():
    # 2 C + 4 H − 6 bonds × 5.92 Å³ per chain unit, packing 0.681.
    v = (2 * 20.58 + 4 * 7.24 - 6 * 5.92) * 1e-30 * 6.02214076e23
    assert _props(PE).density_kg_m3 == pytest.approx(0.681 * 0.028054 / v)


def test_kinetics_reproduce_the_estimated_peak_temperature():
    props = _props(PS)
    r = props.reactions[0]
    kin = est.Kinetics(r.pre_exponential_1_s, r.activation_energy_j_mol)
    peak = est.peak_temperature(kin, est.TGA_HEATING_RATE_K_S)
    assert peak == pytest.approx(props.decomposition_peak_k, rel=1e-6)
    # A faster ramp moves the peak up, as in MCC (1 K/s) against TGA (10 K/min).
    assert est.peak_temperature(kin, 1.0) > peak + 20


def test_heat_release_capacity_follows_lyon():
    props = _props(PMMA)
    r = props.reactions[0]
    tp = est.peak_temperature(est.Kinetics(r.pre_exponential_1_s, r.activation_energy_j_mol), 1.0)
    expected = (
        props.heat_of_combustion_j_kg * (1 - props.char_yield) * r.activation_energy_j_mol
        / (math.e * est.GAS_CONSTANT * tp**2) / 1000
    )
    assert props.heat_release_capacity_j_gk == pytest.approx(expected)
    assert 100 < props.heat_release_capacity_j_gk < 3000


def test_copolymer_properties_lie_between_their_homopolymers():
    pe, pvc = _props(PE), _props("*CC(*)Cl")
    mix = estimate_properties(parse_polymer("*CC*.*CC(*)Cl", [0.5, 0.5]))
    for field in ("density_kg_m3", "specific_heat_j_kgk", "heat_of_combustion_complete_j_kg"):
        lo, hi = sorted((getattr(pe, field), getattr(pvc, field)))
        assert lo < getattr(mix, field) < hi


def test_record_carries_units_methods_and_groups():
    props = _props(PMMA)
    rows = props.display_rows()
    assert {name for name, *_ in rows} >= {"density_kg_m3", "char_yield", "emissivity"}
    assert all(unit and method for _, _, unit, method in rows)
    assert props.groups == {"ester": 1, "CH3": 2, "CH2": 1, "C": 1}
    assert props.to_dict()["reactions"][0]["activation_energy_j_mol"] > 1e5


def test_display_rows_are_rounded_to_what_each_estimate_resolves():
    """Polystyrene's char yield was shown as 0.005605 kg/kg: six digits on a fit whose
    error is 0.05 kg/kg. Each display unit has its decimals; the rows come rounded."""
    props = _props(PS)
    rows = {name: value for name, value, _, _ in props.display_rows()}
    assert props.char_yield == pytest.approx(0.0056, abs=1e-4)
    assert rows["char_yield"] == 0.01 and DISPLAY_UNITS["char_yield"].format(0.0056) == "0.01"
    assert rows["decomposition_peak_k"] == round(props.decomposition_peak_k - 273.15)
    assert rows["density_kg_m3"] == round(props.density_kg_m3)
    assert rows["heat_of_combustion_j_kg"] == round(props.heat_of_combustion_j_kg / 1e6, 1)
    for name, value in rows.items():
        unit = DISPLAY_UNITS[name]
        assert value == round(value, unit.decimals), name
        assert unit.format(value) == f"{value:.{unit.decimals}f}", name
    assert DISPLAY_UNITS["char_yield"].format(-0.001) == "0.00"  # no "-0.00"
    assert DISPLAY_UNITS["absorption_coefficient_1_m"].format(12345.0) == "12345"


def test_every_table_row_has_a_source():
    folder = resource_path("gc")
    tables = sorted(folder.glob("*.csv"))
    assert len(tables) >= 7
    for path in tables:
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, path
        assert all(r["source"].strip() for r in rows), path
