"""Fit the project's own GC tables where no published table was at hand.

``python -m engine.gc.fit`` rewrites ``decomposition.csv``, ``char.csv`` and the class
defaults in ``constants.csv`` from the shipped decomposition data
(`engine.gc.measured_decomposition.load_records`: NIST and FSRI TGA/MCC runs, the FSRI
curve files, the UMD property sets through a simulated 10 K/min TGA, and published
values of ``data/thermal/literature.csv``).

Blends, copolymers of unstated composition and filled grades are left out of the fits.
Each written row says it was fitted, to what, and when.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from dataclasses import dataclass, replace
from statistics import median

import numpy as np
from scipy.optimize import lsq_linear

from engine.constants import GAS_CONSTANT
from engine.gc.decomposition import (
    fit_decomposition_model,
    leave_one_polymer_out,
    polymer_targets,
    write_model,
)
from engine.gc.estimators import char_features
from engine.gc.measured_decomposition import (
    RESIDUE,
    UMD,
    DecompositionRecord,
    load_records,
    simulate_tga,
    umd_chains,
)
from engine.polymer import parse_polymer
from engine.resources import resource_path


@dataclass(frozen=True)
class Observation:
    """One measured or derived residue of one polymer, with where it came from."""

    polymer: str
    smiles: str
    value: float
    origin: str


def char_observations(records: list[DecompositionRecord]) -> list[Observation]:
    """Residues (kg/kg) of neat polymers in inert TGA/MCC, one per record."""
    return [
        Observation(r.polymer, r.smiles, r.value, r.source)
        for r in records
        if r.quantity == RESIDUE and r.neat
    ]


def _files(sources: list[str]) -> str:
    """The files behind a list of record sources, for a ``fitted by … to <files>`` note."""
    return "; ".join(sorted({"resources/" + s.split(" (")[0] for s in sources}))


def char_design(obs: list[Observation]) -> tuple[np.ndarray, np.ndarray]:
    rows, targets = [], []
    for o in obs:
        unit = parse_polymer(o.smiles).units[0]
        f = char_features(unit)
        rows.append([f.backbone_aromatic_atoms, f.pendant_aromatic_atoms, -f.aliphatic_hydrogens])
        targets.append(o.value * unit.molar_mass_kg_mol / 0.012011)
    return np.array(rows, float), np.array(targets)


def fit_char(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-negative least squares for char carbon per feature (sign set by physics)."""
    return lsq_linear(x, y, bounds=(0.0, np.inf)).x


def _char_defaults() -> dict[str, tuple[float, str, str]]:
    """Medians over the true chars of the UMD sets (final residues lighter than the virgin).

    Values at the first table temperature (27 °C); the char density is not taken from
    here: GC materials keep the volume of the polymer a char comes from.
    """
    from engine.cone.umd import load_umd_materials

    materials = load_umd_materials(
        resource_path("data", "properties", "pyrolysis_properties_umd.csv")
    )
    chars = [
        m.components[-1]
        for m in materials.values()
        if m.components[-1].density < 0.5 * m.components[0].density
    ]

    def first(value) -> float:
        return value[0][1] if isinstance(value, tuple) else float(value)

    names = ", ".join(c.name for c in chars)
    how = f"median over the char components ({names}) of the UMD sets"
    return {
        "char_conductivity": (median(first(c.conductivity) for c in chars), "W/m/K", how),
        "char_specific_heat": (median(first(c.specific_heat) for c in chars), "J/kg/K", how),
        "char_emissivity": (median(c.emissivity for c in chars), "-", how),
        "char_absorption_coefficient": (
            median(c.absorption_coefficient for c in chars),
            "1/m",
            how,
        ),
    }


def write_decomposition(records: list[DecompositionRecord], today: str) -> None:
    """Fit the decomposition model, score it leave-one-polymer-out, write the table."""
    targets = polymer_targets(records)
    fitted_to = _files([r.source for t in targets for r in t.records])
    names = ", ".join(t.label for t in targets)
    model = fit_decomposition_model(records)
    loo = leave_one_polymer_out(records)
    model = replace(model, loo_error_k=float(np.mean([abs(r.error_k) for r in loo])))
    write_model(model, resource_path("gc") / "decomposition.csv", today, f"{fitted_to} ({names})")
    print(f"decomposition: intercept {model.intercept_k:.1f} K, {model.source}")
    for name, c in zip(model.names, model.coefficients, strict=True):
        print(f"  {name:22s} {c:+7.1f} K")
    for row in loo:
        print(
            f"  LOO {row.polymer:24s} {row.measured_k:7.1f} K, predicted {row.predicted_k:7.1f} K"
        )
    print(f"  LOO mean absolute error {model.loo_error_k:.1f} K over {model.polymers} polymers")


def write_char(records: list[DecompositionRecord], today: str) -> None:
    """Fit char carbon per structure feature to the residues and write ``char.csv``."""
    chars = char_observations(records)
    cx, cy = char_design(chars)
    coef = fit_char(cx, cy)
    char_to = _files([o.origin for o in chars])
    char_names = ", ".join(sorted({o.polymer for o in chars}))
    with open(resource_path("gc") / "char.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["group", "carbon_per_feature", "source"])
        for name, value in zip(
            ("backbone_aromatic_atom", "pendant_aromatic_atom", "aliphatic_hydrogen"),
            (coef[0], coef[1], -coef[2]),
            strict=True,
        ):
            w.writerow(
                [
                    name,
                    f"{value:.4f}",
                    f"fitted by this project to {char_to} "
                    f"({char_names}; non-negative least squares) ({today})",
                ]
            )
    print(f"char: {dict(zip(('bb', 'pend', 'H'), coef.round(4), strict=True))}")


def write_class_defaults(today: str) -> None:
    """Rewrite the class defaults of ``constants.csv`` that are medians of the UMD sets
    (conductivity and heats of pyrolysis have sources of their own and are left alone)."""
    chains = umd_chains()
    runs = {p: simulate_tga(c) for p, c in chains.items()}
    psi = [run.dominant.e / (GAS_CONSTANT * run.peak_k) for run in runs.values()]
    defaults = {
        "dimensionless_activation_energy": (
            median(psi),
            "-",
            "E/(R T_p) of the step that "
            "dominates the simulated 10 K/min TGA peak, median over the UMD sets",
        ),
        "absorption_coefficient": (
            median(c[0].absorption for c in chains.values()),
            "1/m",
            "virgin-polymer absorption coefficient, median over the UMD sets",
        ),
        "emissivity": (
            median(c[0].emissivity for c in chains.values()),
            "-",
            "virgin-polymer emissivity, median over the UMD sets",
        ),
    }
    defaults.update(_char_defaults())
    path = resource_path("gc", "constants.csv")
    with open(path, newline="") as handle:
        kept = [r for r in csv.DictReader(handle) if r["name"] not in defaults]
    with open(path, "w", newline="") as handle:
        w = csv.DictWriter(handle, fieldnames=["name", "value", "unit", "source"])
        w.writeheader()
        w.writerows(kept)
        for name, (value, unit, how) in defaults.items():
            w.writerow(
                {
                    "name": name,
                    "value": f"{value:.6g}",
                    "unit": unit,
                    "source": f"class default: {how} in {UMD}; "
                    f"computed by engine/gc/fit.py ({today})",
                }
            )
    for name, (value, unit, _) in defaults.items():
        print(f"{name}: {value:.6g} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--class-defaults",
        action="store_true",
        help="also rewrite the UMD-median class defaults of constants.csv (other tables "
        "now share that file, so it is left alone unless asked)",
    )
    args = parser.parse_args()
    today = dt.date.today().isoformat()
    records = load_records()
    write_decomposition(records, today)
    write_char(records, today)
    if args.class_defaults:
        write_class_defaults(today)


if __name__ == "__main__":
    main()
