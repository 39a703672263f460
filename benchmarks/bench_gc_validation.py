"""Group-contribution estimates against measured properties and the UMD property sets.

    python benchmarks/bench_gc_validation.py [--json benchmarks/results/gc_validation.json]

Prints, per property, the mean absolute percentage error (MAPE) over homopolymers,
and writes every comparison (polymer, property, source, measured, estimated) as JSON.
Copolymers and blends of unstated composition (ABS, HIPS, PETG) are estimated with
equal moles of their units and reported apart.

The decomposition peak and the residue (char yield) are compared with every record of
`engine.gc.measured_decomposition.load_records` (NIST, FSRI, UMD, curve files, the
literature table); peaks at other heating rates are moved to 10 K/min first
(`tga_equivalent_k`). Both tables were fitted to these same data, so each is also
scored leave-one-polymer-out: a polymer's value is predicted by a fit made without any
record of its structure (for the decomposition model, the ridge is chosen without it
too). Per polymer, median and mean absolute errors are reported.
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
from engine.gc.decomposition import LooRow, leave_one_polymer_out, tga_equivalent_k
from engine.gc.measured_decomposition import (
    RESIDUE,
    DecompositionRecord,
    load_records,
    simulate_tga,
    umd_chains,
)
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
    for polymer, chain in umd_chains().items():
        first = table[table.polymer == polymer].iloc[0]
        cp = float(str(first.specific_heat_kJ_kgK_vs_T_C).split(";")[0].split(":")[1])
        run = simulate_tga(chain)
        out[polymer] = {
            "smiles": first.smiles,
            "density_kg_m3": float(first.density_kg_m3),
            "conductivity_w_mk": chain[0].conductivity,
            "specific_heat_j_kgk": cp * 1e3,
            "emissivity": chain[0].emissivity,
            "absorption_coefficient_1_m": chain[0].absorption,
            "heat_of_reaction_j_kg": run.dominant.heat_of_reaction_j_kg,
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
            # MCC heat of combustion is per gram of specimen: (1 − μ)·h_c,volatiles.
            "mcc_heat_of_combustion": r.mcc_heat_of_combustion_kJ_g * 1e6,
        }
        if r.mcc_heating_rate_K_min == 60:
            values["heat_release_capacity_j_gk"] = r.mcc_heat_release_capacity_J_gK
        rows.append(
            {
                "polymer": r.polymer,
                "smiles": r.smiles,
                "source": f"measured_properties.csv ({r.material_id})",
                "values": values,
            }
        )
    return rows


def _reference_heat_rows() -> list[dict]:
    """Published gross heats of combustion, made net by removing the water's latent heat."""
    table = pd.read_csv(resource_path("gc", "reference_heats_of_combustion.csv"))
    rows = []
    for r in table.itertuples():
        polymer = parse_polymer(r.smiles)
        water = polymer.element_counts["H"] / 2 * 0.018015 / polymer.molar_mass_kg_mol
        net = r.gross_heat_of_combustion_kJ_g * 1e6 - constant("water_latent_heat") * water
        rows.append(
            {
                "polymer": r.polymer,
                "smiles": r.smiles,
                "source": "Walters, Hackett & Lyon 2000, Table 3 (gross, made net)",
                "values": {"heat_of_combustion_complete_j_kg": net},
            }
        )
    return rows


def _estimate(props: MaterialProperties, name: str) -> float:
    if name == "mcc_heat_of_combustion":
        return (1.0 - props.char_yield) * props.heat_of_combustion_j_kg
    return getattr(props, name)


def _decomposition_rows(records: list[DecompositionRecord]) -> list[dict]:
    """One row per peak or residue record; peaks as their 10 K/min TGA equivalent."""
    rows = []
    for r in records:
        name = "char_yield" if r.quantity == RESIDUE else "decomposition_peak_k"
        value = r.value if r.quantity == RESIDUE else tga_equivalent_k(r)
        # A residue is compared on its own scale; 0 residues are kept (see comparisons).
        rows.append(
            {"polymer": r.polymer, "smiles": r.smiles, "source": r.source, "values": {name: value}}
        )
    return rows


def comparisons(records: list[DecompositionRecord]) -> list[Comparison]:
    rows = _measured_rows() + _reference_heat_rows() + _decomposition_rows(records)
    for polymer, values in _umd_table().items():
        smiles = values.pop("smiles")
        rows.append(
            {
                "polymer": polymer,
                "smiles": smiles,
                "source": f"pyrolysis_properties_umd.csv ({polymer})",
                "values": values,
            }
        )
    out = []
    for row in rows:
        polymer = parse_polymer(row["smiles"])
        props = estimate_properties(polymer)
        for name, measured in row["values"].items():
            if measured is None or not math.isfinite(measured):
                continue
            if measured <= 0 and name != "char_yield":
                continue
            out.append(
                Comparison(
                    row["polymer"],
                    name,
                    row["source"],
                    float(measured),
                    float(_estimate(props, name)),
                    polymer.is_homopolymer,
                )
            )
    return out


def decomposition_loo(
    records: list[DecompositionRecord], **fit_options
) -> tuple[list[LooRow], float]:
    """Leave-one-polymer-out peaks (each from a fit without that polymer) and their
    mean absolute error (K)."""
    rows = leave_one_polymer_out(records, **fit_options)
    return rows, float(np.mean([abs(r.error_k) for r in rows]))


def char_loo(records: list[DecompositionRecord]) -> list[tuple[str, float, float]]:
    """(polymer, mean measured residue, residue of a char fit made without its structure)."""
    chars = fit.char_observations(records)
    keys = [parse_polymer(o.smiles).smiles for o in chars]
    cx, cy = fit.char_design(chars)
    out = []
    for key in dict.fromkeys(keys):
        keep = np.array([k != key for k in keys])
        coef = fit.fit_char(cx[keep], cy[keep])
        first = keys.index(key)
        unit = parse_polymer(chars[first].smiles).units[0]
        carbon = min(max(float(cx[first] @ coef), 0.0), unit.element_counts.get("C", 0))
        mine = [o for o, k in zip(chars, keys, strict=True) if k == key]
        names = "/".join(dict.fromkeys(o.polymer for o in mine))
        measured = float(np.mean([o.value for o in mine]))
        out.append((names, measured, carbon * 0.012011 / unit.molar_mass_kg_mol))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    records = load_records()
    comps = comparisons(records)
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
    print("\nMAPE per property over homopolymers (in-sample for fitted/default properties):")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3g}"))

    peak_rows, peak_mae = decomposition_loo(records)
    peak_abs = [abs(r.error_k) for r in peak_rows]
    print("\nDecomposition peak (TGA, 10 K/min, N2), leave-one-polymer-out, per polymer:")
    print("| polymer | measured °C | LOO estimate °C | error K |")
    print("|---|---|---|---|")
    for r in peak_rows:
        print(
            f"| {r.polymer} | {r.measured_k - 273.15:.0f} | {r.predicted_k - 273.15:.0f} "
            f"| {r.error_k:+.0f} |"
        )
    print(
        f"decomposition peak LOO: mean |error| {peak_mae:.1f} K, median "
        f"{float(np.median(peak_abs)):.1f} K over {len(peak_rows)} polymers"
    )

    char_rows = char_loo(records)
    char_abs = [abs(e - m) for _, m, e in char_rows]
    homo_char = homo[homo.property == "char_yield"]
    char_in = (homo_char.estimated - homo_char.measured).abs()
    print("\nResidue (char yield), leave-one-polymer-out, per polymer:")
    print("| polymer | measured | LOO estimate | error |")
    print("|---|---|---|---|")
    for name, m, e in char_rows:
        print(f"| {name} | {m:.3f} | {e:.3f} | {e - m:+.3f} |")
    print(
        f"char_yield absolute error: in-sample mean {char_in.mean():.3f} kg/kg over "
        f"{len(char_in)} records; leave-one-polymer-out mean {np.mean(char_abs):.3f}, "
        f"median {np.median(char_abs):.3f} kg/kg over {len(char_rows)} polymers"
    )

    copoly = frame[~frame.homopolymer]
    if len(copoly):
        print("\nCopolymers/blends of unstated composition (equal moles assumed), MAPE:")
        print(
            copoly.assign(abs_err=copoly.error_pct.abs())
            .groupby("property")
            .abs_err.mean()
            .to_string(float_format=lambda v: f"{v:.3g}")
        )

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": {
                    "cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version(),
                },
                "summary_homopolymers": summary.to_dict(orient="records"),
                "decomposition_peak_loo_k": {
                    "mean_abs": peak_mae,
                    "median_abs": float(np.median(peak_abs)),
                    "polymers": [asdict(r) | {"error_k": r.error_k} for r in peak_rows],
                },
                "char_yield_abs_error": {
                    "in_sample_mean": float(char_in.mean()),
                    "loo_mean": float(np.mean(char_abs)),
                    "loo_median": float(np.median(char_abs)),
                    "polymers": [
                        {"polymer": n, "measured": m, "loo_estimate": e} for n, m, e in char_rows
                    ],
                },
                "comparisons": frame.to_dict(orient="records"),
            },
            indent=2,
        )
    )
    print("\nMarkdown (README):")
    print("| property | n | MAPE % |")
    print("|---|---|---|")
    for row in summary.itertuples():
        print(f"| {row.property} | {row.n} | {row.mape_pct:.1f} |")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
