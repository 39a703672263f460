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
    assert list(out.columns) == [
        "line", "smiles", "heat_flux_kw_m2", "thickness_mm",
        *(t + s for t in ("tig_s", "phrr_kw_m2", "thr_mj_m2")
          for s in ("", "_std", "_low", "_high")),
        "p_ignition", "interval", "extrapolation", "error"]
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


def _predict(ensemble_onnx, tmp_path, *extra, input_name="in.csv"):
    return ["predict", "--model", str(ensemble_onnx), "--input", str(tmp_path / input_name),
            *extra]


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (["--output", "{tmp}/in.csv"], "--output .* is the --input file"),
        (["--output", "{tmp}/o.csv", "--curves", "{tmp}/in.csv"], "--curves .* is the --input"),
        (["--output", "{tmp}/o.csv", "--curves", "{tmp}/o.csv"], "are the same file"),
        (["--output", "{onnx}"], "--output .* is the --model file"),
        (["--output", "{tmp}/nowhere/o.csv"], "nowhere for --output does not exist"),
        (["--output", "-", "--curves", "-"], "both write to standard output"),
    ],
)
def test_an_output_that_would_destroy_a_file_is_refused_before_predicting(
    outputs, expected, ensemble_onnx, tmp_path, capsys, monkeypatch
):
    (tmp_path / "in.csv").write_text(GOOD)
    model_before = ensemble_onnx.read_bytes()

    def no_work(*_, **__):
        raise AssertionError("the model was opened before the outputs were checked")

    monkeypatch.setattr("engine.predictor.OnnxPredictor.__init__", no_work)
    argv = ["predict", "--model", str(ensemble_onnx), "--input", str(tmp_path / "in.csv"),
            *(o.format(tmp=tmp_path, onnx=ensemble_onnx) for o in outputs)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert re.search(expected, err) and len(err.splitlines()) == 1
    assert (tmp_path / "in.csv").read_text() == GOOD
    assert ensemble_onnx.read_bytes() == model_before


def test_output_dash_is_standard_output(ensemble_onnx, tmp_path, capsys):
    (tmp_path / "in.csv").write_text(GOOD)
    assert main(_predict(ensemble_onnx, tmp_path, "--output", "-")) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("line,smiles,heat_flux_kw_m2,thickness_mm,tig_s")
    assert "Predicted 2 of 2" in captured.err
    assert not (tmp_path / "-").exists() and not __import__("pathlib").Path("-").exists()


def test_rows_as_spreadsheets_have_them(ensemble_onnx, tmp_path, capsys):
    """A row with an extra cell, an open quote, a float32 overflow, digits of another
    script: each is reported at its line and written back in place; the rest predicted."""
    text = (
        "smiles,heat_flux_kw_m2,thickness_mm,note\n"   # 1
        "*CC*,50,3,\"a\rb\"\n"                        # 2 good; a bare CR in a cell
        "*CC*,50,3,x,extra\n"                          # 3 extra cell
        "\n"                                           # 4 blank
        "*CC*,1e39,3,\n"                               # 5 overflows float32
        "*CC*,٥٠,3,\n"                                 # 6 Arabic-Indic digits
        "\"*OC*,50,3,\n"                               # 7 quote never closed
        "*OC*,35,6,\"two\nlines\"\n"                   # 8-9 good
        "*OC*,35,6,last\n"                             # 10 good
    )
    (tmp_path / "in.csv").write_text(text)
    out = tmp_path / "out.csv"
    assert main(_predict(ensemble_onnx, tmp_path, "--output", str(out))) == 1
    captured = capsys.readouterr()
    lines = [line.split(":")[0] for line in captured.err.strip().splitlines()]
    assert lines == ["line 3", "line 5", "line 6", "line 7"]
    assert "Predicted 3 of 7 test(s)" in captured.out
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table["line"].tolist() == ["2", "3", "5", "6", "7", "8", "10"]
    assert table["note"].tolist()[0] == "a\rb" and table["note"].tolist()[5] == "two\nlines"
    assert [bool(e) for e in table["error"]] == [False, True, True, True, True, False, False]
    assert "1e+39 kW/m² is outside" in table["error"][2]
    assert table["tig_s"][2] == "" and table["tig_s"][0] != ""


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_files_from_excel_on_windows_are_predicted(encoding, ensemble_onnx, tmp_path, capsys):
    text = "smiles;heat_flux_kw_m2;thickness_mm;name\r\n*CC*;50;3;Polyéthylène®\r\n"
    (tmp_path / "in.csv").write_bytes(text.encode(encoding))
    assert main(_predict(ensemble_onnx, tmp_path, "--output", str(tmp_path / "o.csv"))) == 0
    assert f"(read as {encoding}" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "o.csv")["name"][0] == "Polyéthylène®"


def test_a_huge_cell_is_not_echoed_back(ensemble_onnx, tmp_path, capsys):
    (tmp_path / "in.csv").write_text(
        "smiles,heat_flux_kw_m2,thickness_mm\n"
        f"{'C' * 5_000_000},50,3\n*CC*,{'5' * 5_000_000},3\n*CC*,50,3\n"
    )
    assert main(_predict(ensemble_onnx, tmp_path, "--output", str(tmp_path / "o.csv"))) == 1
    err = capsys.readouterr().err
    assert len(err) < 1000 and err.count("\n") == 2


def test_long_predictions_show_progress(ensemble_onnx, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("engine.prediction_table.CHUNK", 4)
    (tmp_path / "in.csv").write_text(GOOD + "*OC*,35,3\n" * 8)
    assert main(_predict(ensemble_onnx, tmp_path, "--output", str(tmp_path / "o.csv"))) == 0
    err = capsys.readouterr().err
    assert "4 of 10 tests predicted" in err and "10 of 10 tests predicted" in err


def test_extrapolation_is_marked_in_the_output(ensemble_onnx, tmp_path, capsys):
    # The tiny models learnt 35-50 kW/m² and 3-4 mm.
    (tmp_path / "in.csv").write_text("smiles,heat_flux_kw_m2,thickness_mm\n*CC*,50,3\n*CC*,50,90\n")
    assert main(_predict(ensemble_onnx, tmp_path, "--output", str(tmp_path / "o.csv"))) == 0
    assert "1 outside the conditions it was trained on" in capsys.readouterr().out
    flags = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)["extrapolation"].tolist()
    assert flags[0] == "" and flags[1].startswith("Extrapolation: thickness 90 mm")


def test_export_never_writes_into_its_own_model(ensemble_dir, tmp_path, capsys):
    weights = next(ensemble_dir.rglob("model.safetensors"))
    before = weights.read_bytes()
    assert main(["export", str(ensemble_dir), "--out", str(weights)]) == 2
    assert "must end in .onnx" in capsys.readouterr().err
    assert weights.read_bytes() == before
