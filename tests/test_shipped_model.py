"""The model that ships: present, small, Trinity's, made by the recipe, and predicting."""

import math

import numpy as np
import pytest

from engine.cli import main
from engine.predictor import OnnxPredictor, default_model_path, read_model_info

pytest.importorskip("onnxruntime")

MAX_MB = 30.0


def test_the_default_model_ships_with_its_recipe_and_held_out_scores():
    path = default_model_path()
    assert path.is_file(), "resources/models/default.onnx is missing"
    assert path.stat().st_size / 1e6 <= MAX_MB
    info = read_model_info(path)
    assert info.name == "trinity-default" and info.members == 3
    recipe = info.recipe["recipe"]
    assert recipe["synthetic"]["n_polymers"] == 20_000 and recipe["seeds"] == [0, 1, 2]
    assert info.evaluation["polymers"] >= 10
    assert set(info.evaluation["scores"]) == {"physics", "single", "two_phase"}
    assert all(config["phase"] == "phase2" for config in info.training.values())


def test_a_fresh_install_predicts_pmma_sensibly():
    p = OnnxPredictor().predict(["*CC(*)(C)C(=O)OC", "*CC*"], [50.0, 35.0], [6.0, 3.0])
    assert p.hrr_kw_m2.shape == (2, len(p.time_s)) and p.time_s[-1] == 900.0
    for values in (p.tig_s, p.phrr_kw_m2, p.thr_mj_m2):
        assert np.all(np.isfinite(values)) and np.all(values > 0)
    assert 5.0 < p.tig_s[0] < 300.0 and 200.0 < p.phrr_kw_m2[0] < 3000.0
    assert np.all(p.tig_s_std >= 0) and np.all(p.hrr_kw_m2_std >= 0)
    # The curve and the scalars are two heads of one model: the curve's peak is near pHRR.
    assert math.isclose(p.hrr_kw_m2[0].max(), p.phrr_kw_m2[0], rel_tol=0.5)


def test_trinity_predict_uses_the_shipped_model_by_default(tmp_path, capsys):
    source = tmp_path / "candidates.csv"
    source.write_text("smiles,heat_flux_kw_m2,thickness_mm\n*CC(*)c1ccccc1,50,6\n*C1CC*,50,6\n")
    out = tmp_path / "out.csv"
    assert main(["predict", "--input", str(source), "--output", str(out)]) == 1
    assert "line 3:" in capsys.readouterr().err
    rows = out.read_text().splitlines()
    assert rows[0].startswith("line,smiles,heat_flux_kw_m2,thickness_mm") and len(rows) == 3
    # The refused polymer keeps its place and its input line, with the reason beside it.
    assert rows[2].startswith("3,*C1CC*,50,6") and rows[2].split(",")[-1]


def test_the_default_model_carries_intervals_calibrated_on_held_out_polymers():
    info = read_model_info(default_model_path())
    calibration = info.calibration
    assert calibration is not None and calibration.default_level == 0.8
    summary = calibration.summary
    assert summary["polymers"] >= 10
    for target, method in calibration.methods.items():
        coverage = summary["scores"][target][method]["coverage"]
        assert 0.7 <= coverage <= 0.9, (target, coverage)  # an 80 % interval that holds
    p = OnnxPredictor().predict(["*CC(*)(C)C(=O)OC"], 75.0, 3.0)
    assert p.interval.startswith("80% interval")
    for target in ("tig_s", "phrr_kw_m2", "thr_mj_m2"):
        low, high = p.bounds(target)
        assert low[0] < getattr(p, target)[0] < high[0]
    # the numbers and the curve agree (the PMMA at 75 kW/m², 3 mm: 1 766 vs 1 170)
    assert math.isclose(p.hrr_kw_m2[0].max(), p.phrr_kw_m2[0], rel_tol=0.05)
