"""Accuracy ablations: how much phase 1 buys, by synthetic-set size and with or without curves.

    python benchmarks/bench_evaluation.py --synthetic SYNTH --work DIR
        [--sizes 1000,5000,20000] [--curve-weights 1,0] [--seeds 0]
        [--phase1-epochs N] [--epochs N] [--data shipped|EXP.csv] [--size small|molformer]
        [--device auto|cpu|cuda|mps] [--json PATH]

For every (size, curve weight) case, phase 1 trains on the first SIZE polymers of the
synthetic set (nested subsets, so only the amount of data changes) with the curve loss
weighted by the given factor (0: scalars only), one member per seed; then the
leave-one-polymer-out evaluation (`trinity evaluate`) runs phase 2 and the single-phase
baseline on the same folds and seeds. The baseline does not depend on phase 1, so its
row repeats across cases up to the randomness of the seeds: it is the yardstick.

Every step resumes from ``--work``: rerun the same command after an interruption. The
table gives the mean relative error per target over all fluxes and the improvement of
two-phase over single-phase; the JSON holds every case's full scores.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import transformers
from machine import machine_info

from engine.evaluation import TARGET_LABELS, TARGETS
from engine.training import default_settings
from engine.training.evaluate import AblationCase, run_ablation

RESULTS = Path(__file__).resolve().parent / "results" / "evaluation_ablation.json"


def _numbers(text: str, kind=float) -> list:
    return [kind(part) for part in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", required=True, help="synthetic data-set folder")
    parser.add_argument("--work", required=True, help="folder for subsets, models, reports")
    parser.add_argument("--sizes", default="1000,5000,20000", help="synthetic polymers per case")
    parser.add_argument("--curve-weights", default="1,0", help="curve loss weights per case")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--phase1-epochs", type=int, help="default: phase 1's")
    parser.add_argument("--epochs", type=int, help="phase 2 and baseline; default: phase 2's")
    parser.add_argument("--data", default="shipped")
    parser.add_argument("--size", choices=("small", "molformer"), default="small")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    transformers.utils.logging.disable_progress_bar()

    cases = [
        AblationCase(n, w)
        for n in _numbers(args.sizes, int)
        for w in _numbers(args.curve_weights)
    ]
    start = time.perf_counter()
    results = run_ablation(
        args.synthetic, args.work, cases, data=args.data, seeds=_numbers(args.seeds, int),
        size=args.size,
        phase1_settings=default_settings("phase1", epochs=args.phase1_epochs,
                                         device=args.device),
        settings=default_settings("phase2", epochs=args.epochs, device=args.device),
        progress=lambda p: print(f"  [{p.done}/{p.total}] {p.message}", flush=True),
    )
    header = f"{'case':<22}{'method':<14}" + "".join(
        f"{TARGET_LABELS[t]:>10}" for t in TARGETS
    ) + f"{'curve L2':>10}"
    print(header)
    record = {"machine": machine_info(), "wall_s": time.perf_counter() - start, "cases": []}
    for case, result in results.items():
        for method in result.methods:
            s = result.scores(method)
            errors = "".join(
                f"{100 * s.all_fluxes[t].mean_relative_error:>9.1f}%" for t in TARGETS
            )
            print(f"{case.name:<22}{method:<14}{errors}{s.curve_l2_mean:>10.3f}")
        gains = result.improvement()
        print(f"{case.name:<22}{'improvement':<14}" + "".join(
            f"{100 * gains[t]['all_fluxes']:>9.1f}%" if math.isfinite(gains[t]["all_fluxes"])
            else f"{'n/a':>10}"
            for t in TARGETS
        ))
        record["cases"].append({
            "synthetic_polymers": case.synthetic_polymers,
            "curve_loss_weight": case.curve_loss_weight,
            **json.loads((Path(args.work) / f"evaluation-{case.name}" / "evaluation.json")
                         .read_text()),
        })
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2))
    print(f"Wrote {args.json} ({record['wall_s']:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
