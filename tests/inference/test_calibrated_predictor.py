"""A model file with a calibration: methods per target, intervals, ignition, flags."""

import math

import numpy as np
import pandas as pd
import pytest

from engine.calibration import MODEL, PHYSICS, TARGETS, Band, Calibration, TargetCorrection
from engine.cli import main
from engine.onnx_calibration import CalibrationFileError, attach_calibration
from engine.predictor import OnnxPredictor, PredictorError, read_model_info

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _calibration(method: str = PHYSICS) -> Calibration:
    # held-out log errors 0.1 … 0.5 over five polymers: at 80 % the half-width is 0.5
    bands = {t: Band(t, (0.1, 0.2, 0.3, 0.4, 0.5), (1.0,) * 5, 5) for t in TARGETS}
    corrections = {t: TargetCorrection(t, None, ()) for t in TARGETS}
    summary = {"polymers": 5, "tests": 5,
               "tested_polymers": {"PMMA": "*CC(*)(C)C(=O)OC", "PE": "*C*"}}
    return Calibration(dict.fromkeys(TARGETS, method), corrections, bands, 0.8, summary)


@pytest.fixture
def calibrated(ensemble_onnx, tmp_path):
    return attach_calibration(ensemble_onnx, tmp_path / "calibrated.onnx", _calibration())


def test_an_uncalibrated_model_says_its_band_is_only_the_spread(ensemble_onnx):
    p = OnnxPredictor(ensemble_onnx).predict(["*CC(*)(C)C(=O)OC"], 50.0, 6.0)
    assert p.methods == dict.fromkeys(TARGETS, MODEL)
    assert "not calibrated" in p.interval
    z = 1.2815515655446004  # the 90th percentile of the normal: an 80 % two-sided band
    assert p.phrr_kw_m2_high[0] == pytest.approx(p.phrr_kw_m2[0] + z * p.phrr_kw_m2_std[0],
                                                 rel=1e-5)
    assert math.isnan(p.p_ignition[0])


def test_a_calibrated_model_predicts_by_its_methods_with_held_out_intervals(calibrated):
    predictor = OnnxPredictor(calibrated)
    assert read_model_info(calibrated).calibration.methods["tig_s"] == PHYSICS
    p = predictor.predict(["*CC(*)(C)C(=O)OC", "*CCCC*", "*C*"], [50.0, 50.0, 50.0], 6.0)
    assert p.methods == dict.fromkeys(TARGETS, PHYSICS)
    assert p.interval.startswith("80% interval, calibrated on held-out polymers")
    # the same polymer written two ways is one answer
    assert p.smiles[1] == p.smiles[2] == "*C*"
    assert p.phrr_kw_m2[1] == p.phrr_kw_m2[2] and p.tig_s[1] == p.tig_s[2]
    for target in TARGETS:
        values = getattr(p, target)
        low, high = p.bounds(target)
        # 80 % · (1 + 1/5) = 0.96 of the errors: the largest, 0.5
        assert np.allclose(high / values, math.exp(0.5), rtol=1e-5)
        assert np.allclose(low / values, math.exp(-0.5), rtol=1e-5)
    # the numbers and the curve agree
    for i in range(3):
        assert p.hrr_kw_m2[i].max() == pytest.approx(p.phrr_kw_m2[i], rel=0.05)
    assert np.all(p.p_ignition == 1.0)
    narrow = predictor.predict(["*CC(*)(C)C(=O)OC"], 50.0, 6.0, level=0.5)
    assert narrow.phrr_kw_m2_high[0] < p.phrr_kw_m2_high[0]
    with pytest.raises(PredictorError, match="between 0 and 1"):
        predictor.predict(["*C*"], 50.0, 6.0, level=80)


def test_copolymer_fractions_reach_the_physics(calibrated):
    predictor = OnnxPredictor(calibrated)
    mixes = predictor.predict(["*CC*.*CC(*)(C)C(=O)OC"] * 2, 50.0, 6.0,
                              fractions=[(0.9, 0.1), (0.1, 0.9)])
    assert mixes.phrr_kw_m2[0] != pytest.approx(mixes.phrr_kw_m2[1], rel=0.05)


def test_a_learnt_model_says_it_cannot_read_fractions(ensemble_onnx):
    p = OnnxPredictor(ensemble_onnx).predict(["*CC*.*CC(*)c1ccccc1"], 50.0, 6.0,
                                             fractions=[(0.9, 0.1)])
    assert "not their fractions" in p.extrapolation[0]


def test_a_chemistry_unlike_the_tested_polymers_is_flagged(calibrated):
    p = OnnxPredictor(calibrated).predict(["*CC(*)(C)C(=O)OC", "*O[Si](*)(C)C"], 50.0, 3.0)
    assert p.extrapolation[0] == ""
    assert "chemistry unlike every tested polymer" in p.extrapolation[1]


def test_trinity_predict_writes_bounds_ignition_and_what_the_interval_is(
        calibrated, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("smiles,heat_flux_kw_m2,thickness_mm\n*CC*,50,3\n*CC(*)(C)C(=O)OC,3,6\n")
    out = tmp_path / "out.csv"
    argv = ["predict", "--model", str(calibrated), "--input", str(source), "--output", str(out)]
    assert main([*argv, "--level", "0.9"]) == 0
    frame = pd.read_csv(out)
    for target in TARGETS:
        assert {f"{target}_low", f"{target}_high", f"{target}_std"} <= set(frame.columns)
    assert frame["interval"].str.startswith("90% interval").all()
    assert frame.loc[0, "p_ignition"] == 1.0
    # PMMA at 3 kW/m² does not ignite: no t_ig, no peak
    assert frame.loc[1, "p_ignition"] < 0.5 and math.isnan(frame.loc[1, "tig_s"])
    assert main([*argv, "--level", "80"]) == 2


def test_attaching_a_calibration_to_a_file_that_is_no_trinity_model_is_refused(tmp_path):
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"not onnx")
    with pytest.raises(CalibrationFileError, match="not a readable ONNX file"):
        attach_calibration(bogus, tmp_path / "out.onnx", _calibration())


def test_trinity_models_shows_the_methods_and_the_held_out_errors(calibrated, capsys):
    assert main(["models", str(calibrated)]) == 0
    out = capsys.readouterr().out
    assert "predictions per target: tig_s physics" in out


def test_a_fractions_column_reaches_the_physics_and_a_bad_one_is_a_row_error(
        calibrated, tmp_path, capsys):
    source = tmp_path / "mixes.csv"
    source.write_text("smiles,heat_flux_kw_m2,thickness_mm,fractions\n"
                      "*CC*.*CC(*)(C)C(=O)OC,50,3,0.9;0.1\n"
                      "*CC*.*CC(*)(C)C(=O)OC,50,3,0.1;0.9\n"
                      "*CC*.*CC(*)(C)C(=O)OC,50,3,half\n"
                      "*CC*.*CC(*)(C)C(=O)OC,50,3,0.2;0.3;0.5\n")
    out = tmp_path / "out.csv"
    argv = ["predict", "--model", str(calibrated), "--input", str(source), "--output", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "line 4: fractions 'half' must be non-negative numbers" in err
    assert "line 5:" in err
    frame = pd.read_csv(out)
    assert frame.loc[0, "phrr_kw_m2"] != pytest.approx(frame.loc[1, "phrr_kw_m2"], rel=0.05)


def test_a_target_the_learnt_model_won_comes_from_it_and_the_curve_follows(ensemble_onnx,
                                                                          tmp_path):
    mixed = _calibration()
    mixed.methods["thr_mj_m2"] = MODEL
    path = attach_calibration(ensemble_onnx, tmp_path / "mixed.onnx", mixed)
    learnt = OnnxPredictor(ensemble_onnx).predict(["*CC(*)(C)C(=O)OC"], 50.0, 3.0)
    p = OnnxPredictor(path).predict(["*CC(*)(C)C(=O)OC"], 50.0, 3.0)
    assert p.methods["thr_mj_m2"] == MODEL and p.methods["phrr_kw_m2"] == PHYSICS
    assert p.thr_mj_m2[0] == pytest.approx(learnt.thr_mj_m2[0], rel=1e-6)
    assert p.thr_mj_m2_std[0] == pytest.approx(learnt.thr_mj_m2_std[0], rel=1e-6)
    assert p.thr_mj_m2_high[0] == pytest.approx(p.thr_mj_m2[0] * math.exp(0.5), rel=1e-5)
    assert p.hrr_kw_m2[0].max() == pytest.approx(p.phrr_kw_m2[0], rel=0.05)


def test_the_backing_reaches_the_physics_and_the_learnt_model_says_it_cannot(
        calibrated, ensemble_onnx, tmp_path):
    predictor = OnnxPredictor(calibrated)
    both = predictor.predict(["*CC(*)(C)C(=O)OC"] * 2, 35.0, 3.0,
                             backing=["insulated", "blanket"])
    assert both.tig_s[0] != both.tig_s[1] or both.thr_mj_m2[0] != both.thr_mj_m2[1]
    with pytest.raises(PredictorError, match="neither 'insulated' nor 'blanket'"):
        predictor.predict(["*C*"], 50.0, 3.0, backing="wood")
    learnt = OnnxPredictor(ensemble_onnx).predict(["*C*"], 50.0, 3.0, backing="blanket")
    assert "trained on insulated samples" in learnt.extrapolation[0]
    source = tmp_path / "in.csv"
    source.write_text("smiles,heat_flux_kw_m2,thickness_mm,backing\n*C*,50,3,blanket\n"
                      "*C*,50,3,\n*C*,50,3,cork\n")
    out = tmp_path / "out.csv"
    assert main(["predict", "--model", str(calibrated), "--input", str(source),
                 "--output", str(out)]) == 1
    assert len(pd.read_csv(out)) == 3


def test_without_ignition_draws_the_physics_answers_faster_and_says_less(calibrated):
    p = OnnxPredictor(calibrated, ignition_draws=0).predict(["*CC(*)(C)C(=O)OC"], 50.0, 3.0)
    assert p.p_ignition[0] in (0.0, 1.0)
    assert math.isnan(p.phrr_kw_m2_std[0]) and p.phrr_kw_m2_low[0] < p.phrr_kw_m2[0]


def test_a_polymer_predicted_again_gives_the_same_prediction(calibrated):
    """The predictor keeps what it parsed and the GC estimate between calls: a second
    call, in another batch, answers as a fresh predictor does."""
    smiles = ["*CC(*)(C)C(=O)OC", "*CC(*)c1ccccc1", "*CC(*)(C)C(=O)OC"]
    fresh = OnnxPredictor(calibrated, ignition_draws=0).predict(smiles, 50.0, 3.0)
    predictor = OnnxPredictor(calibrated, ignition_draws=0)
    predictor.predict(smiles[1:2], 35.0, 6.0)
    again = predictor.predict(smiles, 50.0, 3.0)
    assert again.smiles == fresh.smiles and again.extrapolation == fresh.extrapolation
    for name in ("tig_s", "phrr_kw_m2", "thr_mj_m2", "hrr_kw_m2", "p_ignition"):
        assert np.array_equal(getattr(again, name), getattr(fresh, name), equal_nan=True)
    assert not predictor._encoded(smiles[0], None)[1].flags.writeable  # shared by calls
