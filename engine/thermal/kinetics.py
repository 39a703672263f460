"""Arrhenius steps fitted to TGA mass curves and MCC heat-release curves.

The scheme is parallel independent steps (`engine.thermal.simulate`): each step is a
pseudo-component, a fraction of the sample with its own A, E and n. All curves given are
fitted at once with shared kinetics, which is what makes several heating rates worth
having: A and E trade off against each other in one curve but not across rates.

Parameters are not A and E but the step's peak temperature T_p at a reference heating
rate β, E and ln n; A follows from the peak condition (Kissinger 1957)
  A = β E / (R T_p²) · exp(E / R T_p) / (1 + (n − 1) 2 R T_p / E),
which removes most of the A–E correlation that makes a direct fit crawl.

Residuals, per TGA curve: the mass fraction, and the mass-loss rate −dm/dt normalised
by its measured peak (so a small step is seen and the peak temperature is pinned);
per MCC curve: the HRR normalised by its peak, with a free heat h_j per step (HRR =
Σ h_j dα_j/dt). Each curve weighs the same whatever its number of points.

Initial guesses: steps at the resolved peaks of the measured rate, E from the peak's
half-width (E ≈ 2.44 R T_p² / W for a first-order step) or from Kissinger's plot
ln(β/T_p²) against 1/T_p when there are several heating rates. The number of steps,
unless given, is the number of resolved peaks, plus one more step where the measured
rate most exceeds the model's, for as long as there is something to explain (a gap
that is a visible peak, over `MIN_PEAK_SHARE` of the highest, or an rms above
`RMS_FLOOR`, such as a slow char-forming tail) and the extra step lowers the rms by
more than `STEP_GAIN`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import find_peaks

from engine.cone.material import tga_peak_temperature_c
from engine.constants import GAS_CONSTANT as R_GAS
from engine.constants import KELVIN
from engine.thermal.curves import MCC, TGA, ThermalCurve, ThermalDataError
from engine.thermal.limits import MAX_STEPS
from engine.thermal.simulate import Program, StepArrays, chain, conversion, program

RMS_FLOOR = 0.005
"""A fit whose rms (mass fraction, and rate over its peak) is below this needs no extra
step unless the rate shows a peak the model misses: half a percent of the sample is
within the drift of the balances the FSRI files come from (1–2 % over a run)."""
STEP_GAIN = 0.3
"""An extra step is kept when it lowers the rms by more than this share."""
PARALLEL = "parallel"
CONSECUTIVE = "consecutive"
SCHEMES = (PARALLEL, CONSECUTIVE)
MAX_POINTS = 800
"""Curves are thinned to about this many points for the fit (the 1 °C grid of a
650 °C run is ~600; raw instrument files have ten times more)."""
SMOOTH_K = 5.0
"""Width (K) of the moving average applied to the measured rate (not to the mass)."""
MIN_PEAK_SHARE = 0.05
"""A peak of the measured rate counts as a step when its prominence exceeds this share
of the highest peak."""
E_BOUNDS = (40e3, 1e6)
N_BOUNDS = (0.3, 4.0)
SCALE_BOUNDS = (0.7, 1.3)
"""Range of the per-curve factor on the signal (curves after the first of a technique)."""
HALF_WIDTH_FACTOR = 2.44
"""E = 2.44 R T_p² / W for one first-order step (W: full width of −dα/dT at half height)."""


class KineticsError(ThermalDataError):
    """Curves that cannot be fitted, with a one-sentence reason."""


@dataclass(frozen=True)
class KineticStep:
    """One step. Parallel: ``mass_fraction`` is the share of the initial mass that is
    this step's pseudo-component, ``residue_yield`` the share of it left as residue (the
    measured residue is given to the last step; None when only MCC curves were fitted,
    which do not weigh the residue). Consecutive: ``mass_fraction`` is the mass entering
    the step (what the steps before it left), ``residue_yield`` what it leaves of that
    for the next step (or as residue, for the last), and A refers to the initial mass
    (rate A exp(−E/RT) m^n with m a fraction of the initial mass, as the cone solver
    has it). ``peak_c``: the step's own peak in a TGA at the reference heating rate."""

    A_1_s: float
    E_j_mol: float
    n: float
    residue_yield: float | None
    peak_c: float
    mass_fraction: float


@dataclass(frozen=True)
class CurveFit:
    """How well the fitted steps reproduce one curve."""

    name: str
    technique: str
    heating_rate_k_min: float
    rms: float
    """Root-mean-square error of the signal: mass fraction (TGA) or HRR / its peak (MCC)."""
    r2: float
    peak_measured_c: float
    peak_fitted_c: float
    residue_measured: float | None
    residue_fitted: float | None

    @property
    def peak_error_k(self) -> float:
        return self.peak_fitted_c - self.peak_measured_c


@dataclass(frozen=True)
class KineticFit:
    """The steps and the quality of the fit, curve by curve."""

    steps: tuple[KineticStep, ...]
    curves: tuple[CurveFit, ...]
    reference_heating_rate_k_min: float
    residue: float | None
    """Residue of the whole sample (fraction of initial mass), the mean over the TGA
    curves (each curve has its own, as char yield depends on the heating rate)."""
    warnings: tuple[str, ...] = ()
    """Sentences on parameters the curves do not determine (stopped at a bound)."""
    scheme: str = "parallel"

    @property
    def rms(self) -> float:
        return float(np.sqrt(np.mean([c.rms**2 for c in self.curves])))

    @property
    def r2(self) -> float:
        return float(min(c.r2 for c in self.curves))

    def to_dict(self) -> dict:
        """JSON-ready: steps in SI, fit quality per curve."""
        return {
            "scheme": self.scheme,
            "reference_heating_rate_k_min": self.reference_heating_rate_k_min,
            "steps": [asdict(s) for s in self.steps],
            "fit": {
                "rms": self.rms,
                "r2": self.r2,
                "residue": self.residue,
                "warnings": list(self.warnings),
                "curves": [{**asdict(c), "peak_error_k": c.peak_error_k} for c in self.curves],
            },
        }


@dataclass(frozen=True)
class _Prepared:
    """A curve thinned for the fit, with its measured rate (−dm/dt or HRR)."""

    curve: ThermalCurve
    time_s: np.ndarray
    temp_k: np.ndarray
    signal: np.ndarray
    rate: np.ndarray
    rate_peak: float
    peak_k: float
    grid: Program


def fit_kinetics(
    curves: Sequence[ThermalCurve], steps: int | None = None, scheme: str = PARALLEL
) -> KineticFit:
    """Fit Arrhenius steps to every curve at once; ``steps`` fixes their number and
    ``scheme`` is `PARALLEL` (independent shares of the sample) or `CONSECUTIVE` (virgin
    → intermediate → … → residue)."""
    if not curves:
        raise KineticsError("Give at least one TGA or MCC curve to fit.")
    if scheme not in SCHEMES:
        raise KineticsError(f"The scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}.")
    if scheme == CONSECUTIVE and all(c.technique != TGA for c in curves):
        raise KineticsError(
            "MCC curves alone do not weigh what each consecutive step leaves; add a TGA "
            "curve or fit parallel steps."
        )
    if steps is not None and not 1 <= steps <= MAX_STEPS:
        raise KineticsError(f"The number of steps must be 1 to {MAX_STEPS}, not {steps}.")
    materials = sorted({c.material for c in curves if c.material})
    if len(materials) > 1:
        raise KineticsError(
            f"The files are of different materials ({', '.join(materials)}); fit one "
            "material at a time."
        )
    prepared = [_prepare(c) for c in curves]
    beta_ref = float(np.exp(np.mean([np.log(p.curve.heating_rate_k_s) for p in prepared])))
    peaks = _peak_guesses(prepared)
    count = steps or min(len(peaks), MAX_STEPS)
    best = _fit(prepared, beta_ref, _initial(prepared, beta_ref, peaks[:count], scheme))
    while len(best.tp) < (steps or MAX_STEPS):
        extra, gap = _worst_rate_gap(prepared, best, beta_ref)
        if steps is None and gap < MIN_PEAK_SHARE and best.rms < RMS_FLOOR:
            break
        guess = _initial(prepared, beta_ref, [*best.tp, extra], scheme, best)
        trial = _fit(prepared, beta_ref, guess)
        if steps is None and trial.rms >= (1.0 - STEP_GAIN) * best.rms:
            break
        best = trial
    return _result(prepared, beta_ref, best)


# Preparation -----------------------------------------------------------------------------


def _prepare(curve: ThermalCurve) -> _Prepared:
    if curve.technique not in (TGA, MCC):
        raise KineticsError(f"{curve.name}: technique {curve.technique!r} is not TGA or MCC.")
    stride = max(1, len(curve.time_s) // MAX_POINTS)
    t, T, y = curve.time_s[::stride], curve.temperature_k[::stride], curve.signal[::stride]
    if curve.technique == TGA:
        rate = -np.gradient(y, t)
        if np.ptp(y) < 0.02:
            raise KineticsError(
                f"{curve.name} loses only {100 * np.ptp(y):.1f} % of its mass; there is no "
                "decomposition to fit."
            )
    else:
        rate = y.copy()
    rate = _smooth(rate, T)
    peak = int(np.argmax(rate))
    if rate[peak] <= 0:
        raise KineticsError(f"{curve.name} shows no decomposition peak to fit.")
    return _Prepared(curve, t, T, y, rate, float(rate[peak]), float(T[peak]), program(t, T))


def _smooth(values: np.ndarray, temp_k: np.ndarray) -> np.ndarray:
    """Moving average over about SMOOTH_K of temperature (the derivative of a balance
    signal is noisy; the mass itself is never smoothed)."""
    step = float(np.median(np.abs(np.diff(temp_k)))) or 1.0
    width = round(SMOOTH_K / step)
    if width < 2:
        return values
    kernel = np.ones(width) / width
    padded = np.pad(values, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _peak_guesses(prepared: list[_Prepared]) -> list[float]:
    """Peaks (K) of the measured rate of the curve with the most points, largest first."""
    p = max(prepared, key=lambda q: len(q.temp_k))
    step = float(np.median(np.abs(np.diff(p.temp_k)))) or 1.0
    found, props = find_peaks(
        p.rate,
        prominence=MIN_PEAK_SHARE * p.rate_peak,
        distance=max(1, int(15.0 / step)),
    )
    if len(found) == 0:
        return [p.peak_k]
    order = np.argsort(props["prominences"])[::-1]
    return [float(p.temp_k[found[i]]) for i in order]


# The fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Solution:
    tp: tuple[float, ...]
    e: tuple[float, ...]
    n: tuple[float, ...]
    fractions: tuple[float, ...]
    heats: tuple[float, ...]
    residues: tuple[float, ...]
    """Per curve: the residue (TGA; 0 for MCC)."""
    scales: tuple[float, ...]
    """Per curve: a factor on its signal, 1 for the first curve of each technique (an
    error in the weighed sample mass, a drifting balance, a rate-dependent char)."""
    rms: float
    scheme: str = PARALLEL
    """PARALLEL: ``fractions`` are the mass each step releases; CONSECUTIVE: they are
    what each step leaves of the species it consumes (its yield), and every TGA curve
    has a scale instead of a residue of its own."""


def _a_from_peak(tp: np.ndarray, e: np.ndarray, n: np.ndarray, beta: float) -> np.ndarray:
    return (
        beta
        * e
        / (R_GAS * tp**2)
        * np.exp(e / (R_GAS * tp))
        / (1.0 + (n - 1.0) * 2 * R_GAS * tp / e)
    )


def _initial(
    prepared: list[_Prepared],
    beta_ref: float,
    tps: Sequence[float],
    scheme: str,
    previous: _Solution | None = None,
) -> _Solution:
    """Start values: the previous solution for its steps, guesses for new ones."""
    k = len(tps)
    reference = min(prepared, key=lambda p: abs(np.log(p.curve.heating_rate_k_s / beta_ref)))
    tgas = [p for p in prepared if p.curve.technique == TGA]
    mccs = [p for p in prepared if p.curve.technique == MCC]
    residue = float(np.mean([p.signal[-1] for p in tgas])) if tgas else 0.0
    loss = max(1.0 - residue, 0.05)
    if previous is None:
        residues = tuple(float(p.signal[-1]) if p in tgas else 0.0 for p in prepared)
        scales = tuple(
            float(p.signal[0]) if scheme == CONSECUTIVE and p in tgas else 1.0 for p in prepared
        )
    else:
        residues, scales = previous.residues, previous.scales
    e, n, fractions, heats = [], [], [], []
    for j, tp in enumerate(tps):
        if previous is not None and j < len(previous.tp):
            e.append(previous.e[j])
            n.append(previous.n[j])
            fractions.append(previous.fractions[j])
            heats.append(previous.heats[j])
            continue
        e.append(_kissinger(prepared, tp) or _half_width_energy(reference, tp))
        n.append(1.0)
        height = float(np.interp(tp, reference.temp_k, reference.rate)) / reference.rate_peak
        share = max(height, 0.05) / k
        fractions.append(loss * share if previous is None else 0.05 * loss)
        area = float(np.trapezoid(mccs[0].signal, mccs[0].time_s)) if mccs else 0.0
        heats.append(area * share if previous is None else 0.05 * area)
    if scheme == CONSECUTIVE:
        fractions = _chain_yields(list(tps), e, fractions, residue, previous)
        order = np.argsort(tps)
        tps, e, n, fractions, heats = (
            [seq[j] for j in order] for seq in (list(tps), e, n, fractions, heats)
        )
    return _Solution(
        tuple(tps),
        tuple(e),
        tuple(n),
        tuple(fractions),
        tuple(heats),
        residues,
        scales,
        np.inf,
        scheme,
    )


def _chain_yields(tps, e, fractions, residue, previous) -> list[float]:
    """Yields of a chain from guessed losses: steps in order of peak, each leaving what
    the later ones and the residue will lose; a step added to a fitted chain leaves 90 %."""
    if previous is not None:
        return [*previous.fractions, *[0.9] * (len(tps) - len(previous.tp))]
    order = np.argsort(tps)
    yields = [0.0] * len(tps)
    mass = 1.0
    for j in order:
        after = max(mass - fractions[j], residue, 0.01)
        yields[j] = float(np.clip(after / mass, 0.01, 0.99))
        mass = after
    return yields


def _half_width_energy(p: _Prepared, tp: float) -> float:
    """E from the width of the rate peak nearest ``tp``: the narrower half, doubled, since
    the other side may run into a neighbouring step."""
    i = int(np.argmin(np.abs(p.temp_k - tp)))
    half = 0.5 * p.rate[i]
    left = i
    while left > 0 and p.rate[left] > half:
        left -= 1
    right = i
    while right < len(p.rate) - 1 and p.rate[right] > half:
        right += 1
    width = 2.0 * min(p.temp_k[i] - p.temp_k[left], p.temp_k[right] - p.temp_k[i])
    width = max(width, 5.0)
    return float(np.clip(HALF_WIDTH_FACTOR * R_GAS * tp**2 / width, *E_BOUNDS))


def _kissinger(prepared: list[_Prepared], tp: float) -> float | None:
    """E from ln(β/T_p²) against 1/T_p over the heating rates, using each curve's rate
    maximum within 60 K of ``tp``; None with fewer than two distinct rates."""
    points = {}
    for p in prepared:
        near = np.abs(p.temp_k - tp) < 60.0
        if not np.any(near):
            continue
        i = np.flatnonzero(near)[int(np.argmax(p.rate[near]))]
        beta = round(p.curve.heating_rate_k_s, 6)
        points.setdefault(beta, []).append(p.temp_k[i])
    if len(points) < 2:
        return None
    betas = np.array(list(points))
    temps = np.array([np.mean(v) for v in points.values()])
    slope = np.polyfit(1.0 / temps, np.log(betas / temps**2), 1)[0]
    energy = -slope * R_GAS
    return float(energy) if E_BOUNDS[0] < energy < E_BOUNDS[1] else None


class _Layout:
    """Where each quantity sits in the parameter vector: per step T_p, E/1e5, ln n, then
    the step fractions (TGA) and heats (MCC), then per curve its residue (TGA curves) and
    its scale (every curve but the first of its technique)."""

    def __init__(self, k: int, prepared: list[_Prepared], scheme: str):
        self.k, self.scheme = k, scheme
        techniques = [p.curve.technique for p in prepared]
        self.tga, self.mcc = TGA in techniques, MCC in techniques
        first = [techniques.index(t) for t in techniques]
        if scheme == CONSECUTIVE:  # the chain ends where its yields say: a scale per TGA
            self.residue_of = []
            self.scale_of = [i for i, t in enumerate(techniques) if t == TGA or first[i] != i]
        else:
            self.residue_of = [i for i, t in enumerate(techniques) if t == TGA]
            self.scale_of = [i for i in range(len(techniques)) if first[i] != i]
        self.curves = len(prepared)
        self.size = (
            3 * k
            + (k if self.tga else 0)
            + (k if self.mcc else 0)
            + len(self.residue_of)
            + len(self.scale_of)
        )

    def pack(self, s: _Solution, heat_scale: float) -> np.ndarray:
        parts = [np.array(s.tp), np.array(s.e) / 1e5, np.log(np.array(s.n))]
        if self.tga:
            parts.append(np.array(s.fractions))
        if self.mcc:
            parts.append(np.array(s.heats) / heat_scale)
        parts.append(np.array([s.residues[i] for i in self.residue_of]))
        parts.append(np.array([s.scales[i] for i in self.scale_of]))
        return np.concatenate(parts)

    def unpack(self, x: np.ndarray, heat_scale: float) -> tuple:
        """(tp, e, n, fractions, heats, residues per curve, scales per curve, scheme)."""
        k = self.k
        tp, e, n = x[:k], x[k : 2 * k] * 1e5, np.exp(x[2 * k : 3 * k])
        i = 3 * k
        fractions, heats = np.zeros(k), np.zeros(k)
        if self.tga:
            fractions = x[i : i + k]
            i += k
        if self.mcc:
            heats = x[i : i + k] * heat_scale
            i += k
        residues = np.zeros(self.curves)
        residues[self.residue_of] = x[i : i + len(self.residue_of)]
        i += len(self.residue_of)
        scales = np.ones(self.curves)
        scales[self.scale_of] = x[i : i + len(self.scale_of)]
        return tp, e, n, fractions, heats, residues, scales, self.scheme

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        k = self.k
        lo = [np.full(k, 350.0), np.full(k, E_BOUNDS[0] / 1e5), np.full(k, np.log(N_BOUNDS[0]))]
        hi = [np.full(k, 1300.0), np.full(k, E_BOUNDS[1] / 1e5), np.full(k, np.log(N_BOUNDS[1]))]
        if self.tga:  # fractions of the initial mass, or yields of a chain
            lo.append(np.zeros(k))
            hi.append(np.full(k, 1.0 if self.scheme == CONSECUTIVE else 1.2))
        if self.mcc:  # heats over heat_scale
            lo.append(np.zeros(k))
            hi.append(np.full(k, 1e3))
        lo.append(np.full(len(self.residue_of), -0.2))  # drifting balances end below zero
        hi.append(np.full(len(self.residue_of), 1.0))
        lo.append(np.full(len(self.scale_of), SCALE_BOUNDS[0]))
        hi.append(np.full(len(self.scale_of), SCALE_BOUNDS[1]))
        return np.concatenate(lo), np.concatenate(hi)


def _model(p: _Prepared, i: int, params: tuple, beta_ref: float):
    """(signal, rate) of the model along curve ``i``'s own program."""
    tp, e, n, fractions, heats, residues, scales, scheme = params
    steps = StepArrays(_a_from_peak(tp, e, n, beta_ref), e, n)
    if scheme == CONSECUTIVE:
        ch = chain(steps, fractions, p.time_s, p.temp_k, p.grid)
        if p.curve.technique == TGA:
            return scales[i] * ch.total(), scales[i] * ch.gas_rate_1_s(fractions)
        hrr = scales[i] * (heats @ ch.consumed_1_s)
        return hrr, hrr
    conv = conversion(steps, p.time_s, p.temp_k, p.grid)
    if p.curve.technique == TGA:
        mass = residues[i] + scales[i] * (fractions @ conv.remaining)
        return mass, scales[i] * (fractions @ conv.rate_1_s)
    hrr = scales[i] * (heats @ conv.rate_1_s)
    return hrr, hrr


def _residuals(x, prepared, layout, heat_scale, beta_ref) -> np.ndarray:
    params = layout.unpack(x, heat_scale)
    out = []
    for i, p in enumerate(prepared):
        signal, rate = _model(p, i, params, beta_ref)
        weight = 1.0 / np.sqrt(len(p.time_s))
        if p.curve.technique == TGA:
            out.append(weight * (signal - p.signal))
        out.append(weight * (rate - p.rate) / p.rate_peak)
    return np.concatenate(out)


def _fit(prepared: list[_Prepared], beta_ref: float, start: _Solution) -> _Solution:
    k = len(start.tp)
    layout = _Layout(k, prepared, start.scheme)
    heat_scale = max(max(start.heats, default=0.0), 1.0)
    lo, hi = layout.bounds()
    x0 = np.clip(layout.pack(start, heat_scale), lo + 1e-9, hi - 1e-9)
    result = least_squares(
        _residuals,
        x0,
        bounds=(lo, hi),
        args=(prepared, layout, heat_scale, beta_ref),
        x_scale="jac",
        ftol=1e-7,
        xtol=1e-7,
        max_nfev=100 * layout.size,
    )
    tp, e, n, fractions, heats, residues, scales, _ = layout.unpack(result.x, heat_scale)
    # Each block (mass, rate) carries weight 1/√points, so its sum of squares is its
    # mean square: the rms over blocks is in the units of the signals.
    blocks = sum(2 if p.curve.technique == TGA else 1 for p in prepared)
    rms = float(np.sqrt(np.sum(result.fun**2) / blocks))
    # Parallel steps are listed by peak; a chain keeps its order (it is the model).
    order = np.argsort(tp) if start.scheme == PARALLEL else np.arange(k)
    return _Solution(
        tuple(tp[order]),
        tuple(e[order]),
        tuple(n[order]),
        tuple(fractions[order]),
        tuple(heats[order]),
        tuple(residues),
        tuple(scales),
        rms,
        start.scheme,
    )


def _worst_rate_gap(
    prepared: list[_Prepared], s: _Solution, beta_ref: float
) -> tuple[float, float]:
    """Temperature where the measured rate most exceeds the model's (a missing step), and
    by how much, as a share of the measured peak."""
    worst, where = -np.inf, prepared[0].peak_k
    for i, p in enumerate(prepared):
        _, rate = _model(p, i, _arrays(s), beta_ref)
        gap = (p.rate - rate) / p.rate_peak
        i = int(np.argmax(gap))
        if gap[i] > worst:
            worst, where = float(gap[i]), float(p.temp_k[i])
    return where, worst


def _arrays(s: _Solution) -> tuple:
    return (
        np.array(s.tp),
        np.array(s.e),
        np.array(s.n),
        np.array(s.fractions),
        np.array(s.heats),
        np.array(s.residues),
        np.array(s.scales),
        s.scheme,
    )


# Results ---------------------------------------------------------------------------------


def _result(prepared: list[_Prepared], beta_ref: float, s: _Solution) -> KineticFit:
    tp, e, n, fractions, heats, residues, scales, _ = _arrays(s)
    a = _a_from_peak(tp, e, n, beta_ref)
    tga_index = [i for i, p in enumerate(prepared) if p.curve.technique == TGA]
    has_tga = bool(tga_index)
    beta_k_min = beta_ref * 60.0
    own = a.copy()  # A of each step as if it started from its own mass (for its peak)
    if s.scheme == CONSECUTIVE:
        entering = np.concatenate(([1.0], np.cumprod(fractions)[:-1]))
        shares = entering
        yields: list[float | None] = [float(y) for y in fractions]
        residue = float(np.prod(fractions) * np.mean(scales[tga_index]))
        own = a * entering ** (n - 1.0)
    elif has_tga:
        residue = float(np.mean(residues[tga_index]))
        kept = max(residue, 0.0)
        shares = fractions.copy()
        shares[-1] += kept
        yields = [0.0] * len(tp)
        yields[-1] = kept / shares[-1] if shares[-1] > 0 else 0.0
    else:
        residue = 0.0
        shares = heats / heats.sum() if heats.sum() > 0 else np.full(len(tp), 1.0 / len(tp))
        yields = [None] * len(tp)
    steps = tuple(
        KineticStep(
            A_1_s=float(a[j]),
            E_j_mol=float(e[j]),
            n=float(n[j]),
            residue_yield=yields[j],
            peak_c=tga_peak_temperature_c(float(own[j]), float(e[j]), float(n[j]), beta_k_min),
            mass_fraction=float(shares[j]),
        )
        for j in range(len(tp))
    )
    quality = tuple(_curve_fit(p, i, s, beta_ref) for i, p in enumerate(prepared))
    return KineticFit(
        steps,
        quality,
        beta_k_min,
        residue if has_tga else None,
        _bound_warnings(s),
        s.scheme,
    )


def _bound_warnings(s: _Solution) -> tuple[str, ...]:
    """Steps whose E or n stopped at a bound: the curves leave them undetermined."""
    out = []
    for j, (e, n) in enumerate(zip(s.e, s.n, strict=True), 1):
        hits = []
        for bound in E_BOUNDS:
            if abs(e - bound) <= 1e-3 * bound:
                hits.append(f"E at its bound {bound / 1e3:g} kJ/mol")
        for bound in N_BOUNDS:
            if abs(n - bound) <= 1e-3 * bound:
                hits.append(f"n at its bound {bound:g}")
        if hits:
            out.append(
                f"Step {j} has {' and '.join(hits)}: the curves do not determine it; "
                "add a heating rate or fix the number of steps."
            )
    return tuple(out)


def _curve_fit(p: _Prepared, i: int, s: _Solution, beta_ref: float) -> CurveFit:
    signal, _ = _model(p, i, _arrays(s), beta_ref)
    measured = p.signal
    if p.curve.technique == MCC:
        signal, measured = signal / p.rate_peak, measured / p.rate_peak
    error = signal - measured
    spread = float(np.sum((measured - measured.mean()) ** 2))
    r2 = 1.0 - float(np.sum(error**2)) / spread if spread > 0 else 0.0
    fitted_peak = _fitted_peak_k(p, i, s, beta_ref)
    tga = p.curve.technique == TGA
    return CurveFit(
        name=p.curve.name,
        technique=p.curve.technique,
        heating_rate_k_min=p.curve.heating_rate_k_min,
        rms=float(np.sqrt(np.mean(error**2))),
        r2=r2,
        peak_measured_c=p.peak_k - KELVIN,
        peak_fitted_c=fitted_peak - KELVIN,
        residue_measured=float(p.signal[-1]) if tga else None,
        residue_fitted=float(signal[-1]) if tga else None,
    )


def _fitted_peak_k(p: _Prepared, i: int, s: _Solution, beta_ref: float) -> float:
    """Peak of the model's rate along the curve's own program refined to 0.1 K (so the
    comparison does not depend on the data's spacing)."""
    temp_k = np.arange(p.temp_k[0], p.temp_k[-1], 0.1)
    if np.all(np.diff(p.temp_k) > 0):
        time_s = np.interp(temp_k, p.temp_k, p.time_s)
    else:  # a program that holds or cools: a linear ramp at its heating rate
        time_s = (temp_k - temp_k[0]) / p.curve.heating_rate_k_s
    ramp = _Prepared(p.curve, time_s, temp_k, temp_k, temp_k, 1.0, 0.0, program(time_s, temp_k))
    _, rate = _model(ramp, i, _arrays(s), beta_ref)
    return float(temp_k[int(np.argmax(rate))])
