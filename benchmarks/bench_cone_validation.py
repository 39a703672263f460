"""The cone model against the shipped experiments, with UMD and with GC properties.

    python benchmarks/bench_cone_validation.py [--json benchmarks/results/cone_validation.json]
    python benchmarks/bench_cone_validation.py --fit-tables   # refit the shipped tables

Every included test of ``resources/data/cone/tests.csv`` that has a structure is
simulated at its heat flux and thickness (insulated back, 20 kW/m² flame flux) with
the group-contribution material, and with the UMD property set where one exists for
the polymer. Errors (simulated − measured) / measured of t_ig, pHRR and THR are
averaged per polymer and flux.

Everything of the GC material that is fitted is fitted leave-one-polymer-out: for each
scored polymer (with every other polymer of the same structure, HDPE with LDPE), the
decomposition model (`engine.gc.decomposition`) is refitted without its TGA records,
and the flame model (χ per flame class, from THR) and the gasification model (heat of
pyrolysis per mechanism, from pHRR) are refitted to the other polymers' cone tests. The
cone fits use one table of trial runs: every polymer at every condition and every
trial heat of pyrolysis, with χ = 1 (HRR is proportional to χ, so a χ scales it after).
``--fit-tables`` fits the two cone models to all polymers and writes
``resources/gc/gasification.csv`` and ``resources/gc/flame.csv``.

Not left out: the char-yield table (``resources/gc/char.csv``, fitted to TGA residues)
and the conductivity default (median of 11 measured polymers; without any one it moves
by at most 0.003 W/m/K); and the other polymers' trial runs use decomposition models
that saw the scored polymer's TGA (one decomposition fit per polymer, not per pair).
"""

from __future__ import annotations

import argparse
import csv
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
from engine.gc.cone_fit import (
    TABLE_SOURCE,
    cone_fit_tests,
    fit_shipped_models,
    leave_one_polymer_out_models,
)
from engine.gc.flame import FlameModel
from engine.gc.gasification import GasificationModel
from engine.polymer import parse_polymer
from engine.resources import resource_path

RESULTS = Path(__file__).resolve().parent / "results" / "cone_validation.json"
GC_TABLES = Path(__file__).resolve().parents[1] / "resources" / "gc"
BEFORE = Path(__file__).resolve().parent / "results" / "cone_validation_before.json"
TARGETS = (("tig_s", "tig_s"), ("phrr_kw_m2", "phrr_kw_m2"), ("thr_mj_m2", "thr_mj_m2"))


def _simulate(materials: dict[str, object], tests: pd.DataFrame) -> pd.DataFrame:
    conditions = tests.groupby(["polymer", "heat_flux_kw_m2", "thickness_mm"]).size().index
    scenarios, keys = [], []
    for polymer, flux, thick in conditions:
        if polymer not in materials:
            continue
        scenarios.append(ConeScenario(materials[polymer], float(flux), float(thick)))
        keys.append((polymer, flux, thick))
    results = simulate(scenarios)
    return pd.DataFrame(
        [{"polymer": p, "heat_flux_kw_m2": f, "thickness_mm": t,
          "sim_tig_s": r.metrics.tig_s, "sim_phrr_kw_m2": r.metrics.phrr_kw_m2,
          "sim_thr_mj_m2": r.metrics.thr_mj_m2, "status": r.status}
         for (p, f, t), r in zip(keys, results, strict=True)]
    )


def run() -> tuple[pd.DataFrame, dict]:
    tests = cone_fit_tests(shipped_tests())
    models = leave_one_polymer_out_models(tests)
    gc, fitted = {}, {}
    for polymer, key in tests.groupby("polymer")["key"].first().items():
        props = models[key].properties(parse_polymer(key, name=polymer))
        gc[polymer] = cone_material(props)
        fitted[polymer] = {"mechanism": props.mechanism, "flame_class": props.flame_class,
                           "combustion_efficiency": props.combustion_efficiency,
                           "heat_of_reaction_j_kg": props.heat_of_reaction_j_kg,
                           "eliminated_gas_fraction": props.eliminated_gas_fraction}
    umd = load_umd_materials(resource_path("data", "properties", "pyrolysis_properties_umd.csv"))
    simulated = pd.concat([
        _simulate(gc, tests).assign(properties="GC"),
        _simulate({p: umd[p] for p in gc if p in umd}, tests).assign(properties="UMD"),
    ], ignore_index=True)
    merged = tests.merge(simulated, on=["polymer", "heat_flux_kw_m2", "thickness_mm"])
    for measured, name in TARGETS:
        merged[f"err_{name}"] = (merged[f"sim_{name}"] - merged[measured]) / merged[measured]
    return merged, fitted


def summarise(merged: pd.DataFrame) -> pd.DataFrame:
    """Mean signed relative error per properties source, polymer and flux (in %)."""
    cols = [f"err_{n}" for _, n in TARGETS]
    table = merged.groupby(["properties", "polymer", "heat_flux_kw_m2"])[cols].mean() * 100
    counts = merged.groupby(["properties", "polymer", "heat_flux_kw_m2"]).size()
    return table.assign(tests=counts).reset_index()


def write_tables(flame: FlameModel, gasification: GasificationModel) -> None:
    """The shipped models, fitted to every polymer (rows 'all': the fallbacks)."""
    rows = [{"mechanism": m, "heat_of_reaction_j_kg": f"{h:.0f}", "unit": "J/kg",
             "source": TABLE_SOURCE} for m, h in gasification.heats_j_kg.items()]
    rows.append({"mechanism": "all", "heat_of_reaction_j_kg": f"{gasification.fallback_j_kg:.0f}",
                 "unit": "J/kg", "source": TABLE_SOURCE})
    _write_csv(GC_TABLES / "gasification.csv", rows)
    rows = [{"flame_class": c, "combustion_efficiency": f"{x:.3f}", "source": TABLE_SOURCE}
            for c, x in flame.efficiencies.items()]
    rows.append({"flame_class": "all", "combustion_efficiency": f"{flame.fallback:.3f}",
                 "source": TABLE_SOURCE})
    _write_csv(GC_TABLES / "flame.csv", rows)


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")


def _overall(merged: pd.DataFrame) -> dict:
    """Mean and median |error| over tests, and the median over polymers of each polymer's
    median |error| (PMMA has 90 of the 124 pHRR tests; this counts it once)."""
    out = {}
    for source, group in merged.groupby("properties"):
        stats = {}
        for _, name in TARGETS:
            err = group[f"err_{name}"].abs()
            per_polymer = err.groupby(group.polymer).median().dropna()
            stats[name] = {"mean_abs_pct": float(np.nanmean(err) * 100),
                           "median_abs_pct": float(np.nanmedian(err) * 100),
                           "n": int(err.notna().sum()),
                           "median_of_polymer_medians_pct": float(per_polymer.median() * 100),
                           "polymers": int(per_polymer.size)}
        out[source] = stats
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--fit-tables", action="store_true",
                        help="fit the flame and gasification models to all polymers and "
                        "write resources/gc/flame.csv and gasification.csv")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.fit_tables:
        write_tables(*fit_shipped_models(shipped_tests()))
        return
    merged, fitted = run()
    table = summarise(merged)
    print("Mean relative error (simulated − measured) / measured, %, per polymer and flux:")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.0f}"))
    print("\nLeave-one-polymer-out GC models per polymer:")
    for p, f in fitted.items():
        print(f"  {p:6s} {f['mechanism']:16s} ΔH_p {f['heat_of_reaction_j_kg'] / 1e3:6.0f} kJ/kg"
              f"  {f['flame_class']:11s} χ {f['combustion_efficiency']:.2f}"
              f"  non-fuel {f['eliminated_gas_fraction']:.2f}")
    overall = _overall(merged)
    before = json.loads(BEFORE.read_text())["overall"] if BEFORE.exists() else {}
    print("\nOver all tests (mean / median absolute relative error, %; [median over polymers "
          "of each polymer's median]):")
    for label, stats in [(f"before {k}", v) for k, v in before.items()] + list(overall.items()):
        text = "; ".join(f"{k} {v['mean_abs_pct']:.0f} / {v['median_abs_pct']:.0f} (n={v['n']})"
                         + (f" [per polymer {v['median_of_polymer_medians_pct']:.0f}]"
                            if "polymers" in v else "")
                         for k, v in stats.items())
        print(f"  {label}: {text}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "wall_s": time.perf_counter() - start,
        "before": {"file": BEFORE.name, "overall": before},
        "overall": overall,
        "leave_one_polymer_out_models": fitted,
        "per_polymer_flux": table.to_dict(orient="records"),
    }, indent=2, default=float))
    print(f"\nwrote {args.json} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
