"""Group-contribution estimates against measured properties and the UMD property sets.

    python benchmarks/bench_gc_validation.py [--json benchmarks/results/gc_validation.json]

Prints, per property, the mean absolute percentage error (MAPE) over homopolymers,
and writes every comparison (polymer, property, source, measured, estimated) as JSON.
Copolymers and blends of unstated composition (ABS, HIPS, PETG) are estimated with
equal moles of their units and reported apart. For the two tables this project fitted
to the same data (char yield, decomposition temperature), leave-one-polymer-out
errors are reported beside the in-sample ones.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.gc import fit
from engine.gc.properties import MaterialProperties, estimate_properties
from engine.gc.tables import constant
from engine.polymer import parse_polymer
from engine.resources import resource_path

RESULTS = Path(__file__).resolve().parent / "results" / "gc_validation.json"


@dataclass(frozen=True)
class Comparison:
    polymer: str
    property: str
    source: str
    measured: float
    estimated: float
    homopolymer: bool

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.estimated - self.measured) / self.measured


def _umd_table() -> dict[str, dict[str, float]]:
    """First-component properties and simulated-TGA results of each UMD set."""
    table = pd.read_csv(resource_path("data", "properties", "pyrolysis_properties_umd.csv"))
    out = {}
    for polymer, chain in fit.umd_chains().items():
        first = table[table.polymer == polymer].iloc[0]
        cp = float(str(first.specific_heat_kJ_kgK_vs_T_C).split(";")[0].split(":")[1])
        run = fit.simulate_tga(chain)
        out[polymer] = {
            "smiles": first.smiles,
            "density_kg_m3": float(first.density_kg_m3),
            "conductivity_w_mk": chain[0].conductivity,
            "specific_heat_j_kgk": cp * 1e3,
            "emissivity": chain[0].emissivity,
            "absorption_coefficient_1_m": chain[0].absorption,
            "heat_of_reaction_j_kg": run.dominant.heat_of_reaction_j_kg,
            "decomposition_peak_k": run.peak_k,
            "char_yield": run.residue,
        }
    return out


def _measured_rows() -> list[dict]:
    table = pd.read_csv(resource_path("data", "properties", "measured_properties.csv"))
    table = table[table.smiles.notna() & ~table.polymer.str.contains("-GF|foam", regex=True)]
    rows = []
    for r in table.itertuples():
        values = {
            "density_kg_m3": r.density_kg_m3,
            "conductivity_w_mk": r.conductivity_W_mK,
            "specific_heat_j_kgk": r.specific_heat_kJ_kgK * 1e3,
            "decomposition_peak_k": r.tga_T_peak_K,
            "char_yield": r.tga_residue_pct / 100.0,
            # MCC heat of combustion is per gram of specimen: (1 − μ)·h_c,volatiles.
            "mcc_heat_of_combustion": r.mcc_heat_of_combustion_kJ_g * 1e6,
        }
        if r.mcc_heating_rate_K_min == 60:
            values["heat_release_capacity_j_gk"] = r.mcc_heat_release_capacity_J_gK
        rows.append({"polymer": r.polymer, "smiles": r.smiles,
                     "source": f"measured_properties.csv ({r.material_id})", "values": values})
    return rows


def _reference_heat_rows() -> list[dict]:
    """Published gross heats of combustion, made net by removing the water's latent heat."""
    table = pd.read_csv(resource_path("gc", "reference_heats_of_combustion.csv"))
    rows = []
    for r in table.itertuples():
        polymer = parse_polymer(r.smiles)
        water = polymer.element_counts["H"] / 2 * 0.018015 / polymer.molar_mass_kg_mol
        net = r.gross_heat_of_combustion_kJ_g * 1e6 - constant("water_latent_heat") * water
        rows.append({"polymer": r.polymer, "smiles": r.smiles,
                     "source": "Walters, Hackett & Lyon 2000, Table 3 (gross, made net)",
                     "values": {"heat_of_combustion_complete_j_kg": net}})
    return rows


def _estimate(props: MaterialProperties, name: str) -> float:
    if name == "mcc_heat_of_combustion":
        return (1.0 - props.char_yield) * props.heat_of_combustion_j_kg
    return getattr(props, name)


def comparisons() -> list[Comparison]:
    rows = _measured_rows() + _reference_heat_rows()
    for polymer, values in _umd_table().items():
        smiles = values.pop("smiles")
        rows.append({"polymer": polymer, "smiles": smiles,
                     "source": f"pyrolysis_properties_umd.csv ({polymer})", "values": values})
    out = []
    for row in rows:
        polymer = parse_polymer(row["smiles"])
        props = estimate_properties(polymer)
        for name, measured in row["values"].items():
            if measured is None or not math.isfinite(measured) or measured <= 0:
                continue
            out.append(Comparison(row["polymer"], name, row["source"], float(measured),
                                  float(_estimate(props, name)), polymer.is_homopolymer))
    return out


def leave_one_out() -> dict[str, list[tuple[str, float, float]]]:
    """(polymer, measured, LOO estimate) for the two fitted tables."""
    peaks, chars = fit.observations()
    out: dict[str, list[tuple[str, float, float]]] = {}
    _, x, y = fit.theta_design(peaks)
    prior = float(np.mean(y))
    strength = fit.choose_strength(x, y, prior)
    rows = []
    for i, obs in enumerate(peaks):
        keep = np.arange(len(y)) != i
        theta = fit.fit_theta(x[keep], y[keep], float(np.mean(y[keep])), strength)
        rows.append((obs.polymer, obs.value, float(x[i] @ theta)))
    out["decomposition_peak_k"] = rows
    cx, cy = fit.char_design(chars)
    rows = []
    for i, obs in enumerate(chars):
        keep = np.arange(len(cy)) != i
        coef = fit.fit_char(cx[keep], cy[keep])
        unit = parse_polymer(obs.smiles).units[0]
        carbon = min(max(float(cx[i] @ coef), 0.0), unit.element_counts.get("C", 0))
        rows.append((obs.polymer, obs.value, carbon * 0.012011 / unit.molar_mass_kg_mol))
    out["char_yield"] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    comps = comparisons()
    frame = pd.DataFrame([{**asdict(c), "error_pct": c.error_pct} for c in comps])
    print("Per polymer and property (estimated vs measured):")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))

    homo = frame[frame.homopolymer]
    summary = (
        homo.assign(abs_err=homo.error_pct.abs())
        .groupby("property")
        .agg(n=("abs_err", "size"), mape_pct=("abs_err", "mean"))
        .reset_index()
    )
    loo = leave_one_out()
    loo_mape = {}
    for name, rows in loo.items():
        # The absolute error of a near-zero char yield is the meaningful figure.
        if name == "char_yield":
            loo_mape[name] = float(np.mean([abs(e - m) for _, m, e in rows]))
        else:
            loo_mape[name] = float(np.mean([abs(e - m) / m * 100 for _, m, e in rows]))
    print("\nMAPE per property over homopolymers (in-sample for fitted/default properties):")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    char_abs = homo[homo.property == "char_yield"]
    char_mae = float((char_abs.estimated - char_abs.measured).abs().mean())
    print(f"\nchar_yield mean absolute error: in-sample {char_mae:.3f} kg/kg, "
          f"leave-one-polymer-out {loo_mape['char_yield']:.3f} kg/kg")
    print(f"decomposition_peak_k leave-one-polymer-out MAPE: "
          f"{loo_mape['decomposition_peak_k']:.2f} %")
    copoly = frame[~frame.homopolymer]
    if len(copoly):
        print("\nCopolymers/blends of unstated composition (equal moles assumed), MAPE:")
        print(copoly.assign(abs_err=copoly.error_pct.abs()).groupby("property")
              .abs_err.mean().to_string(float_format=lambda v: f"{v:.3g}"))

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "summary_homopolymers": summary.to_dict(orient="records"),
        "char_yield_mae": {"in_sample": char_mae, "leave_one_out": loo_mape["char_yield"]},
        "decomposition_peak_loo_mape_pct": loo_mape["decomposition_peak_k"],
        "comparisons": frame.to_dict(orient="records"),
        "leave_one_out": {k: [list(r) for r in v] for k, v in loo.items()},
    }, indent=2))
    print("\nMarkdown (README):")
    print("| property | n | MAPE % |")
    print("|---|---|---|")
    for row in summary.itertuples():
        print(f"| {row.property} | {row.n} | {row.mape_pct:.1f} |")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
