"""Speed of the shipped model's predictions, which come from the physics (GC + cone
model) with 24 plausible materials per test for the probability of ignition.

    python benchmarks/bench_physics_predict.py [--n 200] [--repeats 5] [--threads N]
        [--json PATH]

Latency: one polymer (polystyrene, 50 kW/m², 3 mm), median of ``--repeats`` calls after a
warm-up (the solver's first call compiles it). Throughput: ``--n`` hypothetical polymers
(`generate_polymers(n, seed=1)`) at 50 kW/m², 3 mm, with the default 24 draws and with
``ignition_draws=0`` (no probability of ignition, no spread), each polymer new to the
predictor; then the same call again (``again``): the predictor has kept the polymers'
parse and GC estimates, so the cone model and the flags are what remain.

``cpu_s``: the process's CPU time over the batch (all threads), which another load on
a shared machine disturbs less than the wall time.

``--threads``: the cone solver's threads (numba's, set before it loads; default every
core). Only the solver runs in parallel; parsing, GC and flags take one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results" / "physics_predict.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.threads:
        os.environ["NUMBA_NUM_THREADS"] = str(args.threads)
    import numba

    from engine.hypothetical import generate_polymers
    from engine.predictor import OnnxPredictor

    smiles = [h.polymer.smiles for h in generate_polymers(args.n, seed=1, estimate=False)]
    record = {"machine": machine_info(), "n": args.n,
              "solver_threads": numba.config.NUMBA_NUM_THREADS,
              "load_average_before": os.getloadavg()[0]}  # others' work on a shared machine
    for label, draws in (("draws_24", None), ("draws_0", 0)):
        predictor = OnnxPredictor(ignition_draws=draws)
        predictor.predict(["*CC(*)c1ccccc1"], 50.0, 3.0)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            predictor.predict(["*CC(*)c1ccccc1"], 50.0, 3.0)
            times.append(time.perf_counter() - start)
        start, cpu = time.perf_counter(), time.process_time()
        predictor.predict(smiles, 50.0, 3.0)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        predictor.predict(smiles, 50.0, 3.0)
        again = time.perf_counter() - start
        record[label] = {"one_polymer_median_s": statistics.median(times),
                         "batch_s": seconds, "polymers_per_s": args.n / seconds,
                         "cpu_s": cpu,
                         "again_batch_s": again, "again_polymers_per_s": args.n / again}
        print(f"{label}: one polymer {1e3 * statistics.median(times):.0f} ms; "
              f"{args.n} polymers {seconds:.2f} s ({args.n / seconds:.0f} per second, "
              f"CPU {cpu:.2f} s); "
              f"again {again:.2f} s ({args.n / again:.0f} per second)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
