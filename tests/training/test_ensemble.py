"""Ensembles of seeds: member folders, and mean and spread per output."""

import json

import numpy as np
import pytest
from tiny_model import TINY
from training_setup import FAST

from engine.model import UnknownTokenError
from engine.training import load_ensemble, train_ensemble


@pytest.fixture(scope="module")
def ensemble(synthetic_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ensemble") / "phase1"
    train_ensemble("phase1", [0, 1, 2], out, settings=FAST, data=synthetic_dir,
                   model_overrides=TINY)
    return out


def test_ensemble_has_one_member_folder_per_seed(ensemble):
    listing = json.loads((ensemble / "ensemble.json").read_text())
    assert listing["members"] == ["seed-0", "seed-1", "seed-2"]
    seeds = [
        json.loads((ensemble / m / "training_config.json").read_text())["settings"]["seed"]
        for m in listing["members"]
    ]
    assert seeds == [0, 1, 2]


def test_ensemble_prediction_has_mean_and_spread_per_output(ensemble):
    prediction = load_ensemble(ensemble).predict(
        ["*CC*", "*CC(*)c1ccccc1", "*OC*"], [50.0, 35.0, 25.0], [3.0, 6.0, 4.0]
    )
    assert prediction.members == 3
    assert prediction.scalars_mean.shape == prediction.scalars_std.shape == (3, 3)
    points = len(prediction.time_grid_s)
    assert prediction.curve_mean_kw_m2.shape == prediction.curve_std_kw_m2.shape == (3, points)
    assert (prediction.scalars_std > 0).all() and (prediction.curve_std_kw_m2 > 0).any()
    assert (prediction.scalars_mean > 0).all() and np.isfinite(prediction.curve_mean_kw_m2).all()


def test_phase2_from_an_ensemble_finetunes_member_by_member(ensemble, experimental_csv,
                                                            tmp_path):
    results = train_ensemble("phase2", [0, 1], tmp_path / "p2", settings=FAST,
                             init=ensemble, data=experimental_csv)
    parents = [
        json.loads((r.out_dir / "provenance.json").read_text())["init_model"]["path"]
        for r in results
    ]
    assert parents == [str(ensemble / "seed-0"), str(ensemble / "seed-1")]
    assert load_ensemble(tmp_path / "p2").predict(["*CC*"], [50.0], [3.0]).members == 2


def test_a_single_model_is_an_ensemble_of_one_and_refuses_unknown_tokens(ensemble):
    member = load_ensemble(ensemble / "seed-0")
    prediction = member.predict(["*CC*"], [50.0], [3.0])
    assert prediction.members == 1 and (prediction.scalars_std == 0).all()
    with pytest.raises(UnknownTokenError):
        member.predict(["*CC(*)[Xe]"], [50.0], [3.0])
