"""A measured cone calorimeter curve and its error type.

Files are read by `engine.cone.files.read_cone_file` (every format labs write, metadata
and ISO 5660 results); `read_cone_curve` is its short form for callers that want only
the curve: time from specimen insertion, HRR per unit area, the specimen mass where the
file has it. Rows that are not numbers are skipped and counted, never silently used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.cone.metrics import CurveMetrics

#: Exposed area of a standard 100 mm × 100 mm cone specimen (ISO 5660-1, ASTM E1354).
STANDARD_AREA_M2 = 0.01


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
    """The curve of any cone test file `engine.cone.files.read_cone_file` reads (time from
    insertion, HRR per unit area); raises `CurveFileError` on bad files."""
    from engine.cone.files import read_cone_file

    return read_cone_file(path, area_m2=area_m2).curve
