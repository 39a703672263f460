"""Checkpoints from elsewhere: nothing in them runs, and a damaged one is named with a way out.

A training folder may come from someone else, or from a disk that lost part of a file.
Resuming loads tensors and plain numbers only (``torch.load(weights_only=True)``), and
every checkpoint it cannot use ends in one sentence that names the file and says what to
do, never in a traceback or an "unexpected internal error".
"""

import os
import shutil
from dataclasses import replace

import pytest
import torch
from tiny_model import TINY
from training_setup import FAST

from engine.cli import main
from engine.jobs import Cancelled, CancelToken
from engine.training import TrainingError, train_phase1
from engine.training.loop import CheckpointError

SETTINGS = replace(FAST, epochs=2)


@pytest.fixture(scope="module")
def interrupted(synthetic_dir, tmp_path_factory):
    """A phase-1 run cancelled after its first epoch: last.pt and best-epoch-0000.pt."""
    out = tmp_path_factory.mktemp("checkpoints") / "model"
    token = CancelToken()

    def stop_after_first_epoch(progress):
        if progress.epoch_done:
            token.cancel()

    with pytest.raises(Cancelled):
        train_phase1(synthetic_dir, out, settings=SETTINGS, model_overrides=TINY,
                     progress=stop_after_first_epoch, cancel=token)
    return out


@pytest.fixture
def run(interrupted, tmp_path):
    """A copy of the interrupted run to damage."""
    out = tmp_path / "model"
    shutil.copytree(interrupted, out)
    return out


def _resume(synthetic_dir, out):
    return train_phase1(synthetic_dir, out, settings=SETTINGS, model_overrides=TINY)


def _one_sentence(error) -> str:
    message = str(error.value)
    assert "\n" not in message and message.endswith(".") and "Traceback" not in message
    return message


def test_checkpoints_hold_only_tensors_and_plain_data(interrupted):
    last = torch.load(interrupted / "checkpoints" / "last.pt", weights_only=True)
    assert last["epoch"] == 1 and last["best_epoch"] == 0
    best = torch.load(interrupted / "checkpoints" / "best-epoch-0000.pt", weights_only=True)
    assert best.keys() == last["model"].keys()


class _RunsCode:
    """Unpickling this calls ``open(path, "w")``: what a booby-trapped checkpoint does."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_checkpoint_that_would_run_code_is_refused_without_running_it(synthetic_dir, run,
                                                                      tmp_path):
    marker = tmp_path / "code-ran"
    last = run / "checkpoints" / "last.pt"
    state = torch.load(last, weights_only=True)
    torch.save({**state, "history": _RunsCode(marker)}, last)
    with pytest.raises(CheckpointError) as error:
        _resume(synthetic_dir, run)
    assert not marker.exists()
    message = _one_sentence(error)
    assert str(last) in message and "could run code" in message
    assert "delete it and rerun the same command to train again from the first epoch" in message


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda data: b"", "is empty"),
        (lambda data: data[: len(data) // 2], "is damaged or incomplete"),
        (lambda data: b"no checkpoint at all" * 20, "is not a PyTorch checkpoint"),
    ],
    ids=["empty", "truncated", "garbage"],
)
def test_a_damaged_last_checkpoint_is_named_and_deleting_it_restarts(synthetic_dir, run,
                                                                     damage, expected):
    last = run / "checkpoints" / "last.pt"
    last.write_bytes(damage(last.read_bytes()))
    with pytest.raises(CheckpointError, match=expected) as error:
        _resume(synthetic_dir, run)
    message = _one_sentence(error)
    assert message.startswith(f"The training checkpoint {last} ")
    assert message.endswith(
        "delete it and rerun the same command to train again from the first epoch."
    )
    last.unlink()  # what the sentence says to do
    result = _resume(synthetic_dir, run)
    assert result.fit.resumed_from_epoch == 0 and len(result.fit.history) == SETTINGS.epochs


def test_a_checkpoint_of_something_else_is_refused(synthetic_dir, run):
    last = run / "checkpoints" / "last.pt"
    torch.save({"epoch": 1, "model": {"weight": torch.zeros(3)}}, last)
    with pytest.raises(CheckpointError, match="is not a checkpoint of this training run") as error:
        _resume(synthetic_dir, run)
    assert str(last) in _one_sentence(error)


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_damaged_or_missing_best_weights_are_named_when_resuming(synthetic_dir, run, damage):
    best = run / "checkpoints" / "best-epoch-0000.pt"
    if damage == "missing":
        best.unlink()
    else:
        best.write_bytes(best.read_bytes()[:300])
    with pytest.raises(CheckpointError) as error:
        _resume(synthetic_dir, run)
    message = _one_sentence(error)
    assert str(best) in message
    assert f"delete the folder {run / 'checkpoints'} and rerun the same command" in message
    shutil.rmtree(run / "checkpoints")
    assert _resume(synthetic_dir, run).fit.resumed_from_epoch == 0


def test_leftovers_of_a_kill_during_a_save_do_not_confuse_resuming(synthetic_dir, run):
    folder = run / "checkpoints"
    (folder / "last.pt.tmp").write_bytes(b"half a checkpoint")
    (folder / "best-epoch-0007.pt.tmp").write_bytes(b"")
    result = _resume(synthetic_dir, run)
    assert result.fit.resumed_from_epoch == 1
    assert not list(folder.glob("*.tmp"))


def test_the_command_line_says_which_checkpoint_is_damaged(synthetic_dir, tmp_path, capsys):
    out = tmp_path / "cli"
    argv = ["train", "phase1", "--data", str(synthetic_dir), "--out", str(out), "--epochs", "1",
            "--batch-size", "8"]
    assert main(argv) == 0
    capsys.readouterr()
    last = out / "checkpoints" / "last.pt"
    last.write_bytes(last.read_bytes()[:1000])
    (out / "metrics.json").unlink()  # the run no longer counts as finished: it resumes
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"The training checkpoint {last} is damaged or incomplete" in err


def test_checkpoint_errors_are_training_errors():
    # The command line reports ValueErrors as one sentence with exit status 2.
    assert issubclass(CheckpointError, TrainingError) and issubclass(CheckpointError, ValueError)


def test_saving_leaves_no_temporary_file_and_syncs(tmp_path, monkeypatch):
    from engine.training.loop import atomic_save

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    atomic_save({"x": torch.ones(2)}, tmp_path / "a.pt")
    assert torch.load(tmp_path / "a.pt", weights_only=True)["x"].tolist() == [1.0, 1.0]
    assert synced and not list(tmp_path.glob("*.tmp"))
