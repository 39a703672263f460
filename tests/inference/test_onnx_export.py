"""ONNX export: one file per ensemble that reproduces the torch ensemble, with its records."""

import json
import shutil

import numpy as np
import onnxruntime as ort
import pytest
from inference_setup import QUERIES

from engine.identity import model_smiles
from engine.jobs import Cancelled, CancelToken
from engine.onnx_export import ExportError, export_onnx
from engine.onnx_format import INPUTS, ONNX_FORMAT_VERSION, OUTPUTS
from engine.polymer import parse_polymer
from engine.predictor import OnnxPredictor, read_model_info
from engine.training import ModelDirError, load_ensemble

FLUX = [50.0, 35.0, 75.0, 25.0, 60.0]
THICKNESS = [3.0, 6.0, 4.0, 10.0, 2.0]


def assert_matches_torch(outputs: dict, reference, members: int) -> None:
    """Scalars to 1e-4 relative; curves too, with an absolute floor near zero (kW/m²)."""
    for k, name in enumerate(("tig_s", "phrr_kw_m2", "thr_mj_m2")):
        np.testing.assert_allclose(outputs[name], reference.scalars_mean[:, k], rtol=1e-4)
        np.testing.assert_allclose(
            outputs[name + "_std"], reference.scalars_std[:, k], rtol=1e-4, atol=1e-4
        )
    np.testing.assert_allclose(outputs["hrr_kw_m2"], reference.curve_mean_kw_m2,
                               rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(outputs["hrr_kw_m2_std"], reference.curve_std_kw_m2,
                               rtol=1e-4, atol=1e-3)
    assert reference.members == members


def test_graph_reproduces_the_torch_ensemble_on_a_padded_batch(ensemble_dir, ensemble_onnx):
    ensemble = load_ensemble(ensemble_dir)
    smiles = [parse_polymer(s).smiles for s in QUERIES]
    reference = ensemble.predict(smiles, FLUX, THICKNESS)
    batch = ensemble.members[0].tokenizer(smiles, padding=True, return_tensors="np")
    assert (batch["attention_mask"] == 0).any(), "the batch should need padding"
    session = ort.InferenceSession(str(ensemble_onnx), providers=["CPUExecutionProvider"])
    feed = dict(zip(INPUTS, (batch["input_ids"].astype(np.int64),
                             batch["attention_mask"].astype(np.int64),
                             np.float32(FLUX), np.float32(THICKNESS)), strict=True))
    outputs = dict(zip(OUTPUTS, session.run(list(OUTPUTS), feed), strict=True))
    assert_matches_torch(outputs, reference, members=3)
    assert (outputs["tig_s_std"] > 0).all()


def test_predictor_reproduces_the_torch_ensemble_batched_and_one_by_one(ensemble_dir,
                                                                       ensemble_onnx):
    ensemble = load_ensemble(ensemble_dir)
    predictor = OnnxPredictor(ensemble_onnx, batch_size=2)
    smiles = [model_smiles(parse_polymer(s)) for s in QUERIES]
    prediction = predictor.predict(QUERIES, FLUX, THICKNESS)
    assert_matches_torch(vars(prediction), ensemble.predict(smiles, FLUX, THICKNESS), 3)
    one = predictor.predict([QUERIES[1]], FLUX[1], THICKNESS[1])
    assert_matches_torch(vars(one), ensemble.predict(smiles[1:2], FLUX[1:2], THICKNESS[1:2]), 3)


def test_a_single_model_directory_exports_as_an_ensemble_of_one(ensemble_dir, single_onnx):
    member = load_ensemble(ensemble_dir / "seed-1")
    smiles = [model_smiles(parse_polymer(s)) for s in QUERIES]
    prediction = OnnxPredictor(single_onnx).predict(QUERIES, FLUX, THICKNESS)
    assert_matches_torch(vars(prediction), member.predict(smiles, FLUX, THICKNESS), members=1)
    assert (prediction.tig_s_std == 0).all() and (prediction.hrr_kw_m2_std == 0).all()
    info = read_model_info(single_onnx)
    assert info.members == 1 and info.name == "seed-1" and list(info.metrics) == ["seed-1"]


def test_metadata_carries_grid_versions_and_every_members_training_records(ensemble_dir,
                                                                          ensemble_onnx):
    info = read_model_info(ensemble_onnx)
    assert info.name == "tiny ensemble" and info.members == 3
    assert info.format_version == ONNX_FORMAT_VERSION and info.opset == 17
    assert info.trinity_version == "0.1.0" and info.created.endswith("+00:00")
    config = load_ensemble(ensemble_dir).members[0].model.config
    np.testing.assert_array_equal(info.time_grid_s, config.time_grid_s)
    assert info.units["phrr_kw_m2"] == "kW/m2" and info.units["thr_mj_m2"] == "MJ/m2"
    for member in ("seed-0", "seed-1", "seed-2"):
        folder = ensemble_dir / member
        for field, name in (("metrics", "metrics.json"), ("provenance", "provenance.json"),
                            ("training", "training_config.json")):
            assert getattr(info, field)[member] == json.loads((folder / name).read_text())
    assert info.training["seed-2"]["settings"]["seed"] == 2


def test_batch_and_sequence_axes_are_dynamic(ensemble_onnx):
    session = ort.InferenceSession(str(ensemble_onnx), providers=["CPUExecutionProvider"])
    shapes = {i.name: i.shape for i in session.get_inputs()}
    assert shapes == {"input_ids": ["batch", "sequence"], "attention_mask": ["batch", "sequence"],
                      "heat_flux_kw_m2": ["batch"], "thickness_mm": ["batch"]}
    assert [o.name for o in session.get_outputs()] == list(OUTPUTS)


def test_export_reports_progress_and_leaves_no_temporary_file(ensemble_dir, tmp_path):
    seen = []
    out = export_onnx(ensemble_dir / "seed-0", tmp_path / "sub" / "m.onnx",
                      progress=lambda p: seen.append((p.done, p.total)))
    assert out.is_file() and seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert [p.name for p in out.parent.iterdir()] == ["m.onnx"]


def test_a_cancelled_export_writes_nothing(ensemble_dir, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_onnx(ensemble_dir / "seed-0", tmp_path / "m.onnx", cancel=token)
    assert not any(tmp_path.iterdir())


def test_members_with_different_vocabularies_are_refused(ensemble_dir, tmp_path):
    copy = shutil.copytree(ensemble_dir, tmp_path / "mixed")
    vocab_file = copy / "seed-1" / "vocab.json"
    vocab = json.loads(vocab_file.read_text())
    vocab_file.write_text(json.dumps({**vocab, "[Se]": max(vocab.values()) + 1}))
    with pytest.raises(ExportError, match="different vocabularies"):
        export_onnx(copy, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_folder_that_is_no_model_is_refused(tmp_path):
    with pytest.raises(ModelDirError, match="not a Trinity model directory"):
        export_onnx(tmp_path, tmp_path / "m.onnx")
