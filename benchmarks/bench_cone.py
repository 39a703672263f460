"""Cone solver throughput and convergence: prints a table and writes the figures as JSON.

    python benchmarks/bench_cone.py [--quick] [--repeats 3] [--json benchmarks/results/cone.json]

Scenario: 6 mm PMMA (FDS case properties) at 50 kW/m², flame flux 20 kW/m², insulated
back, 1 s output, run to burnout, default resolution and radiation scheme ("exact").
Convergence compares it with 4× finer steps, and 4× finer cells and steps (the issue's
2 % bound), and shows FDS's two-flux form ("fds") under the same refinement. Throughput
is the median of the repeats; the machine is recorded next to it, with the numba threads
the solver spreads a batch over (every core by default; with numba's OpenMP layer
OMP_NUM_THREADS=1 limits it to one, so run this without it to measure the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numba

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402

from engine.cone.material import ConeMaterial  # noqa: E402
from engine.cone.scenario import ConeScenario  # noqa: E402
from engine.cone.solver import simulate  # noqa: E402

PMMA = ConeMaterial.from_json(
    {
        "name": "PMMA",
        "density": 1200,
        "conductivity": 0.2,
        "specific_heat": 1600,
        "emissivity": 0.85,
        "absorption_coefficient": 2700,
        "reactions": [{"A": 8.5e12, "E": 1.88e5, "n": 1, "heat_of_reaction": 8.7e5}],
        "heat_of_combustion": 2.4e7,
    }
)
FINE_TIME = {"max_temperature_step_k": 1.25, "max_time_step_s": 0.25}
FINE = {"cell_size_mm": 0.05, **FINE_TIME}


def throughput(batch: int, repeats: int) -> dict[str, float]:
    scenarios = [ConeScenario(PMMA, 50.0, 6.0)] * batch
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        simulate(scenarios)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"batch": batch, "median_s": median, "sims_per_s": batch / median, "runs": repeats}


def convergence(fine: dict[str, float], scheme: str = "exact") -> dict[str, dict[str, float]]:
    scenario = ConeScenario(PMMA, 50.0, 6.0)
    coarse = simulate([scenario], radiation_scheme=scheme)[0]
    finer = simulate([scenario], radiation_scheme=scheme, **fine)[0]
    report = {}
    for name in ("tig_s", "phrr_kw_m2", "thr_mj_m2"):
        a, b = getattr(coarse.metrics, name), getattr(finer.metrics, name)
        report[name] = {"default": a, "fine_4x": b, "rel_diff": abs(a - b) / abs(b)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the batch of 10000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "cone.json")
    args = parser.parse_args()
    sizes = [1, 100, 1000] + ([] if args.quick else [10000])
    rows = [throughput(n, args.repeats) for n in sizes]
    conv = {
        "time_4x": convergence(FINE_TIME),
        "time_and_cells_4x": convergence(FINE),
        "fds_scheme_time_and_cells_4x": convergence(FINE, "fds"),
    }
    machine = {
        "cpu": cpu_name(),
        "logical_cores": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer": numba.threading_layer(),
        "python": platform.python_version(),
    }
    print(
        f"machine: {machine['cpu']}, {machine['logical_cores']} logical cores, "
        f"{machine['numba_threads']} numba threads ({machine['numba_threading_layer']})"
    )
    print("scenario: 6 mm PMMA, 50 kW/m², 20 kW/m² flame, to burnout, 1 s output")
    print(f"{'batch':>7} {'median s':>10} {'sims/s':>10}")
    for row in rows:
        print(f"{row['batch']:>7} {row['median_s']:>10.3f} {row['sims_per_s']:>10.1f}")
    for label, table in conv.items():
        print(f"{label:>28} {'default':>10} {'4x finer':>10} {'rel diff':>9}")
        for name, c in table.items():
            print(f"{name:>28} {c['default']:>10.2f} {c['fine_4x']:>10.2f} {c['rel_diff']:>9.2%}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"machine": machine, "throughput": rows, "convergence": conv}, indent=2) + "\n"
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
