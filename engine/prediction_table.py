"""Predictions for a table of tests (``trinity predict``, the Models tab's screening).

A table has ``smiles``, ``heat_flux_kw_m2`` and ``thickness_mm`` columns; every row is
checked on its own, good rows are predicted in one batched call, bad rows are kept with
their line in the file and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.onnx_format import SCALARS, STD
from engine.predictor import OnnxPredictor, Prediction, PredictorError

#: Columns a table of tests needs (`predict_frame`, ``trinity predict``).
INPUT_COLUMNS = ("smiles", "heat_flux_kw_m2", "thickness_mm")
#: Columns `predict_frame` adds: each scalar and its spread, then the reason a row failed.
RESULT_COLUMNS = (*(name + suffix for name in SCALARS for suffix in ("", STD)), "error")

@dataclass(frozen=True, eq=False)
class PredictionTable:
    """A table of tests with predictions, and the rows that could not be predicted.

    ``frame`` holds the input columns (a column that clashes with a result column is
    kept as ``<name>_input``), the `RESULT_COLUMNS` (NaN and a reason in ``error``
    where a row failed, ``error`` empty where it did not). ``errors`` are
    ``(line, reason)`` with CSV line numbers (the header is line 1). ``prediction``
    covers the good rows, which sit at positions ``rows`` of ``frame``.
    """

    frame: pd.DataFrame
    errors: list[tuple[int, str]]
    prediction: Prediction
    rows: np.ndarray

    def curves(self) -> pd.DataFrame:
        """The predicted HRR curves in long format, one row per test and time."""
        p, points = self.prediction, len(self.prediction.time_s)
        return pd.DataFrame({
            "line": np.repeat(self.rows + 2, points),
            "smiles": np.repeat(np.asarray(p.smiles, dtype=object), points),
            "heat_flux_kw_m2": np.repeat(p.heat_flux_kw_m2, points),
            "thickness_mm": np.repeat(p.thickness_mm, points),
            "time_s": np.tile(p.time_s, len(p)),
            "hrr_kw_m2": p.hrr_kw_m2.ravel(),
            "hrr_kw_m2_std": p.hrr_kw_m2_std.ravel(),
        })


def read_tests_csv(path: str | Path) -> pd.DataFrame:
    """A CSV of tests as text cells, so `predict_frame` can name each bad value as written."""
    path = Path(path)
    if not path.is_file():
        raise PredictorError(f"The input file {path} does not exist.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise PredictorError(f"{path} is empty; give a header and one test per row.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise PredictorError(f"{path} is not a readable CSV table ({error}).") from None
    if frame.empty:
        raise PredictorError(f"{path} has a header but no tests; give one test per row.")
    return frame


def predict_frame(predictor: OnnxPredictor, frame: pd.DataFrame) -> PredictionTable:
    """Predict every good row of a table of tests; bad rows are kept with the reason.

    The table needs ``smiles``, ``heat_flux_kw_m2`` and ``thickness_mm`` columns (names
    matched case-insensitively); a missing one raises `PredictorError`.
    """
    columns = _input_columns(frame)
    encoded: dict[str, tuple[str, np.ndarray] | str] = {}
    good, conditions, errors = [], [], []
    for position, (smiles, flux, thickness) in enumerate(
        frame[list(columns)].itertuples(index=False, name=None)
    ):
        smiles = _text(smiles)
        try:
            row = (_positive(flux, columns[1], "kW/m²"), _positive(thickness, columns[2], "mm"))
        except PredictorError as error:
            errors.append((position + 2, str(error)))
            continue
        if smiles not in encoded:
            try:
                encoded[smiles] = predictor.encode(smiles)
            except PredictorError as error:
                encoded[smiles] = str(error)
        if isinstance(encoded[smiles], str):
            errors.append((position + 2, encoded[smiles]))
            continue
        good.append((position, encoded[smiles]))
        conditions.append(row)
    rows = np.asarray([position for position, _ in good], dtype=np.int64)
    flux, thickness = np.asarray(conditions, dtype=np.float32).reshape(-1, 2).T
    prediction = predictor._run([e for _, e in good], flux, thickness)
    out = frame.rename(columns={c: f"{c}_input" for c in frame.columns if c in RESULT_COLUMNS})
    out = out.reset_index(drop=True)
    for name in RESULT_COLUMNS[:-1]:
        values = np.full(len(out), np.nan)
        values[rows] = getattr(prediction, name)
        out[name] = values
    out["error"] = ""
    for line, message in errors:
        out.loc[line - 2, "error"] = message
    return PredictionTable(out, errors, prediction, rows)


def _input_columns(frame: pd.DataFrame) -> tuple[str, str, str]:
    by_name = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in INPUT_COLUMNS if c not in by_name]
    if missing:
        raise PredictorError(
            f"The table has no {' or '.join(repr(c) for c in missing)} column; every test "
            "needs smiles, heat_flux_kw_m2 (kW/m²) and thickness_mm (mm)."
        )
    return tuple(by_name[c] for c in INPUT_COLUMNS)


def _text(value: object) -> str:
    """A cell as text; a missing cell is empty, which `parse_polymer` explains."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "" if missing else str(value).strip()


def _positive(value: object, column: str, unit: str) -> float:
    text = str(value).strip()
    if text.lower() in ("", "nan"):
        raise PredictorError(f"{column} is empty; give a positive number in {unit}.")
    try:
        number = float(text)
    except ValueError:
        raise PredictorError(f"{column} is {text!r}, not a number in {unit}.") from None
    if not (math.isfinite(number) and number > 0):
        raise PredictorError(f"{column} is {text}; give a positive number in {unit}.")
    return number
