"""End-to-end synthetic generation speed: polymers per second with 1 and 2 workers.

    python benchmarks/bench_generate.py [--n 400] [--repeats 3] [--json PATH]

Each run generates a fresh data set (hypothetical polymers → GC → cone simulations at
the default heat fluxes and thicknesses → Parquet) in a temporary folder, timing the
whole call. Medians of the repeats; the ratio of 2 to 1 worker is measured in the same
run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from machine import cpu_name

from engine.synthetic import SyntheticConfig, generate_synthetic

RESULTS = Path(__file__).resolve().parent / "results" / "generate.json"


def time_run(config: SyntheticConfig, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        generate_synthetic(config, Path(tmp) / "synth", workers=workers)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="polymers per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    config = SyntheticConfig(n_polymers=args.n, seed=2026, chunk_size=max(1, args.n // 8))
    per_polymer = len(config.heat_fluxes_kw_m2) * len(config.thicknesses_mm)
    rows = {}
    for workers in (1, 2):
        times = [time_run(config, workers) for _ in range(args.repeats)]
        wall = statistics.median(times)
        rows[workers] = {
            "wall_s": wall,
            "polymers_per_s": args.n / wall,
            "simulations_per_s": args.n * per_polymer / wall,
            "runs_s": times,
        }
    print(f"machine: {os.cpu_count()} cores, {cpu_name()}")
    print(f"{args.n} polymers × {per_polymer} conditions, median of {args.repeats} runs")
    print("workers  wall s  polymers/s  simulations/s")
    for workers, r in rows.items():
        print(
            f"{workers:7d}  {r['wall_s']:6.1f}  {r['polymers_per_s']:10.1f}  "
            f"{r['simulations_per_s']:13.0f}"
        )
    ratio = rows[2]["polymers_per_s"] / rows[1]["polymers_per_s"]
    print(f"2 workers / 1 worker: {ratio:.2f}×")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": {"cores": os.cpu_count(), "cpu": cpu_name()},
                "config": config.to_json(),
                "results": rows,
                "speedup_2_over_1": ratio,
            },
            indent=2,
        )
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
