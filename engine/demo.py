"""``trinity demo``: the headless pipeline, small, on the shipped polymers.

Stages: parse every shipped polymer, estimate its properties by group contribution,
simulate its cone test at 50 kW/m² (6 mm, insulated), predict it with the shipped ONNX
model, and generate a small synthetic data set from hypothetical polymers. Training is
`trinity recipe` (the shipped model) or `trinity train`: too long for a demo.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from engine.cone.export import result_table
from engine.cone.gc_material import cone_material
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate
from engine.datasets import shipped_polymers
from engine.gc.properties import PROPERTY_TITLES, estimate_properties
from engine.outputs import write_csv, write_text
from engine.polymer import depict_svg, parse_polymer
from engine.quantities import round_frame
from engine.synthetic import SyntheticConfig, generate_synthetic

DEMO_FLUX_KW_M2 = 50.0
DEMO_THICKNESS_MM = 6.0
DEMO_SYNTHETIC_POLYMERS = 24


def run_demo(out: Path, *, echo: Callable[[str], None] = print) -> pd.DataFrame:
    """Run every built stage; write tables, curves, depictions and a data set to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("depictions", "curves"):
        (out / sub).mkdir(exist_ok=True)
    rows, records, scenarios = [], {}, []
    for name, smiles in sorted(shipped_polymers().items()):
        polymer = parse_polymer(smiles, name=name)
        props = estimate_properties(polymer)
        records[name] = props.to_dict()
        row = {"polymer": name, "formula": props.formula}
        row.update({PROPERTY_TITLES[n]: v for n, v, _, _ in props.display_rows()})
        rows.append(row)
        write_text(out / "depictions" / f"{_safe(name)}.svg", depict_svg(polymer))
        scenarios.append(
            ConeScenario(
                material=cone_material(props),
                heat_flux_kw_m2=DEMO_FLUX_KW_M2,
                thickness_mm=DEMO_THICKNESS_MM,
            )
        )
    for row, result in zip(rows, simulate(scenarios), strict=True):
        m = result.metrics
        row.update({"t_ig (s)": m.tig_s, "pHRR (kW/m²)": m.phrr_kw_m2, "THR (MJ/m²)": m.thr_mj_m2})
        curves = out / "curves" / f"{_safe(row['polymer'])}.csv"
        write_csv(round_frame(result_table(result)), curves)
    table = pd.DataFrame(rows)
    write_csv(table, out / "properties.csv")
    write_text(out / "properties.json", json.dumps(records, indent=2))

    shown = table[
        [
            "polymer",
            "formula",
            "Density",
            "Heat of combustion",
            "Char yield",
            "t_ig (s)",
            "pHRR (kW/m²)",
            "THR (MJ/m²)",
        ]
    ]
    echo(
        "Shipped polymers: group contribution, then a simulated cone test at "
        f"{DEMO_FLUX_KW_M2:g} kW/m², {DEMO_THICKNESS_MM:g} mm"
    )
    echo("(density kg/m³, heat of combustion MJ/kg of volatiles, char kg/kg)")
    echo(shown.to_string(index=False, float_format=lambda v: "–" if math.isnan(v) else f"{v:.3g}"))

    _predict(table, out, echo)

    config = SyntheticConfig(n_polymers=DEMO_SYNTHETIC_POLYMERS, seed=0, chunk_size=8)
    summary = generate_synthetic(config, out / "synthetic", workers=1)
    echo(
        f"Synthetic data: {summary.rows} simulated tests of {DEMO_SYNTHETIC_POLYMERS} "
        f"hypothetical polymers in {out / 'synthetic'} ({summary.elapsed_s:.1f} s)"
    )
    echo(f"Wrote {out / 'properties.csv'}, properties.json, curves/ and depictions/.")
    return table


def _predict(table: pd.DataFrame, out: Path, echo: Callable[[str], None]) -> None:
    """The shipped model's predictions beside the simulation (skipped, with the reason,
    when the model or onnxruntime is missing)."""
    try:
        from engine.predictor import OnnxPredictor, PredictorError

        predictor = OnnxPredictor()
    except (ImportError, OSError, ValueError) as exc:
        echo(f"Prediction skipped: {exc}")
        return
    smiles = [shipped_polymers()[name] for name in table["polymer"]]
    try:
        p = predictor.predict(smiles, DEMO_FLUX_KW_M2, DEMO_THICKNESS_MM)
    except PredictorError as exc:
        echo(f"Prediction skipped: {exc}")
        return
    rows = pd.DataFrame({
        "polymer": table["polymer"],
        "t_ig simulated (s)": table["t_ig (s)"],
        "t_ig predicted (s)": p.tig_s,
        "± (s)": p.tig_s_std,
        "pHRR simulated (kW/m²)": table["pHRR (kW/m²)"],
        "pHRR predicted (kW/m²)": p.phrr_kw_m2,
        "± (kW/m²)": p.phrr_kw_m2_std,
        "THR predicted (MJ/m²)": p.thr_mj_m2,
    })
    write_csv(rows, out / "predictions.csv")
    echo(f"The shipped model ({predictor.info.name}, {predictor.info.members} members) at "
         f"{DEMO_FLUX_KW_M2:g} kW/m², {DEMO_THICKNESS_MM:g} mm, beside the simulation:")
    echo(rows.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)
