"""Experimental cone data: the shipped set, and CSV files users bring.

A user's experimental CSV has one row per test: ``smiles``, ``heat_flux_kw_m2``,
``thickness_mm`` and any of ``tig_s``, ``phrr_kw_m2``, ``thr_mj_m2``, optionally
``polymer`` and ``curve_file`` (a time series, tidy or as exported by the instrument).
Column names are matched case-insensitively with common aliases. Every row is checked
on its own: good rows are kept, bad rows are reported with their line number and
reason, and a curve fills in the pHRR and THR a row does not give.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from engine.cone.measured import CurveFileError, read_cone_curve
from engine.polymer import PolymerError, parse_polymer
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
#: Plausible ranges; outside them a value is almost surely in other units or mistyped.
FLUX_RANGE_KW_M2 = (1.0, 200.0)
THICKNESS_RANGE_MM = (0.05, 100.0)

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


class DatasetError(ValueError):
    """A file that cannot be read as experimental cone data, with the reason."""


@dataclass(frozen=True)
class RejectedRow:
    """One row left out of an import: its line in the file and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import kept (canonical columns) and what it rejected."""

    source: str
    accepted: pd.DataFrame
    rejected: tuple[RejectedRow, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        return (
            f"{len(self.accepted)} test(s) accepted, {len(self.rejected)} rejected "
            f"from {Path(self.source).name}."
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


def import_experimental_csv(path: str | Path) -> ImportReport:
    """Read a user's experimental CSV; raises `DatasetError` only for an unusable file."""
    path = Path(path)
    table = _read(path)
    mapping = _map_columns(table.columns, path)
    rows, rejected = [], []
    for offset, raw in enumerate(table.to_dict(orient="records")):
        line = offset + 2  # header is line 1
        try:
            rows.append({**_row(raw, mapping, path.parent), "line": line})
        except _RowError as exc:
            rejected.append(RejectedRow(line, str(exc)))
    accepted = pd.DataFrame(rows, columns=list(COLUMNS))
    return ImportReport(str(path), accepted, tuple(rejected))


class _RowError(ValueError):
    pass


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DatasetError(f"The file {path} does not exist.")
    if path.stat().st_size == 0:
        raise DatasetError(f"{path.name} is empty.")
    try:
        table = pd.read_csv(
            path, sep=None, engine="python", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetError(f"{path.name} is not a readable CSV table ({exc}).") from None
    if table.empty:
        raise DatasetError(f"{path.name} has a header but no rows.")
    return table


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
    if name not in mapping:
        return None
    text = str(raw[mapping[name]]).strip()
    if text == "":
        return None
    if text.count(",") == 1 and "." not in text:  # a decimal comma (European exports)
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise _RowError(f"{mapping[name]} is {text!r}, not a number.") from None
    if not math.isfinite(value):
        raise _RowError(f"{mapping[name]} is {text}; give a finite number or leave it empty.")
    return value


def _row(raw: dict, mapping: dict, folder: Path) -> dict:
    smiles = str(raw[mapping["smiles"]]).strip()
    try:
        polymer = parse_polymer(smiles)
    except PolymerError as exc:
        raise _RowError(str(exc)) from None
    flux = _number(raw, mapping, "heat_flux_kw_m2")
    thickness = _number(raw, mapping, "thickness_mm")
    if flux is None or not FLUX_RANGE_KW_M2[0] <= flux <= FLUX_RANGE_KW_M2[1]:
        raise _RowError(
            f"heat flux {flux} is missing or outside {FLUX_RANGE_KW_M2[0]:g}–"
            f"{FLUX_RANGE_KW_M2[1]:g} kW/m²."
        )
    if thickness is None or not THICKNESS_RANGE_MM[0] <= thickness <= THICKNESS_RANGE_MM[1]:
        raise _RowError(
            f"thickness {thickness} is missing or outside {THICKNESS_RANGE_MM[0]:g}–"
            f"{THICKNESS_RANGE_MM[1]:g} mm."
        )
    values = {t: _number(raw, mapping, t) for t in TARGETS}
    for name, value in values.items():
        if value is not None and value <= 0:
            raise _RowError(f"{mapping[name]} is {value:g}; measured values must be positive.")
    curve_file = str(raw.get(mapping.get("curve_file", ""), "")).strip() or None
    if curve_file:
        curve_path = Path(curve_file)
        curve_path = curve_path if curve_path.is_absolute() else folder / curve_path
        try:
            metrics = read_cone_curve(curve_path).metrics
        except CurveFileError as exc:
            raise _RowError(f"curve_file: {exc}") from None
        values["phrr_kw_m2"] = values["phrr_kw_m2"] or metrics.phrr_kw_m2
        values["thr_mj_m2"] = values["thr_mj_m2"] or metrics.thr_raw_mj_m2
        curve_file = str(curve_path)
    if all(v is None for v in values.values()):
        raise _RowError("no t_ig, pHRR, THR or curve is given for this test.")
    name = str(raw.get(mapping.get("polymer", ""), "")).strip() or polymer.smiles
    return {
        "polymer": name,
        "smiles": polymer.smiles,
        "heat_flux_kw_m2": flux,
        "thickness_mm": thickness,
        **values,
        "curve_file": curve_file,
    }
