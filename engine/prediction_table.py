"""Predictions for a table of tests (``trinity predict``, the Models tab's screening).

A table has ``smiles``, ``heat_flux_kw_m2`` and ``thickness_mm`` columns; every row is
checked on its own, good rows are predicted in batched calls, bad rows are kept with
their line in the file and the reason, and rows the file could not even split into
columns (`engine.csv_tables`) come back too, in their place, with their reason. Nothing
the user gave is silently dropped.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.csv_tables import CsvTable, TableFileError, read_csv_table, shorten
from engine.jobs import CancelToken, ProgressCallback, ProgressReporter
from engine.onnx_format import HIGH, LOW, SCALARS, STD
from engine.predictor import OnnxPredictor, Prediction, PredictorError
from engine.quantities import HEAT_FLUX, THICKNESS, Limit, QuantityError, parse_number, round_frame

#: Columns a table of tests needs (`predict_frame`, ``trinity predict``).
INPUT_COLUMNS = ("smiles", "heat_flux_kw_m2", "thickness_mm")
#: Numbers `predict_frame` adds: each scalar, its spread and its interval's bounds, and
#: the probability of ignition.
NUMBER_COLUMNS = (
    *(name + suffix for name in SCALARS for suffix in ("", STD, LOW, HIGH)), "p_ignition",
)
#: Columns `predict_frame` adds: the numbers, what the interval is, a sentence where the
#: test is an extrapolation (conditions or chemistry), then the reason a row failed.
RESULT_COLUMNS = (*NUMBER_COLUMNS, "interval", "extrapolation", "error")
#: Tests predicted per call; progress is reported and cancelling checked between calls.
CHUNK = 2000


@dataclass(frozen=True, eq=False)
class PredictionTable:
    """A table of tests with predictions, and the rows that could not be predicted.

    ``frame`` holds ``line`` (the row's line in the file; 1 is the header), the input
    columns (a column that clashes with ``line`` or a result column is kept as
    ``<name>_input``) and the `RESULT_COLUMNS` (NaN and a reason in ``error`` where a
    row failed, ``error`` empty where it did not), in file order. ``errors`` are
    ``(line, reason)``. ``prediction`` covers the good rows, which sit at positions
    ``rows`` of ``frame``.
    """

    frame: pd.DataFrame
    errors: list[tuple[int, str]]
    prediction: Prediction
    rows: np.ndarray

    def curves(self) -> pd.DataFrame:
        """The predicted HRR curves in long format, one row per test and time."""
        p, points = self.prediction, len(self.prediction.time_s)
        return pd.DataFrame({
            "line": np.repeat(self.frame["line"].to_numpy()[self.rows], points),
            "smiles": np.repeat(np.asarray(p.smiles, dtype=object), points),
            "heat_flux_kw_m2": np.repeat(p.heat_flux_kw_m2, points),
            "thickness_mm": np.repeat(p.thickness_mm, points),
            "time_s": np.tile(p.time_s, len(p)),
            "hrr_kw_m2": p.hrr_kw_m2.ravel(),
            "hrr_kw_m2_std": p.hrr_kw_m2_std.ravel(),
        })

    def rounded(self) -> pd.DataFrame:
        """``frame`` with each prediction to the resolution it has (`engine.quantities`);
        the user's own columns stay as written."""
        return round_frame(self.frame, NUMBER_COLUMNS)


def read_tests_csv(path: str | Path, *, encoding: str | None = None) -> CsvTable:
    """A CSV of tests as text cells (`engine.csv_tables`), so `predict_frame` can name
    each bad value as written; ``encoding`` None detects it."""
    try:
        table = read_csv_table(path, encoding=encoding)
    except TableFileError as error:
        raise PredictorError(str(error)) from None
    if table.frame.empty and not table.rejected:
        raise PredictorError(
            f"{Path(path).name} has a header but no tests; give one test per row."
        )
    return table


def predict_frame(
    predictor: OnnxPredictor,
    table: CsvTable | pd.DataFrame,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    level: float | None = None,
) -> PredictionTable:
    """Predict every good row of a table of tests; bad rows are kept with the reason.

    ``level`` is the intervals' (default: the model's calibration level, else 0.8).

    ``table`` is what `read_tests_csv` read, or a frame of cells (its rows are then
    numbered from line 2). It needs ``smiles``, ``heat_flux_kw_m2`` and
    ``thickness_mm`` columns (names matched case-insensitively); a missing one raises
    `PredictorError`. An optional ``fractions`` column gives a copolymer's unit fractions
    (mole basis, ``0.9;0.1``, one per unit of its SMILES), an optional ``backing`` column
    ``insulated`` (the default) or ``blanket``. Progress is reported per
    `CHUNK` tests; ``cancel`` is checked between chunks.
    """
    if isinstance(table, CsvTable):
        frame, lines, unreadable = table.frame, list(table.lines), list(table.rejected)
    else:
        frame, lines, unreadable = table, [i + 2 for i in range(len(table))], []
    frame = frame.reset_index(drop=True)
    columns = _input_columns(frame)
    by_name = {str(c).strip().lower(): c for c in frame.columns}
    mixes = (frame[by_name["fractions"]] if "fractions" in by_name
             else pd.Series([None] * len(frame)))
    backings = (frame[by_name["backing"]] if "backing" in by_name
                else pd.Series([None] * len(frame)))
    encoded: dict[tuple, tuple | str] = {}
    good, conditions, errors, fractions, backs = [], [], [], [], []
    for position, ((smiles, flux, thickness), mix, back) in enumerate(zip(
        frame[list(columns)].itertuples(index=False, name=None), mixes, backings, strict=True
    )):
        try:
            row = (_condition(flux, columns[1], HEAT_FLUX),
                   _condition(thickness, columns[2], THICKNESS))
            mix = _fractions(mix)
            back = _backing(back)
        except PredictorError as error:
            errors.append((position, str(error)))
            continue
        key = (_text(smiles), mix)
        if key not in encoded:
            try:
                encoded[key] = predictor.encode(*key)
            except PredictorError as error:
                encoded[key] = str(error)
        if isinstance(encoded[key], str):
            errors.append((position, encoded[key]))
            continue
        good.append((position, encoded[key]))
        conditions.append(row)
        fractions.append(mix)
        backs.append(back)
    rows = np.asarray([position for position, _ in good], dtype=np.int64)
    flux, thickness = np.asarray(conditions, dtype=np.float32).reshape(-1, 2).T
    prediction = _predict_chunks(predictor, [e for _, e in good], flux, thickness,
                                 progress, cancel, level, fractions, backs)
    out = frame.rename(columns={c: f"{c}_input" for c in frame.columns
                                if c in RESULT_COLUMNS or c == "line"})
    for name in NUMBER_COLUMNS:
        values = np.full(len(out), np.nan)
        found = getattr(prediction, name)
        if found is not None:
            values[rows] = found
        out[name] = values
    out["interval"] = ""
    out.loc[rows, "interval"] = prediction.interval
    out["extrapolation"] = ""
    out.loc[rows, "extrapolation"] = list(prediction.extrapolation)
    out["error"] = ""
    for position, message in errors:
        out.loc[position, "error"] = message
    out.insert(0, "line", lines)
    if unreadable:  # rows the file could not split: back in their place, with the reason
        blank = pd.DataFrame({"line": [r.line for r in unreadable],
                              "error": [r.reason for r in unreadable]})
        out = pd.concat([out, blank], ignore_index=True)
        order = np.argsort(out["line"].to_numpy(), kind="stable")
        rows = np.argsort(order)[rows]
        out = out.iloc[order].reset_index(drop=True)
        for column in out.columns:
            if not pd.api.types.is_numeric_dtype(out[column]):
                out[column] = out[column].fillna("")
    found = [(lines[position], message) for position, message in errors]
    found += [(r.line, r.reason) for r in unreadable]
    return PredictionTable(out, sorted(found), prediction, rows)


def _predict_chunks(predictor, encoded, flux, thickness, progress, cancel,
                    level, fractions, backs) -> Prediction:
    """`OnnxPredictor._run` over `CHUNK`-sized pieces, reporting progress between them."""
    report = ProgressReporter(len(encoded), progress)
    calibration = predictor.info.calibration
    level = level if level is not None else (calibration.default_level if calibration else 0.8)
    parts = []
    for start in range(0, max(len(encoded), 1), CHUNK):
        if cancel is not None:
            cancel.raise_if_cancelled()
        stop = start + CHUNK
        piece = encoded[start:stop]
        parts.append(predictor._run(piece, flux[start:stop], thickness[start:stop], level,
                                    fractions[start:stop], backs[start:stop]))
        done = min(stop, len(encoded))
        report(done, f"{done} of {len(encoded)} tests predicted")
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    joined = {
        f.name: np.concatenate([getattr(p, f.name) for p in parts])
        for f in dataclasses.fields(Prediction)
        if isinstance(getattr(first, f.name), np.ndarray) and f.name != "time_s"
    }
    return dataclasses.replace(
        first,
        smiles=tuple(s for p in parts for s in p.smiles),
        extrapolation=tuple(e for p in parts for e in p.extrapolation),
        **joined,
    )


def _input_columns(frame: pd.DataFrame) -> tuple[str, str, str]:
    by_name = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in INPUT_COLUMNS if c not in by_name]
    if missing:
        raise PredictorError(
            f"The table has no {' or '.join(repr(c) for c in missing)} column; every test "
            "needs smiles, heat_flux_kw_m2 (kW/m²) and thickness_mm (mm)."
        )
    return tuple(by_name[c] for c in INPUT_COLUMNS)


def _backing(value: object) -> str:
    """A ``backing`` cell: insulated (also when empty) or blanket."""
    text = _text(value).lower()
    if text in ("", "insulated"):
        return "insulated"
    if text == "blanket":
        return "blanket"
    raise PredictorError(
        f"backing {shorten(_text(value))!r} is neither 'insulated' nor 'blanket'.")


def _fractions(value: object) -> tuple[float, ...] | None:
    """A ``fractions`` cell (``0.9;0.1``, or ``/`` or spaces between) as numbers; empty
    is None (equal moles)."""
    text = _text(value)
    if not text:
        return None
    parts = [p for p in text.replace("/", ";").replace(" ", ";").split(";") if p]
    try:
        values = tuple(parse_number(p, "fractions", "") for p in parts)
    except QuantityError:
        values = ()
    if not values or any(v < 0 for v in values) or sum(values) <= 0:
        raise PredictorError(
            f"fractions {shorten(text)!r} must be non-negative numbers separated by ';', one "
            "per repeat unit of the SMILES (e.g. 0.9;0.1)."
        )
    return values


def _text(value: object) -> str:
    """A cell as text; a missing cell is empty, which `parse_polymer` explains."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "" if missing else str(value).strip()


def _condition(value: object, column: str, limit: Limit) -> float:
    """A cell as a number inside ``limit``'s accepted range (`engine.quantities`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = repr(float(value)) if math.isfinite(value) else str(value)
    try:
        return limit.check(parse_number(_text(value), column, limit.unit), column)
    except QuantityError as error:
        raise PredictorError(str(error)) from None
