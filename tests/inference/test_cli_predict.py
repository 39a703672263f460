"""`trinity export`, `trinity predict` and `trinity models`: files, exit codes, messages."""

import re

import pandas as pd
import pytest

from engine import predictor as predictor_module
from engine.cli import main
from engine.predictor import OnnxPredictor

GOOD = "smiles,heat_flux_kw_m2,thickness_mm\n*CC*,50,3\nC(*)C(*)c1ccccc1,35,6\n"


@pytest.fixture
def no_default_model(tmp_path, monkeypatch):
    monkeypatch.setattr(predictor_module, "default_model_path", lambda: tmp_path / "none.onnx")


def test_export_writes_a_model_the_predictor_opens(ensemble_dir, tmp_path, capsys):
    out = tmp_path / "cli.onnx"
    assert main(["export", str(ensemble_dir), "--out", str(out), "--name", "cli model"]) == 0
    assert "3 member(s)" in capsys.readouterr().out
    assert OnnxPredictor(out).info.name == "cli model"


def test_export_of_a_folder_that_is_no_model_exits_2(tmp_path, capsys):
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert "not a Trinity model directory" in err and len(err.strip().splitlines()) == 1


def test_predict_writes_inputs_with_predictions_and_curves(ensemble_onnx, tmp_path, capsys):
    (tmp_path / "in.csv").write_text(GOOD)
    argv = ["predict", "--model", str(ensemble_onnx), "--input", str(tmp_path / "in.csv"),
            "--output", str(tmp_path / "out.csv"), "--curves", str(tmp_path / "curves.csv")]
    assert main(argv) == 0
    assert "Predicted 2 of 2 test(s)" in capsys.readouterr().out
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert list(out.columns) == ["line", "smiles", "heat_flux_kw_m2", "thickness_mm", "tig_s",
                                 "tig_s_std", "phrr_kw_m2", "phrr_kw_m2_std", "thr_mj_m2",
                                 "thr_mj_m2_std", "extrapolation", "error"]
    assert out["smiles"].tolist() == ["*CC*", "C(*)C(*)c1ccccc1"]
    expected = OnnxPredictor(ensemble_onnx).predict(["*CC*", "*CC(*)c1ccccc1"], [50, 35], [3, 6])
    # Written to the resolution of the quantity (1 kW/m²), not with float32 digits.
    assert out["phrr_kw_m2"].to_numpy() == pytest.approx(expected.phrr_kw_m2, abs=0.5)
    assert (out["phrr_kw_m2"] == out["phrr_kw_m2"].round()).all()
    assert (out["error"] == "").all()
    curves = pd.read_csv(tmp_path / "curves.csv")
    assert len(curves) == 2 * len(expected.time_s) and set(curves["line"]) == {2, 3}


def test_predict_reports_bad_rows_by_line_and_exits_1(ensemble_onnx, tmp_path, capsys):
    (tmp_path / "in.csv").write_text(GOOD + "*CC(*)c1cccc,50,3\n*OC*,fifty,3\n")
    argv = ["predict", "--model", str(ensemble_onnx), "--input", str(tmp_path / "in.csv"),
            "--output", str(tmp_path / "out.csv")]
    assert main(argv) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("line 4: SMILES '*CC(*)c1cccc'")
    assert err[1] == "line 5: heat_flux_kw_m2 is 'fifty', not a number in kW/m²."
    assert "Predicted 2 of 4 test(s)" in captured.out
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert out["error"].tolist()[:2] == ["", ""] and out["error"].tolist()[3].startswith(
        "heat_flux_kw_m2 is 'fifty'")


@pytest.mark.parametrize(
    ("model", "csv", "expected"),
    [
        ("{onnx}", None, "The file .*in.csv does not exist"),
        ("{onnx}", "smiles,flux\n*CC*,50\n", "no 'heat_flux_kw_m2' or 'thickness_mm' column"),
        ("{onnx}", "", "is empty"),
        ("{onnx}", "smiles,heat_flux_kw_m2,thickness_mm\n", "a header but no tests"),
        ("{tmp}/missing.onnx", GOOD, "missing.onnx does not exist; export one"),
        ("{tmp}/in.csv", GOOD, "is not a readable ONNX model"),
        (None, GOOD, "No default model is installed"),
    ],
)
def test_unusable_input_exits_2_with_one_sentence(model, csv, expected, ensemble_onnx, tmp_path,
                                                  capsys, no_default_model):
    if csv is not None:
        (tmp_path / "in.csv").write_text(csv)
    argv = ["predict", "--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / "o.csv")]
    if model is not None:
        argv += ["--model", model.format(onnx=ensemble_onnx, tmp=tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("trinity predict: ")
    assert re.search(expected, err), err
    assert not (tmp_path / "o.csv").exists()


def test_predict_without_model_uses_the_shipped_default(ensemble_onnx, tmp_path, monkeypatch,
                                                        capsys):
    monkeypatch.setattr(predictor_module, "default_model_path", lambda: ensemble_onnx)
    (tmp_path / "in.csv").write_text(GOOD)
    assert main(["predict", "--input", str(tmp_path / "in.csv"), "--output",
                 str(tmp_path / "o.csv")]) == 0
    assert "model 'tiny ensemble'" in capsys.readouterr().out


def test_models_shows_the_default_and_the_files_given(ensemble_onnx, single_onnx, monkeypatch,
                                                      capsys):
    monkeypatch.setattr(predictor_module, "default_model_path", lambda: ensemble_onnx)
    assert main(["models", str(single_onnx)]) == 0
    out = capsys.readouterr().out
    assert out.index("tiny ensemble") < out.index("seed-1  (")
    assert "3 member(s), format 1" in out and "1 member(s), format 1" in out
    assert out.count("single, best epoch") == 4 and "data: experimental" in out


def test_models_says_when_no_default_is_installed_and_refuses_bad_files(
    tmp_path, capsys, no_default_model
):
    assert main(["models"]) == 0
    assert "No default model is installed" in capsys.readouterr().out
    assert main(["models", str(tmp_path / "nothing.onnx")]) == 2
    assert "nothing.onnx does not exist" in capsys.readouterr().err
