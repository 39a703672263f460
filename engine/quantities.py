"""The physical quantities people type, read and export: accepted ranges, parsing, rounding.

One place says what Trinity accepts, so the command line, the window, the CSV readers
and the engine's own dataclasses refuse the same values with the same sentence:

- a **range** per physical input (`Limit`): outside it the models do not apply (a heat
  flux of 5 000 kW/m² is no cone test) or the solver's cost explodes (a 100 m
  "sample"), so the value is refused before any work starts. Inside the range but
  outside what a trained model saw is allowed and *flagged* as extrapolation by the
  predictor, not refused (`engine.predictor.TrainedRange`).
- **parsing** of numbers typed by people (`parse_number`): ASCII digits, one decimal
  point or decimal comma, an optional exponent. Python's ``float`` also takes ``1_000``,
  Arabic-Indic digits, ``inf`` and ``nan``, none of which a lab sheet means as a number.
- **resolution** for display and export (`RESOLUTION`, `round_frame`): a t_ig is
  measured to the second, a pHRR to the kW/m²; printing float32 noise (``123.45678``)
  claims a precision nobody has.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


class QuantityError(ValueError):
    """A value outside its accepted range, or text that is not a number; one sentence."""


@dataclass(frozen=True)
class Limit:
    """The accepted range of one physical input, with the reason for its bounds.

    ``low_open`` excludes ``low`` itself (a thickness of 0 is no sample).
    """

    label: str
    unit: str
    low: float
    high: float
    why: str
    low_open: bool = False

    def contains(self, value: float) -> bool:
        if not (isinstance(value, int | float) and math.isfinite(value)):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def describe(self) -> str:
        """'0–100 kW/m²' or 'more than 0 and at most 200 kW/m²', as people read it."""
        unit = f" {self.unit}" if self.unit else ""
        if math.isinf(self.high):
            bound = "more than" if self.low_open else "at least"
            return f"{bound} {self.low:g}{unit}"
        if self.low_open:
            return f"more than {self.low:g} and at most {self.high:g}{unit}"
        return f"{self.low:g}–{self.high:g}{unit}"

    def check(self, value: float, where: str | None = None) -> float:
        """``value`` as a float if it is inside the range; else `QuantityError`.

        ``where`` names the input as the user wrote it (a column, an option); the
        label is used when it is None.
        """
        name = where or self.label
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise QuantityError(f"{name} must be a number in {self.unit}, not {value!r}.")
        if not math.isfinite(value):
            raise QuantityError(f"{name} is {value}; give a finite number in {self.unit}.")
        if not self.contains(value):
            # The reason speaks of the upper bound; below the lower one the range says it all.
            why = f": {self.why}" if value > self.high else ""
            raise QuantityError(
                f"{name} {_plain(value)}{' ' + self.unit if self.unit else ''} is outside "
                f"the accepted range, {self.describe()}{why}."
            )
        return float(value)


def _plain(value: float) -> str:
    return f"{value:g}"


# Ranges -------------------------------------------------------------------------------

HEAT_FLUX = Limit(
    "heat flux", "kW/m²", 0.0, 200.0,
    "a cone heater irradiates at up to 100 kW/m² (ISO 5660-1), and far beyond it the "
    "reduced-order model's flame and surface assumptions no longer hold",
    low_open=True,
)
THICKNESS = Limit(
    "thickness", "mm", 0.0, 100.0,
    "cone specimens are at most 50 mm thick (ISO 5660-1), and the solver's cost grows "
    "with the thickness",
    low_open=True,
)
FLAME_FLUX = Limit(
    "flame heat flux", "kW/m²", 0.0, 100.0,
    "flames over cone specimens add about 10–35 kW/m²",
)
DENSITY = Limit("density", "kg/m³", 1.0, 20_000.0, "from foams to filled composites",
                low_open=False)
CONDUCTIVITY = Limit("conductivity", "W/m/K", 1e-3, 100.0,
                     "from aerogels to graphite-filled polymers")
SPECIFIC_HEAT = Limit("specific heat", "J/kg/K", 100.0, 10_000.0,
                      "solids lie between about 100 and 4 000 J/kg/K")
EMISSIVITY = Limit("emissivity", "", 0.0, 1.0, "a fraction of a black body's emission")
ABSORPTION_COEFFICIENT = Limit(
    "absorption coefficient", "1/m", 0.0, math.inf,
    "any positive value; leave it out for an opaque solid", low_open=True,
)
HEAT_OF_COMBUSTION = Limit("heat of combustion", "J/kg", 0.0, 1.2e8,
                           "hydrogen, the highest of any fuel, releases 120 MJ/kg")
HEAT_OF_REACTION = Limit("heat of reaction", "J/kg", -1e7, 1e7,
                         "polymer pyrolysis absorbs or releases at most a few MJ/kg")
GAS_SPECIFIC_HEAT = Limit("gas specific heat", "J/kg/K", 100.0, 10_000.0,
                          "gases lie between about 500 and 5 000 J/kg/K")
PRE_EXPONENTIAL = Limit(
    "pre-exponential factor", "1/s", 0.0, 1e60,
    "published pyrolysis kinetics reach about 1e45 1/s (the UMD property sets)",
    low_open=True,
)
ACTIVATION_ENERGY = Limit("activation energy", "J/mol", 0.0, 1e6,
                          "bond scission needs at most a few hundred kJ/mol")
REACTION_ORDER = Limit("reaction order", "", 0.0, 10.0,
                       "fitted orders lie between about 0.5 and 3", low_open=True)
FRACTION = Limit("fraction", "", 0.0, 1.0, "a part of a whole")
RELATIVE_AMOUNT = Limit(
    "fraction", "", 0.0, 1e6,
    "fractions are weights normalised to sum to one, e.g. 0.7,0.3 or 70,30",
    low_open=True,
)
# Measured results brought in with experimental data: beyond these the number is in other
# units (W/m², kJ/m²) or mistyped.
IGNITION_TIME = Limit(
    "time to ignition", "s", 0.0, 7200.0,
    "cone tests end within an hour or two of exposure", low_open=True,
)
PEAK_HRR = Limit(
    "peak heat release rate", "kW/m²", 0.0, 10_000.0,
    "the most energetic polymers peak near 3 000 kW/m²; is it in W/m²?", low_open=True,
)
TOTAL_HEAT = Limit(
    "total heat released", "MJ/m²", 0.0, 5_000.0,
    "100 mm of polyethylene releases about 4 000 MJ/m²; is it in kJ/m²?", low_open=True,
)
IMAGE_SIZE = Limit("image size", "px", 16, 8192, "a drawing from an icon to a poster")


# Parsing ------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}", re.ASCII)  # 2,500: 2.5 or 2500?


def parse_number(text: object, where: str, unit: str = "") -> float:
    """A number as people write it in a cell or an option: ``12``, ``-3.5``, ``12,5``
    (decimal comma), ``1e3``; surrounding spaces are ignored.

    Refused with one sentence: thousands separators and ``_`` (``1_000``, ``1,000.5``),
    digits of other scripts, ``inf``/``nan``, text. ``where`` names the input.
    """
    raw = str(text)
    shown = raw if len(raw) <= 40 else raw[:37] + "…"
    stripped = raw.strip()
    unit_text = f" in {unit}" if unit else ""
    if not stripped:
        raise QuantityError(f"{where} is empty; give a number{unit_text}.")
    if not _NUMBER.fullmatch(stripped):
        raise QuantityError(f"{where} is {shown!r}, not a number{unit_text}.")
    if _THOUSANDS.fullmatch(stripped):
        raise QuantityError(
            f"{where} is {shown!r}, which could be a decimal comma or a thousands "
            "separator; write it with a decimal point or without a separator."
        )
    value = float(stripped.replace(",", "."))
    if not math.isfinite(value):  # 1e999
        raise QuantityError(f"{where} is {shown!r}, too large to be a number{unit_text}.")
    return value


def parse_numbers(text: str, where: str, unit: str = "") -> tuple[float, ...]:
    """Comma-separated numbers (``25,50,75``); decimal points only, since the comma
    separates."""
    parts = [part.strip() for part in str(text).split(",")]
    if not any(parts):
        raise QuantityError(f"{where} is empty; give numbers separated by commas, e.g. 25,50.")
    values = []
    for part in parts:
        if "," in part or not part:
            raise QuantityError(
                f"{where} {text!r} has an empty item; give numbers separated by commas."
            )
        values.append(parse_number(part, where, unit))
    return tuple(values)


def number_argument(limit: Limit):
    """An argparse ``type`` that parses strictly and checks ``limit``."""

    def parse(text: str) -> float:
        import argparse

        try:
            return limit.check(parse_number(text, limit.label, limit.unit))
        except QuantityError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = limit.label  # argparse names the type in its message
    return parse


# Resolution ---------------------------------------------------------------------------

#: Decimals worth showing and exporting, by column name. ISO 5660-1 reports t_ig to the
#: second; HRR is measured to about 1 kW/m²; THR to 0.1 MJ/m².
RESOLUTION: dict[str, int] = {
    "time_s": 1,
    "tig_s": 0,
    "t_phrr_s": 0,
    "flameout_s": 0,
    "phrr_kw_m2": 0,
    "hrr_kw_m2": 1,
    "avg_hrr_60_kw_m2": 0,
    "avg_hrr_180_kw_m2": 0,
    "avg_hrr_300_kw_m2": 0,
    "marhe_kw_m2": 0,
    "figra_kw_m2_s": 2,
    "thr_mj_m2": 1,
    "mlr_g_m2s": 2,
    "mass_kg_m2": 4,
    "surface_temp_c": 1,
    "back_temp_c": 1,
    "stored_heat_kj_m2": 0,
    "heat_flux_kw_m2": 2,
    "thickness_mm": 3,
    "effective_heat_of_combustion_mj_kg": 1,
    "p_ignition": 2,  # a share of 24 plausible materials: two decimals are all it has
}


def resolution(column: str) -> int | None:
    """Decimals for a column: by its exact name, else by its ending (``simulated_time_s``
    and ``tig_s_std``, ``tig_s_low`` round like ``time_s`` and ``tig_s``); None when
    unknown."""
    name = column
    for suffix in ("_std", "_low", "_high"):
        name = name.removesuffix(suffix)
    if name in RESOLUTION:
        return RESOLUTION[name]
    for known in sorted(RESOLUTION, key=len, reverse=True):
        if name.endswith("_" + known):
            return RESOLUTION[known]
    return None


def round_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy with each known numeric column rounded to its `resolution`."""
    out = frame.copy()
    for column in columns if columns is not None else out.columns:
        decimals = resolution(str(column))
        if decimals is not None and pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype(float).round(decimals)
    return out
