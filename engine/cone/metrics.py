"""Scalar metrics of a heat release rate curve, simulated or measured.

Conventions (one place, so simulation and experiment are scored alike):
- t_ig: the given ignition time, else the first upward crossing of
  `ignition_threshold_kw_m2` (default 10 kW/m², low enough to catch the start of
  flaming, high enough to ignore baseline noise), linearly interpolated between samples.
- pHRR: the maximum sample as given; THR: trapezoid of the curve clipped at zero,
  and `thr_raw_mj_m2`, the trapezoid of the whole curve as given (the tests.csv
  `curve_integral`).
- averages over 60/180/300 s after t_ig count the curve as zero beyond its end
  (a simulation stops at burnout).
- ARHE(t) = ∫_{t_ig}^t q dt / (t − t_ig), MARHE its maximum; FIGRA = max q(t)/(t − t_ig).
  Both are evaluated only once 0.2 MJ/m² has been released since t_ig (the THR guard
  of EN 13823 applied per m²), which keeps them from dividing by a vanishing interval.
- flameout: the last downward crossing of the threshold after the peak (nan if the
  curve ends above it).
Undefined values (no ignition, no mass) are nan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

DEFAULT_THRESHOLD_KW_M2 = 10.0
GUARD_MJ_M2 = 0.2
AVERAGE_WINDOWS_S = (60.0, 180.0, 300.0)


@dataclass(frozen=True)
class CurveMetrics:
    tig_s: float
    phrr_kw_m2: float
    t_phrr_s: float
    thr_mj_m2: float
    thr_raw_mj_m2: float
    avg_hrr_60_kw_m2: float
    avg_hrr_180_kw_m2: float
    avg_hrr_300_kw_m2: float
    marhe_kw_m2: float
    figra_kw_m2_s: float
    flameout_s: float
    ehc_mj_kg: float


def curve_metrics(
    time_s: np.ndarray,
    hrr_kw_m2: np.ndarray,
    *,
    mass_loss_kg_m2: float | None = None,
    ignition_threshold_kw_m2: float = DEFAULT_THRESHOLD_KW_M2,
    tig_s: float | None = None,
) -> CurveMetrics:
    """Metrics of one curve; `tig_s` overrides threshold detection (simulations know it)."""
    t = np.asarray(time_s, dtype=float)
    q = np.asarray(hrr_kw_m2, dtype=float)
    if t.ndim != 1 or t.shape != q.shape:
        raise ValueError("time_s and hrr_kw_m2 must be 1-D arrays of the same length.")
    nan = math.nan
    if t.size == 0:
        return CurveMetrics(*([nan] * 12))
    thr_raw = float(np.trapezoid(q, t)) / 1000.0
    thr = float(np.trapezoid(np.clip(q, 0.0, None), t)) / 1000.0
    i_peak = int(np.argmax(q))
    phrr, t_peak = float(q[i_peak]), float(t[i_peak])
    tig = first_crossing(t, q, ignition_threshold_kw_m2) if tig_s is None else float(tig_s)
    flameout = _flameout(t, q, i_peak, ignition_threshold_kw_m2)
    ehc = nan
    if mass_loss_kg_m2 is not None and mass_loss_kg_m2 > 0:
        ehc = thr_raw / mass_loss_kg_m2
    if math.isnan(tig):
        return CurveMetrics(nan, phrr, t_peak, thr, thr_raw, nan, nan, nan, nan, nan, flameout, ehc)
    averages = [_window_average(t, q, tig, w) for w in AVERAGE_WINDOWS_S]
    marhe, figra = _marhe_figra(t, q, tig)
    return CurveMetrics(tig, phrr, t_peak, thr, thr_raw, *averages, marhe, figra, flameout, ehc)


def first_crossing(t: np.ndarray, q: np.ndarray, level: float) -> float:
    """First time ``q`` reaches ``level``, interpolated between samples (nan if never)."""
    above = np.flatnonzero(q >= level)
    if above.size == 0:
        return math.nan
    i = int(above[0])
    if i == 0:
        return float(t[0])
    return _interpolate_crossing(t[i - 1], t[i], q[i - 1], q[i], level)


def _flameout(t: np.ndarray, q: np.ndarray, i_peak: int, level: float) -> float:
    if q[-1] >= level or q[i_peak] < level:
        return math.nan
    i = int(np.flatnonzero(q >= level)[-1])
    return _interpolate_crossing(t[i], t[i + 1], q[i], q[i + 1], level)


def _interpolate_crossing(t0: float, t1: float, q0: float, q1: float, level: float) -> float:
    if q1 == q0:
        return float(t1)
    return float(t0 + (t1 - t0) * (level - q0) / (q1 - q0))


def _window_average(t: np.ndarray, q: np.ndarray, start: float, width: float) -> float:
    tt, qq = _resample_segment(t, q, start, start + width)
    return float(np.trapezoid(qq, tt)) / width


def _resample_segment(t: np.ndarray, q: np.ndarray, a: float, b: float):
    """Samples of the curve on [a, b] with interpolated end points, zero outside the record."""
    inner = (t > a) & (t < b)
    tt = np.concatenate(([a], t[inner], [b]))
    qq = np.interp(tt, t, q, left=0.0, right=0.0)
    return tt, qq


def _marhe_figra(t: np.ndarray, q: np.ndarray, tig: float) -> tuple[float, float]:
    tt, qq = _resample_segment(t, q, tig, max(float(t[-1]), tig))
    released = np.concatenate(([0.0], np.cumsum(0.5 * (qq[1:] + qq[:-1]) * np.diff(tt))))
    elapsed = tt - tig
    ok = (elapsed > 0) & (released >= GUARD_MJ_M2 * 1000.0)
    if not ok.any():
        return math.nan, math.nan
    marhe = float(np.max(released[ok] / elapsed[ok]))
    figra = float(np.max(qq[ok] / elapsed[ok]))
    return marhe, figra


@numba.njit(cache=True)
def _interp0(x, t, q, j):
    """np.interp(x, t, q, left=0, right=0) for x not below t[j]; returns (value, j) with j
    advanced so that a rising sequence of x costs one pass."""
    n = t.size
    if x < t[0] or x > t[n - 1]:
        return 0.0, j
    while j < n - 2 and t[j + 1] <= x:
        j += 1
    if x == t[n - 1]:
        return q[n - 1], j
    slope = (q[j + 1] - q[j]) / (t[j + 1] - t[j])
    return slope * (x - t[j]) + q[j], j


@numba.njit(cache=True)
def _segment_integral(t, q, a, b):
    """∫_a^b of the curve (zero outside the record) by the trapezoid rule over the samples
    strictly inside (a, b) plus the interpolated end points, as _resample_segment."""
    prev_t = a
    prev_q, j = _interp0(a, t, q, 0)
    total = 0.0
    for i in range(t.size):
        if t[i] > a and t[i] < b:
            total += 0.5 * (q[i] + prev_q) * (t[i] - prev_t)
            prev_t, prev_q = t[i], q[i]
    end_q, j = _interp0(b, t, q, j)
    return total + 0.5 * (end_q + prev_q) * (b - prev_t)


@numba.njit(cache=True)
def metrics_row(t, q, mass_loss, tig, level, out):
    """curve_metrics for a non-empty curve with a known t_ig (nan: not ignited), into out
    in CurveMetrics field order; compiled so the solver scores its own curves cheaply."""
    n = t.size
    nan = math.nan
    thr_raw = 0.0
    thr = 0.0
    i_peak = 0
    last_above = -1
    for i in range(n):
        if q[i] > q[i_peak]:
            i_peak = i
        if q[i] >= level:
            last_above = i
        if i > 0:
            dt = t[i] - t[i - 1]
            thr_raw += 0.5 * (q[i] + q[i - 1]) * dt
            thr += 0.5 * (max(q[i], 0.0) + max(q[i - 1], 0.0)) * dt
    thr_raw /= 1000.0
    thr /= 1000.0
    flameout = nan
    if not (q[n - 1] >= level or q[i_peak] < level):
        i = last_above
        q0, q1 = q[i], q[i + 1]
        flameout = t[i + 1] if q1 == q0 else t[i] + (t[i + 1] - t[i]) * (level - q0) / (q1 - q0)
    out[0] = tig
    out[1] = q[i_peak]
    out[2] = t[i_peak]
    out[3] = thr
    out[4] = thr_raw
    out[10] = flameout
    out[11] = thr_raw / mass_loss if mass_loss > 0 else nan
    for k in range(5, 10):
        out[k] = nan
    if math.isnan(tig):
        return
    for k in range(3):
        width = AVERAGE_WINDOWS_S[k]
        out[5 + k] = _segment_integral(t, q, tig, tig + width) / width
    # MARHE and FIGRA over the resampled segment [t_ig, max(t_end, t_ig)].
    end = max(t[n - 1], tig)
    guard = GUARD_MJ_M2 * 1000.0
    prev_q, j = _interp0(tig, t, q, 0)
    prev_t = tig
    released = 0.0
    marhe = -math.inf
    figra = -math.inf
    found = False
    for i in range(n + 1):
        if i < n:
            if not (t[i] > tig and t[i] < end):
                continue
            tt, qq = t[i], q[i]
        else:
            tt = end
            qq, j = _interp0(end, t, q, j)
        released += 0.5 * (qq + prev_q) * (tt - prev_t)
        prev_t, prev_q = tt, qq
        elapsed = tt - tig
        if elapsed > 0 and released >= guard:
            found = True
            marhe = max(marhe, released / elapsed)
            figra = max(figra, qq / elapsed)
    if found:
        out[8] = marhe
        out[9] = figra
