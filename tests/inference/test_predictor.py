"""The onnxruntime predictor: torch-free, tokenises as training did, explains every refusal."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pandas as pd
import pytest
from inference_setup import QUERIES

from engine import predictor as predictor_module
from engine.identity import model_smiles
from engine.polymer import parse_polymer
from engine.prediction_table import RESULT_COLUMNS, predict_frame, read_tests_csv
from engine.predictor import OnnxPredictor, PredictorError
from engine.training import load_ensemble


@pytest.fixture(scope="module")
def predictor(ensemble_onnx) -> OnnxPredictor:
    return OnnxPredictor(ensemble_onnx, threads=1)


def test_predicting_imports_neither_torch_nor_transformers(ensemble_onnx):
    script = (
        "import sys\n"
        "from engine.predictor import OnnxPredictor\n"
        f"p = OnnxPredictor({str(ensemble_onnx)!r}).predict(['*CC*'], 50.0, 3.0)\n"
        "assert p.tig_s.shape == (1,)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers'}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_token_ids_are_those_of_the_training_tokenizer(ensemble_dir, predictor):
    tokenizer = load_ensemble(ensemble_dir / "seed-0").members[0].tokenizer
    for smiles in QUERIES:
        canonical, ids, polymer = predictor.encode(smiles)
        assert canonical == model_smiles(parse_polymer(smiles)) and polymer.smiles
        assert "@" not in canonical  # stereo tags do not reach the model
        assert ids.tolist() == tokenizer(canonical)["input_ids"]


def test_prediction_has_one_row_per_test_and_reads_canonical_smiles(predictor):
    p = predictor.predict(["*CC*", "C(*)C*", "*CC(*)c1ccccc1"], [50.0, 50.0, 35.0], 3.0)
    points = len(predictor.info.time_grid_s)
    # the model reads the smallest repeat unit: *CC* is polyethylene, *C*
    assert len(p) == 3 and p.smiles == ("*C*", "*C*", "*CC(*)c1ccccc1")
    for name in ("tig_s", "tig_s_std", "phrr_kw_m2", "phrr_kw_m2_std", "thr_mj_m2",
                 "thr_mj_m2_std"):
        assert getattr(p, name).shape == (3,)
    assert p.hrr_kw_m2.shape == p.hrr_kw_m2_std.shape == (3, points)
    np.testing.assert_array_equal(p.time_s, predictor.info.time_grid_s)
    np.testing.assert_array_equal(p.thickness_mm, [3.0, 3.0, 3.0])
    # The same polymer written two ways is the same prediction; another condition is not.
    assert p.tig_s[0] == p.tig_s[1] and p.tig_s[0] != p.tig_s[2]
    assert (p.tig_s > 0).all() and (p.tig_s_std > 0).all()
    assert predictor.providers == ["CPUExecutionProvider"]


def test_conditions_beyond_the_training_data_are_flagged(predictor):
    """Inside the accepted range but outside what the model saw: predicted, and said so."""
    span = predictor.info.trained_range
    assert span is not None
    low, high = span.thickness_mm
    p = predictor.predict(["*CC*"] * 2, span.heat_flux_kw_m2[0], [low, 2 * high])
    assert p.extrapolation[0] == ""
    assert p.extrapolation[1].startswith("Extrapolation: thickness")
    assert "the model was trained on" in p.extrapolation[1]


def test_an_empty_request_gives_an_empty_prediction(predictor):
    p = predictor.predict([], [], [])
    assert len(p) == 0 and p.hrr_kw_m2.shape == (0, len(p.time_s))


@pytest.mark.parametrize(
    ("smiles", "flux", "thickness", "expected"),
    [
        ("*CC(*)c1cccc", 50.0, 3.0, r"SMILES '\*CC\(\*\)c1cccc': .*ring"),
        ("*C[13CH2]*", 50.0, 3.0, r"'\[13CH2\]' .*never saw in training"),
        ("*CC*", -5.0, 3.0, "heat_flux_kw_m2 -5 kW/m² is outside the accepted range"),
        ("*CC*", 50.0, float("nan"), "thickness_mm is nan; give a finite number in mm"),
        ("*CC*", 5000.0, 3.0, "heat_flux_kw_m2 5000 kW/m² is outside the accepted range"),
        # Beyond float32: it used to overflow to inf and come back as empty cells.
        ("*CC*", 50.0, 1e39, "thickness_mm 1e[+]39 mm is outside the accepted range"),
        ("*CC*", [50.0, 35.0], 3.0, "one heat_flux_kw_m2 per SMILES"),
    ],
)
def test_bad_requests_raise_one_sentence(predictor, smiles, flux, thickness, expected):
    with pytest.raises(PredictorError, match=expected) as error:
        predictor.predict([smiles], flux, thickness)
    assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")


def _with_metadata(source, target, **changes):
    model = onnx.load(str(source))
    for entry in model.metadata_props:
        if entry.key in changes:
            entry.value = changes[entry.key]
    onnx.save(model, str(target))
    return target


@pytest.fixture
def foreign_onnx(tmp_path):
    node = onnx.helper.make_node("Identity", ["x"], ["y"])
    graph = onnx.helper.make_graph(
        [node], "plain",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
    )
    path = tmp_path / "plain.onnx"
    onnx.save(onnx.helper.make_model(graph), str(path))
    return path


def test_unusable_model_files_are_refused_with_what_to_do(ensemble_onnx, foreign_onnx, tmp_path):
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(ensemble_onnx.read_bytes()[:5000])
    newer = _with_metadata(ensemble_onnx, tmp_path / "newer.onnx",
                           **{"trinity.format_version": "99"})
    damaged = _with_metadata(ensemble_onnx, tmp_path / "damaged.onnx",
                             **{"trinity.tokenizer": "{not json"})
    cases = [
        (tmp_path / "missing.onnx", "does not exist; export one with `trinity export"),
        (corrupt, "is not a readable ONNX model .* damaged or incomplete"),
        (foreign_onnx, "not a Trinity one .*no trinity.format_version metadata"),
        (newer, "format 99 .* this version reads format 1; export it again"),
        (damaged, "damaged Trinity metadata"),
    ]
    for path, expected in cases:
        with pytest.raises(PredictorError, match=expected) as error:
            OnnxPredictor(path)
        message = str(error.value)
        assert str(path) in message and "\n" not in message


def test_the_default_model_is_the_shipped_one(ensemble_onnx, tmp_path, monkeypatch):
    monkeypatch.setattr(predictor_module, "default_model_path", lambda: ensemble_onnx)
    assert OnnxPredictor().path == ensemble_onnx
    monkeypatch.setattr(predictor_module, "default_model_path", lambda: tmp_path / "none.onnx")
    with pytest.raises(PredictorError, match="No default model is installed"):
        OnnxPredictor()


def test_predict_frame_predicts_good_rows_and_keeps_bad_ones_with_their_line(predictor):
    frame = pd.DataFrame({
        "SMILES": ["*CC*", "*CC(*)c1cccc", "*OC*", "*CC*", "*C[13CH2]*", "", "*OC*"],
        "heat_flux_kw_m2": ["50", "50", "abc", "-1", "35", "50", "35"],
        "thickness_mm": ["3", "3", "3", "3", "3", "3", ""],
        "tig_s": ["40"] * 7,
    })
    table = predict_frame(predictor, frame)
    lines = [line for line, _ in table.errors]
    assert lines == [3, 4, 5, 6, 7, 8]
    reasons = dict(table.errors)
    assert "'*CC(*)c1cccc'" in reasons[3] and "'abc', not a number" in reasons[4]
    assert "heat_flux_kw_m2 -1 kW/m² is outside" in reasons[5] and "[13CH2]" in reasons[6]
    assert "SMILES is empty" in reasons[7] and "thickness_mm is empty" in reasons[8]
    out = table.frame
    assert list(out.columns) == ["line", "SMILES", "heat_flux_kw_m2", "thickness_mm",
                                 "tig_s_input", *RESULT_COLUMNS]
    assert out["error"].tolist() == ["", *(reasons[line] for line in lines)]
    assert out.loc[1:, "tig_s"].isna().all() and (out["tig_s_input"] == "40").all()
    direct = predictor.predict(["*CC*"], 50.0, 3.0)
    assert out.loc[0, "tig_s"] == pytest.approx(direct.tig_s[0])
    assert out.loc[0, "phrr_kw_m2_std"] == pytest.approx(direct.phrr_kw_m2_std[0])
    curves = table.curves()
    assert len(curves) == len(direct.time_s) and set(curves["line"]) == {2}
    np.testing.assert_allclose(curves["hrr_kw_m2"], direct.hrr_kw_m2[0], rtol=1e-6)


def test_a_table_without_a_needed_column_is_refused(predictor):
    frame = pd.DataFrame({"smiles": ["*CC*"], "flux": [50.0]})
    with pytest.raises(PredictorError, match="no 'heat_flux_kw_m2' or 'thickness_mm' column"):
        predict_frame(predictor, frame)


def test_reading_a_tests_csv_keeps_cells_as_written(tmp_path):
    path = tmp_path / "tests.csv"
    path.write_text("smiles,heat_flux_kw_m2,thickness_mm\n*CC*,050,3.0\n")
    assert read_tests_csv(path).frame.loc[0].tolist() == ["*CC*", "050", "3.0"]
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(PredictorError, match="is empty"):
        read_tests_csv(tmp_path / "empty.csv")
    with pytest.raises(PredictorError, match="does not exist"):
        read_tests_csv(tmp_path / "none.csv")


def test_metadata_values_are_json(ensemble_onnx):
    props = {p.key: p.value for p in onnx.load(str(ensemble_onnx)).metadata_props}
    assert json.loads(props["trinity.members"]) == 3
    assert json.loads(props["trinity.tokenizer"])["unknown_tokens"] == "error"
