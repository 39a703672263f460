"""Physics-informed predictions: the cone model's answer, corrected by what experiments
taught, with an interval that has been checked on polymers it never saw.

The physics (group contribution + the cone model) already gets t_ig, pHRR and THR of an
unseen polymer to about 20 %; with a dozen tested polymers a learnt model of its own
cannot promise as much. So the learnt part here is a correction to the physics, in log
space, per target:

    log y = log y_physics + β · x,   x = (1, log(q/50 kW/m²), log(L/6 mm), log(y_physics/y_ref))

fitted by ridge regression with each polymer weighing the same (PMMA has 100 tests,
PBT 3), its strength chosen by leave-one-polymer-out among the training polymers —
and "no correction" is one of the candidates, so the method falls back to the physics
whenever correcting does not pay on held-out polymers.

The interval is split conformal on the leave-one-polymer-out residuals: the level-q
quantile of |log(measured / predicted)| over held-out tests, each polymer weighing the
same, widened by the finite-sample factor (1 + 1/polymers). Its coverage is checked,
not assumed: `evaluate_physics_informed` recomputes the quantile without each polymer
and counts how many of that polymer's tests fall inside.

Whether a test ignites is an outcome too: the probability of ignition is the share of
plausible materials (`engine.gc.uncertainty`) that ignite in the cone model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.calibration import (
    DEFAULT_LEVEL,
    MODEL,
    PHYSICS,
    PHYSICS_INFORMED,
    TARGETS,
    Band,
    Calibration,
    TargetCorrection,
    features,
)
from engine.cone.gc_material import cone_material
from engine.cone.material import MaterialError
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate
from engine.gc.cone_fit import GcModels, cone_fit_tests, leave_one_polymer_out_models
from engine.gc.uncertainty import GC_SPREAD, PropertySpread, draw_properties
from engine.polymer import Polymer, parse_polymer
from engine.similarity import nearest

#: Ridge strengths tried; None is no correction at all (the physics as it is).
ALPHAS: tuple[float | None, ...] = (None, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)
#: A measured test counts as ignited when its pHRR reaches this (PC at 25 kW/m² peaks
#: at 7.7 kW/m², PMMA at 15 at 12.3: no flame; every test that ignited peaks above 90).
IGNITION_PHRR_KW_M2 = 50.0
#: Plausible materials per polymer for the probability of ignition.
IGNITION_DRAWS = 24


# --- physics of a table of tests --------------------------------------------------------


def _identity(polymer: Polymer) -> tuple:
    return (polymer.smiles, polymer.mole_fractions)


def physics_of(
    polymers: Sequence[Polymer],
    flux: Sequence[float],
    thickness: Sequence[float],
    models: Mapping[str, GcModels] | GcModels,
    *,
    draws: int = 0,
    spread: PropertySpread = GC_SPREAD,
    seed: int = 0,
    time_grid_s: np.ndarray | None = None,
    backing: str | Sequence[str] = "insulated",
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The cone model for each test, with each structure's GC models (one `GcModels` for
    all, or one per canonical SMILES).

    Columns: the three targets (NaN where the sample does not ignite), ``ignited``, and
    with ``draws`` > 0 ``p_ignition`` (the share of that many plausible materials that
    ignite) and ``<target>_log_sd`` (the spread of the log of each target over the ones
    that ignite). With ``time_grid_s`` also the HRR curves on it (zero after burnout).
    ``backing``: "insulated" or "blanket", for all tests or one per test. Tests sharing a
    polymer and condition are simulated once.
    """
    flux = np.asarray(flux, float)
    thickness = np.asarray(thickness, float)
    backs = [backing] * len(flux) if isinstance(backing, str) else list(backing)
    keys = [(_identity(p), float(f), float(t), b)
            for p, f, t, b in zip(polymers, flux, thickness, backs, strict=True)]
    index: dict[tuple, int] = {}
    rows = np.fromiter((index.setdefault(k, len(index)) for k in keys), np.int64, len(keys))
    unique = list(index)
    by_identity = {_identity(p): p for p in polymers}
    props = {}
    for identity, polymer in by_identity.items():
        chosen = models if isinstance(models, GcModels) else models[polymer.smiles]
        props[identity] = chosen.properties(polymer)
    scenarios = [ConeScenario(cone_material(props[i]), f, t, backing=b) for i, f, t, b in unique]
    if draws:
        rng = np.random.default_rng(seed)
        drawn = {i: _plausible(p, rng, spread, draws) for i, p in props.items()}
        scenarios += [ConeScenario(m, f, t, backing=b)
                      for i, f, t, b in unique for m in drawn[i]]
    # One batch: the solver's threads share the nominal runs and the draws alike, and a
    # run's result does not depend on its batch.
    results = simulate(scenarios)
    nominal, runs = results[: len(unique)], results[len(unique):]
    ignited = np.array([r.ignited for r in nominal], bool)
    columns = {
        "tig_s": [r.tig_s for r in nominal],
        "phrr_kw_m2": [r.metrics.phrr_kw_m2 for r in nominal],
        "thr_mj_m2": [r.metrics.thr_mj_m2 for r in nominal],
    }
    columns = {t: np.where(ignited, np.asarray(v, float), math.nan) for t, v in columns.items()}
    columns["ignited"] = ignited
    if draws:
        lit = np.array([r.ignited for r in runs], bool).reshape(len(unique), draws)
        columns["p_ignition"] = lit.mean(axis=1)
        for target in TARGETS:
            values = np.array([getattr(r.metrics, target) for r in runs], float)
            columns[f"{target}_log_sd"] = _log_spread(values.reshape(len(unique), draws), lit)
    frame = pd.DataFrame({name: values[rows] for name, values in columns.items()})
    if time_grid_s is None:
        return frame, None
    curves = [np.interp(time_grid_s, r.time_s, r.hrr_kw_m2, right=0.0) for r in nominal]
    stacked = np.stack(curves)[rows] if curves else np.zeros((0, len(time_grid_s)))
    return frame, stacked


def _log_spread(values: np.ndarray, lit: np.ndarray) -> np.ndarray:
    """Per row, the standard deviation of the log of the finite, positive values of the
    draws that ignite; NaN with fewer than three."""
    ok = lit & np.isfinite(values) & (values > 0)
    spread = np.full(len(values), math.nan)
    for k in np.flatnonzero(ok.sum(axis=1) >= 3):
        spread[k] = float(np.std(np.log(values[k][ok[k]])))
    return spread


def _plausible(props, rng: np.random.Generator, spread: PropertySpread, draws: int) -> list:
    """``draws`` cone materials drawn around ``props``; a draw the solver would refuse is
    drawn again (at most twice as many tries), so one extreme draw never sinks a
    prediction. Always exactly ``draws`` materials."""
    materials = []
    for _ in range(2 * draws):
        try:
            materials.append(cone_material(draw_properties(props, rng, spread)))
        except MaterialError:
            continue
        if len(materials) == draws:
            break
    if not materials:
        return [cone_material(props)] * draws
    return (materials * draws)[:draws]  # too few accepted: the accepted ones, repeated


def measured_ignition(table: pd.DataFrame) -> np.ndarray:
    """Whether each measured test ignited: a reported t_ig, or a pHRR of a flame."""
    tig = table["tig_s"].to_numpy(float)
    phrr = table["phrr_kw_m2"].to_numpy(float)
    return np.isfinite(tig) | (np.nan_to_num(phrr) >= IGNITION_PHRR_KW_M2)


# --- the correction ------------------------------------------------------------------------


def _ridge(x: np.ndarray, r: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """Weighted ridge; the intercept is not shrunk."""
    penalty = alpha * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    xw = x * w[:, None]
    return np.linalg.solve(x.T @ xw + penalty, xw.T @ r)


def _polymer_weights(groups: np.ndarray) -> np.ndarray:
    """Each polymer weighs one in all, shared by its tests."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


def _fit_one(target, physics, measured, flux, thickness, groups, alpha) -> TargetCorrection:
    if alpha is None:
        return TargetCorrection(target, None, ())
    x = features(target, physics, flux, thickness)
    r = np.log(measured / physics)
    beta = _ridge(x, r, _polymer_weights(groups), alpha)
    return TargetCorrection(target, alpha, tuple(float(b) for b in beta))


def _usable(physics: np.ndarray, measured: np.ndarray) -> np.ndarray:
    return np.isfinite(physics) & np.isfinite(measured) & (physics > 0) & (measured > 0)


def _polymer_error(groups: np.ndarray, error: np.ndarray) -> float:
    """The median over polymers of each polymer's mean |log error|."""
    frame = pd.DataFrame({"g": groups, "e": error})
    return float(frame.groupby("g")["e"].mean().median())


def fit_correction(
    target: str,
    physics: np.ndarray,
    measured: np.ndarray,
    flux: np.ndarray,
    thickness: np.ndarray,
    groups: np.ndarray,
    alphas: Sequence[float | None] = ALPHAS,
) -> TargetCorrection:
    """The correction of one target, its strength chosen by leave-one-polymer-out over
    ``groups`` (rows where physics or measurement is missing are left out)."""
    ok = _usable(physics, measured)
    physics, measured = physics[ok], measured[ok]
    flux, thickness, groups = flux[ok], thickness[ok], groups[ok]
    polymers = np.unique(groups)
    if polymers.size < 3:
        return TargetCorrection(target, None, ())
    scores = {}
    for alpha in alphas:
        errors = np.empty_like(physics)
        for g in polymers:
            held = groups == g
            fitted = _fit_one(target, physics[~held], measured[~held], flux[~held],
                              thickness[~held], groups[~held], alpha)
            predicted = fitted.apply(physics[held], flux[held], thickness[held])
            errors[held] = np.abs(np.log(predicted / measured[held]))
        scores[alpha] = _polymer_error(groups, errors)
    best = min(alphas, key=lambda a: (scores[a], a is not None))
    return _fit_one(target, physics, measured, flux, thickness, groups, best)


# --- intervals --------------------------------------------------------------------------------


def band_from(target: str, log_errors: np.ndarray, groups: np.ndarray) -> Band:
    ok = np.isfinite(log_errors)
    errors, groups = np.abs(log_errors[ok]), groups[ok]
    return Band(target, tuple(float(e) for e in errors),
                tuple(float(w) for w in _polymer_weights(groups)),
                int(np.unique(groups).size))


# --- a whole evaluation ---------------------------------------------------------------------


@dataclass
class PhysicsInformedEvaluation:
    """Held-out predictions of the physics alone and physics-informed, per test row."""

    tests: pd.DataFrame
    physics: pd.DataFrame
    predicted: pd.DataFrame
    corrections: dict[str, dict[str, TargetCorrection]] = field(default_factory=dict)

    def log_errors(self, method: str, target: str) -> np.ndarray:
        source = self.physics if method == "physics" else self.predicted
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(source[target].to_numpy(float) / self.tests[target].to_numpy(float))


def _measured(tests: pd.DataFrame, target: str) -> np.ndarray:
    values = tests[target].to_numpy(float)
    if target != "tig_s":  # a peak or a total of no flame is not a fire to predict
        values = np.where(measured_ignition(tests), values, np.nan)
    return values


def evaluate_physics_informed(tests: pd.DataFrame, *, draws: int = IGNITION_DRAWS,
                              seed: int = 0) -> PhysicsInformedEvaluation:
    """Leave-one-polymer-out: each structure's tests predicted by physics fitted without
    it (`engine.gc.cone_fit`), and by that physics corrected with a correction fitted to
    the other polymers' held-out physics errors."""
    tests = cone_fit_tests(tests)
    models = leave_one_polymer_out_models(tests)
    polymers = {k: parse_polymer(k) for k in tests["key"].unique()}
    physics, _ = physics_of([polymers[k] for k in tests["key"]], tests["heat_flux_kw_m2"],
                            tests["thickness_mm"], models, draws=draws, seed=seed)
    groups = tests["key"].to_numpy()
    flux = tests["heat_flux_kw_m2"].to_numpy(float)
    thickness = tests["thickness_mm"].to_numpy(float)
    predicted = physics.copy()
    corrections: dict[str, dict[str, TargetCorrection]] = {}
    for key in pd.unique(groups):
        held = groups == key
        corrections[key] = {}
        for target in TARGETS:
            values = physics[target].to_numpy(float)
            correction = fit_correction(
                target, values[~held], _measured(tests, target)[~held], flux[~held],
                thickness[~held], groups[~held])
            corrections[key][target] = correction
            predicted.loc[held, target] = correction.apply(values[held], flux[held],
                                                           thickness[held])
    return PhysicsInformedEvaluation(tests.assign(**{t: _measured(tests, t) for t in TARGETS}),
                                     physics, predicted, corrections)


def held_out_coverage(errors: np.ndarray, groups: np.ndarray, level: float) -> float:
    """Share of tests (each polymer weighing the same) inside the interval whose width
    comes from the other polymers' held-out errors only."""
    ok = np.isfinite(errors)
    errors, groups = np.abs(errors[ok]), groups[ok]
    weights = _polymer_weights(groups)
    inside = np.zeros(errors.size, bool)
    for g in np.unique(groups):
        held = groups == g
        band = band_from("", errors[~held], groups[~held])
        inside[held] = errors[held] <= band.half_width(level)
    return float(np.sum(weights * inside) / np.sum(weights))


# --- what ships: the method per target, its correction and its band ------------------------



def _per_polymer_median(errors: np.ndarray, groups: np.ndarray) -> float:
    """The median over polymers of each polymer's median relative error."""
    rel = np.abs(np.expm1(errors))
    ok = np.isfinite(rel)
    return float(pd.Series(rel[ok]).groupby(groups[ok]).median().median())


def _scores(errors: np.ndarray, groups: np.ndarray, level: float) -> dict:
    rel = np.abs(np.expm1(errors))
    ok = np.isfinite(rel)
    return {
        "n": int(ok.sum()),
        "polymers": int(np.unique(groups[ok]).size),
        "median_relative_error": float(np.median(rel[ok])) if ok.any() else math.nan,
        "mean_relative_error": float(np.mean(rel[ok])) if ok.any() else math.nan,
        "median_of_polymer_medians": _per_polymer_median(errors, groups),
        "coverage": held_out_coverage(errors, groups, level),
    }


def replicate_scatter(tests: pd.DataFrame) -> dict:
    """The noise floor: per polymer and condition with two or more tests, the median
    |log(y / geometric mean of the group)|, then the median over such groups."""
    out = {}
    rounded = tests.assign(_t=tests["thickness_mm"].round(0))
    for target in TARGETS:
        spreads = []
        for _, group in rounded.groupby(["key", "heat_flux_kw_m2", "_t"]):
            values = group[target].to_numpy(float)
            values = values[np.isfinite(values) & (values > 0)]
            if values.size >= 2:
                logs = np.log(values)
                spreads.append(float(np.median(np.abs(logs - logs.mean()))))
        out[target] = {
            "groups": len(spreads),
            "median_relative_scatter": float(np.expm1(np.median(spreads))) if spreads else None,
        }
    return out


def leave_one_lab_out(evaluation: PhysicsInformedEvaluation, polymer: str = "PMMA") -> dict:
    """For each laboratory that tested ``polymer``: its tests predicted by the physics
    (fitted without the polymer) and by a correction fitted to every other polymer and
    to the other laboratories' tests of it. How much of the error is the lab."""
    tests, physics = evaluation.tests, evaluation.physics
    mine = (tests["polymer"] == polymer).to_numpy()
    labs = tests.loc[mine, "lab"].astype(str) if "lab" in tests else pd.Series(dtype=str)
    if labs.nunique() < 2:
        return {"polymer": polymer, "labs": {}, "median_over_labs": {},
                "note": f"fewer than two laboratories tested {polymer} in these data"}
    groups = tests["key"].to_numpy().astype(object)
    # the other labs' tests of the polymer are a group of their own in the fit
    flux = tests["heat_flux_kw_m2"].to_numpy(float)
    thickness = tests["thickness_mm"].to_numpy(float)
    per_lab = {}
    for lab in sorted(labs.unique()):
        held = mine & (tests["lab"].astype(str) == lab).to_numpy()
        fit_groups = np.where(mine, "lab:" + tests["lab"].astype(str), groups)
        row = {"tests": int(held.sum())}
        for target in TARGETS:
            values = physics[target].to_numpy(float)
            measured = tests[target].to_numpy(float)
            correction = fit_correction(target, values[~held], measured[~held], flux[~held],
                                        thickness[~held], fit_groups[~held])
            predicted = correction.apply(values[held], flux[held], thickness[held])
            with np.errstate(invalid="ignore", divide="ignore"):
                for name, p in ((PHYSICS, values[held]), (PHYSICS_INFORMED, predicted)):
                    rel = np.abs(p / measured[held] - 1.0)
                    rel = rel[np.isfinite(rel)]
                    row[f"{name}_{target}"] = float(np.median(rel)) if rel.size else None
        per_lab[lab] = row
    summary = {}
    for name in (PHYSICS, PHYSICS_INFORMED):
        for target in TARGETS:
            values = [r[f"{name}_{target}"] for r in per_lab.values()
                      if r[f"{name}_{target}"] is not None]
            summary[f"{name}_{target}"] = float(np.median(values)) if values else None
    return {"polymer": polymer, "labs": per_lab, "median_over_labs": summary}


def learnt_predictions(tests: pd.DataFrame, predictions: pd.DataFrame,
                       method: str = "two_phase") -> pd.DataFrame:
    """The learnt ensemble's held-out predictions (``trinity evaluate``'s predictions.csv,
    the mean over seeds) matched to the rows of ``tests``: a frame of the three targets,
    NaN where a test was not evaluated."""
    rows = predictions[predictions["method"] == method]
    mean = rows.groupby("test").agg(
        smiles=("smiles", "first"), heat_flux_kw_m2=("heat_flux_kw_m2", "first"),
        thickness_mm=("thickness_mm", "first"),
        **{t: (t, "first") for t in TARGETS},
        **{f"{t}_predicted": (f"{t}_predicted", "mean") for t in TARGETS})
    keys = {s: parse_polymer(s).smiles for s in mean["smiles"].unique()}
    mean = mean.assign(key=mean["smiles"].map(keys))
    on = ["key", "heat_flux_kw_m2", "thickness_mm", *TARGETS]
    left = tests[on].copy()
    for frame in (left, mean):
        for column in on[1:]:
            frame[column] = frame[column].astype(float).round(6)
    merged = left.merge(mean.drop_duplicates(on)[[*on, *(f"{t}_predicted" for t in TARGETS)]],
                        on=on, how="left")
    return pd.DataFrame({t: merged[f"{t}_predicted"].to_numpy(float) for t in TARGETS})


def build_calibration(tests: pd.DataFrame, *, level: float = DEFAULT_LEVEL,
                      evaluation: PhysicsInformedEvaluation | None = None,
                      learnt: pd.DataFrame | None = None) -> Calibration:
    """Evaluate physics and physics-informed on held-out polymers, keep per target the
    better, fit its correction to every polymer, and keep its held-out errors as the band.

    A challenger displaces the physics only if it is better on unseen polymers (the
    median over polymers of each polymer's median error) and no worse over the tests
    (their median): with a dozen polymers one measure alone moves with a single polymer,
    and on a tie the physics, with fewer moving parts, stays.

    ``learnt``: the learnt model's held-out predictions of the same tests
    (`learnt_predictions`); it is then a candidate too ("model"), and ships for a target
    only where it beats both on the same held-out polymers and covers every test the
    physics does."""
    evaluation = evaluation or evaluate_physics_informed(tests)
    tests_e = evaluation.tests
    groups = tests_e["key"].to_numpy()
    flux = tests_e["heat_flux_kw_m2"].to_numpy(float)
    thickness = tests_e["thickness_mm"].to_numpy(float)
    methods, corrections, bands, scores = {}, {}, {}, {}
    for target in TARGETS:
        errors = {m: evaluation.log_errors(m, target) for m in (PHYSICS, PHYSICS_INFORMED)}
        if learnt is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                errors[MODEL] = np.log(learnt[target].to_numpy(float)
                                       / tests_e[target].to_numpy(float))
        scores[target] = {m: _scores(e, groups, level) for m, e in errors.items()}

        def beats(m: str, incumbent: str, target: str = target) -> bool:
            """Better on unseen polymers (each polymer's median, their median) and no
            worse over the tests, on every test the incumbent predicts."""
            mine, theirs = scores[target][m], scores[target][incumbent]
            return (mine["median_of_polymer_medians"] < theirs["median_of_polymer_medians"]
                    and mine["median_relative_error"] <= theirs["median_relative_error"]
                    and mine["n"] >= theirs["n"])

        method = PHYSICS_INFORMED if beats(PHYSICS_INFORMED, PHYSICS) else PHYSICS
        if learnt is not None and beats(MODEL, method):
            method = MODEL
        methods[target] = method
        if method == PHYSICS_INFORMED:
            physics = evaluation.physics[target].to_numpy(float)
            corrections[target] = fit_correction(
                target, physics, tests_e[target].to_numpy(float), flux, thickness, groups)
        else:
            corrections[target] = TargetCorrection(target, None, ())
        bands[target] = band_from(target, errors[method], groups)
    ignited = measured_ignition(tests_e)
    p = evaluation.physics.get("p_ignition")
    summary = {
        "what": "leave-one-polymer-out on the shipped cone tests: each polymer's tests "
        "predicted by GC models fitted without it, and by a correction fitted to the other "
        "polymers; coverage of each interval from the other polymers' errors only",
        "tests": len(tests_e),
        "polymers": int(np.unique(groups).size),
        "level": level,
        "scores": scores,
        "replicate_scatter": replicate_scatter(tests_e),
        "leave_one_lab_out": leave_one_lab_out(evaluation),
        "tested_polymers": dict(zip(tests_e["polymer"], tests_e["key"], strict=True)),
        "ignition": {
            "tests": len(ignited),
            "measured_not_ignited": int((~ignited).sum()),
            "brier": float(np.mean((p.to_numpy(float) - ignited) ** 2)) if p is not None else None,
        },
    }
    return Calibration(methods, corrections, bands, level, summary)


# --- predicting new tests ---------------------------------------------------------------------

#: Below this Tanimoto similarity (Morgan radius 2, 2048 bits, ``*`` as a dummy atom) to
#: every tested polymer a chemistry is flagged: the interval was calibrated on polymers
#: unlike it. PET and PBT are 0.80 alike, PMMA and PS 0.09; this project's choice.
CHEMISTRY_SIMILARITY = 0.3


def chemistry_flag(smiles: str, tested: Mapping[str, str]) -> str:
    """A sentence when ``smiles`` is unlike every tested polymer (``name → SMILES``)."""
    if not tested:
        return ""
    name, alike = nearest(smiles, tested)
    if alike >= CHEMISTRY_SIMILARITY:
        return ""
    return (f"chemistry unlike every tested polymer (nearest {name}, similarity "
            f"{alike:.2f}): the interval may not hold")


def _agreeing_curve(time_s: np.ndarray, hrr: np.ndarray, physics: dict, corrected: dict):
    """The physics curve moved to agree with corrected scalars: shifted to the corrected
    t_ig, scaled to the corrected peak, stretched after ignition to the corrected THR."""
    tig_p, tig_c = physics["tig_s"], corrected["tig_s"]
    if not (np.isfinite(tig_p) and np.isfinite(tig_c)):
        return hrr
    scale = corrected["phrr_kw_m2"] / physics["phrr_kw_m2"]
    stretch = corrected["thr_mj_m2"] / (physics["thr_mj_m2"] * scale)
    if not (np.isfinite(scale) and np.isfinite(stretch) and scale > 0 and stretch > 0):
        return hrr
    source = np.where(time_s < tig_c, time_s - tig_c + tig_p, tig_p + (time_s - tig_c) / stretch)
    return scale * np.interp(source, time_s, hrr, left=0.0, right=0.0)


@dataclass(frozen=True, eq=False)
class Forecast:
    """Physics-informed predictions of tests: per target the value, its interval and
    spread, the probability of ignition, the HRR curve and its band."""

    values: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    std: dict[str, np.ndarray]
    p_ignition: np.ndarray
    hrr_kw_m2: np.ndarray
    hrr_kw_m2_low: np.ndarray
    hrr_kw_m2_high: np.ndarray
    level: float


def forecast(
    polymers: Sequence[Polymer],
    flux: Sequence[float],
    thickness: Sequence[float],
    calibration: Calibration,
    time_grid_s: np.ndarray,
    *,
    level: float | None = None,
    models: GcModels | None = None,
    draws: int = IGNITION_DRAWS,
    seed: int = 0,
    fixed: Mapping[str, np.ndarray] | None = None,
    backing: str | Sequence[str] = "insulated",
) -> Forecast:
    """Each test by the calibrated method: the physics (shipped GC models unless
    ``models``), its correction where one ships, the held-out interval at ``level``
    (the calibration's default if None). t_ig is NaN where ignition is not expected
    (probability below one half); pHRR and THR are then those of no flame, 0.

    ``fixed``: values of targets another method predicts (the learnt model); they are
    taken as they are (their bounds are the caller's), and the curve is moved to agree
    with them too."""
    from engine.gc.cone_fit import shipped_models

    level = calibration.default_level if level is None else level
    flux = np.asarray(flux, float)
    thickness = np.asarray(thickness, float)
    physics, curves = physics_of(polymers, flux, thickness, models or shipped_models(),
                                 draws=draws, seed=seed, time_grid_s=time_grid_s,
                                 backing=backing)
    n = len(physics)
    values, low, high, std = {}, {}, {}, {}
    fixed = fixed or {}
    for target in TARGETS:
        raw = physics[target].to_numpy(float)
        value = (np.asarray(fixed[target], float) if target in fixed
                 else calibration.corrections[target].apply(raw, flux, thickness))
        width = calibration.bands[target].half_width(level)
        values[target] = value
        low[target], high[target] = value * np.exp(-width), value * np.exp(width)
        spread = physics[f"{target}_log_sd"].to_numpy(float) if draws else np.full(n, np.nan)
        std[target] = value * spread
    p = physics["p_ignition"].to_numpy(float) if draws else physics["ignited"].to_numpy(float)
    lit = (p >= 0.5) & physics["ignited"].to_numpy(bool)
    for target in TARGETS:
        if target == "tig_s":
            for d in (values, low, high, std):
                d[target] = np.where(lit, d[target], np.nan)
        else:
            for d in (values, low, high, std):
                d[target] = np.where(lit, d[target], 0.0)
    raw = {t: physics[t].to_numpy(float) for t in TARGETS}
    agreeing = np.zeros((n, len(time_grid_s)))
    for i in np.flatnonzero(lit):
        agreeing[i] = _agreeing_curve(time_grid_s, curves[i], {t: raw[t][i] for t in TARGETS},
                                      {t: values[t][i] for t in TARGETS})
    width = calibration.bands["phrr_kw_m2"].half_width(level)
    return Forecast(values, low, high, std, p, agreeing, agreeing * np.exp(-width),
                    agreeing * np.exp(width), level)


# --- the report a scientist reads ------------------------------------------------------------


def held_out_table(evaluation: PhysicsInformedEvaluation, calibration: Calibration,
                   learnt: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per test: measured, each method's held-out prediction, and the shipped method's
    interval with its width taken from the other polymers only (so ``inside`` is an
    honest check of coverage)."""
    tests = evaluation.tests
    groups = tests["key"].to_numpy()
    level = calibration.default_level
    columns = [c for c in ("polymer", "key", "lab", "heat_flux_kw_m2", "thickness_mm")
               if c in tests]
    out = tests[columns].copy()
    out["p_ignition"] = evaluation.physics.get("p_ignition")
    out["ignited"] = measured_ignition(tests)
    for target in TARGETS:
        method = calibration.methods[target]
        out[f"{target}_measured"] = tests[target].to_numpy(float)
        out[f"{target}_{PHYSICS}"] = evaluation.physics[target].to_numpy(float)
        out[f"{target}_{PHYSICS_INFORMED}"] = evaluation.predicted[target].to_numpy(float)
        if learnt is not None:
            out[f"{target}_{MODEL}"] = learnt[target].to_numpy(float)
        value = out[f"{target}_{method}"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            errors = np.abs(np.log(value / out[f"{target}_measured"].to_numpy(float)))
        low, high = np.full(len(out), np.nan), np.full(len(out), np.nan)
        for g in np.unique(groups):
            held = groups == g
            width = band_from(target, errors[~held], groups[~held]).half_width(level)
            low[held], high[held] = value[held] * np.exp(-width), value[held] * np.exp(width)
        out[f"{target}_low"], out[f"{target}_high"] = low, high
        measured = out[f"{target}_measured"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            out[f"{target}_inside"] = np.where(np.isfinite(measured) & np.isfinite(value),
                                               (measured >= low) & (measured <= high), np.nan)
    return out


def write_parity_plots(table: pd.DataFrame, calibration: Calibration, folder: Path) -> list[Path]:
    """One PNG per target: held-out prediction (with its interval) against measurement,
    log axes, one colour per polymer. Needs matplotlib (Trinity's report extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError(
            "Parity plots need matplotlib; install it with Trinity's report extra "
            "(pip install 'trinity-fire[report]')."
        ) from None
    labels = {"tig_s": "t_ig (s)", "phrr_kw_m2": "pHRR (kW/m²)", "thr_mj_m2": "THR (MJ/m²)"}
    written = []
    for target in TARGETS:
        method = calibration.methods[target]
        measured = table[f"{target}_measured"].to_numpy(float)
        predicted = table[f"{target}_{method}"].to_numpy(float)
        ok = np.isfinite(measured) & np.isfinite(predicted) & (measured > 0) & (predicted > 0)
        figure, axes = plt.subplots(figsize=(5.5, 5.0), dpi=120)
        colours = plt.get_cmap("tab20").colors
        for k, (polymer, rows) in enumerate(table[ok].groupby("polymer")):
            index = rows.index.to_numpy()
            y = predicted[index]
            axes.errorbar(measured[index], y,
                          yerr=[y - table.loc[index, f"{target}_low"],
                                table.loc[index, f"{target}_high"] - y],
                          fmt="os^Dv"[k % 5], ms=4, alpha=0.75, elinewidth=0.6,
                          color=colours[k % len(colours)], label=polymer)
        if ok.any():
            span = [min(measured[ok].min(), predicted[ok].min()) / 1.3,
                    max(measured[ok].max(), predicted[ok].max()) * 1.3]
            axes.plot(span, span, color="black", lw=0.8)
            axes.set_xlim(span)
            axes.set_ylim(span)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel(f"measured {labels[target]}")
        axes.set_ylabel(f"predicted {labels[target]}, held out ({method.replace('_', '-')})")
        axes.set_title(f"{labels[target]}: {calibration.default_level:.0%} intervals, "
                       "leave one polymer out", fontsize=9)
        axes.legend(fontsize=6, ncol=2, loc="upper left")
        figure.tight_layout()
        path = folder / f"parity_{target}.png"
        tmp = path.with_name(path.stem + ".tmp.png")
        figure.savefig(tmp)
        plt.close(figure)
        tmp.replace(path)
        written.append(path)
    return written


def evaluation_tests(data: str | Path = "shipped") -> pd.DataFrame:
    """The cone tests an evaluation scores: the shipped ones (``"shipped"``), or the
    good rows of an experimental CSV (`engine.datasets.import_experimental_csv`)."""
    from engine.datasets import import_experimental_csv, shipped_tests

    if str(data) == "shipped":
        return shipped_tests()
    accepted = import_experimental_csv(data).accepted
    return accepted.assign(lab=accepted.get("lab", ""))
