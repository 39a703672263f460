"""Speed of the shipped model's predictions, which come from the physics (GC + cone
model) with 24 plausible materials per test for the probability of ignition.

    python benchmarks/bench_physics_predict.py [--n 200] [--repeats 5] [--json PATH]

Latency: one polymer (polystyrene, 50 kW/m², 3 mm), median of ``--repeats`` calls after a
warm-up (the solver's first call compiles it). Throughput: ``--n`` hypothetical polymers
(`generate_polymers(n, seed=1)`) at 50 kW/m², 3 mm, with the default 24 draws and with
``ignition_draws=0`` (no probability of ignition, no spread).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from machine import machine_info

from engine.hypothetical import generate_polymers
from engine.predictor import OnnxPredictor

RESULTS = Path(__file__).resolve().parent / "results" / "physics_predict.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    smiles = [h.polymer.smiles for h in generate_polymers(args.n, seed=1, estimate=False)]
    record = {"machine": machine_info(), "n": args.n}
    for label, draws in (("draws_24", None), ("draws_0", 0)):
        predictor = OnnxPredictor(ignition_draws=draws)
        predictor.predict(["*CC(*)c1ccccc1"], 50.0, 3.0)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            predictor.predict(["*CC(*)c1ccccc1"], 50.0, 3.0)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        predictor.predict(smiles, 50.0, 3.0)
        seconds = time.perf_counter() - start
        record[label] = {"one_polymer_median_s": statistics.median(times),
                         "batch_s": seconds, "polymers_per_s": args.n / seconds}
        print(f"{label}: one polymer {1e3 * statistics.median(times):.0f} ms; "
              f"{args.n} polymers {seconds:.2f} s ({args.n / seconds:.0f} per second)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
