"""Decomposition peak from backbone chemistry: the shipped model, its fit and its data."""

from __future__ import annotations

import csv
import math
import re

import numpy as np
import pytest

from benchmarks.bench_gc_validation import decomposition_loo
from engine.constants import GAS_CONSTANT
from engine.gc.decomposition import (
    DESCRIPTOR_SIGNS,
    DESCRIPTORS,
    DecompositionDataError,
    DecompositionModel,
    descriptors,
    fit_decomposition_model,
    polymer_targets,
    read_model,
    shipped_decomposition_model,
    tga_equivalent_k,
    write_model,
)
from engine.gc.estimators import kinetics_from_peak, peak_temperature
from engine.gc.measured_decomposition import (
    MCC_PEAK,
    TGA_PEAK,
    DecompositionRecord,
    curve_peaks,
    dtg_peak,
    load_records,
)
from engine.gc.properties import estimate_properties
from engine.polymer import parse_polymer
from engine.resources import resource_path

PEEK = "*Oc1ccc(Oc2ccc(C(=O)c3ccc(*)cc3)cc2)cc1"
PC = "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1"
PEI = "*c1cccc(N2C(=O)c3ccc(Oc4ccc(C(C)(C)c5ccc(Oc6ccc7c(c6)C(=O)N(*)C7=O)cc5)cc4)cc3C2=O)c1"
PMMA = "*CC(*)(C)C(=O)OC"
PS = "*CC(*)c1ccccc1"
PE = "*CC*"
PVC = "*CC(*)Cl"


def peak(smiles: str) -> float:
    return estimate_properties(parse_polymer(smiles)).decomposition_peak_k


def test_aromatic_backbones_decompose_well_above_pmma_and_ps():
    low = max(peak(PMMA), peak(PS))
    for smiles in (PEEK, PC, PEI):
        assert peak(smiles) >= low + 60.0, smiles


def test_pvc_loses_hcl_first_well_below_polyethylene_and_pmma():
    assert peak(PVC) <= peak(PE) - 100.0
    assert peak(PVC) < peak(PMMA)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("*OCCOC(=O)c1ccc(C(*)=O)cc1", "*C(=O)c1ccc(C(=O)OCCO*)cc1"),
        (PC, "*C(=O)Oc1ccc(C(C)(C)c2ccc(O*)cc2)cc1"),
        (PMMA, "*C(C)(C(=O)OC)C*"),
        (PS, "*C(c1ccccc1)C*"),
        (PE, "*CCCC*"),
        (PEEK, "*c1ccc(C(=O)c2ccc(Oc3ccc(O*)cc3)cc2)cc1"),
    ],
)
def test_a_polymer_written_two_ways_gets_one_value(one, other):
    a, b = parse_polymer(one), parse_polymer(other)
    assert descriptors(a) == pytest.approx(descriptors(b))
    assert peak(one) == pytest.approx(peak(other))


def test_descriptors_see_the_weak_links_physics_names():
    d = {
        name: descriptors(parse_polymer(s))
        for name, s in [
            ("PMMA", PMMA),
            ("POM", "*CO*"),
            ("PVC", PVC),
            ("PS", PS),
            ("PET", "*OCCOC(=O)c1ccc(C(*)=O)cc1"),
            ("PTFE", "*C(F)(F)C(*)(F)F"),
            ("PVDF", "*CC(*)(F)F"),
            ("PEEK", PEEK),
            ("PA66", "*NCCCCCCNC(=O)CCCCC(*)=O"),
        ]
    }
    assert d["PMMA"]["unzipping"] == 1 and d["POM"]["unzipping"] == 1
    assert d["PVC"]["hx_elimination"] == 1 and d["PS"]["hx_elimination"] == 0
    assert d["PS"]["benzylic"] == 1 and d["PS"]["backbone_aromatic"] == 0
    assert d["PET"]["aliphatic_ester_ether"] == 1 and d["PET"]["aliphatic_amide"] == 0
    assert d["PA66"]["aliphatic_amide"] == 1 and d["PA66"]["aliphatic_ester_ether"] == 0
    assert d["POM"]["aliphatic_ester_ether"] == 0  # its acetal is counted as unzipping
    assert d["PTFE"]["substituted_carbon"] == 0  # C–F strengthens the chain
    assert d["PVDF"]["unzipping"] == 0 and d["PVDF"]["substituted_carbon"] == 0
    assert d["PEEK"]["backbone_aromatic"] == pytest.approx(18 / 21)
    assert sum(d["PEEK"].values()) == pytest.approx(18 / 21)


def test_a_copolymer_has_the_mole_fraction_average_of_its_units():
    mix = descriptors(parse_polymer(f"{PE}.{PVC}", [0.25, 0.75]))
    assert mix["hx_elimination"] == pytest.approx(0.75)
    assert mix["substituted_carbon"] == pytest.approx(0.75)
    half = descriptors(parse_polymer(f"{PE}.{PEEK}", [0.5, 0.5]))
    assert half["backbone_aromatic"] == pytest.approx(18 / (21 + 2))


def test_every_row_of_the_shipped_table_has_a_source_and_the_physical_sign():
    path = resource_path("gc", "decomposition.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert all(r["source"].strip() for r in rows)
    model = shipped_decomposition_model()
    assert set(model.names) == set(DESCRIPTORS)
    for name, c in zip(model.names, model.coefficients, strict=True):
        assert c * DESCRIPTOR_SIGNS[name] >= 0.0, name
        row = next(r for r in rows if r["name"] == name)
        assert row["source"].startswith("fitted by this project to resources/"), name
    assert math.isfinite(model.loo_error_k) and model.polymers >= 8


def test_a_table_row_without_a_source_is_refused():
    rows = [{"name": "intercept", "value": "750", "unit": "K", "source": ""}]
    with pytest.raises(ValueError, match="line 2: every row needs a source"):
        read_model(rows, "decomposition.csv")


def test_a_written_model_reads_back_the_same(tmp_path):
    model = DecompositionModel(
        731.5, ("backbone_aromatic", "hx_elimination"), (80.2, -101.7), "x", 33.3, 11, 0.01
    )
    path = tmp_path / "decomposition.csv"
    write_model(model, path, "2026-01-01", "resources/data/x.csv (A, B)")
    with open(path, newline="", encoding="utf-8") as handle:
        back = read_model(list(csv.DictReader(handle)), str(path))
    assert back.names == model.names and back.coefficients == model.coefficients
    assert (back.intercept_k, back.loo_error_k, back.polymers) == (731.5, 33.3, 11)


def _synthetic_records() -> list[DecompositionRecord]:
    """Peaks made from known coefficients plus a fixed scatter, one record per polymer."""
    polymers = {
        "PE": PE,
        "PP": "*CC(*)C",
        "PMMA": PMMA,
        "POM": "*CO*",
        "PET": "*OCCOC(=O)c1ccc(C(*)=O)cc1",
        "PC": PC,
        "PEEK": PEEK,
    }
    scatter = [4.0, -6.0, 3.0, -2.0, 5.0, -4.0, 1.0]
    out = []
    for (name, smiles), noise in zip(polymers.items(), scatter, strict=True):
        d = descriptors(parse_polymer(smiles))
        value = 760.0 + 110.0 * d["backbone_aromatic"] - 100.0 * d["unzipping"] + noise
        out.append(DecompositionRecord(name, smiles, TGA_PEAK, value, 10.0, "synthetic", True))
    return out


def test_benchmark_loo_equals_a_hand_computed_leave_one_out():
    records = _synthetic_records()
    names = ("backbone_aromatic", "unzipping")
    rows, mae = decomposition_loo(records, names=names, ridge_grid=(0.0,))
    x = np.array(
        [[1.0, *(descriptors(parse_polymer(r.smiles))[n] for n in names)] for r in records]
    )
    y = np.array([r.value for r in records])
    hand = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        coef = np.linalg.lstsq(x[keep], y[keep], rcond=None)[0]
        hand.append(x[i] @ coef - y[i])
    assert [r.error_k for r in rows] == pytest.approx(hand, abs=1e-6)
    assert mae == pytest.approx(np.mean(np.abs(hand)), abs=1e-6)


def test_leaving_out_a_polymer_leaves_out_every_record_of_its_structure():
    ldpe = DecompositionRecord("LDPE", PE, TGA_PEAK, 755.0, 10.0, "synthetic", True)
    records = [*_synthetic_records(), ldpe]
    names = ("backbone_aromatic", "unzipping")
    full = fit_decomposition_model(records, names=names, ridge_grid=(0.0,))
    without = fit_decomposition_model(records, frozenset({"PE"}), names=names, ridge_grid=(0.0,))
    assert full.polymers == 7 and without.polymers == 6


def test_too_few_polymers_is_one_sentence():
    with pytest.raises(DecompositionDataError, match="too few to fit 7 descriptors"):
        fit_decomposition_model(_synthetic_records()[:3])


def test_a_fitted_model_feeds_the_estimate_and_names_its_method():
    model = DecompositionModel(700.0, ("backbone_aromatic",), (100.0,), "test model", 12.0, 9)
    props = estimate_properties(parse_polymer(PEEK), decomposition=model)
    assert props.decomposition_peak_k == pytest.approx(700.0 + 100.0 * 18 / 21)
    method = props.methods["decomposition_peak_k"]
    assert "backbone_aromatic" in method and "12 K over 9 polymers" in method
    # the decomposition step (after PEEK's melting) peaks at the estimate at 10 K/min
    reaction = props.reactions[-1]
    assert reaction.consumes == "melt"
    kinetics = kinetics_from_peak(props.decomposition_peak_k)
    assert reaction.activation_energy_j_mol == pytest.approx(kinetics.activation_energy_j_mol)


def test_peaks_at_other_heating_rates_move_with_the_estimators_kinetics():
    tga = DecompositionRecord("X", PE, TGA_PEAK, 700.0, 10.0, "s", True)
    mcc = DecompositionRecord("X", PE, MCC_PEAK, 740.0, 60.0, "s", True)
    assert tga_equivalent_k(tga) == 700.0
    moved = tga_equivalent_k(mcc)
    assert moved < 740.0
    assert peak_temperature(kinetics_from_peak(moved), 1.0) == pytest.approx(740.0, abs=1e-6)


def test_dtg_rule_finds_the_peak_of_a_first_order_tga_curve():
    """A first-order step (E, A known) on a 0.5 °C grid; the analytic peak is known."""
    e, peak_k, beta = 200e3, 700.0, 10.0 / 60.0
    a = beta * e / (GAS_CONSTANT * peak_k**2) * math.exp(e / (GAS_CONSTANT * peak_k))
    temps_k = np.arange(500.0, 850.0, 0.5)
    # exact integral by fine trapezoids of k(T)/β
    k = a * np.exp(-e / (GAS_CONSTANT * temps_k))
    integral = np.concatenate([[0.0], np.cumsum(0.5 * (k[1:] + k[:-1]) * 0.5)]) / beta
    mass = np.exp(-integral)
    found = dtg_peak(temps_k - 273.15, mass, is_mass=True) + 273.15
    assert found == pytest.approx(peak_k, abs=1.0)


def test_a_window_that_misses_the_peak_gives_no_peak():
    temps = np.arange(300.0, 400.0, 1.0)
    mass = 1.0 - 0.004 * (temps - 300.0) ** 1.5 / 10  # still speeding up at the last row
    assert math.isnan(dtg_peak(temps, mass, is_mass=True))


def test_curve_files_give_peak_and_residue(tmp_path):
    temps = np.arange(200.0, 650.0, 1.0)
    mass = 0.2 + 0.8 / (1.0 + np.exp((temps - 480.0) / 8.0))
    lines = [
        "# material: Test",
        f"# smiles: {PE}",
        "# technique: TGA",
        "# atmosphere: N2",
        "# heating_rate_k_min: 10",
        "# source: synthetic",
        "temperature_c,time_s,mass_fraction",
        *(
            f"{t:.1f},{i * 6.0:.1f},{m:.5f}"
            for i, (t, m) in enumerate(zip(temps, mass, strict=True))
        ),
    ]
    (tmp_path / "Test_TGA_N2_10K_R1.csv").write_text("\n".join(lines), encoding="utf-8")
    (found,) = curve_peaks(tmp_path)
    assert found.peak_k == pytest.approx(480.0 + 273.15, abs=1.0)
    assert found.residue == pytest.approx(0.2, abs=1e-3)
    assert found.heating_rate_k_min == 10.0


def test_shipped_records_are_typed_and_blends_are_not_fitted():
    records = load_records()
    assert {r.quantity for r in records} <= {TGA_PEAK, MCC_PEAK, "residue"}
    assert all(r.source for r in records)
    blends = [r for r in records if "." in r.smiles]
    assert blends and not any(r.neat for r in blends)
    fitted = {t.smiles for t in polymer_targets(records)}
    assert not any("." in s for s in fitted)
    assert not any(r.neat for r in records if "-GF" in r.polymer)


def test_a_raw_run_read_by_several_tables_counts_once():
    """The HDPE and PC FSRI runs are in the curve files, the FSRI table and the literature."""
    keys = [
        (raw.group(0), r.quantity)
        for r in load_records()
        if (raw := re.search(r"01_Data/[^\s,;'\")]+", r.source))
    ]
    assert keys and len(keys) == len(set(keys))
