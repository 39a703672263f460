"""Scoring predictions of cone tests the way EVALUATION.md asks.

Folds are leave-one-polymer-out: every test of one polymer (one canonical repeat unit,
whatever lab or replicate) is held out together, so a score says how well an unseen
chemistry is predicted. Per target (t_ig, pHRR, THR): mean and median relative error
|ŷ − y| / y, R² of log values, and the curve relative L2 distance where a curve exists;
at 50 kW/m² and over all fluxes. The physics-only method (GC + cone model, no learning)
is computed here; the learned methods plug their predictions into the same scoring.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

TARGETS = ("tig_s", "phrr_kw_m2", "thr_mj_m2")
REFERENCE_FLUX_KW_M2 = 50.0


@dataclass(frozen=True)
class Fold:
    """One leave-one-polymer-out split: row positions of train and test."""

    polymer: str
    train: np.ndarray
    test: np.ndarray


def polymer_folds(table: pd.DataFrame, key: str = "smiles") -> Iterator[Fold]:
    """One fold per distinct ``key`` (canonical SMILES): its rows are the test set."""
    groups = table[key].to_numpy()
    for value in pd.unique(groups):
        test = np.flatnonzero(groups == value)
        train = np.flatnonzero(groups != value)
        names = table.iloc[test].get("polymer", pd.Series([value]))
        yield Fold(str(names.iloc[0]), train, test)


@dataclass(frozen=True)
class TargetScore:
    """Errors of one target over the rows where both prediction and truth exist."""

    n: int
    mean_relative_error: float
    median_relative_error: float
    r2_log: float


def score_target(predicted: np.ndarray, measured: np.ndarray) -> TargetScore:
    """Relative errors and R² of log values (nan where fewer than two pairs)."""
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(measured, dtype=float)
    ok = np.isfinite(p) & np.isfinite(y) & (y > 0) & (p > 0)
    p, y = p[ok], y[ok]
    if p.size == 0:
        return TargetScore(0, math.nan, math.nan, math.nan)
    rel = np.abs(p - y) / y
    r2 = math.nan
    if p.size >= 2:
        ly, lp = np.log(y), np.log(p)
        total = float(np.sum((ly - ly.mean()) ** 2))
        r2 = 1.0 - float(np.sum((ly - lp) ** 2)) / total if total > 0 else math.nan
    return TargetScore(int(p.size), float(rel.mean()), float(np.median(rel)), r2)


def curve_relative_l2(predicted: np.ndarray, measured: np.ndarray) -> float:
    """‖ŷ − y‖₂ / ‖y‖₂ over the samples both curves have (the paper's LpLoss, p = 2)."""
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(measured, dtype=float)
    ok = np.isfinite(p) & np.isfinite(y)
    norm = float(np.linalg.norm(y[ok]))
    return float(np.linalg.norm(p[ok] - y[ok]) / norm) if norm > 0 else math.nan


@dataclass(frozen=True)
class MethodScores:
    """Scores of one method: per target, at 50 kW/m² and over all fluxes, and curves."""

    method: str
    all_fluxes: dict[str, TargetScore]
    at_reference_flux: dict[str, TargetScore]
    curve_l2_mean: float
    curve_n: int

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "all_fluxes": {k: asdict(v) for k, v in self.all_fluxes.items()},
            "at_50_kw_m2": {k: asdict(v) for k, v in self.at_reference_flux.items()},
            "curve_l2_mean": self.curve_l2_mean,
            "curve_n": self.curve_n,
        }


def score_method(
    method: str,
    measured: pd.DataFrame,
    predicted: pd.DataFrame,
    curves: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> MethodScores:
    """Score aligned tables (same rows, columns named as `TARGETS`)."""
    at_ref = np.isclose(measured["heat_flux_kw_m2"].to_numpy(float), REFERENCE_FLUX_KW_M2)
    overall = {t: score_target(predicted[t], measured[t]) for t in TARGETS}
    reference = {t: score_target(predicted[t][at_ref], measured[t][at_ref]) for t in TARGETS}
    l2 = [curve_relative_l2(p, y) for p, y in (curves or [])]
    l2 = [v for v in l2 if math.isfinite(v)]
    return MethodScores(method, overall, reference, float(np.mean(l2)) if l2 else math.nan, len(l2))


def relative_improvement(better: TargetScore, baseline: TargetScore) -> float:
    """How much lower the mean relative error is, as the paper reports it (fraction)."""
    if not (baseline.mean_relative_error > 0):
        return math.nan
    return 1.0 - better.mean_relative_error / baseline.mean_relative_error


def physics_predictions(table: pd.DataFrame, time_grid_s: np.ndarray) -> tuple[pd.DataFrame, list]:
    """GC + cone model predictions for each row (no learning): scalars and curves on the grid.

    Rows sharing a polymer and condition are simulated once.
    """
    from engine.cone.gc_material import cone_material
    from engine.cone.scenario import ConeScenario
    from engine.cone.solver import simulate
    from engine.gc.properties import estimate_properties
    from engine.polymer import parse_polymer

    keys = list(
        dict.fromkeys(
            zip(table["smiles"], table["heat_flux_kw_m2"], table["thickness_mm"], strict=True)
        )
    )
    materials = {
        s: cone_material(estimate_properties(parse_polymer(s)))
        for s in dict.fromkeys(k[0] for k in keys)
    }
    duration = float(time_grid_s[-1])
    results = simulate(
        [
            ConeScenario(
                material=materials[s],
                heat_flux_kw_m2=float(f),
                thickness_mm=float(t),
                duration_s=duration,
            )
            for s, f, t in keys
        ]
    )
    by_key = dict(zip(keys, results, strict=True))
    rows, curves = [], []
    for s, f, t in zip(
        table["smiles"], table["heat_flux_kw_m2"], table["thickness_mm"], strict=True
    ):
        r = by_key[(s, f, t)]
        rows.append(
            {
                "tig_s": r.metrics.tig_s,
                "phrr_kw_m2": r.metrics.phrr_kw_m2,
                "thr_mj_m2": r.metrics.thr_mj_m2,
            }
        )
        curves.append(np.interp(time_grid_s, r.time_s, r.hrr_kw_m2, right=0.0))
    return pd.DataFrame(rows, index=table.index), curves
