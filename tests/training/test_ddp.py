"""Phase 1 under torchrun: 2 CPU processes (gloo), rank 0 writes, SIGKILL and resume."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tiny_model import TINY
from training_setup import FAST

TORCHRUN = Path(sys.executable).with_name("torchrun")

pytestmark = pytest.mark.skipif(not TORCHRUN.exists(), reason="torchrun is not installed")


def _torchrun(script: Path, out: Path, stall: bool) -> subprocess.Popen:
    return subprocess.Popen(
        [str(TORCHRUN), "--standalone", "--nproc_per_node", "2", str(script), str(out),
         str(int(stall))],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=os.getcwd(),
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def test_two_processes_train_resume_after_sigkill_and_match_an_uninterrupted_run(
    synthetic_dir, tmp_path
):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys, time
        from engine.training import TrainSettings, train_phase1

        def say(line):  # one write per line: the processes share the pipe
            sys.stdout.write(line + "\\n")
            sys.stdout.flush()

        say(f"pid {{os.getpid()}}")

        def stall(p):
            if sys.argv[2] == "1" and p.epoch == 1 and p.step == 1 and not p.epoch_done:
                say("in epoch 2")
                time.sleep(120)

        result = train_phase1({str(synthetic_dir)!r}, sys.argv[1], settings={FAST!r},
                              model_overrides={TINY!r}, progress=stall)
        say(f"rank {{os.environ['RANK']}} resumed from {{result.fit.resumed_from_epoch}}")
    """))
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    run = _torchrun(script, reference, stall=False)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0 and "rank 0 resumed from 0" in out and "rank 1" in out

    # torchrun starts each worker in its own session, so each is killed by its pid.
    killed = _torchrun(script, resumed, stall=True)
    workers = []
    try:
        for line in killed.stdout:
            if line.startswith("pid "):
                workers.append(int(line.split()[1]))
            if line.strip() == "in epoch 2":
                break
    finally:
        for pid in [*workers, killed.pid]:
            os.kill(pid, signal.SIGKILL)
        killed.wait(timeout=30)
    assert len(workers) == 2
    assert not (resumed / "model.safetensors").exists()

    run = _torchrun(script, resumed, stall=False)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0 and "rank 0 resumed from 1" in out and "rank 1 resumed from 1" in out

    config = json.loads((resumed / "training_config.json").read_text())
    metrics = json.loads((resumed / "metrics.json").read_text())
    assert config["world_size"] == 2
    assert [e["epoch"] for e in metrics["epochs"]] == list(range(FAST.epochs))
    state = torch.load(resumed / "checkpoints" / "last.pt", weights_only=True)
    assert len(state["rng"]) == 2  # each process's random state, to resume it exactly
    mine, theirs = (load_file(d / "model.safetensors") for d in (resumed, reference))
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)
