"""`trinity train`: phase 1 → phase 2 → baseline from the command line, and bad input."""

import json

import pytest

from engine.cli import main

QUICK = ["--epochs", "1", "--batch-size", "8"]


@pytest.fixture(scope="module")
def phase1_dir(synthetic_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "p1"
    assert main(["train", "phase1", "--data", str(synthetic_dir), "--out", str(out),
                 "--device", "cpu", *QUICK]) == 0
    return out


def test_train_phase1_phase2_and_single_from_the_command_line(phase1_dir, experimental_csv,
                                                              tmp_path, capsys):
    config = json.loads((phase1_dir / "training_config.json").read_text())
    assert config["settings"]["epochs"] == 1 and config["size"] == "small"
    assert main(["train", "phase2", "--init", str(phase1_dir), "--data", str(experimental_csv),
                 "--out", str(tmp_path / "p2"), *QUICK]) == 0
    assert main(["train", "single", "--data", str(experimental_csv), "--out",
                 str(tmp_path / "single"), "--seeds", "0,1", *QUICK]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/1" in out and "best epoch 1" in out
    assert (tmp_path / "p2" / "model.safetensors").is_file()
    assert json.loads((tmp_path / "single" / "ensemble.json").read_text())["seeds"] == [0, 1]
    # The same command again finds the run finished.
    assert main(["train", "phase2", "--init", str(phase1_dir), "--data", str(experimental_csv),
                 "--out", str(tmp_path / "p2"), *QUICK]) == 0
    assert "already trained" in capsys.readouterr().out


@pytest.fixture
def foreign_model(phase1_dir, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(phase1_dir, old)
    config = json.loads((old / "training_config.json").read_text())
    (old / "training_config.json").write_text(json.dumps({**config, "format_version": 99}))
    return old


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["phase1", "--data", "{tmp}/missing"], "does not exist"),
        (["phase1", "--data", "{tmp}"], "not a Trinity synthetic data set"),
        (["phase2", "--init", "{tmp}", "--data", "{csv}"], "not a Trinity model directory"),
        (["phase2", "--init", "{old}", "--data", "{csv}"], "another version"),
        (["single", "--data", "{tmp}/empty.csv"], "is empty"),
        (["single", "--data", "{csv}", "--seeds", "0,x"], "--seeds"),
        (["single", "--data", "{csv}", "--lr", "-1"], "learning rate"),
    ],
)
def test_bad_input_exits_2_with_one_sentence(argv, expected, experimental_csv, foreign_model,
                                              tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    values = {"tmp": tmp_path, "csv": experimental_csv, "old": foreign_model}
    argv = [a.format(**values) for a in argv]
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_asking_for_an_absent_gpu_exits_2(experimental_csv, tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["train", "single", "--data", str(experimental_csv), "--out",
                 str(tmp_path / "o"), "--device", "cuda"]) == 2
    assert "no cuda device" in capsys.readouterr().err


def test_training_never_writes_into_its_own_inputs(phase1_dir, experimental_csv, capsys):
    """phase 2 into its phase-1 folder would overwrite the model it starts from."""
    weights = (phase1_dir / "model.safetensors").read_bytes()
    assert main(["train", "phase2", "--init", str(phase1_dir), "--data",
                 str(experimental_csv), "--out", str(phase1_dir), *QUICK]) == 2
    err = capsys.readouterr().err.strip()
    assert "--out" in err and "holds the --init" in err and len(err.splitlines()) == 1
    assert (phase1_dir / "model.safetensors").read_bytes() == weights
    assert main(["train", "single", "--data", str(experimental_csv), "--out",
                 str(experimental_csv.parent), *QUICK]) == 2
    assert "holds the --data" in capsys.readouterr().err
