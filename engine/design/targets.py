"""Fire targets (``tig_s>=60``, ``phrr_kw_m2<=300``) and how well a prediction meets them.

A target's margin is the log of the predicted value over the threshold, signed so that a
met target is positive: a ratio, because a 10 s miss means more at 20 s than at 200 s,
and because the calibrated intervals are themselves log-symmetric. A sample that does
not ignite meets every "later ignition" and "less heat" target by the largest margin.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

#: What a target may name: (meaning, unit) of each predicted scalar.
TARGETS = {
    "tig_s": ("time to ignition", "s"),
    "phrr_kw_m2": ("peak heat release rate", "kW/m²"),
    "thr_mj_m2": ("total heat released", "MJ/m²"),
}
#: Short names a user may type for them.
ALIASES = {"tig": "tig_s", "phrr": "phrr_kw_m2", "thr": "thr_mj_m2"}
#: Largest margin counted, ln 10: beyond ten times the threshold a candidate is not
#: better for it, and no ignition (an infinite ratio) stays comparable.
MARGIN_CAP = math.log(10.0)
#: A shortfall weighs this many times a surplus in the score, so one target far exceeded
#: does not buy another target missed.
SHORTFALL_WEIGHT = 3.0

_PATTERN = re.compile(r"^\s*([A-Za-z_0-9]+)\s*(>=|<=|≥|≤)\s*([-+0-9.eE]+)\s*$")


class TargetError(ValueError):
    """A target that cannot be read; the sentence says the accepted form."""


@dataclass(frozen=True)
class Target:
    """``name`` (a key of `TARGETS`) at least (``>=``) or at most (``<=``) ``value``."""

    name: str
    op: str
    value: float

    @property
    def maximise(self) -> bool:
        return self.op == ">="

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value:g}"

    def margin(self, values: np.ndarray) -> np.ndarray:
        """Signed log ratio to the threshold, within ±`MARGIN_CAP`; positive where met.

        NaN t_ig (no ignition expected) is the latest ignition there is; pHRR and THR of
        0 are no flame."""
        values = np.asarray(values, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.log(values / self.value)
        if self.name == "tig_s":
            ratio = np.where(np.isnan(values), np.inf, ratio)
        ratio = np.where(np.isnan(ratio), -np.inf, ratio)
        signed = ratio if self.maximise else -ratio
        return np.clip(signed, -MARGIN_CAP, MARGIN_CAP)

    def met(self, values: np.ndarray) -> np.ndarray:
        return self.margin(values) >= 0


def parse_target(text: str) -> Target:
    """``tig_s>=60``, ``phrr <= 300`` (short names tig, phrr, thr are accepted)."""
    match = _PATTERN.match(text)
    names = ", ".join(TARGETS)
    if not match:
        raise TargetError(
            f"Target {text!r} is not of the form NAME>=VALUE or NAME<=VALUE "
            f"(names: {names}), e.g. \"tig_s>=60\".")
    name, op, number = match.groups()
    name = ALIASES.get(name.lower(), name.lower())
    if name not in TARGETS:
        raise TargetError(f"Target {text!r} names {name!r}; choose from {names}.")
    try:
        value = float(number)
    except ValueError:
        raise TargetError(f"Target {text!r}: {number!r} is not a number.") from None
    if not (math.isfinite(value) and value > 0):
        raise TargetError(f"Target {text!r}: the threshold must be a positive number.")
    return Target(name, {"≥": ">=", "≤": "<="}.get(op, op), value)


def check_targets(targets: tuple[Target, ...]) -> None:
    """At least one target, and no scalar asked for twice in the same direction."""
    if not targets:
        raise TargetError('Give at least one target, e.g. --target "tig_s>=60".')
    seen = set()
    for target in targets:
        key = (target.name, target.op)
        if key in seen:
            raise TargetError(f"{target.name} {target.op} is given twice; keep one.")
        seen.add(key)


def margins(targets: tuple[Target, ...], values: dict[str, np.ndarray]) -> np.ndarray:
    """(polymers × targets) margins from predicted values by target name."""
    return np.stack([t.margin(values[t.name]) for t in targets], axis=1)


def scores(margin: np.ndarray) -> np.ndarray:
    """One number per polymer: surpluses add, shortfalls weigh `SHORTFALL_WEIGHT` times."""
    return margin.sum(axis=1) + (SHORTFALL_WEIGHT - 1.0) * np.minimum(margin, 0.0).sum(axis=1)
