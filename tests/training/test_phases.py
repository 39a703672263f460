"""Phase 1 → phase 2 → single-phase baseline end to end, and what the model folder holds."""

import json
import shutil
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file
from tiny_model import TINY
from training_setup import FAST, GRID

from engine.model import TrinityConfig
from engine.training import (
    ModelDirError,
    TrainingError,
    initial_model,
    load_model_dir,
    train_phase1,
    train_phase2,
    train_single,
)
from engine.training.data import synthetic_tests


@pytest.fixture(scope="module")
def phase1(synthetic_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("phase1") / "model"
    return train_phase1(synthetic_dir, out, settings=FAST, model_overrides=TINY)


def _weights(folder):
    return load_file(folder / "model.safetensors")


def test_phase1_writes_a_complete_model_directory(phase1, synthetic_dir):
    out = phase1.out_dir
    for name in ("config.json", "model.safetensors", "vocab.json", "tokenizer_config.json",
                 "training_config.json", "metrics.json", "provenance.json",
                 "checkpoints/last.pt"):
        assert (out / name).is_file(), name
    config = json.loads((out / "training_config.json").read_text())
    assert config["phase"] == "phase1" and config["settings"]["seed"] == 0
    assert config["device"] == "cpu" and config["versions"]["torch"] == torch.__version__
    assert config["defaults"]["phase1"]["epochs"] >= 1 and config["defaults"]["basis"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["complete"] and len(metrics["epochs"]) == FAST.epochs
    assert all(e["train_loss"] > 0 and e["val_loss"] > 0 for e in metrics["epochs"])
    assert metrics["best_epoch"] == min(
        range(FAST.epochs), key=lambda e: metrics["epochs"][e]["val_loss"]
    )
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["data"]["kind"] == "synthetic"
    assert provenance["data"]["manifest"]["config"]["n_polymers"] == 8
    assert len(provenance["data"]["sha256"]) == 64 and provenance["data"]["rows_ok"] > 0
    assert phase1.train_rows + phase1.val_rows == provenance["data"]["rows_ok"]


def test_validation_split_keeps_each_polymer_on_one_side(phase1, synthetic_dir):
    groups = synthetic_tests(synthetic_dir).frame["group"]
    metrics = json.loads((phase1.out_dir / "metrics.json").read_text())
    assert metrics["train_polymers"] + metrics["val_polymers"] == groups.nunique()


def test_phase1_fits_normalisation_on_its_data(phase1):
    config = load_model_dir(phase1.out_dir).model.config
    default = TrinityConfig()
    assert config.target_log_mean != default.target_log_mean
    assert config.curve_scale_kw_m2 != default.curve_scale_kw_m2
    assert config.curve_points == GRID["curve_points"]


def test_phase2_keeps_vocabulary_and_normalisation_of_phase1(phase1, experimental_csv, tmp_path):
    result = train_phase2(phase1.out_dir, experimental_csv, tmp_path / "p2", settings=FAST)
    parent, child = load_model_dir(phase1.out_dir), load_model_dir(result.out_dir)
    assert child.tokenizer.get_vocab() == parent.tokenizer.get_vocab()
    for name in ("target_log_mean", "target_log_std", "curve_scale_kw_m2", "heat_flux_log_mean"):
        assert getattr(child.model.config, name) == getattr(parent.model.config, name)
    provenance = json.loads((result.out_dir / "provenance.json").read_text())
    assert provenance["data"]["kind"] == "experimental"
    assert provenance["data"]["rows_with_curve"] == 4
    assert provenance["init_model"]["training_config"]["phase"] == "phase1"
    assert result.unknown_tokens.rows_affected == 0


def test_phase2_reads_tokens_missing_from_the_vocabulary_as_unk(phase1, experimental_csv,
                                                                tmp_path):
    # A phase-1 vocabulary without Br, as a MoLFormer vocabulary may lack a token.
    init = tmp_path / "p1"
    shutil.copytree(phase1.out_dir, init)
    vocab = json.loads((init / "vocab.json").read_text())
    del vocab["Br"]
    (init / "vocab.json").write_text(json.dumps(vocab))
    result = train_phase2(init, experimental_csv, tmp_path / "p2", settings=FAST)
    assert result.unknown_tokens.unknown == {"Br": 2}
    assert result.unknown_tokens.rows_affected == 2
    metrics = json.loads((result.out_dir / "metrics.json").read_text())
    assert metrics["unknown_tokens"]["unknown"] == {"Br": 2}


def test_single_phase_starts_from_the_weights_phase1_starts_from(synthetic_dir,
                                                                 experimental_csv):
    synthetic = sorted(set(synthetic_tests(synthetic_dir).frame["smiles"]))
    experimental = ["*CC(*)c1ccc(Br)cc1", "*OC*"]
    first, _ = initial_model(synthetic, seed=4, overrides={**TINY, **GRID})
    second, _ = initial_model(experimental, seed=4, overrides={**TINY, **GRID})
    other, _ = initial_model(experimental, seed=5, overrides={**TINY, **GRID})
    a, b, c = first.state_dict(), second.state_dict(), other.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["trinity.token_embedding.weight"], c["trinity.token_embedding.weight"])


def test_single_phase_trains_on_experimental_data_alone(experimental_csv, tmp_path):
    result = train_single(experimental_csv, tmp_path / "single", settings=FAST,
                          model_overrides={**TINY, **GRID})
    config = json.loads((result.out_dir / "training_config.json").read_text())
    assert config["phase"] == "single" and config["model_overrides"]["hidden_size"] == 32
    assert result.train_rows + result.val_rows == 16
    assert load_model_dir(result.out_dir).model.config.curve_points == GRID["curve_points"]


def test_same_seed_gives_identical_weights_other_seed_does_not(synthetic_dir, phase1, tmp_path):
    again = train_phase1(synthetic_dir, tmp_path / "again", settings=FAST, model_overrides=TINY)
    other = train_phase1(synthetic_dir, tmp_path / "other", settings=replace(FAST, seed=1),
                         model_overrides=TINY)
    reference, same, different = (_weights(r.out_dir) for r in (phase1, again, other))
    assert all(torch.equal(reference[k], same[k]) for k in reference)
    assert not all(torch.equal(reference[k], different[k]) for k in reference)


def test_early_stopping_ends_the_run_and_keeps_the_best_epoch(synthetic_dir, tmp_path):
    # A learning rate this high makes validation worse after the first epochs.
    settings = replace(FAST, epochs=30, patience=2, learning_rate=0.3, warmup_fraction=0.0)
    result = train_phase1(synthetic_dir, tmp_path / "es", settings=settings,
                          model_overrides=TINY)
    history = result.fit.history
    assert result.fit.stopped_early and len(history) < 30
    assert len(history) - 1 - result.fit.best_epoch == settings.patience
    best = min(history, key=lambda r: r.val_loss)
    assert best.epoch == result.fit.best_epoch


def test_rerun_of_a_finished_run_returns_it_and_other_settings_are_refused(
    synthetic_dir, phase1
):
    again = train_phase1(synthetic_dir, phase1.out_dir, settings=FAST, model_overrides=TINY)
    assert again.already_complete and again.fit.history == phase1.fit.history
    with pytest.raises(TrainingError, match="other data or settings"):
        train_phase1(synthetic_dir, phase1.out_dir, settings=replace(FAST, epochs=4),
                     model_overrides=TINY)


def test_phase2_refuses_what_is_no_finished_phase1_model(phase1, experimental_csv, tmp_path):
    with pytest.raises(ModelDirError, match="not a Trinity model directory"):
        train_phase2(tmp_path, experimental_csv, tmp_path / "x")
    old = tmp_path / "old"
    shutil.copytree(phase1.out_dir, old)
    config = json.loads((old / "training_config.json").read_text())
    (old / "training_config.json").write_text(json.dumps({**config, "format_version": 0}))
    with pytest.raises(ModelDirError, match="another version"):
        train_phase2(old, experimental_csv, tmp_path / "y")
