"""What a prediction's interval and method are, as a model file carries them.

A `Calibration` says, per target (t_ig, pHRR, THR), which method predicts it, the
correction that method applies to the physics (`TargetCorrection`), and the held-out
errors its interval is read from (`Band`: split conformal, each polymer weighing the
same). It is written by `engine.physics_informed.build_calibration` and travels in a
Trinity ONNX file's metadata; this module needs numpy only, so the predictor reads it
without importing the cone model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TARGETS = ("tig_s", "phrr_kw_m2", "thr_mj_m2")
#: Scale of each target, so that log(y_physics / y_ref) is of order one.
REFERENCE = {"tig_s": 60.0, "phrr_kw_m2": 800.0, "thr_mj_m2": 80.0}
REFERENCE_FLUX_KW_M2 = 50.0
REFERENCE_THICKNESS_MM = 6.0
DEFAULT_LEVEL = 0.8
PHYSICS = "physics"
PHYSICS_INFORMED = "physics_informed"
MODEL = "model"
CALIBRATION_VERSION = 1


def features(target: str, physics: np.ndarray, flux: np.ndarray, thickness: np.ndarray):
    """x = (1, log(q/50 kW/m²), log(L/6 mm), log(y_physics/y_ref)) per test."""
    return np.column_stack([
        np.ones_like(physics),
        np.log(flux / REFERENCE_FLUX_KW_M2),
        np.log(thickness / REFERENCE_THICKNESS_MM),
        np.log(physics / REFERENCE[target]),
    ])


@dataclass(frozen=True)
class TargetCorrection:
    """log y = log y_physics + coefficients · x; ``alpha`` None: no correction."""

    target: str
    alpha: float | None
    coefficients: tuple[float, ...]

    def apply(self, physics: np.ndarray, flux: np.ndarray, thickness: np.ndarray) -> np.ndarray:
        physics = np.asarray(physics, float)
        if self.alpha is None:
            return physics.copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            x = features(self.target, physics, np.asarray(flux, float),
                         np.asarray(thickness, float))
            return physics * np.exp(x @ np.asarray(self.coefficients))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value v with (weight of values ≤ v) ≥ q · total weight."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = np.cumsum(w) / w.sum()
    return float(v[min(np.searchsorted(cumulative, q - 1e-12), v.size - 1)])


@dataclass(frozen=True)
class Band:
    """Held-out |log(measured/predicted)| of one target with their polymer weights, from
    which the half-width of an interval at any level is read."""

    target: str
    residuals: tuple[float, ...]
    weights: tuple[float, ...]
    polymers: int

    def half_width(self, level: float) -> float:
        """log half-width of the interval at ``level`` (split conformal, finite-sample)."""
        if not 0 < level < 1:
            raise ValueError(f"An interval level must lie between 0 and 1, not {level}.")
        if not self.residuals:
            return math.inf
        corrected = min(1.0, level * (1.0 + 1.0 / max(self.polymers, 1)))
        return weighted_quantile(np.asarray(self.residuals), np.asarray(self.weights), corrected)


@dataclass(frozen=True)
class Calibration:
    """What the shipped predictions are, per target: the method that won on held-out
    polymers, its correction (fitted to every polymer) and its band of held-out errors."""

    methods: dict[str, str]
    corrections: dict[str, TargetCorrection]
    bands: dict[str, Band]
    default_level: float
    summary: dict

    def to_json(self) -> dict:
        return {
            "version": CALIBRATION_VERSION,
            "methods": self.methods,
            "corrections": {t: {"alpha": c.alpha, "coefficients": list(c.coefficients)}
                            for t, c in self.corrections.items()},
            "bands": {t: {"residuals": list(b.residuals), "weights": list(b.weights),
                          "polymers": b.polymers} for t, b in self.bands.items()},
            "default_level": self.default_level,
            "summary": _finite(self.summary),
        }

    @classmethod
    def from_json(cls, record: dict) -> Calibration:
        """Raises `ValueError` with one sentence when the record is not a calibration."""
        try:
            if record["version"] != CALIBRATION_VERSION:
                raise ValueError(
                    f"The interval calibration is of version {record['version']}, but this "
                    f"Trinity reads version {CALIBRATION_VERSION}; calibrate the model again."
                )
            methods = {t: str(record["methods"][t]) for t in TARGETS}
            corrections = {
                t: TargetCorrection(t, c["alpha"], tuple(float(v) for v in c["coefficients"]))
                for t, c in record["corrections"].items()
            }
            bands = {
                t: Band(t, tuple(float(v) for v in b["residuals"]),
                        tuple(float(v) for v in b["weights"]), int(b["polymers"]))
                for t, b in record["bands"].items()
            }
            level = float(record["default_level"])
            summary = dict(record.get("summary") or {})
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(
                f"The interval calibration is damaged ({type(error).__name__}: {error}); "
                "calibrate the model again."
            ) from None
        unknown = set(methods.values()) - {PHYSICS, PHYSICS_INFORMED, MODEL}
        if unknown or set(bands) != set(TARGETS):
            raise ValueError("The interval calibration is damaged (methods or bands); "
                             "calibrate the model again.")
        return cls(methods, corrections, bands, level, summary)




def _finite(value):
    """``value`` with every non-finite float made None, so it is valid JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
