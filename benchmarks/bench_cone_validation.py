"""The cone model against the shipped experiments, with UMD and with GC properties.

    python benchmarks/bench_cone_validation.py [--json benchmarks/results/cone_validation.json]

Every included test of ``resources/data/cone/tests.csv`` that has a structure is
simulated at its heat flux and thickness (insulated back, 20 kW/m² flame flux) with
the group-contribution material, and with the UMD property set where one exists for
the polymer. Errors (simulated − measured) / measured of t_ig, pHRR and THR are
averaged per polymer and flux. Nothing is tuned to these data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine.cone.gc_material import cone_material
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate
from engine.cone.umd import load_umd_materials
from engine.datasets import shipped_tests
from engine.gc.properties import estimate_properties
from engine.polymer import parse_polymer
from engine.resources import resource_path

RESULTS = Path(__file__).resolve().parent / "results" / "cone_validation.json"
TARGETS = (("tig_s", "tig_s"), ("phrr_kw_m2", "phrr_kw_m2"), ("thr_mj_m2", "thr_mj_m2"))


def _tests() -> pd.DataFrame:
    tests = shipped_tests()
    tests = tests[tests.smiles.notna()]
    return tests[tests[["tig_s", "phrr_kw_m2", "thr_mj_m2"]].notna().any(axis=1)]


def run() -> pd.DataFrame:
    tests = _tests()
    umd = load_umd_materials(resource_path("data", "properties", "pyrolysis_properties_umd.csv"))
    gc = {s: cone_material(estimate_properties(parse_polymer(s, name=p)))
          for p, s in tests.groupby("polymer").smiles.first().items()}
    conditions = tests.groupby(["polymer", "heat_flux_kw_m2", "thickness_mm"]).size().index
    scenarios, keys = [], []
    for polymer, flux, thick in conditions:
        materials = {"GC": gc[tests[tests.polymer == polymer].smiles.iloc[0]]}
        if polymer in umd:
            materials["UMD"] = umd[polymer]
        for source, material in materials.items():
            scenarios.append(ConeScenario(material=material, heat_flux_kw_m2=float(flux),
                                          thickness_mm=float(thick)))
            keys.append((source, polymer, flux, thick))
    results = simulate(scenarios)
    simulated = pd.DataFrame(
        [{"properties": s, "polymer": p, "heat_flux_kw_m2": f, "thickness_mm": t,
          "sim_tig_s": r.metrics.tig_s, "sim_phrr_kw_m2": r.metrics.phrr_kw_m2,
          "sim_thr_mj_m2": r.metrics.thr_mj_m2, "status": r.status}
         for (s, p, f, t), r in zip(keys, results, strict=True)]
    )
    merged = tests.merge(simulated, on=["polymer", "heat_flux_kw_m2", "thickness_mm"])
    for measured, name in TARGETS:
        merged[f"err_{name}"] = (merged[f"sim_{name}"] - merged[measured]) / merged[measured]
    return merged


def summarise(merged: pd.DataFrame) -> pd.DataFrame:
    """Mean signed relative error per properties source, polymer and flux (in %)."""
    cols = [f"err_{n}" for _, n in TARGETS]
    table = merged.groupby(["properties", "polymer", "heat_flux_kw_m2"])[cols].mean() * 100
    counts = merged.groupby(["properties", "polymer", "heat_flux_kw_m2"]).size()
    return table.assign(tests=counts).reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    start = time.perf_counter()
    merged = run()
    table = summarise(merged)
    print("Mean relative error (simulated − measured) / measured, %, per polymer and flux:")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.0f}"))
    overall = {}
    for source, group in merged.groupby("properties"):
        overall[source] = {
            name: {"mean_abs_pct": float(np.nanmean(group[f"err_{name}"].abs()) * 100),
                   "median_abs_pct": float(np.nanmedian(group[f"err_{name}"].abs()) * 100),
                   "n": int(group[f"err_{name}"].notna().sum())}
            for _, name in TARGETS
        }
    print("\nOver all tests (mean / median absolute relative error, %):")
    for source, stats in overall.items():
        text = "; ".join(f"{k} {v['mean_abs_pct']:.0f} / {v['median_abs_pct']:.0f} (n={v['n']})"
                         for k, v in stats.items())
        print(f"  {source}: {text}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "wall_s": time.perf_counter() - start,
        "overall": overall,
        "per_polymer_flux": table.to_dict(orient="records"),
    }, indent=2, default=float))
    print(f"\nwrote {args.json} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
