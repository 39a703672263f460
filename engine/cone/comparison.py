"""One polymer at one cone condition: simulated, predicted and measured side by side.

`compare` is what the desktop cone view runs on a worker thread each time a setting
changes: it simulates the test, asks the predictor (duck-typed: anything with
``predict([smiles], heat_flux_kw_m2, thickness_mm)``), finds the experiments of the same
polymer at the same condition and reads their curves. A failure of one part becomes a
message on the result, so the others still show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from engine.cone.export import result_table
from engine.cone.material import ConeMaterial
from engine.cone.measured import CurveFileError, MeasuredCurve, read_cone_curve
from engine.cone.result import ConeResult
from engine.cone.scenario import ConeScenario, ScenarioError
from engine.cone.solver import simulate_one
from engine.polymer import Polymer

FLUX_TOLERANCE_KW_M2 = 1.0
#: Nominal and measured thicknesses of one specimen batch differ by a few per cent.
THICKNESS_TOLERANCE = 0.10


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation (nan for fewer than two values) of n values."""

    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values) -> Spread:
        finite = np.asarray([v for v in values if v is not None], dtype=float)
        finite = finite[np.isfinite(finite)]
        if finite.size == 0:
            return cls(math.nan, math.nan, 0)
        std = float(np.std(finite, ddof=1)) if finite.size > 1 else math.nan
        return cls(float(np.mean(finite)), std, int(finite.size))


@dataclass(frozen=True)
class ComparedMetrics:
    """The four numbers the cone view compares, each as a spread."""

    tig_s: Spread
    phrr_kw_m2: Spread
    t_phrr_s: Spread
    thr_mj_m2: Spread


@dataclass(frozen=True, eq=False)
class PredictedCurve:
    """The predictor's answer for one polymer: mean curve, its std, and scalar metrics."""

    time_s: np.ndarray
    hrr_kw_m2: np.ndarray
    hrr_kw_m2_std: np.ndarray
    metrics: ComparedMetrics

    @classmethod
    def from_prediction(cls, prediction, index: int = 0) -> PredictedCurve:
        """Row ``index`` of a predictor's batch answer; t_pHRR is the peak of the mean curve."""
        time = np.asarray(prediction.time_s, dtype=float)
        hrr = np.asarray(prediction.hrr_kw_m2, dtype=float)[index]

        def spread(name: str) -> Spread:
            mean = float(np.asarray(getattr(prediction, name))[index])
            std = float(np.asarray(getattr(prediction, f"{name}_std"))[index])
            return Spread(mean, std, 1)

        peak = Spread(float(time[int(np.argmax(hrr))]), math.nan, 1)
        metrics = ComparedMetrics(spread("tig_s"), spread("phrr_kw_m2"), peak, spread("thr_mj_m2"))
        std = np.asarray(prediction.hrr_kw_m2_std, dtype=float)[index]
        return cls(time, hrr, std, metrics)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Everything the cone view shows for one setting; errors are one-sentence messages."""

    scenario: ConeScenario | None
    simulated: ConeResult | None = None
    simulation_error: str = ""
    predicted: PredictedCurve | None = None
    prediction_error: str = ""
    experiments: pd.DataFrame = field(default_factory=pd.DataFrame)
    measured: tuple[MeasuredCurve, ...] = ()
    measured_metrics: ComparedMetrics | None = None


def simulated_metrics(result: ConeResult) -> ComparedMetrics:
    m = result.metrics
    one = [Spread(v, math.nan, 1) for v in (m.tig_s, m.phrr_kw_m2, m.t_phrr_s, m.thr_mj_m2)]
    return ComparedMetrics(*one)


def matching_experiments(
    experiments: pd.DataFrame, polymer: Polymer, heat_flux_kw_m2: float, thickness_mm: float
) -> pd.DataFrame:
    """Rows of the same polymer (canonical SMILES, or name) at the same flux and thickness."""
    if experiments.empty:
        return experiments
    same = experiments["smiles"] == polymer.smiles
    if polymer.name:
        same |= experiments["polymer"].str.casefold() == polymer.name.casefold()
    flux = (experiments["heat_flux_kw_m2"] - heat_flux_kw_m2).abs() <= FLUX_TOLERANCE_KW_M2
    thick = (experiments["thickness_mm"] - thickness_mm).abs() <= THICKNESS_TOLERANCE * (
        thickness_mm
    )
    return experiments[same & flux & thick]


def measured_metrics(rows: pd.DataFrame, curves: dict[str, MeasuredCurve]) -> ComparedMetrics:
    """Reported values of each test, falling back on its curve's metrics where missing."""
    values: dict[str, list[float]] = {
        "tig_s": [],
        "phrr_kw_m2": [],
        "t_phrr_s": [],
        "thr_mj_m2": [],
    }
    for row in rows.to_dict(orient="records"):
        curve = curves.get(row["curve_file"]) if isinstance(row["curve_file"], str) else None
        fallback = curve.metrics if curve else None
        for name, from_curve in (
            ("tig_s", "tig_s"),
            ("phrr_kw_m2", "phrr_kw_m2"),
            ("thr_mj_m2", "thr_raw_mj_m2"),
        ):
            value = row[name]
            if (value is None or not math.isfinite(value)) and fallback:
                value = getattr(fallback, from_curve)
            values[name].append(value)
        if fallback:
            values["t_phrr_s"].append(fallback.t_phrr_s)
    return ComparedMetrics(**{name: Spread.of(v) for name, v in values.items()})


def compare(
    *,
    polymer: Polymer,
    material: ConeMaterial,
    heat_flux_kw_m2: float,
    thickness_mm: float,
    flame_flux_kw_m2: float,
    backing: str,
    predictor=None,
    experiments: pd.DataFrame | None = None,
) -> Comparison:
    """Simulate, predict and look up experiments for one polymer at one condition."""
    try:
        scenario = ConeScenario(
            material,
            heat_flux_kw_m2,
            thickness_mm,
            flame_flux_kw_m2=flame_flux_kw_m2,
            backing=backing,
        )
    except ScenarioError as exc:
        return Comparison(None, simulation_error=str(exc))
    simulated = simulate_one(scenario)
    error = "" if simulated.ok else simulated.message
    predicted, prediction_error = None, ""
    if predictor is not None:
        try:
            answer = predictor.predict([polymer.smiles], heat_flux_kw_m2, thickness_mm)
            predicted = PredictedCurve.from_prediction(answer)
        except Exception as exc:  # a foreign model: any failure becomes its message
            prediction_error = str(exc)
    rows = matching_experiments(
        experiments if experiments is not None else pd.DataFrame(),
        polymer,
        heat_flux_kw_m2,
        thickness_mm,
    )
    curves = {}
    for path in rows.get("curve_file", pd.Series(dtype=object)).dropna():
        try:
            curves[path] = _read_curve(path)
        except CurveFileError:
            continue  # the row's reported values still count
    return Comparison(
        scenario,
        simulated,
        error,
        predicted,
        prediction_error,
        rows,
        tuple(curves.values()),
        measured_metrics(rows, curves) if len(rows) else None,
    )


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """All curves of a comparison side by side, one column group per curve.

    Curves have their own time bases and lengths, so shorter groups end in empty cells.
    """
    parts = []
    if comparison.simulated is not None:
        parts.append(result_table(comparison.simulated).add_prefix("simulated_"))
    if comparison.predicted is not None:
        p = comparison.predicted
        parts.append(
            pd.DataFrame(
                {
                    "predicted_time_s": p.time_s,
                    "predicted_hrr_kw_m2": p.hrr_kw_m2,
                    "predicted_hrr_kw_m2_std": p.hrr_kw_m2_std,
                }
            )
        )
    for curve in comparison.measured:
        name = f"measured_{Path(curve.source).stem}"
        parts.append(
            pd.DataFrame({f"{name}_time_s": curve.time_s, f"{name}_hrr_kw_m2": curve.hrr_kw_m2})
        )
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, axis=1)


@lru_cache(maxsize=256)
def _read_curve(path: str) -> MeasuredCurve:
    """Curves are read again and again as the flux changes; files do not change meanwhile."""
    return read_cone_curve(path)
