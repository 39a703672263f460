"""Scoring predictions of cone tests the way EVALUATION.md asks.

Folds are leave-one-polymer-out: every test of one polymer (one canonical repeat unit,
whatever lab or replicate) is held out together, so a score says how well an unseen
chemistry is predicted. Per target (t_ig, pHRR, THR): mean and median relative error
|ŷ − y| / y, R² of log values, and the curve relative L2 distance where a curve exists;
at 50 kW/m² and over all fluxes. The physics-only method (GC + cone model, no learning,
its fitted GC parts refitted without the held-out polymer) is computed here; the
learned methods plug their predictions into the same scoring.
`EvaluationResults` holds a whole evaluation's held-out predictions and scores them;
`engine.training.evaluate` trains the learned methods fold by fold to fill it.
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

    Held out like the learnt methods: each polymer's GC models (decomposition, flame,
    gasification) are refitted without it (`engine.gc.cone_fit`), since the shipped ones
    were fitted to these very tests. Rows sharing a polymer and condition are simulated
    once.
    """
    from engine.cone.scenario import ConeScenario
    from engine.cone.solver import simulate
    from engine.gc.cone_fit import cone_fit_tests, leave_one_polymer_out_models, shipped_models
    from engine.polymer import parse_polymer

    keys = list(
        dict.fromkeys(
            zip(table["smiles"], table["heat_flux_kw_m2"], table["thickness_mm"], strict=True)
        )
    )
    held_out = leave_one_polymer_out_models(table) if len(cone_fit_tests(table)) else {}
    shipped = shipped_models()
    materials = {}
    for s in dict.fromkeys(k[0] for k in keys):
        polymer = parse_polymer(s)
        materials[s] = held_out.get(polymer.smiles, shipped).material(polymer)
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


# Results of a whole evaluation ---------------------------------------------------------

#: The methods the paper compares, in the order a table lists them.
METHODS = ("physics", "single", "two_phase")
METHOD_LABELS = {"physics": "physics only", "single": "single-phase", "two_phase": "two-phase"}
TARGET_LABELS = {"tig_s": "t_ig", "phrr_kw_m2": "pHRR", "thr_mj_m2": "THR"}


def mean_scores(method: str, per_seed: list[MethodScores]) -> MethodScores:
    """Every metric averaged over seeds: the figure a seed-to-seed comparison quotes."""

    def average(scores: list[TargetScore]) -> TargetScore:
        fields = ("mean_relative_error", "median_relative_error", "r2_log")
        values = {f: [getattr(s, f) for s in scores] for f in fields}
        return TargetScore(
            scores[0].n,
            *(float(np.nanmean(v)) if np.isfinite(v).any() else math.nan
              for v in values.values()),
        )

    curve = [s.curve_l2_mean for s in per_seed if math.isfinite(s.curve_l2_mean)]
    return MethodScores(
        method,
        {t: average([s.all_fluxes[t] for s in per_seed]) for t in TARGETS},
        {t: average([s.at_reference_flux[t] for s in per_seed]) for t in TARGETS},
        float(np.mean(curve)) if curve else math.nan,
        per_seed[0].curve_n,
    )


@dataclass(frozen=True, eq=False)
class EvaluationResults:
    """Held-out predictions of every method, seed and test: the evaluation as an object.

    Like Orange's ``Results``, it keeps the predictions rather than only the scores, so
    the CLI prints a table from it and the interface can plot predicted against measured
    per polymer. ``tests`` holds the evaluated tests (measured targets, condition,
    ``fold``); ``scalars[method]`` is ``(seeds, tests, 3)`` in `TARGETS` order and
    ``curves[method]`` ``(seeds, tests, points)`` on ``time_grid_s``; ``measured_curves``
    has NaN rows where a test has no curve. ``elapsed_s`` is this call's wall time,
    ``compute_s`` the physics and fold time summed over every call that built the
    results, so a resumed run still reports what it cost.
    """

    tests: pd.DataFrame
    measured_curves: np.ndarray
    time_grid_s: np.ndarray
    seeds: tuple[int, ...]
    scalars: dict[str, np.ndarray]
    curves: dict[str, np.ndarray]
    settings: dict
    elapsed_s: float
    compute_s: float

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(m for m in METHODS if m in self.scalars)

    @property
    def folds(self) -> int:
        return int(self.tests["fold"].nunique())

    def seed_scores(self, method: str, seed_index: int) -> MethodScores:
        """Scores of one method with one seed over every held-out test."""
        predicted = pd.DataFrame(
            self.scalars[method][seed_index], columns=list(TARGETS), index=self.tests.index
        )
        has_curve = np.isfinite(self.measured_curves).all(axis=1)
        curves = [
            (self.curves[method][seed_index][i], self.measured_curves[i])
            for i in np.flatnonzero(has_curve)
        ]
        return score_method(method, self.tests, predicted, curves)

    def scores(self, method: str) -> MethodScores:
        """Scores of one method, each metric averaged over the seeds."""
        return mean_scores(
            method, [self.seed_scores(method, k) for k in range(len(self.seeds))]
        )

    def improvement(self) -> dict[str, dict[str, float]]:
        """Two-phase over single-phase, per target: 1 − error(two-phase) / error(single)."""
        two, single = self.scores("two_phase"), self.scores("single")
        return {
            t: {
                "all_fluxes": relative_improvement(two.all_fluxes[t], single.all_fluxes[t]),
                "at_50_kw_m2": relative_improvement(
                    two.at_reference_flux[t], single.at_reference_flux[t]
                ),
            }
            for t in TARGETS
        }

    def predictions_frame(self) -> pd.DataFrame:
        """One row per test, method and seed: measured and predicted values, curve L2."""
        base = self.tests[
            ["fold", "polymer", "smiles", "heat_flux_kw_m2", "thickness_mm", *TARGETS]
        ].reset_index(drop=True)
        base.insert(0, "test", np.arange(len(base)))
        frames = []
        for method in self.methods:
            for k, seed in enumerate(self.seeds):
                frame = base.assign(method=method, seed=seed)
                for j, t in enumerate(TARGETS):
                    frame[f"{t}_predicted"] = self.scalars[method][k][:, j]
                frame["curve_relative_l2"] = [
                    curve_relative_l2(p, y) if np.isfinite(y).all() else math.nan
                    for p, y in zip(self.curves[method][k], self.measured_curves, strict=True)
                ]
                frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def to_json(self) -> dict:
        """Settings, scores (seed mean and per seed) and the improvement, JSON-ready."""
        return {
            "settings": self.settings,
            "tests": len(self.tests),
            "polymers": self.folds,
            "tests_with_curve": int(np.isfinite(self.measured_curves).all(axis=1).sum()),
            "seeds": list(self.seeds),
            "elapsed_s": self.elapsed_s,
            "compute_s": self.compute_s,
            "scores": {m: self.scores(m).to_dict() for m in self.methods},
            "scores_per_seed": {
                m: [self.seed_scores(m, k).to_dict() for k in range(len(self.seeds))]
                for m in self.methods
            },
            "improvement_two_phase_over_single": self.improvement(),
            "paper_improvement": {"tig_s": 0.256, "phrr_kw_m2": 0.512},
        }

    def table(self) -> str:
        """The printed report: one line per method and target, then the improvement."""
        lines = [
            f"Leave-one-polymer-out over {self.folds} polymers, {len(self.tests)} tests, "
            f"seeds {', '.join(map(str, self.seeds))}",
            f"{'method':<14}{'target':<7}"
            f"{'n':>5}{'mean err':>10}{'median':>9}{'R² log':>9}"
            f"{' |':<3}{'n@50':>5}{'mean err':>10}{'median':>9}{'R² log':>9}",
        ]
        for method in self.methods:
            s = self.scores(method)
            for t in TARGETS:
                a, r = s.all_fluxes[t], s.at_reference_flux[t]
                lines.append(
                    f"{METHOD_LABELS[method]:<14}{TARGET_LABELS[t]:<7}"
                    f"{a.n:>5}{_pct(a.mean_relative_error):>10}"
                    f"{_pct(a.median_relative_error):>9}{a.r2_log:>9.3f}"
                    f"{' |':<3}{r.n:>5}{_pct(r.mean_relative_error):>10}"
                    f"{_pct(r.median_relative_error):>9}{r.r2_log:>9.3f}"
                )
            lines.append(
                f"{METHOD_LABELS[method]:<14}{'curve':<7}{s.curve_n:>5}"
                f"{s.curve_l2_mean:>10.3f}  (mean relative L2 of HRR curves)"
            )
        if {"single", "two_phase"} <= set(self.methods):
            gains = self.improvement()
            parts = [
                f"{TARGET_LABELS[t]} {_pct(g['all_fluxes'])} (at 50 kW/m² "
                f"{_pct(g['at_50_kw_m2'])})"
                for t, g in gains.items()
            ]
            lines.append(
                "Two-phase over single-phase (lower mean error): " + "; ".join(parts)
                + ". The paper reports 25.6 % for t_ig and 51.2 % for pHRR."
            )
        return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %" if math.isfinite(value) else "n/a"
