"""Simulated, predicted and measured side by side for one polymer and condition."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from engine.cone.comparison import (
    TIME_STEP_S,
    Spread,
    compare,
    comparison_table,
    matching_experiments,
    write_comparison_csv,
)
from engine.cone.gc_material import cone_material
from engine.experiments import shipped_experiments
from engine.gc.properties import estimate_properties
from engine.polymer import parse_polymer

PMMA = parse_polymer("*CC(*)(C)C(=O)OC", name="PMMA")


def _predictor(fail=""):
    def predict(smiles, flux, thickness):
        if fail:
            raise RuntimeError(fail)
        t = np.linspace(0, 300, 31)
        one = np.array
        return SimpleNamespace(
            time_s=t,
            hrr_kw_m2=np.sin(t / 100)[None] * 500,
            hrr_kw_m2_std=np.ones((1, 31)),
            tig_s=one([30.0]),
            tig_s_std=one([3.0]),
            phrr_kw_m2=one([500.0]),
            phrr_kw_m2_std=one([50.0]),
            thr_mj_m2=one([90.0]),
            thr_mj_m2_std=one([9.0]),
        )

    return SimpleNamespace(predict=predict)


def test_spread_of_one_value_has_no_std_and_ignores_missing():
    assert Spread.of([2.0, None, math.nan]) == Spread(2.0, pytest.approx(math.nan, nan_ok=True), 1)
    assert Spread.of([1.0, 3.0]).std == pytest.approx(math.sqrt(2))
    assert Spread.of([]).n == 0


def test_matching_uses_structure_or_name_flux_and_thickness():
    table = pd.DataFrame(
        {
            "polymer": ["acrylic", "PMMA", "PMMA", "PMMA"],
            "smiles": [PMMA.smiles, "*CC*", PMMA.smiles, PMMA.smiles],
            "heat_flux_kw_m2": [50.5, 50.0, 25.0, 50.0],
            "thickness_mm": [6.2, 6.0, 6.0, 9.0],
        }
    )
    assert matching_experiments(table, PMMA, 50.0, 6.0).index.tolist() == [0, 1]


def test_compare_simulates_predicts_and_finds_shipped_curves():
    material = cone_material(estimate_properties(PMMA))
    result = compare(
        polymer=PMMA,
        material=material,
        heat_flux_kw_m2=50.0,
        thickness_mm=6.0,
        flame_flux_kw_m2=20.0,
        backing="insulated",
        predictor=_predictor(),
        experiments=shipped_experiments(),
    )
    assert result.simulated.ok and result.predicted is not None
    assert result.predicted.metrics.t_phrr_s.mean == pytest.approx(160.0)
    assert len(result.measured) >= 3
    assert result.measured_metrics.phrr_kw_m2.n >= 3
    table = comparison_table(result)
    assert table["simulated_hrr_kw_m2"].count() == len(result.simulated.time_s)
    assert table["predicted_hrr_kw_m2"].count() == 301  # 0–300 s on the 1 s base


@pytest.fixture(scope="module")
def compared():
    return compare(
        polymer=PMMA,
        material=cone_material(estimate_properties(PMMA)),
        heat_flux_kw_m2=50.0,
        thickness_mm=6.0,
        flame_flux_kw_m2=20.0,
        backing="insulated",
        predictor=_predictor(),
        experiments=shipped_experiments(),
    )


def test_every_curve_of_the_table_is_on_one_time_base(compared):
    """Simulated (1 s), predicted (10 s here) and measured curves (their own uneven times)
    used to sit side by side with a time column each, so a row mixed times."""
    table = comparison_table(compared)
    assert [c for c in table.columns if c.endswith("time_s")] == ["time_s"]
    assert np.allclose(np.diff(table["time_s"]), TIME_STEP_S) and table["time_s"].iloc[0] == 0
    sim, pred = compared.simulated, compared.predicted
    on_sim = table.set_index("time_s").loc[sim.time_s]
    assert on_sim["simulated_hrr_kw_m2"].to_numpy() == pytest.approx(sim.hrr_kw_m2)
    at = table.set_index("time_s")
    assert at.loc[155.0, "predicted_hrr_kw_m2"] == pytest.approx(
        np.interp(155.0, pred.time_s, pred.hrr_kw_m2))
    assert np.isnan(at.loc[301.0, "predicted_hrr_kw_m2"])  # no prediction past 300 s
    measured = [c for c in table.columns if c.startswith("measured_")]
    assert len(measured) == len(compared.measured) and len(set(measured)) == len(measured)
    for column, curve in zip(measured, compared.measured, strict=True):
        inside = (at.index >= curve.time_s[0]) & (at.index <= curve.time_s[-1])
        assert at.loc[inside, column].to_numpy() == pytest.approx(
            np.interp(at.index[inside], curve.time_s, curve.hrr_kw_m2))
        assert at.loc[~inside, column].isna().all()  # never extrapolated
    assert table["time_s"].iloc[-1] >= max(c.time_s[-1] for c in compared.measured)


def test_the_csv_says_its_time_base_and_rounds_to_what_is_measured(compared, tmp_path):
    path = tmp_path / "cone.csv"
    write_comparison_csv(compared, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    notes = [line for line in lines if line.startswith("#")]
    assert lines[: len(notes)] == notes and any("time base" in n for n in notes)
    assert any("50 kW/m²" in n and "6 mm" in n for n in notes)
    table = pd.read_csv(path, comment="#")
    assert table.columns[0] == "time_s" and len(table) == len(comparison_table(compared))
    header = lines[len(notes)].split(",")
    for line in lines[len(notes) + 1:]:
        for name, cell in zip(header, line.split(","), strict=True):
            decimals = len(cell.partition(".")[2])
            if name.endswith("hrr_kw_m2") or name.endswith("hrr_kw_m2_std"):
                assert decimals <= 1, (name, cell)  # not 123.45678 (float32 noise)
            elif name.endswith("mass_kg_m2"):
                assert decimals <= 4, (name, cell)


def test_compare_reports_failures_as_sentences():
    material = cone_material(estimate_properties(PMMA))
    bad = compare(
        polymer=PMMA,
        material=material,
        heat_flux_kw_m2=50.0,
        thickness_mm=-1.0,
        flame_flux_kw_m2=20.0,
        backing="insulated",
    )
    assert bad.simulated is None and "thickness_mm" in bad.simulation_error
    failed = compare(
        polymer=PMMA,
        material=material,
        heat_flux_kw_m2=50.0,
        thickness_mm=6.0,
        flame_flux_kw_m2=20.0,
        backing="insulated",
        predictor=_predictor("No model is loaded."),
    )
    assert failed.predicted is None and failed.prediction_error == "No model is loaded."
    assert failed.simulated is not None
