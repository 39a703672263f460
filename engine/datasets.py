"""Experimental cone data: the shipped set, and CSV files users bring.

A user's experimental CSV has one row per test: ``smiles``, ``heat_flux_kw_m2``,
``thickness_mm`` and any of ``tig_s``, ``phrr_kw_m2``, ``thr_mj_m2``, optionally
``polymer`` and ``curve_file`` (a time series, tidy or as exported by the instrument).
Column names are matched case-insensitively with common aliases. Every row is checked
on its own: good rows are kept, bad rows are reported with their line number and
reason, and a curve fills in the pHRR and THR a row does not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from engine.cone.files import read_cone_file
from engine.cone.measured import CurveFileError
from engine.csv_tables import RejectedRow, TableFileError, read_csv_table, shorten
from engine.polymer import PolymerError, parse_polymer
from engine.quantities import (
    HEAT_FLUX,
    IGNITION_TIME,
    PEAK_HRR,
    THICKNESS,
    TOTAL_HEAT,
    QuantityError,
    parse_number,
)
from engine.resources import resource_path

#: Canonical columns of an imported experimental table.
COLUMNS = (
    "polymer",
    "smiles",
    "heat_flux_kw_m2",
    "thickness_mm",
    "tig_s",
    "phrr_kw_m2",
    "thr_mj_m2",
    "curve_file",
    "line",
)
TARGETS = ("tig_s", "phrr_kw_m2", "thr_mj_m2")
#: The accepted range of each number a row carries (`engine.quantities`).
LIMITS = {
    "heat_flux_kw_m2": HEAT_FLUX,
    "thickness_mm": THICKNESS,
    "tig_s": IGNITION_TIME,
    "phrr_kw_m2": PEAK_HRR,
    "thr_mj_m2": TOTAL_HEAT,
}

_ALIASES = {
    "smiles": ("smiles", "repeat unit", "repeat_unit", "structure"),
    "polymer": ("polymer", "material", "name", "sample"),
    "heat_flux_kw_m2": (
        "heat_flux_kw_m2",
        "heat flux",
        "heat_flux",
        "flux",
        "hf",
        "irradiance",
        "incident heat flux",
        "external heat flux",
    ),
    "thickness_mm": ("thickness_mm", "thickness", "sample thickness", "specimen thickness"),
    "tig_s": ("tig_s", "tig", "t_ig", "tti", "time to ignition", "ignition time", "t ig"),
    "phrr_kw_m2": (
        "phrr_kw_m2",
        "phrr",
        "peak hrr",
        "peak heat release rate",
        "pkhrr",
        "hrr peak",
        "peak hrrpua",
    ),
    "thr_mj_m2": ("thr_mj_m2", "thr", "total heat release", "total heat released"),
    "curve_file": ("curve_file", "curve", "time series", "hrr curve", "curve file"),
}


def describe_columns() -> str:
    """The columns a test table may have, with their units and the aliases understood
    (for the Data tab and error messages; the README shows the same)."""
    units = {"heat_flux_kw_m2": "kW/m²", "thickness_mm": "mm", "tig_s": "s",
             "phrr_kw_m2": "kW/m²", "thr_mj_m2": "MJ/m²"}
    needs = {"smiles": "required", "heat_flux_kw_m2": "required", "thickness_mm": "required",
             "polymer": "optional", "curve_file": "optional, a time_s,hrr_kw_m2 file"}
    lines = []
    for name, aliases in _ALIASES.items():
        unit = f" ({units[name]})" if name in units else ""
        need = needs.get(name, "at least one of t_ig, pHRR, THR or a curve")
        also = ", ".join(a for a in aliases if a != name)
        lines.append(f"{name}{unit}: {need}; also read as {also}")
    return "\n".join(lines)


class DatasetError(ValueError):
    """A file that cannot be read as experimental cone data, with the reason."""


@dataclass(frozen=True)
class ImportReport:
    """What an import kept (canonical columns) and what it rejected (in line order).

    ``encoding`` names how the file was decoded when it was not UTF-8.
    """

    source: str
    accepted: pd.DataFrame
    rejected: tuple[RejectedRow, ...] = field(default_factory=tuple)
    encoding: str = ""

    def summary(self) -> str:
        read_as = f" (read as {self.encoding})" if self.encoding else ""
        return (
            f"{len(self.accepted)} test(s) accepted, {len(self.rejected)} rejected "
            f"from {Path(self.source).name}{read_as}."
        )


def shipped_tests(*, included_only: bool = True) -> pd.DataFrame:
    """The shipped test table; by default only rows marked ``include=yes``."""
    table = pd.read_csv(resource_path("data", "cone", "tests.csv"))
    if included_only:
        table = table[table["include"] == "yes"]
    return table.reset_index(drop=True)


def shipped_polymers() -> dict[str, str]:
    """``polymer name → SMILES`` for every shipped polymer that has a structure."""
    table = shipped_tests(included_only=False)
    table = table[table["smiles"].notna()]
    return dict(zip(table["polymer"], table["smiles"], strict=True))


def import_experimental_csv(path: str | Path, *, encoding: str | None = None) -> ImportReport:
    """Read a user's experimental CSV; raises `DatasetError` only for an unusable file.

    Rows that cannot be split into the header's columns (`engine.csv_tables`) and rows
    with a bad value are rejected with their line in the file; the rest are kept.
    ``encoding`` None detects it.
    """
    path = Path(path)
    try:
        table = read_csv_table(path, encoding=encoding)
    except TableFileError as error:
        raise DatasetError(str(error)) from None
    if table.frame.empty and not table.rejected:
        raise DatasetError(f"{path.name} has a header but no rows.")
    mapping = _map_columns(table.frame.columns, path)
    rows, rejected = [], list(table.rejected)
    for line, raw in zip(table.lines, table.frame.to_dict(orient="records"), strict=True):
        try:
            rows.append({**_row(raw, mapping, path.parent), "line": line})
        except _RowError as exc:
            rejected.append(RejectedRow(line, str(exc)))
    accepted = pd.DataFrame(rows, columns=list(COLUMNS))
    rejected.sort(key=lambda r: r.line)
    encoding = table.encoding if table.described_encoding else ""
    return ImportReport(str(path), accepted, tuple(rejected), encoding)


class _RowError(ValueError):
    pass


def _plain(name: str) -> str:
    """'PHRR (kW/m2)' → 'phrr'; units and punctuation are not part of the name."""
    name = re.sub(r"\s*[\(\[].*?[\)\]]\s*", " ", str(name)).strip().lower()
    return re.sub(r"\s+", " ", name.replace("-", " "))


def _map_columns(columns, path: Path) -> dict[str, str]:
    plain = {_plain(c): c for c in columns}
    mapping = {}
    for canonical, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in plain:
                mapping[canonical] = plain[alias]
                break
    if "smiles" not in mapping:
        if {"time", "time_s", "t"} & set(plain):
            raise DatasetError(
                f"{path.name} looks like a single cone time series, not a table of tests; "
                "open it as a curve, or list it in a 'curve_file' column of a test table."
            )
        raise DatasetError(
            f"{path.name} has no 'smiles' column; add one with each "
            "polymer's repeat unit, e.g. *CC(*)c1ccccc1."
        )
    missing = [c for c in ("heat_flux_kw_m2", "thickness_mm") if c not in mapping]
    if missing:
        raise DatasetError(
            f"{path.name} has no {' or '.join(repr(m) for m in missing)} "
            "column; every test needs its heat flux (kW/m²) and thickness (mm)."
        )
    if not any(t in mapping for t in TARGETS) and "curve_file" not in mapping:
        raise DatasetError(
            f"{path.name} has none of tig_s, phrr_kw_m2, thr_mj_m2 or "
            "curve_file; there is nothing measured to learn from."
        )
    return mapping


def _number(raw: dict, mapping: dict, name: str) -> float | None:
    """The cell of canonical column ``name`` as a number in its accepted range (None if
    the column is absent or the cell empty)."""
    if name not in mapping:
        return None
    text = str(raw[mapping[name]]).strip()
    if text == "":
        return None
    limit = LIMITS[name]
    try:
        return limit.check(parse_number(text, mapping[name], limit.unit), mapping[name])
    except QuantityError as error:
        raise _RowError(str(error)) from None


def _row(raw: dict, mapping: dict, folder: Path) -> dict:
    smiles = str(raw[mapping["smiles"]]).strip()
    try:
        polymer = parse_polymer(smiles)
    except PolymerError as exc:
        raise _RowError(str(exc)) from None
    conditions = {}
    needed = (("heat_flux_kw_m2", "heat flux (kW/m²)"), ("thickness_mm", "thickness (mm)"))
    for name, what in needed:
        conditions[name] = _number(raw, mapping, name)
        if conditions[name] is None:
            raise _RowError(f"{mapping[name]} is empty; every test needs its {what}.")
    values = {t: _number(raw, mapping, t) for t in TARGETS}
    curve_file = str(raw.get(mapping.get("curve_file", ""), "")).strip() or None
    if curve_file:
        curve_path = Path(curve_file)
        curve_path = curve_path if curve_path.is_absolute() else folder / curve_path
        try:
            record = read_cone_file(curve_path)
        except CurveFileError as exc:
            raise _RowError(f"curve_file: {exc}") from None
        metrics = record.curve.metrics
        values["phrr_kw_m2"] = values["phrr_kw_m2"] or metrics.phrr_kw_m2
        values["thr_mj_m2"] = values["thr_mj_m2"] or metrics.thr_raw_mj_m2
        if record.results.tig_source == "reported":  # observed, not a curve criterion
            values["tig_s"] = values["tig_s"] or record.results.tig_s
        curve_file = str(curve_path)
    if all(v is None for v in values.values()):
        raise _RowError("no t_ig, pHRR, THR or curve is given for this test.")
    name = shorten(str(raw.get(mapping.get("polymer", ""), "")).strip(), 200) or polymer.smiles
    return {
        "polymer": name,
        "smiles": polymer.smiles,
        **conditions,
        **values,
        "curve_file": curve_file,
    }
