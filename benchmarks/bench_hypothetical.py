"""Throughput of the hypothetical-polymer generator on one core.

    OMP_NUM_THREADS=1 python benchmarks/bench_hypothetical.py [--n 2000] [--runs 3]
        [--json benchmarks/results/hypothetical.json]

Counts distinct valid polymers per second, with group contribution (parse, full group
coverage and `estimate_properties` for every polymer) and without it (parse only).
Each run uses its own seed so that no run is served from another's caches; the median
of the runs is reported. Afterwards, outside the timing, the polymers of the last GC run
are checked to be distinct by `polymer_key` (the same chain written from another atom).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from machine import cpu_name

from engine.hypothetical import GenerationStats, count_reachable, generate_polymers
from engine.identity import polymer_key

RESULTS = Path(__file__).resolve().parent / "results" / "hypothetical.json"


def _run(n: int, seed: int, estimate: bool) -> dict:
    stats = GenerationStats()
    wall, cpu = time.perf_counter(), time.process_time()
    polymers = list(generate_polymers(n, seed=seed, estimate=estimate, stats=stats))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "polymers": len(polymers),
        "wall_s": wall,
        "cpu_s": cpu,
        "per_s_wall": len(polymers) / wall,
        "per_s_cpu": len(polymers) / cpu,
        "drawn": stats.drawn,
        "duplicate_recipes": stats.duplicate_recipes,
        "duplicate_polymers": stats.duplicate_polymers,
        "rejected": dict(stats.rejected),
        "_polymers": polymers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="polymers per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    reachable = count_reachable()
    list(generate_polymers(50, seed=-1))  # load tables and SMARTS before timing
    results = {}
    for label, estimate, offset in (("with GC", True, 0), ("without GC", False, 1000)):
        runs = [_run(args.n, seed=offset + i, estimate=estimate) for i in range(args.runs)]
        last = runs[-1].pop("_polymers")
        for run in runs[:-1]:
            run.pop("_polymers")
        results[label] = {
            "median_per_s_wall": statistics.median(r["per_s_wall"] for r in runs),
            "median_per_s_cpu": statistics.median(r["per_s_cpu"] for r in runs),
            "runs": runs,
        }
        if estimate:
            keys = {polymer_key(h.polymer.units[0]) for h in last}
            results[label]["distinct_by_polymer_key"] = f"{len(keys)} of {len(last)}"

    machine = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    print(f"Hypothetical polymers: {sum(reachable.values()):,} reachable")
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, one used")
    print(f"{'':12s} {'polymers/s (wall)':>18s} {'polymers/s (cpu)':>17s}   runs of {args.n}")
    for label, r in results.items():
        print(f"{label:12s} {r['median_per_s_wall']:18.0f} {r['median_per_s_cpu']:17.0f}")
    print(f"GC run distinct by polymer_key: {results['with GC']['distinct_by_polymer_key']}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine, "reachable": reachable, "n_per_run": args.n, **results}
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
