"""Training speed: phase 1 and phase 2 samples per second and wall time at the defaults.

    python benchmarks/bench_training.py [--data SYNTH] [--n 300] [--epochs 2]
        [--phase2-epochs 10] [--size small|molformer] [--device auto|cpu|cuda|mps]
        [--threads N] [--json PATH]

Phase 1 trains with the default settings (batch size, learning rate, schedule) for a
few epochs on a synthetic data set (``--data``, or ``--n`` polymers generated into a
temporary folder), and the time of the default number of epochs on 20 000 synthetic
tests is extrapolated from the measured seconds per training sample (an epoch's time
includes its validation pass, which holds the same share of the data at any size).
Phase 2 then finetunes that model on the shipped experimental data with its defaults,
capped at ``--phase2-epochs``. Rates are medians over epochs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from machine import machine_info

from engine.synthetic import SyntheticConfig, generate_synthetic
from engine.training import PHASE1_DEFAULTS, PHASE2_DEFAULTS, train_phase1, train_phase2

RESULTS = Path(__file__).resolve().parent / "results" / "training.json"
TARGET_SAMPLES = 20_000


def rates(result) -> dict:
    history = result.fit.history
    per_sample = statistics.median(r.seconds / r.samples for r in history)
    return {
        "epochs_run": len(history),
        "train_rows": result.train_rows,
        "val_rows": result.val_rows,
        "samples_per_s": 1.0 / per_sample,
        "epoch_s": [r.seconds for r in history],
        "best_val_loss": result.fit.best_val_loss,
        "precision": result.fit.precision,
        "device": result.device,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="synthetic data set (default: generate one)")
    parser.add_argument("--n", type=int, default=300, help="polymers to generate without --data")
    parser.add_argument("--epochs", type=int, default=2, help="phase-1 epochs to time")
    parser.add_argument("--phase2-epochs", type=int, default=10)
    parser.add_argument("--size", choices=("small", "molformer"), default="small")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = args.data
        generate_s = None
        if data is None:
            data = tmp / "synth"
            start = time.perf_counter()
            generate_synthetic(SyntheticConfig(n_polymers=args.n, seed=2026), data, workers=1)
            generate_s = time.perf_counter() - start
        start = time.perf_counter()
        phase1 = train_phase1(
            data, tmp / "phase1", size=args.size,
            settings=replace(PHASE1_DEFAULTS, epochs=args.epochs, device=args.device),
        )
        phase1_wall = time.perf_counter() - start
        start = time.perf_counter()
        phase2 = train_phase2(
            tmp / "phase1", "shipped", tmp / "phase2",
            settings=replace(PHASE2_DEFAULTS, epochs=args.phase2_epochs, device=args.device),
        )
        phase2_wall = time.perf_counter() - start

    one = rates(phase1)
    train_share = one["train_rows"] / (one["train_rows"] + one["val_rows"])
    extrapolated = (
        PHASE1_DEFAULTS.epochs * TARGET_SAMPLES * train_share / one["samples_per_s"]
    )
    record = {
        "machine": machine_info(),
        "torch_threads": torch.get_num_threads(),
        "size": args.size,
        "generate_s": generate_s,
        "phase1": {
            **one,
            "wall_s": phase1_wall,
            "settings": replace(PHASE1_DEFAULTS, epochs=args.epochs).to_json(),
            "default_epochs": PHASE1_DEFAULTS.epochs,
            "extrapolated_20k_default_s": extrapolated,
        },
        "phase2": {
            **rates(phase2),
            "wall_s": phase2_wall,
            "settings": replace(PHASE2_DEFAULTS, epochs=args.phase2_epochs).to_json(),
            "stopped_early": phase2.fit.stopped_early,
        },
    }
    m = record["machine"]
    print(f"machine: {m['cores']} cores, {m['cpu']}; torch threads {record['torch_threads']}")
    print(f"size {args.size}, device {one['device']} ({one['precision']})")
    print("phase   rows train/val  epochs  samples/s  wall s")
    for name in ("phase1", "phase2"):
        r = record[name]
        print(
            f"{name:6s}  {r['train_rows']:6d}/{r['val_rows']:<5d}  {r['epochs_run']:6d}  "
            f"{r['samples_per_s']:9.0f}  {r['wall_s']:6.1f}"
        )
    print(
        f"phase 1 on {TARGET_SAMPLES} tests, {PHASE1_DEFAULTS.epochs} default epochs: "
        f"about {extrapolated / 60:.1f} min (extrapolated)"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
