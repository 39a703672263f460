"""`EvaluationResults`: scores averaged over seeds, the improvement, the per-test table."""

import numpy as np
import pandas as pd
import pytest

from engine.evaluation import EvaluationResults


def _results() -> EvaluationResults:
    tests = pd.DataFrame({
        "fold": [0, 0, 1], "polymer": ["A", "A", "B"], "smiles": ["*C*", "*C*", "*CC*"],
        "heat_flux_kw_m2": [50.0, 25.0, 50.0], "thickness_mm": [3.0, 3.0, 6.0],
        "tig_s": [10.0, 40.0, 20.0], "phrr_kw_m2": [100.0, 80.0, 200.0],
        "thr_mj_m2": [50.0, 50.0, 60.0],
    })
    truth = tests[["tig_s", "phrr_kw_m2", "thr_mj_m2"]].to_numpy(float)
    grid = np.arange(4.0)
    measured = np.array([[0, 1, 2, 1], [np.nan] * 4, [0, 2, 4, 2]], dtype=float)
    # single is 20 % (seed 0) and 40 % (seed 1) too high; two-phase 10 % and 20 %.
    scalars = {
        "physics": np.stack([truth * 2.0] * 2),
        "single": np.stack([truth * 1.2, truth * 1.4]),
        "two_phase": np.stack([truth * 1.1, truth * 1.2]),
    }
    curves = {m: np.stack([np.nan_to_num(measured) * 1.5] * 2) for m in scalars}
    return EvaluationResults(tests, measured, grid, (0, 1), scalars, curves, {}, 1.0, 2.0)


def test_scores_are_averaged_over_seeds_and_the_improvement_follows():
    results = _results()
    assert results.seed_scores("single", 1).all_fluxes["tig_s"].mean_relative_error == (
        pytest.approx(0.4)
    )
    single = results.scores("single").all_fluxes["tig_s"]
    assert single.mean_relative_error == pytest.approx(0.3) and single.n == 3
    assert results.scores("two_phase").at_reference_flux["phrr_kw_m2"].n == 2
    assert results.scores("physics").curve_l2_mean == pytest.approx(0.5)
    assert results.scores("physics").curve_n == 2
    assert results.improvement()["tig_s"]["all_fluxes"] == pytest.approx(1 - 0.15 / 0.3)


def test_predictions_frame_has_one_row_per_test_method_and_seed():
    results = _results()
    frame = results.predictions_frame()
    assert len(frame) == 3 * 3 * 2
    row = frame[(frame.method == "single") & (frame.seed == 1)].iloc[0]
    assert row.tig_s_predicted == pytest.approx(14.0)
    assert np.isnan(frame.curve_relative_l2[1])
    table = results.table()
    assert "single-phase" in table and "50.0 %" in table and "25.6 %" in table
    assert results.to_json()["compute_s"] == 2.0
