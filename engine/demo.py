"""``trinity demo``: the headless pipeline on the shipped polymers.

Today it parses every shipped polymer, estimates its material properties by group
contribution and writes them with depictions; later stages join as they are built.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from engine.datasets import shipped_polymers
from engine.gc.properties import estimate_properties
from engine.polymer import depict_svg, parse_polymer


def run_demo(out: Path, *, echo: Callable[[str], None] = print) -> pd.DataFrame:
    """Estimate properties of every shipped polymer; write CSV, JSON and SVGs to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "depictions").mkdir(exist_ok=True)
    rows, records = [], {}
    for name, smiles in sorted(shipped_polymers().items()):
        polymer = parse_polymer(smiles, name=name)
        props = estimate_properties(polymer)
        records[name] = props.to_dict()
        row = {"polymer": name, "smiles": props.smiles, "formula": props.formula}
        row.update({n: v for n, v, _, _ in props.display_rows()})
        rows.append(row)
        safe = "".join(c if c.isalnum() else "_" for c in name)
        (out / "depictions" / f"{safe}.svg").write_text(depict_svg(polymer))
    table = pd.DataFrame(rows)
    table.to_csv(out / "properties.csv", index=False)
    (out / "properties.json").write_text(json.dumps(records, indent=2))
    shown = table[["polymer", "formula", "density_kg_m3", "specific_heat_j_kgk",
                   "heat_of_combustion_complete_j_kg", "char_yield",
                   "heat_release_capacity_j_gk"]]
    echo("Group-contribution properties of the shipped polymers")
    echo("(density kg/m³, c_p kJ/kg/K, ΔH_c MJ/kg, char kg/kg, η_c J/g/K)")
    echo(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    echo(f"Wrote {out / 'properties.csv'}, {out / 'properties.json'} and depictions/.")
    return table
