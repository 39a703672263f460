"""Guided search against plain screening: the same design, the same budget of predictions.

    OMP_NUM_THREADS=1 python benchmarks/bench_design.py [--budget 3000] [--seeds 0,1,2]
        [--json benchmarks/results/design.json]

For each design below and each seed, both strategies of `engine.design.run_design` run
with the shipped model, without the final description (the search alone), into a
temporary folder. Reported per strategy: wall time, the number of polymers meeting every
target, the best score, and the mean score of the best 20 (what a scientist's shortlist
is made of); then the medians over the seeds. The first batch of both strategies is the
same random draw, so the difference is what guidance adds. A third row gives screening
the guided search's time (its budget scaled by the two strategies' times per seed), so
the comparison is also at equal time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from machine import machine_info

from engine.design import Constraints, DesignConfig, parse_target, run_design
from engine.predictor import OnnxPredictor

RESULTS = Path(__file__).resolve().parent / "results" / "design.json"
DESIGNS = {
    "later ignition, lower peak (tig_s>=60, phrr<=300)": dict(
        targets=("tig_s>=60", "phrr_kw_m2<=300")),
    "halogen-free, low heat (tig_s>=90, phrr<=200, thr<=60, no F/Cl/Br)": dict(
        targets=("tig_s>=90", "phrr_kw_m2<=200", "thr_mj_m2<=60"),
        constraints=Constraints(exclude=("[F,Cl,Br]",))),
}


def _run(predictor, title: str, spec: dict, strategy: str, seed: int, budget: int) -> dict:
    """One search without its final description; what it found and how fast."""
    config = DesignConfig(targets=tuple(parse_target(t) for t in spec["targets"]),
                          strategy=strategy, budget=budget, seed=seed,
                          constraints=spec.get("constraints", Constraints()))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = run_design(config, folder, predictor=predictor, describe=False)
        wall = time.perf_counter() - start
    ranked = result.evaluated.sort_values(["meets", "score"], ascending=False)
    row = {
        "seed": seed, "wall_s": round(wall, 1), "predicted": len(result.evaluated),
        "polymers_per_s": round(len(result.evaluated) / wall, 1),
        "meet_every_target": int(result.evaluated["meets"].sum()),
        "best_score": round(float(ranked["score"].iloc[0]), 3),
        "top20_mean_score": round(float(ranked["score"].head(20).mean()), 3),
        "best": ranked["smiles"].iloc[0],
    }
    print(f"{title} | {strategy} seed {seed}: {row}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=3000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    predictor = OnnxPredictor()
    predictor.predict(["*CC(*)c1ccccc1"], 50.0, 6.0)  # the solver compiles once
    record = {"machine": machine_info(), "budget": args.budget, "seeds": seeds,
              "flux_kw_m2": 50.0, "thickness_mm": 6.0, "designs": {}}
    for title, spec in DESIGNS.items():
        rows = {}

        guided_s = {}
        for strategy in ("screen", "guided", "screen_time_matched"):
            runs = []
            for seed in seeds:
                if strategy == "screen_time_matched":  # screening given guided's time
                    screened = rows["screen"]["runs"][seeds.index(seed)]
                    budget = round(args.budget * guided_s[seed] / screened["wall_s"])
                    runs.append(_run(predictor, title, spec, "screen", seed, budget))
                else:
                    runs.append(_run(predictor, title, spec, strategy, seed, args.budget))
                    if strategy == "guided":
                        guided_s[seed] = runs[-1]["wall_s"]
            rows[strategy] = {
                "runs": runs,
                **{f"median_{k}": statistics.median(r[k] for r in runs) for k in (
                    "wall_s", "predicted", "meet_every_target", "best_score",
                    "top20_mean_score", "polymers_per_s")},
            }
        record["designs"][title] = rows
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    for title, rows in record["designs"].items():
        print(title)
        for strategy, row in rows.items():
            print(f"  {strategy:19s} {row['median_predicted']:>6} predicted, "
                  f"meets {row['median_meet_every_target']:>6} "
                  f"best {row['median_best_score']:6.2f} "
                  f"top-20 {row['median_top20_mean_score']:6.2f} in {row['median_wall_s']:.0f} s")


if __name__ == "__main__":
    main()
