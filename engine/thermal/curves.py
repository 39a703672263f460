"""Read a TGA or MCC run into a `ThermalCurve`, whichever way the instrument wrote it.

One reader serves four layouts, because they differ only in how the header is dressed:
- the project's curve files (``# key: value`` lines, then ``temperature_c,time_s,
  mass_fraction`` or ``…,hrr_w_g``; resources/data/thermal/curves/);
- NETZSCH / FSRI STA exports (``#SAMPLE MASS /mg:;5.12`` lines, then
  ``##Temp./°C;Time/min;DSC/(mW/mg);Mass/%`` or a mass change in mg);
- MCC text exports (a block of ``Sample Weight (mg)``, ``Heating Rate (C/s)`` … lines,
  then ``Time (s), Temperature (C), …, HRR (W/g)``);
- any CSV or TSV with a temperature column (°C or K), optionally time (s or min), and
  mass (mg, %, fraction) or HRR (W/g), with decimal commas where the delimiter allows.

Lines before the column header are metadata; the header is the first line naming a
temperature column next to a mass or HRR column. Every problem is one sentence
(`ThermalDataError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.constants import KELVIN
from engine.instrument_files import (
    find_header,
    leading_metadata,
    normalise_key,
    read_instrument_table,
    read_text,
)

MIN_POINTS = 10

TGA = "TGA"
MCC = "MCC"


class ThermalDataError(ValueError):
    """A thermal-analysis file that cannot be used, with a one-sentence reason."""


@dataclass(frozen=True, eq=False)
class ThermalCurve:
    """One TGA or MCC run: the program (T against t) and the signal along it.

    ``signal`` is the mass fraction of the initial mass (TGA) or the specific heat
    release rate in W/g of initial mass (MCC).
    """

    technique: str
    temperature_k: np.ndarray
    time_s: np.ndarray
    signal: np.ndarray
    heating_rate_k_s: float
    heating_rate_source: str
    """'file', 'slope of T(t)' or 'given' — where the heating rate came from."""
    path: Path | None = None
    initial_mass_mg: float | None = None
    material: str | None = None
    smiles: str | None = None
    atmosphere: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else (self.material or self.technique)

    @property
    def heating_rate_k_min(self) -> float:
        return self.heating_rate_k_s * 60.0


def read_curve(
    path: str | Path,
    *,
    heating_rate_k_min: float | None = None,
    initial_mass_mg: float | None = None,
) -> ThermalCurve:
    """Read one file. ``heating_rate_k_min`` is used only when the file has neither a
    stated rate nor a time column; ``initial_mass_mg`` when masses are in mg and the file
    does not state the initial mass."""
    path = Path(path)
    table = read_instrument_table(path, _is_header, ThermalDataError, what="TGA or MCC run",
                                  missing_header=_no_header(path))
    rows = table.data
    if len(rows) < MIN_POINTS:
        raise ThermalDataError(
            f"{path.name} has {len(rows)} data rows under its header; a run needs at least "
            f"{MIN_POINTS}."
        )
    sibling, sibling_lines = _sibling_metadata(path)
    meta = {**sibling, **table.metadata}
    return _build(
        path,
        table.columns,
        rows,
        meta,
        table.preamble + sibling_lines,
        heating_rate_k_min,
        initial_mass_mg,
    )


def _sibling_metadata(path: Path) -> tuple[dict[str, str], list[str]]:
    """The sample mass and temperature program of a NETZSCH export split in two, as the
    FSRI database keeps it: '…Data…' holds the columns, the '…Meta…' file beside it the
    '#SAMPLE MASS /mg' and '#RANGE' lines. Nothing else is taken from it (FSRI's Meta
    files sometimes name the wrong material)."""
    if "Data" not in path.name:
        return {}, []
    meta_path = path.with_name(path.name.replace("Data", "Meta", 1))
    if not meta_path.is_file():
        return {}, []
    try:
        lines = [line.strip() for line in read_text(meta_path, ThermalDataError, "file").lines]
    except (ThermalDataError, OSError):
        return {}, []
    wanted = [line for line in lines if line.startswith("#") and not line.startswith("##")]
    meta = {normalise_key(k): v for k, v in leading_metadata(wanted)}
    meta = {k: v for k, v in meta.items() if "sample mass" in k or k == "range"}
    return meta, [line for line in wanted if line.lower().startswith("#range")]


def looks_like_thermal(path: str | Path) -> bool:
    """Whether ``path`` reads as a TGA or MCC run (a temperature column beside a mass or
    HRR column over rows of numbers), so a dropped file can be routed without fitting it.
    Unreadable files are not thermal runs here; `read_curve` says what is wrong."""
    try:
        lines = read_text(Path(path), ThermalDataError, "file").lines[:400]
    except (ThermalDataError, OSError):
        return False
    return find_header(lines, _is_header, require_numbers=True) is not None


# Text and layout -----------------------------------------------------------------------


def _is_header(cells: list[str]) -> bool:
    """A column header: a temperature column beside a mass or HRR column."""
    kinds = [_column_kind(c) for c in cells]
    return len(cells) >= 2 and "temperature" in kinds and ("mass" in kinds or "hrr" in kinds)


def _no_header(path: Path) -> str:
    return (
        f"{path.name} has no column header naming a temperature and a mass or HRR column; "
        "a TGA file needs e.g. 'Temperature (°C), Mass (%)' and an MCC file "
        "'Temperature (C), HRR (W/g)'."
    )


def _column_kind(name: str) -> str | None:
    low = name.lower()
    if "hrr" in low or "heat release" in low or "w/g" in low:
        return "hrr"
    if low.startswith("temp") or low in ("t", "t/°c", "t (°c)", "t/k", "t (k)", "t_c", "t_k"):
        return "temperature"
    if "time" in low:
        return "time"
    if any(word in low for word in ("mass", "weight", "tg/", "tg ", "tg(")) or low == "tg":
        return "mass"
    return None


# Columns and units ---------------------------------------------------------------------


def _pick(columns: list[str], kind: str) -> int | None:
    found = [i for i, c in enumerate(columns) if _column_kind(c) == kind]
    if kind == "temperature" and len(found) > 1:
        # "Temp./°C" before a "Temperature rate"; prefer the one without "rate".
        found = [i for i in found if "rate" not in columns[i].lower()] or found
    if kind == "mass" and len(found) > 1:
        # FSRI: "Mass loss(subtr.2)/mg" next to others; prefer %/fraction, then the first.
        by_unit = [i for i in found if "%" in columns[i] or "fraction" in columns[i].lower()]
        found = by_unit or found
    return found[0] if found else None


def _unit(name: str) -> str:
    low = name.lower().replace(" ", "")
    for unit, marks in (
        ("%", ("%",)),
        ("mg", ("mg",)),
        ("fraction", ("fraction",)),
        ("min", ("/min", "(min)", "[min]", "_min")),
        ("K", ("/k", "(k)", "[k]", "_k")),
        ("C", ("°c", "/c", "(c)", "[c]", "_c", "degc", "deg.c")),
    ):
        if any(low.endswith(m) or m in low for m in marks):
            return unit
    return ""


def _meta_value(meta: dict[str, str], *keys: str) -> float | None:
    for wanted in keys:
        for key, value in meta.items():
            if wanted in key:
                match = re.search(r"[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?", value)
                if match:
                    return float(match.group(0).replace(",", "."))
    return None


def _meta_text(meta: dict[str, str], key: str) -> str | None:
    value = meta.get(key)
    return value if value else None


def _stated_rate_k_s(meta: dict[str, str], lines: list[str]) -> float | None:
    """The heating rate the file states: a 'heating rate' entry whose label or value
    says /s (MCC exports, C/s) or else K/min (project files, TGA exports), or NETZSCH's
    #RANGE line (50°C/10.0(K/min)/650°C)."""
    for key, value in meta.items():
        if "heating" not in key or "rate" not in key:
            continue
        number = _meta_value({key: value}, key)
        if number is None or number <= 0:
            continue
        label = (key + " " + value).lower().replace(" ", "")
        per_s = "min" not in label and any(m in label for m in ("/s", "_s", "k/s", "c/s"))
        return number if per_s else number / 60.0
    for line in lines:
        match = re.search(r"(\d+(?:[.,]\d+)?)\s*\(?\s*K/min", line)
        if match and "range" in line.lower():
            return float(match.group(1).replace(",", ".")) / 60.0
    return None


def _build(
    path: Path,
    columns: list[str],
    rows: np.ndarray,
    meta: dict[str, str],
    meta_lines: list[str],
    given_rate_k_min: float | None,
    given_mass_mg: float | None,
) -> ThermalCurve:
    i_temp = _pick(columns, "temperature")
    i_hrr = _pick(columns, "hrr")
    i_mass = _pick(columns, "mass")
    i_time = _pick(columns, "time")
    technique = MCC if i_hrr is not None else TGA
    i_signal = i_hrr if technique == MCC else i_mass
    assert i_temp is not None and i_signal is not None  # the header test found both
    cols = [i_temp, i_signal] + ([i_time] if i_time is not None else [])
    keep = np.all(np.isfinite(rows[:, cols]), axis=1)
    rows = rows[keep]
    if len(rows) < MIN_POINTS:
        raise ThermalDataError(
            f"{path.name} has fewer than {MIN_POINTS} rows with numbers in the temperature "
            f"and {'HRR' if technique == MCC else 'mass'} columns."
        )
    temp = rows[:, i_temp]
    temp_unit = _unit(columns[i_temp])
    temp_k = temp if temp_unit == "K" else temp + KELVIN
    if np.min(temp_k) <= 0 or np.max(temp_k) > 2500:
        raise ThermalDataError(
            f"{path.name}: temperatures run from {np.min(temp_k) - KELVIN:.0f} to "
            f"{np.max(temp_k) - KELVIN:.0f} °C, not a thermal-analysis run; check the "
            "temperature column and its unit."
        )
    initial_mg = _meta_value(
        meta, "initial_mass_mg", "sample mass", "sample weight", "initial mass"
    )
    if initial_mg is None:
        initial_mg = given_mass_mg
    signal = rows[:, i_signal]
    if technique == TGA:
        signal = _mass_fraction(signal, columns[i_signal], initial_mg, path)
    stated = _stated_rate_k_s(meta, meta_lines)
    if i_time is not None:
        time = rows[:, i_time] * (60.0 if _unit(columns[i_time]) == "min" else 1.0)
    else:
        time = None
    rate, source = _heating_rate(stated, time, temp_k, given_rate_k_min, path)
    if time is None:
        time = (temp_k - temp_k[0]) / rate
    order = np.argsort(time, kind="stable")
    time, temp_k, signal = time[order], temp_k[order], signal[order]
    unique = np.concatenate(([True], np.diff(time) > 0))
    return ThermalCurve(
        technique=technique,
        temperature_k=temp_k[unique],
        time_s=time[unique],
        signal=signal[unique],
        heating_rate_k_s=rate,
        heating_rate_source=source,
        path=path,
        initial_mass_mg=initial_mg,
        material=_meta_text(meta, "material"),
        smiles=_meta_text(meta, "smiles"),
        atmosphere=_meta_text(meta, "atmosphere"),
        metadata=meta,
    )


def _mass_fraction(
    values: np.ndarray, column: str, initial_mg: float | None, path: Path
) -> np.ndarray:
    unit = _unit(column)
    low = column.lower()
    if unit == "%":
        return values / 100.0
    if unit == "mg":
        if initial_mg is None or initial_mg <= 0:
            raise ThermalDataError(
                f"{path.name} gives mass in mg but not the initial sample mass; add a "
                "'# initial_mass_mg: …' line or give the initial mass."
            )
        change = "loss" in low or "change" in low or values[0] < 0.5 * initial_mg
        return (initial_mg + values) / initial_mg if change else values / initial_mg
    if unit == "fraction" or np.nanmax(values) <= 1.5:
        return values
    if np.nanmax(values) <= 110.0:
        return values / 100.0
    raise ThermalDataError(
        f"{path.name}: the mass column {column!r} has no unit and values up to "
        f"{np.nanmax(values):g}; name its unit (mg, % or fraction)."
    )


def _heating_rate(
    stated: float | None,
    time: np.ndarray | None,
    temp_k: np.ndarray,
    given_k_min: float | None,
    path: Path,
) -> tuple[float, str]:
    if stated is not None:
        return stated, "file"
    if time is not None and np.ptp(time) > 0:
        slope = float(np.polyfit(time, temp_k, 1)[0])
        if slope > 0:
            return slope, "slope of T(t)"
    if given_k_min is not None:
        return given_k_min / 60.0, "given"
    raise ThermalDataError(
        f"{path.name} states no heating rate and has no time column to derive it from; "
        "give it (trinity kinetics --heating-rate K_PER_MIN)."
    )
