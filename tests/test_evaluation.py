"""Scoring: folds by polymer, relative errors, R² of logs, curve L2, physics baseline."""

import math

import numpy as np
import pandas as pd
import pytest

from engine.evaluation import (
    TargetScore,
    curve_relative_l2,
    physics_predictions,
    polymer_folds,
    relative_improvement,
    score_method,
    score_target,
)


def _table():
    return pd.DataFrame(
        {
            "polymer": ["PMMA", "PMMA", "PE", "PMMA", "PS"],
            "smiles": ["*CC(*)(C)C(=O)OC"] * 2 + ["*CC*", "*CC(*)(C)C(=O)OC", "*CC(*)c1ccccc1"],
            "heat_flux_kw_m2": [50.0, 25.0, 50.0, 50.0, 35.0],
            "thickness_mm": [6.0, 6.0, 3.0, 6.0, 3.0],
            "tig_s": [30.0, 120.0, 60.0, np.nan, 50.0],
            "phrr_kw_m2": [800.0, 500.0, 1500.0, 820.0, 900.0],
            "thr_mj_m2": [150.0, 140.0, 200.0, 155.0, np.nan],
        }
    )


def test_replicates_of_one_polymer_never_straddle_train_and_test():
    table = _table()
    folds = list(polymer_folds(table))
    assert [f.polymer for f in folds] == ["PMMA", "PE", "PS"]
    for fold in folds:
        test_smiles = set(table.smiles.iloc[fold.test])
        assert len(test_smiles) == 1
        assert not test_smiles & set(table.smiles.iloc[fold.train])
        assert len(fold.train) + len(fold.test) == len(table)


def test_score_target_by_hand():
    s = score_target(np.array([110.0, 90.0, np.nan, 50.0]), np.array([100.0, 100.0, 5.0, 50.0]))
    assert s.n == 3
    assert s.mean_relative_error == pytest.approx((0.1 + 0.1 + 0.0) / 3)
    assert s.median_relative_error == pytest.approx(0.1)
    ly, lp = np.log([100, 100, 50]), np.log([110, 90, 50])
    r2 = 1 - np.sum((ly - lp) ** 2) / np.sum((ly - ly.mean()) ** 2)
    assert s.r2_log == pytest.approx(r2)
    assert score_target(np.array([np.nan]), np.array([1.0])).n == 0


def test_curve_l2_and_improvement():
    y = np.array([0.0, 3.0, 4.0, np.nan])
    assert curve_relative_l2(y[:3] * 1.1, y[:3]) == pytest.approx(0.1)
    assert curve_relative_l2(np.array([0.0, 3.0, 4.0, 9.0]), y) == 0.0
    assert math.isnan(curve_relative_l2(np.zeros(3), np.zeros(3)))
    better, worse = TargetScore(3, 0.2, 0.2, 0.9), TargetScore(3, 0.4, 0.4, 0.5)
    assert relative_improvement(better, worse) == pytest.approx(0.5)


def test_score_method_separates_the_reference_flux():
    table = _table()
    predicted = table[["tig_s", "phrr_kw_m2", "thr_mj_m2"]] * 1.2
    scores = score_method("x", table, predicted)
    assert scores.all_fluxes["phrr_kw_m2"].n == 5
    assert scores.at_reference_flux["phrr_kw_m2"].n == 3
    assert scores.all_fluxes["tig_s"].mean_relative_error == pytest.approx(0.2)
    assert scores.to_dict()["at_50_kw_m2"]["thr_mj_m2"]["n"] == 3


def test_physics_predictions_simulate_each_condition_once():
    table = _table()
    grid = np.arange(0.0, 901.0, 5.0)
    predicted, curves = physics_predictions(table, grid)
    assert list(predicted.index) == list(table.index)
    assert predicted.iloc[0].equals(predicted.iloc[3])  # same polymer and condition
    assert (predicted.phrr_kw_m2 > 0).all() and len(curves) == 5
    assert all(len(c) == len(grid) for c in curves)
    # A hotter cone ignites PMMA sooner.
    assert predicted.tig_s.iloc[0] < predicted.tig_s.iloc[1]
