"""Measured cone calorimeter time series → a curve and its metrics.

Two shapes are read: the tidy ``time_s,hrr_kw_m2`` CSV of the shipped data, and a
typical instrument export (time, heat release rate in kW, specimen mass in g, often
with a units row, semicolons or tabs). Column names are matched case-insensitively
with common aliases; HRR in kW is divided by the exposed area (0.01 m² unless given).
Rows that are not numbers are skipped and counted, never silently used.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.cone.metrics import CurveMetrics, curve_metrics

#: Exposed area of a standard 100 mm × 100 mm cone specimen (ISO 5660-1, ASTM E1354).
STANDARD_AREA_M2 = 0.01

_TIME = ("time_s", "time", "t", "elapsed time", "test time")
_HRRPUA = (
    "hrr_kw_m2",
    "hrrpua",
    "hrr per unit area",
    "heat release rate per unit area",
    "hrr/a",
    "q''",
    "hrr_kw/m2",
)
_HRR_KW = ("hrr_kw", "hrr", "heat release rate", "heat release", "q")
_MASS = ("mass_g", "mass", "specimen mass", "sample mass", "m")
_AREA_UNITS = ("kw/m2", "kw/m²", "kw m-2", "kw/m^2")


class CurveFileError(ValueError):
    """A time-series file that cannot be read as a cone test, with the reason."""


@dataclass(frozen=True, eq=False)
class MeasuredCurve:
    """One measured test: HRR per unit area on its own time base, and its metrics."""

    source: str
    time_s: np.ndarray
    hrr_kw_m2: np.ndarray
    mass_g: np.ndarray | None
    area_m2: float
    metrics: CurveMetrics
    skipped_rows: int = 0


def read_cone_curve(path: str | Path, *, area_m2: float | None = None) -> MeasuredCurve:
    """Read a tidy curve or an instrument export; raises `CurveFileError` on bad files."""
    path = Path(path)
    if area_m2 is not None and not (math.isfinite(area_m2) and area_m2 > 0):
        raise CurveFileError(f"The exposed area must be a positive number of m², not {area_m2}.")
    table = _read_table(path)
    columns = {_plain(c): c for c in table.columns}
    time_col = _pick(columns, _TIME)
    if time_col is None:
        raise CurveFileError(
            f"{path.name} has no time column (looked for {', '.join(_TIME)}); "
            "name the column 'time_s'."
        )
    hrr_col, per_area = _hrr_column(table, columns)
    if hrr_col is None:
        raise CurveFileError(
            f"{path.name} has no heat release rate column; name it 'hrr_kw_m2' "
            "(kW/m²) or 'HRR (kW)'."
        )
    mass_col = _pick(columns, _MASS)
    numeric = table.apply(pd.to_numeric, errors="coerce")
    needed = [time_col, hrr_col]
    good = numeric[needed].notna().all(axis=1)
    skipped = int((~good).sum())
    data = numeric[good]
    if len(data) < 2:
        raise CurveFileError(f"{path.name} has fewer than two numeric rows of time and HRR.")
    data = data.sort_values(time_col, kind="stable").drop_duplicates(time_col)
    area = area_m2 if area_m2 is not None else STANDARD_AREA_M2
    time = data[time_col].to_numpy(float)
    hrr = data[hrr_col].to_numpy(float)
    if not per_area:
        hrr = hrr / area
    mass = data[mass_col].to_numpy(float) if mass_col is not None else None
    mass_loss = None
    if mass is not None and np.isfinite(mass).sum() >= 2:
        finite = mass[np.isfinite(mass)]
        mass_loss = (finite[0] - finite[-1]) / 1000.0 / area
    return MeasuredCurve(
        source=str(path),
        time_s=time,
        hrr_kw_m2=hrr,
        mass_g=mass,
        area_m2=area,
        metrics=curve_metrics(time, hrr, mass_loss_kg_m2=mass_loss),
        skipped_rows=skipped,
    )


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CurveFileError(f"The file {path} does not exist.")
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    if not text.strip():
        raise CurveFileError(f"{path.name} is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        table = pd.read_csv(path, sep=sep, encoding="latin-1", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise CurveFileError(f"{path.name} is not a readable CSV table ({exc}).") from None
    return _merge_units_row(table)


def _merge_units_row(table: pd.DataFrame) -> pd.DataFrame:
    """Fold a units row (``s, kW, g``) under the header into the column names."""
    if table.empty:
        return table
    first = table.iloc[0]
    numeric = pd.to_numeric(first, errors="coerce")
    if numeric.notna().any():
        return table
    units = [str(u).strip(" ()[]") if isinstance(u, str) else "" for u in first]
    renamed = {
        c: f"{c} ({u})" if u and "(" not in str(c) else c
        for c, u in zip(table.columns, units, strict=True)
    }
    return table.iloc[1:].rename(columns=renamed).reset_index(drop=True)


def _plain(name: object) -> str:
    """Lower-case name without its unit: 'HRR (kW/m2)' → 'hrr'."""
    return re.sub(r"\s*[\(\[].*?[\)\]]\s*", "", str(name)).strip().lower()


def _unit(name: object) -> str:
    found = re.search(r"[\(\[](.*?)[\)\]]", str(name))
    return found.group(1).strip().lower() if found else ""


def _pick(columns: dict[str, str], aliases: tuple[str, ...]) -> str | None:
    for alias in aliases:
        if alias in columns:
            return columns[alias]
    return None


def _hrr_column(table: pd.DataFrame, columns: dict[str, str]) -> tuple[str | None, bool]:
    """The HRR column and whether it is already per unit area."""
    per_area = _pick(columns, _HRRPUA)
    if per_area is not None:
        return per_area, True
    kw = _pick(columns, _HRR_KW)
    if kw is None:
        return None, False
    unit = _unit(kw)
    return kw, unit in _AREA_UNITS
