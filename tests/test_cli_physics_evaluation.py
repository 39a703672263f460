"""`trinity evaluate` without a phase-1 model, and `trinity calibrate`: held-out scores,
coverage, the report folder and a calibrated model file."""

import json

import pandas as pd
import pytest

from engine.cli import main
from engine.datasets import shipped_tests

POLYMERS = ("PMMA", "PP", "HIPS", "PA66", "PC")


@pytest.fixture(scope="module")
def tests_csv(tmp_path_factory):
    """Five shipped polymers, a few tests each, as a user's CSV."""
    frame = shipped_tests()
    frame = frame[frame["polymer"].isin(POLYMERS)].groupby("polymer").head(4)
    path = tmp_path_factory.mktemp("data") / "five.csv"
    frame[["polymer", "smiles", "heat_flux_kw_m2", "thickness_mm", "tig_s", "phrr_kw_m2",
           "thr_mj_m2"]].to_csv(path, index=False)
    return path


def test_evaluate_without_phase1_scores_physics_and_writes_the_report(tests_csv, tmp_path,
                                                                     capsys):
    out = tmp_path / "report"
    assert main(["evaluate", "--data", str(tests_csv), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "leave-one-polymer-out (5 polymers" in printed and "covers" in printed
    report = json.loads((out / "evaluation.json").read_text())
    assert set(report["methods"]) == {"tig_s", "phrr_kw_m2", "thr_mj_m2"}
    assert 0.0 <= report["scores"]["phrr_kw_m2"]["physics"]["coverage"] <= 1.0
    table = pd.read_csv(out / "predictions.csv")
    assert {"phrr_kw_m2_low", "phrr_kw_m2_high", "phrr_kw_m2_inside"} <= set(table.columns)
    pytest.importorskip("matplotlib")
    assert (out / "parity_phrr_kw_m2.png").read_bytes()[:4] == b"\x89PNG"


def test_calibrate_writes_the_calibration_into_a_copy_of_the_model(tests_csv, tmp_path, capsys):
    pytest.importorskip("onnx")
    from engine.predictor import default_model_path, read_model_info

    out = tmp_path / "calibrated.onnx"
    argv = ["calibrate", str(default_model_path()), "--out", str(out), "--data", str(tests_csv)]
    assert main([*argv, "--level", "0.9"]) == 0
    info = read_model_info(out)
    assert info.calibration.default_level == 0.9 and info.calibration.summary["polymers"] == 5
    assert "Wrote" in capsys.readouterr().out
    assert main(["calibrate", str(default_model_path()), "--out", str(tmp_path / "x.txt")]) == 2
    assert main([*argv, "--level", "1.5"]) == 2
