"""Fit the project's own GC tables where no published table was at hand.

``python -m engine.gc.fit`` rewrites ``decomposition.csv``, ``char.csv`` and the class
defaults in ``constants.csv`` from the shipped property data:

- TGA peak temperatures and residues (N2, 10 K/min) of neat polymers in
  ``resources/data/properties/measured_properties.csv`` (NIST cone-db);
- the UMD pyrolysis property sets in ``pyrolysis_properties_umd.csv`` (FDS validation
  suite), whose reaction chains are run through a simulated 10 K/min TGA here.

Copolymers and blends of unknown composition, filled grades and materials without a
structure are left out. Each written row says it was fitted, to what, and when.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from statistics import median

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp
from scipy.optimize import lsq_linear

from engine.constants import GAS_CONSTANT
from engine.gc.estimators import TGA_HEATING_RATE_K_S, char_features, group_mass_fractions
from engine.polymer import parse_polymer
from engine.resources import resource_path

MEASURED = "resources/data/properties/measured_properties.csv"
UMD = "resources/data/properties/pyrolysis_properties_umd.csv"


@dataclass(frozen=True)
class Observation:
    """One measured or derived value for one polymer, with where it came from."""

    polymer: str
    smiles: str
    value: float
    origin: str


@dataclass(frozen=True)
class UmdStep:
    """One reaction of a UMD chain: component → gas + residue component."""

    component: str
    a: float
    e: float
    nu_gas: float
    nu_residue: float
    residue: str
    heat_of_reaction_j_kg: float
    conductivity: float
    absorption: float
    emissivity: float


@dataclass(frozen=True)
class TgaRun:
    """What a simulated TGA of a UMD chain shows."""

    peak_k: float
    residue: float
    dominant: UmdStep


def umd_chains() -> dict[str, list[UmdStep]]:
    """Reaction chains of the UMD sets, in file order, by polymer."""
    table = pd.read_csv(resource_path("data", "properties", "pyrolysis_properties_umd.csv"))
    chains: dict[str, list[UmdStep]] = {}
    for row in table.itertuples():
        k_first = float(str(row.conductivity_W_mK_vs_T_C).split(";")[0].split(":")[1])
        chains.setdefault(row.polymer, []).append(
            UmdStep(
                component=str(row.component),
                a=float(row.A_1_s),
                e=float(row.E_J_mol),
                nu_gas=float(row.nu_gas),
                nu_residue=float(row.nu_residue),
                residue=str(row.residue),
                heat_of_reaction_j_kg=float(row.heat_of_reaction_kJ_kg) * 1e3,
                conductivity=k_first,
                absorption=float(row.absorption_coefficient_1_m),
                emissivity=float(row.emissivity),
            )
        )
    return chains


def simulate_tga(chain: list[UmdStep], rate_k_s: float = TGA_HEATING_RATE_K_S) -> TgaRun:
    """Run a chain of first-order steps (each feeding the next) through a linear ramp."""
    t0, t_end = 300.0, 1100.0

    def rates(temp: float, y: np.ndarray) -> np.ndarray:
        return np.array(
            [
                s.a * max(y[i], 0.0) * math.exp(-s.e / (GAS_CONSTANT * temp))
                for i, s in enumerate(chain)
            ]
        )

    residue_yield = np.array([s.nu_residue for s in chain])

    def rhs(temp: float, y: np.ndarray) -> np.ndarray:
        # y holds the chain's components, then the inert residue of the last step.
        r = rates(temp, y)
        dy = np.zeros_like(y)
        dy[:-1] -= r
        dy[1:] += r * residue_yield
        return dy / rate_k_s

    temps = np.linspace(t0, t_end, 8001)
    y0 = np.zeros(len(chain) + 1)
    y0[0] = 1.0
    sol = solve_ivp(rhs, (t0, t_end), y0, method="LSODA", t_eval=temps, rtol=1e-8, atol=1e-12)
    gas = np.array([[s.nu_gas for s in chain]]).T
    mlr = (gas * np.array([rates(t, sol.y[:, i]) for i, t in enumerate(temps)]).T).sum(axis=0)
    peak = int(np.argmax(mlr))
    contrib = gas[:, 0] * rates(temps[peak], sol.y[:, peak])
    residue = float(sol.y[:, -1].sum())
    return TgaRun(float(temps[peak]), residue, chain[int(np.argmax(contrib))])


def _measured() -> pd.DataFrame:
    table = pd.read_csv(resource_path("data", "properties", "measured_properties.csv"))
    usable = table[
        table.smiles.notna()
        & ~table.smiles.fillna("").str.contains(".", regex=False)
        & ~table.polymer.str.contains("-GF", regex=False)
    ]
    return usable


def observations() -> tuple[list[Observation], list[Observation]]:
    """(peak temperatures, char yields) from the measured TGA data and the UMD sets."""
    peaks, chars = [], []
    for row in _measured().itertuples():
        if not math.isnan(row.tga_T_peak_K):
            peaks.append(
                Observation(
                    row.polymer,
                    row.smiles,
                    row.tga_T_peak_K,
                    f"{MEASURED} ({row.material_id}, TGA peak)",
                )
            )
        if not math.isnan(row.tga_residue_pct):
            chars.append(
                Observation(
                    row.polymer,
                    row.smiles,
                    row.tga_residue_pct / 100,
                    f"{MEASURED} ({row.material_id}, TGA residue)",
                )
            )
    table = pd.read_csv(resource_path("data", "properties", "pyrolysis_properties_umd.csv"))
    smiles = dict(zip(table.polymer, table.smiles, strict=False))
    for polymer, chain in umd_chains().items():
        if "." in smiles[polymer]:
            continue
        run = simulate_tga(chain)
        origin = f"{UMD} ({polymer}, simulated 10 K/min TGA)"
        peaks.append(Observation(polymer, smiles[polymer], run.peak_k, origin))
        chars.append(Observation(polymer, smiles[polymer], run.residue, origin))
    return peaks, chars


def theta_design(obs: list[Observation]) -> tuple[list[str], np.ndarray, np.ndarray]:
    fractions = [group_mass_fractions(parse_polymer(o.smiles)) for o in obs]
    groups = sorted({g for f in fractions for g in f})
    x = np.array([[f.get(g, 0.0) for g in groups] for f in fractions])
    return groups, x, np.array([o.value for o in obs])


def fit_theta(x: np.ndarray, y: np.ndarray, prior: float, strength: float) -> np.ndarray:
    """Ridge fit of group temperatures, pulled toward a common prior temperature."""
    n = x.shape[1]
    lhs = x.T @ x + strength * np.eye(n)
    rhs = x.T @ y + strength * prior * np.ones(n)
    return np.linalg.solve(lhs, rhs)


def choose_strength(x: np.ndarray, y: np.ndarray, prior: float) -> float:
    """Ridge strength with the smallest leave-one-out error."""
    best, best_err = 1.0, math.inf
    for strength in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0):
        err = 0.0
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            theta = fit_theta(x[keep], y[keep], prior, strength)
            err += (x[i] @ theta - y[i]) ** 2
        if err < best_err:
            best, best_err = strength, err
    return best


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


def main() -> None:
    today = dt.date.today().isoformat()
    peaks, chars = observations()
    chains = umd_chains()
    runs = {p: simulate_tga(c) for p, c in chains.items()}

    prior = float(np.mean([o.value for o in peaks]))
    groups, x, y = theta_design(peaks)
    strength = choose_strength(x, y, prior)
    theta = fit_theta(x, y, prior, strength)
    fitted_to = "; ".join(sorted({o.origin.split(" (")[0] for o in peaks}))
    names = ", ".join(sorted({o.polymer for o in peaks}))
    with open(resource_path("gc") / "decomposition.csv", "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["group", "theta_K", "source"])
        w.writerow(
            [
                "default",
                f"{prior:.1f}",
                f"mean TGA peak temperature (10 K/min) of the fit set ({names}); "
                f"used for groups absent from it; computed by engine/gc/fit.py ({today})",
            ]
        )
        for g, t in zip(groups, theta, strict=True):
            w.writerow(
                [
                    g,
                    f"{t:.1f}",
                    f"fitted by this project to {fitted_to} ({names}; "
                    f"ridge toward the default, strength {strength}) ({today})",
                ]
            )

    cx, cy = char_design(chars)
    coef = fit_char(cx, cy)
    char_to = "; ".join(sorted({o.origin.split(" (")[0] for o in chars}))
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

    psi = [run.dominant.e / (GAS_CONSTANT * run.peak_k) for run in runs.values()]
    defaults = {
        "dimensionless_activation_energy": (
            median(psi),
            "-",
            "E/(R T_p) of the step that "
            "dominates the simulated 10 K/min TGA peak, median over the UMD sets",
        ),
        "heat_of_reaction": (
            median(r.dominant.heat_of_reaction_j_kg for r in runs.values()),
            "J/kg",
            "heat of reaction of the dominant step, median over the UMD sets",
        ),
        "conductivity": (
            median(c[0].conductivity for c in chains.values()),
            "W/m/K",
            "virgin-polymer conductivity at 27 C, median over the UMD sets",
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
    print(f"decomposition: {len(groups)} groups, prior {prior:.1f} K, ridge {strength}")
    print(f"char: {dict(zip(('bb', 'pend', 'H'), coef.round(4), strict=True))}")
    for name, (value, unit, _) in defaults.items():
        print(f"{name}: {value:.6g} {unit}")


if __name__ == "__main__":
    main()
