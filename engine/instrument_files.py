"""The files instruments write: text, a column header, numbers, and metadata around them.

Cone calorimeter loggers, TGA and MCC software and lab scripts dress one table in many
ways. This module reads what they share, once, for every reader of measured data
(`engine.cone.files` for cone tests, `engine.thermal.curves` for TGA and MCC runs):

- **encoding**: a byte-order mark, else UTF-8, else charset-normalizer's guess, Windows-1252
  when it reads the same (`engine.csv_tables`: Western Windows loggers write ``kW/m²`` as
  the byte 0xB2);
- **separator and decimal mark**: ``;`` or tab with decimal commas, or ``,`` with points,
  found from the header line and the first data rows;
- **header and units row**: the header is the first line the caller's test accepts with
  numbers following it; a line under it without numbers in the data columns is a units
  row (``[s],[g],[kW/m2]``; ``no`` means none), folded into the column names;
- **metadata**: ``key: value`` / ``key;value`` lines before the header (``#`` comments, a
  block ended by an ``@`` or blank line) and key/value columns running beside the data
  (text keys in one column, values in the next); keys are compared without case, spacing
  or bracket style, the first value of a key wins and a different later one is recorded
  as a conflict;
- **sentinels**: unused channels filled with 999998-like values read as missing.

Every problem is one sentence, raised as the caller's error class.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: Larger files are refused: one test is megabytes at most, a mistaken file gigabytes.
MAX_FILE_BYTES = 200 * 1024**2
#: How far down a file the column header is looked for.
HEADER_SEARCH_LINES = 2000
#: Values loggers write into channels that are not connected.
SENTINELS = (999998.0, 999999.0, -999.0, -9999.0, 9.9e37)
DELIMITERS = (";", "\t", ",")

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+([eE][+-]?\d+)?$")
_KEY_VALUE = re.compile(r"^\s*([^:=;\t]*[^:=;\t\s])\s*(?::|=|;|\t)\s*(.*?)\s*$")
_COMMA_KEY_VALUE = re.compile(r"^\s*([^,]*[^,\s])\s*,\s*(.*?)\s*$")
#: A '# key: value' line: metadata, never the column header (which NETZSCH marks '##').
_COMMENT = re.compile(r"^#(?!#)\s*[\w .()/-]+:\s")


@dataclass(frozen=True)
class InstrumentText:
    path: Path
    lines: list[str]
    encoding: str


@dataclass(frozen=True, eq=False)
class InstrumentTable:
    """One file's table: numbers by column, units, metadata and how the file was written.

    ``data`` holds floats, NaN where a cell was empty, not a number or a sentinel.
    ``columns`` are the header names; ``units`` the units row (empty strings without one).
    ``metadata`` maps normalised keys (`normalise_key`) to the first value given;
    ``metadata_keys`` the same keys to the text the file used.
    """

    path: Path
    encoding: str
    delimiter: str
    decimal_comma: bool
    header_line: int
    columns: list[str]
    units: list[str]
    data: np.ndarray
    metadata: dict[str, str] = field(default_factory=dict)
    metadata_keys: dict[str, str] = field(default_factory=dict)
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_rows: int = 0
    sentinel_cells: int = 0
    #: the lines above the header, as written (metadata blocks, comments)
    preamble: list[str] = field(default_factory=list)

    def column(self, index: int) -> np.ndarray:
        return self.data[:, index]

    def label(self, index: int) -> str:
        """'name (unit)' of a column, the unit from the units row where the name has none."""
        name, unit = self.columns[index], self.units[index]
        return f"{name} ({unit})" if unit and not re.search(r"[\(\[]", name) else name


def read_text(path: str | Path, error: type[Exception], what: str) -> InstrumentText:
    """The file's lines, decoded; ``error`` carries the one sentence when it cannot be."""
    from engine.csv_tables import TableFileError, decode_text, read_file_bytes

    path = Path(path)
    try:
        data = read_file_bytes(path, what=what, empty=f"export the {what} with its data rows",
                               limit_bytes=MAX_FILE_BYTES)
        text, encoding = decode_text(data, path, None)
    except TableFileError as exc:
        raise error(str(exc).replace("the table", f"the {what}")) from None
    lines = [line.rstrip("\r").lstrip("\ufeff") for line in text.split("\n")]
    return InstrumentText(path, lines, encoding)


def normalise_key(key: str) -> str:
    """A metadata key as compared: lower case, one space, round brackets, no trailing ':'."""
    key = key.strip().strip(":").replace("[", "(").replace("]", ")").lower()
    key = re.sub(r"\s*\(\s*", " (", key)
    key = re.sub(r"\s*\)", ")", key)
    return re.sub(r"\s+", " ", key).strip()


def split_cells(line: str, delimiter: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in line.split(delimiter)]


def is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell.strip()))


def read_instrument_table(
    path: str | Path,
    is_header: Callable[[list[str]], bool],
    error: type[Exception],
    *,
    what: str = "file",
    missing_header: str = "",
) -> InstrumentTable:
    """Read ``path``'s table; its header is the first line whose cells ``is_header`` accepts
    (with numbers on the next data line). ``missing_header`` is the sentence when none is."""
    text = read_text(path, error, what)
    lines = text.lines
    found = find_header(lines, is_header)
    if found is None:
        raise error(missing_header or f"{text.path.name} has no column header followed by "
                                      "numbers.")
    at, delimiter = found
    header = split_cells(lines[at].lstrip("#"), delimiter)
    body = [split_cells(line, delimiter) for line in lines[at + 1:]
            if line.strip() and not line.lstrip().startswith("#")]
    decimal_comma = delimiter != "," and _decimal_comma(body[:50])
    units = [""] * len(header)
    if body and _is_units_row(body[0], header):
        units = [_unit_text(c) for c in (body[0] + [""] * len(header))[:len(header)]]
        body = body[1:]
    width = max([len(header), *(len(row) for row in body)]) if body else len(header)
    grid = [row + [""] * (width - len(row)) for row in body]
    header = header + [""] * (width - len(header))
    units = units + [""] * (width - len(units))
    cells = np.array(grid, dtype=object) if grid else np.empty((0, width), dtype=object)

    meta: dict[str, str] = {}
    keys: dict[str, str] = {}
    conflicts: list[tuple[str, str, str]] = []
    for key, value in leading_metadata(lines[:at]):
        _add(meta, keys, conflicts, key, value)
    side = _metadata_columns(cells, header)
    for key_col in side:
        for key, value in zip(cells[:, key_col], cells[:, key_col + 1], strict=True):
            if key:
                _add(meta, keys, conflicts, key, value)
    if side:
        keep = [j for j in range(width) if j not in side and j - 1 not in side]
        cells, header, units = cells[:, keep], [header[j] for j in keep], [units[j] for j in keep]
    while header and not header[-1] and not (cells[:, -1] != "").any():
        cells, header, units = cells[:, :-1], header[:-1], units[:-1]

    data, sentinels = _numbers(cells, decimal_comma)
    filled = ~np.isnan(data)
    numeric_rows = filled.sum(axis=1) >= min(2, data.shape[1]) if data.size else np.zeros(0, bool)
    skipped = int((~numeric_rows).sum())
    return InstrumentTable(
        path=text.path, encoding=text.encoding, delimiter=delimiter,
        decimal_comma=decimal_comma, header_line=at + 1, columns=header, units=units,
        data=data[numeric_rows], metadata=meta, metadata_keys=keys, conflicts=conflicts,
        skipped_rows=skipped, sentinel_cells=sentinels, preamble=lines[:at],
    )


def find_header(lines: list[str], is_header: Callable[[list[str]], bool], *,
                require_numbers: bool = False) -> tuple[int, str] | None:
    """(line index, delimiter) of the first accepted line with numbers under it; else,
    unless ``require_numbers``, the first accepted line (a table without numeric rows is
    then reported as such, not as one without a header)."""
    first = None
    for i, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        bare = line.lstrip("#").strip()
        if not bare or _COMMENT.match(line):
            continue
        ordered = sorted(DELIMITERS, key=lambda d: -bare.count(d))
        for delimiter in ordered:
            if bare.count(delimiter) == 0:
                continue
            cells = split_cells(bare, delimiter)
            if is_header(cells):
                if _numbers_follow(lines[i + 1:], delimiter):
                    return i, delimiter
                first = first or (i, delimiter)
    return None if require_numbers else first


def _numbers_follow(lines: list[str], delimiter: str) -> bool:
    """Whether the next line, or the one after a units row, holds two numbers."""
    for line in [ln for ln in lines[:30] if ln.strip() and not ln.startswith("#")][:2]:
        if sum(is_number(c) for c in split_cells(line, delimiter)) >= 2:
            return True
    return False


def _decimal_comma(rows: list[list[str]]) -> bool:
    return any(_COMMA_DECIMAL.match(cell) for row in rows for cell in row)


def _is_units_row(row: list[str], header: list[str]) -> bool:
    """No numbers where the header names columns, and at least one unit-like cell."""
    named = [c for c, h in zip(row, header, strict=False) if h]
    return not any(is_number(c) for c in named) and any(c for c in row)


def _unit_text(cell: str) -> str:
    unit = cell.strip()
    if len(unit) > 1 and unit[0] in "[(" and unit[-1] in ")]":
        unit = unit[1:-1].strip()
    return "" if unit.lower() in ("no", "-", "none", "n/a") else unit


def leading_metadata(lines: list[str]) -> list[tuple[str, str]]:
    """key/value pairs from the lines before the header (``#`` lines, a block, ``@``)."""
    pairs = []
    for line in lines:
        bare = line.strip().lstrip("#").strip()
        if not bare or bare.startswith("@"):
            continue
        match = _KEY_VALUE.match(bare) or _COMMA_KEY_VALUE.match(bare)
        if match:
            value = match.group(2).strip().strip(";,\t").strip().strip('"')
            pairs.append((match.group(1).strip().strip('"'), value))
    return pairs


def _metadata_columns(cells: np.ndarray, header: list[str]) -> list[int]:
    """Key columns of key/value pairs running beside the data: text keys in column j
    (none of them numbers), values in j + 1, left of the first numeric column."""
    keys = []
    j = 0
    while j + 1 < cells.shape[1]:
        column = [c for c in cells[:, j] if c]
        if not column or any(is_number(c) for c in column):
            break
        if sum(bool(c) for c in cells[:, j + 1]) == 0 and header[j + 1]:
            break
        keys.append(j)
        j += 2
    return keys


def _add(meta, keys, conflicts, key: str, value: str) -> None:
    norm = normalise_key(key)
    if not norm:
        return
    value = value.strip()
    if norm not in meta:
        meta[norm], keys[norm] = value, key.strip()
    elif value and value != meta[norm]:
        if not meta[norm]:
            meta[norm] = value  # an empty first value gives way to a given one
        else:
            conflicts.append((keys[norm], meta[norm], value))


def _numbers(cells: np.ndarray, decimal_comma: bool) -> tuple[np.ndarray, int]:
    if cells.size == 0:
        return np.empty(cells.shape, float), 0
    frame = pd.DataFrame(cells)
    if decimal_comma:
        frame = frame.apply(lambda col: col.str.replace(",", ".", regex=False))
    data = np.array(frame.apply(pd.to_numeric, errors="coerce").to_numpy(float))
    sentinel = np.isin(data, SENTINELS)
    data[sentinel] = np.nan
    return data, int(sentinel.sum())


def number(text: str | None) -> float | None:
    """A metadata value as a number (decimal comma or point), None when it is not one."""
    if text is None:
        return None
    text = text.strip().replace(" ", "")
    if not is_number(text):
        return None
    value = float(text.replace(",", "."))
    return None if value in SENTINELS else value
