"""The shipped model's recipe, tiny: generate → phase 1 → evaluate → phase 2 ensemble → record."""

import pytest
from tiny_model import TINY

from engine.cli import main
from engine.jobs import Cancelled, CancelToken
from engine.predictor import read_model_info
from engine.synthetic import SyntheticConfig
from engine.training import default_settings, load_ensemble
from engine.training.model_dir import read_json
from engine.training.recipe import RECIPE_JSON, Recipe, build_default_model, onnx_export_available


@pytest.fixture(scope="module")
def tiny_recipe(experimental_csv):
    lines = experimental_csv.read_text().splitlines()
    four = experimental_csv.parent / "recipe_four.csv"
    four.write_text("\n".join(lines[:9]) + "\n")
    return Recipe(
        synthetic=SyntheticConfig(
            n_polymers=6, seed=5, heat_fluxes_kw_m2=(50.0,), thicknesses_mm=(4.0,),
            duration_s=300.0, curve_interval_s=10.0, chunk_size=3,
        ),
        seeds=(0, 1),
        phase1=default_settings("phase1", epochs=1, batch_size=4, device="cpu"),
        phase2=default_settings("phase2", epochs=1, batch_size=4, device="cpu"),
        data=str(four),
        model_overrides=TINY,
    )


def test_recipe_builds_an_ensemble_with_its_scores_and_resumes(tiny_recipe, tmp_path, capsys):
    token = CancelToken()
    steps = []

    def stop_in_phase2(p):
        steps.append(p.message)
        if p.message.startswith("step 4/7"):
            token.cancel()

    with pytest.raises(Cancelled):
        build_default_model(tmp_path, tiny_recipe, progress=stop_in_phase2, cancel=token)
    assert (tmp_path / "phase1" / "seed-0" / "training_config.json").is_file()
    assert (tmp_path / "evaluation" / "evaluation.json").is_file()
    assert not (tmp_path / "model" / RECIPE_JSON).exists()
    assert any(m.startswith("step 1/7 generate") for m in steps)

    phase1_stamp = (tmp_path / "phase1" / "seed-0" / "training_config.json").stat().st_mtime_ns
    messages = []
    result = build_default_model(tmp_path, tiny_recipe, progress=lambda p: messages.append(
        p.message))
    assert (tmp_path / "phase1" / "seed-0" / "training_config.json").stat().st_mtime_ns == (
        phase1_stamp)
    assert not any(m.startswith("step 2/7") and "epoch" in m for m in messages)

    ensemble = load_ensemble(result.model_dir)
    assert len(ensemble.members) == 2
    record = read_json(result.model_dir / RECIPE_JSON)
    assert record["recipe"]["seeds"] == [0, 1]
    assert record["recipe"]["synthetic"]["n_polymers"] == 6
    assert record["evaluation"]["polymers"] == 4
    assert set(record["evaluation"]["scores"]) == {"physics", "single", "two_phase"}
    assert read_json(result.model_dir / "evaluation.json")["seeds"] == [0, 1]
    assert onnx_export_available()
    info = read_model_info(result.onnx_path)
    assert info.members == 2 and info.recipe["recipe"]["seeds"] == [0, 1]
    assert info.evaluation["polymers"] == 4
    assert set(info.evaluation["scores"]) == {"physics", "single", "two_phase"}
    # each member has its own phase 1: the ensemble differs in phase 1 as well as phase 2
    assert (tmp_path / "phase1" / "seed-0").is_dir() and (tmp_path / "phase1" / "seed-1").is_dir()
    starts = {read_json(result.model_dir / f"seed-{s}" / "training_config.json")["init_model"]
              for s in (0, 1)}
    assert len(starts) == 2
    # phase 2 learnt from every polymer, for as many epochs as the folds found best
    trained = record["phase2_as_trained"]
    assert trained["validation_fraction"] == 0.0 and trained["epochs"] == 1
    # the export is calibrated: a method and a held-out interval per target
    assert set(info.calibration.methods) == {"tig_s", "phrr_kw_m2", "thr_mj_m2"}
    assert (tmp_path / "calibration" / "evaluation.json").is_file()
    assert main(["models", str(result.onnx_path)]) == 0
    card = capsys.readouterr().out
    assert "leave-one-polymer-out (4 polymers" in card and "two-phase" in card
    assert "recipe: 6 synthetic polymers (seed 5)" in card
    assert "predictions per target" in card


def test_a_recipe_needs_distinct_seeds():
    with pytest.raises(ValueError, match="different seeds"):
        Recipe(seeds=(1, 1))
