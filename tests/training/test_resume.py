"""Resume after a cancel and after SIGKILL: no epoch lost or repeated, same final weights."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file
from tiny_model import TINY
from training_setup import FAST

from engine.jobs import Cancelled, CancelToken
from engine.training import TrainingProgress, train_phase1

SETTINGS = replace(FAST, epochs=4)


@pytest.fixture(scope="module")
def uninterrupted(synthetic_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("resume") / "reference"
    return train_phase1(synthetic_dir, out, settings=SETTINGS, model_overrides=TINY)


def _assert_same_run(result, reference):
    assert [r.epoch for r in result.fit.history] == list(range(SETTINGS.epochs))
    assert [r.train_loss for r in result.fit.history] == [
        r.train_loss for r in reference.fit.history
    ]
    mine, theirs = (load_file(r.out_dir / "model.safetensors") for r in (result, reference))
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)


def test_cancel_mid_epoch_then_rerun_continues_from_the_last_finished_epoch(
    synthetic_dir, uninterrupted, tmp_path
):
    token = CancelToken()
    seen = []

    def cancel_in_third_epoch(p: TrainingProgress) -> None:
        seen.append((p.epoch, p.step, p.epoch_done))
        if p.epoch == 2 and p.step == 1 and not p.epoch_done:
            token.cancel()

    out = tmp_path / "model"
    with pytest.raises(Cancelled):
        train_phase1(synthetic_dir, out, settings=SETTINGS, model_overrides=TINY,
                     progress=cancel_in_third_epoch, cancel=token)
    assert (2, 1, False) in seen and not (out / "model.safetensors").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert not metrics["complete"] and len(metrics["epochs"]) == 2

    result = train_phase1(synthetic_dir, out, settings=SETTINGS, model_overrides=TINY)
    assert result.fit.resumed_from_epoch == 2
    _assert_same_run(result, uninterrupted)
    assert not list((out / "checkpoints").glob("*.tmp"))


def test_sigkill_mid_epoch_then_rerun_gives_the_uninterrupted_weights(
    synthetic_dir, uninterrupted, tmp_path
):
    out = tmp_path / "model"
    # Float sums depend on the thread count, so the child uses this process's.
    script = textwrap.dedent(f"""
        import time
        import torch
        from engine.training import TrainSettings, train_phase1

        torch.set_num_threads({torch.get_num_threads()})

        def stall(p):
            if p.epoch == 2 and p.step == 1 and not p.epoch_done:
                print("in epoch 3", flush=True)
                time.sleep(60)

        train_phase1({str(synthetic_dir)!r}, {str(out)!r}, settings={SETTINGS!r},
                     model_overrides={TINY!r}, progress=stall)
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             text=True, env=env, cwd=os.getcwd())
    try:
        assert child.stdout.readline().strip() == "in epoch 3"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert not (out / "model.safetensors").exists()

    result = train_phase1(synthetic_dir, out, settings=SETTINGS, model_overrides=TINY)
    assert result.fit.resumed_from_epoch == 2
    _assert_same_run(result, uninterrupted)
