"""TGA and MCC curves of parallel independent Arrhenius steps, for any temperature program.

Each step j is a pseudo-component whose conversion α_j obeys
  dα_j/dt = A_j exp(−E_j / R T(t)) (1 − α_j)^n_j,
independently of the others (PHYSICS.md §2, "Measured kinetics"). With the integral
I_j(t) = ∫ A_j exp(−E_j / R T) dt the ODE has the closed form
  1 − α = exp(−I)                         for n = 1,
  1 − α = (1 + (n − 1) I)^(−1/(n − 1))     otherwise (clipped at 0 for n < 1),
so the whole program is solved at once for every step (arrays of shape steps × points):
the only numerical step is the integral, taken by the trapezoid rule on the program
refined until each sub-interval spans at most `MAX_STEP_K`. The temperature program is
the measured one (T against t), so a run whose heating rate drifts is simulated as run.

Consecutive steps (`chain`: virgin → intermediate → … → residue) have no closed form
once an intermediate is both made and consumed; they are marched along the same refined
program in a compiled loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from engine.constants import GAS_CONSTANT as R_GAS

MAX_STEP_K = 0.2
"""Largest temperature change per integration sub-interval. The rate constant grows by
about E ΔT / (R T²) ≈ 0.1 % per 0.2 K at 200 kJ/mol and 700 K, which keeps the trapezoid
error of I far below the scatter of any balance."""

MAX_REFINE = 64
"""At most this many sub-intervals per measured interval (a jump over a gap in the data)."""


@dataclass(frozen=True)
class StepArrays:
    """Arrhenius parameters of several parallel steps as arrays (one entry per step)."""

    A_1_s: np.ndarray
    E_j_mol: np.ndarray
    n: np.ndarray


@dataclass(frozen=True)
class Conversion:
    """Remaining fraction 1 − α and rate dα/dt (1/s) of each step, shape (steps, points)."""

    remaining: np.ndarray
    rate_1_s: np.ndarray


def linear_program(
    start_c: float, end_c: float, heating_rate_k_min: float, step_k: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Time (s) and temperature (K) of a linear ramp, sampled every ``step_k``."""
    temp_k = np.arange(start_c, end_c + 0.5 * step_k, step_k) + 273.15
    time_s = (temp_k - temp_k[0]) / (heating_rate_k_min / 60.0)
    return time_s, temp_k


@dataclass(frozen=True, eq=False)
class Program:
    """A temperature program refined for integration, and where its points sit in it.
    Built once per curve (`program`), since a fit solves the same program many times."""

    fine_t: np.ndarray
    fine_T: np.ndarray
    coarse: np.ndarray


def program(time_s: np.ndarray, temp_k: np.ndarray) -> Program:
    """The program (T against t) on a grid fine enough for the rate integral, linear in t
    between the given points."""
    time_s = np.asarray(time_s, dtype=float)
    temp_k = np.asarray(temp_k, dtype=float)
    pieces = np.clip(np.ceil(np.abs(np.diff(temp_k)) / MAX_STEP_K), 1, MAX_REFINE).astype(int)
    coarse = np.concatenate(([0], np.cumsum(pieces)))
    left = np.repeat(np.arange(len(pieces)), pieces)
    frac = (np.arange(coarse[-1]) - coarse[left]) / pieces[left]
    left = np.append(left, len(pieces) - 1)
    frac = np.append(frac, 1.0)
    fine_t = time_s[left] + frac * (time_s[left + 1] - time_s[left])
    fine_T = temp_k[left] + frac * (temp_k[left + 1] - temp_k[left])
    return Program(fine_t, fine_T, coarse)


def conversion(
    steps: StepArrays,
    time_s: np.ndarray,
    temp_k: np.ndarray,
    prepared: Program | None = None,
) -> Conversion:
    """Solve every step over the program (T against t) from α = 0 at its first point;
    ``prepared`` is `program(time_s, temp_k)` when the caller has it already."""
    grid = prepared or program(time_s, temp_k)
    fine_t, fine_T, coarse = grid.fine_t, grid.fine_T, grid.coarse
    a = np.asarray(steps.A_1_s, dtype=float)[:, None]
    e = np.asarray(steps.E_j_mol, dtype=float)[:, None]
    n = np.asarray(steps.n, dtype=float)[:, None]
    # Rate constants can overflow far above the decomposition; cap the exponent so the
    # integral saturates (the step is over long before) instead of turning into inf.
    log_k = np.minimum(np.log(a) - e / (R_GAS * fine_T[None, :]), 50.0)
    k = np.exp(log_k)
    increments = 0.5 * (k[:, 1:] + k[:, :-1]) * np.diff(fine_t)[None, :]
    integral = np.concatenate((np.zeros((k.shape[0], 1)), np.cumsum(increments, axis=1)), axis=1)
    integral = integral[:, coarse]
    k = k[:, coarse]
    one = np.isclose(n, 1.0)
    n_safe = np.where(one, 2.0, n)
    base = np.maximum(1.0 + (n_safe - 1.0) * integral, 0.0)
    with np.errstate(divide="ignore"):
        power = np.where(base > 0.0, base ** (-1.0 / (n_safe - 1.0)), 0.0)
    remaining = np.where(one, np.exp(-integral), power)
    remaining = np.clip(remaining, 0.0, 1.0)
    rate = k * remaining**n
    return Conversion(remaining=remaining, rate_1_s=rate)


def tga_mass(
    steps: StepArrays,
    fractions: np.ndarray,
    residue: float,
    time_s: np.ndarray,
    temp_k: np.ndarray,
) -> np.ndarray:
    """Mass fraction: residue + Σ fraction_j (1 − α_j); ``fractions`` are the mass each
    step releases, as a fraction of the initial mass."""
    conv = conversion(steps, time_s, temp_k)
    return residue + np.asarray(fractions, dtype=float) @ conv.remaining


def mass_loss_rate(
    steps: StepArrays, fractions: np.ndarray, time_s: np.ndarray, temp_k: np.ndarray
) -> np.ndarray:
    """−dm/dt (1/s, per unit initial mass): Σ fraction_j dα_j/dt."""
    conv = conversion(steps, time_s, temp_k)
    return np.asarray(fractions, dtype=float) @ conv.rate_1_s


def mcc_hrr(
    steps: StepArrays, heats_j_g: np.ndarray, time_s: np.ndarray, temp_k: np.ndarray
) -> np.ndarray:
    """Specific heat release rate (W/g): Σ h_j dα_j/dt, with h_j the heat step j releases
    per gram of initial sample (its mass fraction × the heat of combustion of its gases)."""
    conv = conversion(steps, time_s, temp_k)
    return np.asarray(heats_j_g, dtype=float) @ conv.rate_1_s


@dataclass(frozen=True)
class Chain:
    """Consecutive steps along a program: the mass of each species (the virgin solid and
    each intermediate) and of the final residue, as fractions of the initial mass, and
    the rate (1/s) at which each species is consumed. Shapes (steps, points), (points,)."""

    mass: np.ndarray
    residue: np.ndarray
    consumed_1_s: np.ndarray

    def total(self) -> np.ndarray:
        return self.mass.sum(axis=0) + self.residue

    def gas_rate_1_s(self, yields: np.ndarray) -> np.ndarray:
        """−dm/dt: what each step consumes less what it leaves to the next species."""
        return (1.0 - np.asarray(yields, dtype=float)) @ self.consumed_1_s


def chain(
    steps: StepArrays,
    yields: np.ndarray,
    time_s: np.ndarray,
    temp_k: np.ndarray,
    prepared: Program | None = None,
) -> Chain:
    """Consecutive steps: virgin → gas + yields[0] · species 1 → … → gas + residue.

    Species j is consumed at A_j exp(−E_j/RT) m_j^n_j with m_j the fraction of the
    *initial* mass, which is exactly how the cone solver normalises (ρ_j/ρ_virgin,0), so
    fitted A's go to the solver unchanged. Over each sub-interval of the refined program
    (`MAX_STEP_K`) a species decays by the exact solution at the mid-interval rate
    constant, and what it leaves enters the next species at once.
    """
    grid = prepared or program(time_s, temp_k)
    k = len(steps.A_1_s)
    mass = np.empty((k, grid.fine_t.size))
    residue = np.empty(grid.fine_t.size)
    consumed = np.zeros((k, grid.fine_t.size))
    _chain_kernel(
        grid.fine_t,
        grid.fine_T,
        np.asarray(steps.A_1_s, dtype=float),
        np.asarray(steps.E_j_mol, dtype=float),
        np.asarray(steps.n, dtype=float),
        np.asarray(yields, dtype=float),
        mass,
        residue,
        consumed,
    )
    at = grid.coarse
    return Chain(mass[:, at], residue[at], consumed[:, at])


@numba.njit(cache=True, error_model="numpy")
def _chain_kernel(fine_t, fine_T, a, e, n, yields, mass, residue, consumed):  # pragma: no cover
    k = a.size
    m = np.zeros(k)
    m[0] = 1.0
    char = 0.0
    mass[:, 0] = m
    residue[0] = 0.0
    for i in range(1, fine_t.size):
        dt = fine_t[i] - fine_t[i - 1]
        temp = 0.5 * (fine_T[i] + fine_T[i - 1])
        carried = 0.0
        for j in range(k):
            old = m[j] + carried
            rate = math.exp(min(math.log(a[j]) - e[j] / (R_GAS * temp), 50.0))
            new = 0.0
            if old > 0.0:
                if n[j] == 1.0:
                    new = old * math.exp(-rate * dt)
                else:
                    base = old ** (1.0 - n[j]) + (n[j] - 1.0) * rate * dt
                    new = base ** (1.0 / (1.0 - n[j])) if base > 0.0 else 0.0
            if dt > 0.0:
                consumed[j, i] = (old - new) / dt
            carried = yields[j] * (old - new)
            m[j] = new
        char += carried
        mass[:, i] = m
        residue[i] = char
