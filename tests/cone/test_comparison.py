"""Simulated, predicted and measured side by side for one polymer and condition."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from engine.cone.comparison import Spread, compare, comparison_table, matching_experiments
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
    assert table["predicted_time_s"].count() == 31


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
