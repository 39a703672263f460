"""One polymer at one cone condition: simulated, predicted and measured side by side.

`compare` is what the desktop cone view runs on a worker thread each time a setting
changes: it simulates the test, asks the predictor (duck-typed: anything with
``predict([smiles], heat_flux_kw_m2, thickness_mm)``), finds the experiments of the same
polymer at the same condition and reads their curves. A failure of one part becomes a
message on the result, so the others still show.
"""

from __future__ import annotations

import inspect
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
from engine.outputs import write_text
from engine.polymer import Polymer
from engine.quantities import resolution, round_frame

FLUX_TOLERANCE_KW_M2 = 1.0
#: The common time step of `comparison_table`: the simulation's own output step.
TIME_STEP_S = 1.0
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
    """The predictor's answer for one polymer: curve, its spread and interval, metrics.

    ``hrr_kw_m2_low``/``_high`` bound the curve's interval and ``interval`` says what it
    is ("80% interval, calibrated on held-out polymers …"); a predictor without them
    leaves the std band alone. ``p_ignition`` is NaN where the predictor does not say.
    """

    time_s: np.ndarray
    hrr_kw_m2: np.ndarray
    hrr_kw_m2_std: np.ndarray
    metrics: ComparedMetrics
    hrr_kw_m2_low: np.ndarray | None = None
    hrr_kw_m2_high: np.ndarray | None = None
    interval: str = ""
    p_ignition: float = math.nan
    extrapolation: str = ""
    bounds: dict = field(default_factory=dict)
    """(low, high) of each scalar's interval, where the predictor gives one."""

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
        low = getattr(prediction, "hrr_kw_m2_low", None)
        high = getattr(prediction, "hrr_kw_m2_high", None)
        p = getattr(prediction, "p_ignition", None)
        return cls(
            time, hrr, std, metrics,
            hrr_kw_m2_low=None if low is None else np.asarray(low, dtype=float)[index],
            hrr_kw_m2_high=None if high is None else np.asarray(high, dtype=float)[index],
            interval=getattr(prediction, "interval", ""),
            p_ignition=math.nan if p is None else float(np.asarray(p)[index]),
            extrapolation=(getattr(prediction, "extrapolation", ()) or ("",))[index],
            bounds={
                name: (float(np.asarray(low)[index]), float(np.asarray(high)[index]))
                for name in ("tig_s", "phrr_kw_m2", "thr_mj_m2")
                if (low := getattr(prediction, f"{name}_low", None)) is not None
                and (high := getattr(prediction, f"{name}_high", None)) is not None
            },
        )


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
            answer = (
                predictor.predict([polymer.smiles], heat_flux_kw_m2, thickness_mm,
                                  backing=backing)
                if "backing" in inspect.signature(predictor.predict).parameters
                else predictor.predict([polymer.smiles], heat_flux_kw_m2, thickness_mm)
            )
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


def comparison_table(comparison: Comparison, step_s: float = TIME_STEP_S) -> pd.DataFrame:
    """All curves of a comparison on one time base: ``time_s`` from 0 in ``step_s`` steps
    to the end of the longest curve, one column per quantity of each curve.

    The curves come on different times: the simulation every output interval (1 s), the
    prediction on the model's grid (5 s), each measured curve on its instrument's own,
    often uneven, times. Side by side with a time column each, one row of the table
    mixed times, which a spreadsheet user reads as simultaneous. Here each curve is
    interpolated linearly onto the common times (the simulation's own outputs fall on
    them exactly); a curve is empty outside its own time span, never extrapolated.
    `write_comparison_csv` says so in the file.
    """
    curves: list[tuple[str, np.ndarray, np.ndarray]] = []
    if comparison.simulated is not None:
        sim = result_table(comparison.simulated)
        for name in sim.columns.drop("time_s"):
            curves.append((f"simulated_{name}", sim["time_s"].to_numpy(), sim[name].to_numpy()))
    if comparison.predicted is not None:
        p = comparison.predicted
        curves.append(("predicted_hrr_kw_m2", p.time_s, p.hrr_kw_m2))
        curves.append(("predicted_hrr_kw_m2_std", p.time_s, p.hrr_kw_m2_std))
        if p.hrr_kw_m2_low is not None and p.hrr_kw_m2_high is not None:
            curves.append(("predicted_hrr_kw_m2_low", p.time_s, p.hrr_kw_m2_low))
            curves.append(("predicted_hrr_kw_m2_high", p.time_s, p.hrr_kw_m2_high))
    names: set[str] = set()
    for curve in comparison.measured:
        stem, n = f"measured_{Path(curve.source).stem}", 2
        name = stem
        while name in names:  # two files of one name in different folders
            name, n = f"{stem}-{n}", n + 1
        names.add(name)
        curves.append((f"{name}_hrr_kw_m2", curve.time_s, curve.hrr_kw_m2))
    curves = [(n, np.asarray(t, dtype=float), np.asarray(v, dtype=float))
              for n, t, v in curves if len(t)]
    if not curves:
        return pd.DataFrame()
    start = min(0.0, math.floor(min(t[0] for _, t, _ in curves) / step_s) * step_s)
    end = max(t[-1] for _, t, _ in curves)
    # Whole steps from ``start``, so rows are 0, 1, 2 s and not 0.999…, 2.0000001 s.
    time = start + step_s * np.arange(math.ceil((end - start) / step_s - 1e-9) + 1)
    table = {"time_s": time}
    for name, t, v in curves:
        inside = (time >= t[0] - 1e-9) & (time <= t[-1] + 1e-9)
        table[name] = np.where(inside, np.interp(time, t, v), np.nan)
    return pd.DataFrame(table)


def comparison_notes(comparison: Comparison, step_s: float = TIME_STEP_S) -> list[str]:
    """The lines that head the CSV: the condition, the time base and the rounding."""
    notes = ["Trinity cone test comparison"]
    scenario = comparison.scenario
    if scenario is not None:
        notes.append(
            f"{scenario.material.name or 'material'}: {scenario.heat_flux_kw_m2:g} kW/m², "
            f"{scenario.thickness_mm:g} mm, {scenario.backing} backing, flame flux "
            f"{scenario.flame_flux_kw_m2:g} kW/m²"
        )
    sources = []
    if comparison.predicted is not None:
        steps = np.diff(comparison.predicted.time_s)
        sources.append(f"the prediction (every {float(np.median(steps)):g} s)"
                       if steps.size else "the prediction")
    if comparison.measured:
        sources.append(f"{len(comparison.measured)} measured curve(s) (their own times)")
    notes.append(
        f"One time base: every column is at time_s, {step_s:g} s steps"
        + (f"; {' and '.join(sources)} interpolated linearly onto it" if sources else "")
        + ("; the simulation's outputs fall on it" if comparison.simulated is not None else "")
        + "; a curve is empty outside its own time span"
    )
    notes.append(f"Values are rounded to what they resolve (HRR to "
                 f"{10.0 ** -resolution('hrr_kw_m2'):g} kW/m², time to "
                 f"{10.0 ** -resolution('time_s'):g} s)")
    return notes


def write_comparison_csv(comparison: Comparison, path: str | Path,
                         step_s: float = TIME_STEP_S) -> None:
    """`comparison_table` as CSV, each value rounded to its resolution
    (`engine.quantities.round_frame`), under ``# `` lines that say what it is and on
    which time base (`comparison_notes`); read it with ``pandas.read_csv(path,
    comment="#")``."""
    table = comparison_table(comparison, step_s)
    if table.empty:
        raise ValueError("There are no curves to export.")
    text = "".join(f"# {line}\n" for line in comparison_notes(comparison, step_s))
    text += round_frame(table).to_csv(index=False, lineterminator="\n")
    write_text(path, text)


@lru_cache(maxsize=256)
def _read_curve(path: str) -> MeasuredCurve:
    """Curves are read again and again as the flux changes; files do not change meanwhile."""
    return read_cone_curve(path)
