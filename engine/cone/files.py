"""Cone calorimeter files as labs have them → curve, metadata and ISO 5660 results.

`read_cone_file` reads one file with the shared instrument machinery
(`engine.instrument_files`: encoding, separator, decimal mark, units row, metadata,
sentinels) and hands the table to the first of four small parsers that accepts it:

- ``tidy``: ``time_s,hrr_kw_m2`` (optionally ``mass_g``), the shipped data's curves;
- ``logger``: an ISO 5660 logger export with key/value metadata beside dozens of raw
  signals (O2, CO2, CO, orifice Δp, stack temperature, load cell) and processed values
  (``HRR/a``), as Jülich's Logger2024 writes (../shared/data/cone_raw);
- ``gas_analysis``: a table of gas analysis with heat release per area and the duct mass
  flow (``Time (s), O2 (Vol fr), CO2 (Vol fr), CO (Vol fr), HRR (kW/m2), MFR (kg/s),
  k_smoke (1/m), Mass (g)``), as NIST's cone database has;
- ``time_mass_hrr``: ``Time,Mass,HRR`` with a units row (MaCFP style), HRR in kW or kW/m².

Heat release comes from the file's own column, or by oxygen consumption
(`engine.cone.oxygen_consumption`) when it has none or on request (``recompute``). Time
is counted from specimen insertion (the file's test start time), and ignition and
flameout are the reported times where the file has them, else the curve's (both kept,
each with its source).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from engine.cone.measured import STANDARD_AREA_M2, CurveFileError, MeasuredCurve
from engine.cone.metrics import CurveMetrics, curve_metrics
from engine.instrument_files import InstrumentTable, number, read_instrument_table

_TIME_NAMES = ("time_s", "time", "t", "elapsed time", "test time", "zeit")


@dataclass(frozen=True)
class ConeMetadata:
    """What the file says about the test, converted to these units (None: not given)."""

    heat_flux_kw_m2: float | None = None
    thickness_mm: float | None = None
    initial_mass_g: float | None = None
    area_m2: float | None = None
    orientation: str | None = None
    frame: bool | None = None
    grid: bool | None = None
    material: str | None = None
    laboratory: str | None = None
    date: str | None = None
    c_factor: float | None = None
    o2_delay_s: float | None = None
    co2_delay_s: float | None = None
    co_delay_s: float | None = None
    test_start_s: float | None = None
    tig_reported_s: float | None = None
    flameout_reported_s: float | None = None
    end_of_test_s: float | None = None
    e_mj_kg: float | None = None
    ambient_temperature_k: float | None = None
    ambient_pressure_pa: float | None = None
    relative_humidity_percent: float | None = None
    #: field → the key the file gave it under
    from_file: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "from_file" and getattr(self, f.name) is not None}


@dataclass(frozen=True)
class ConeResults:
    """ISO 5660-1 results of one test; times count from specimen insertion."""

    tig_s: float
    tig_source: str  # "reported" | "curve"
    tig_curve_s: float
    tig_reported_s: float | None
    phrr_kw_m2: float
    t_phrr_s: float
    thr_mj_m2: float
    marhe_kw_m2: float
    avg_hrr_60_kw_m2: float
    avg_hrr_180_kw_m2: float
    avg_hrr_300_kw_m2: float
    flameout_s: float
    flameout_source: str
    end_of_test_s: float
    mass_loss_g: float | None = None
    ehc_mj_kg: float | None = None
    mlr_10_90_g_s_m2: float | None = None
    tsp_m2: float | None = None
    sea_m2_kg: float | None = None
    peak_extinction_1_m: float | None = None

    def to_json(self) -> dict:
        return {f.name: _finite(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, eq=False)
class ConeFile:
    """One file read: the curve from insertion, what the file says, results and provenance."""

    path: Path
    format: str
    curve: MeasuredCurve
    metadata: ConeMetadata
    results: ConeResults
    hrr_source: str  # "file" | "oxygen_consumption"
    hrr_method: str  # a sentence: which column, or how it was computed
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal_comma: bool = False
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_rows: int = 0
    sentinel_cells: int = 0

    def to_json(self) -> dict:
        return {
            "file": str(self.path),
            "format": self.format,
            "metadata": self.metadata.to_json(),
            "metadata_from_file": dict(self.metadata.from_file),
            "metrics": self.results.to_json(),
            "hrr_source": self.hrr_source,
            "hrr_method": self.hrr_method,
            "tig_source": self.results.tig_source,
            "flameout_source": self.results.flameout_source,
            "conflicts": [{"key": k, "kept": a, "ignored": b} for k, a, b in self.conflicts],
            "read": {"encoding": self.encoding, "delimiter": self.delimiter,
                     "decimal_comma": self.decimal_comma, "skipped_rows": self.skipped_rows,
                     "sentinel_cells": self.sentinel_cells},
        }


# Columns -------------------------------------------------------------------------------


def _name_unit(label: str) -> tuple[str, str]:
    """'HRR (kW/m²)' → ('hrr', 'kw/m²'); 'time_s' → ('time_s', '')."""
    found = re.search(r"[\(\[](.*)[\)\]]\s*$", label)
    unit = found.group(1).strip().lower() if found else ""
    name = label[:found.start()] if found else label
    return name.strip().lower(), unit.replace("m^2", "m²").replace("m2", "m²")


class _Columns:
    """Find columns by name (and unit) in a table; the first match wins."""

    def __init__(self, table: InstrumentTable) -> None:
        self.table = table
        self.labels = [_name_unit(table.label(i)) for i in range(len(table.columns))]

    def find(self, names: tuple[str, ...], unit: tuple[str, ...] | None = None) -> int | None:
        for i, (name, u) in enumerate(self.labels):
            if name in names and (unit is None or u in unit):
                return i
        return None

    def unit(self, index: int) -> str:
        return self.labels[index][1]

    def values(self, index: int) -> np.ndarray:
        return self.table.column(index)


def _time(columns: _Columns) -> tuple[np.ndarray, int] | None:
    index = columns.find(_TIME_NAMES)
    if index is None:
        return None
    scale = 60.0 if columns.unit(index) in ("min", "minutes") else 1.0
    return columns.values(index) * scale, index


def _fraction(values: np.ndarray, unit: str) -> np.ndarray:
    """Gas concentration as a mole fraction, from %, ppm or a fraction."""
    if "ppm" in unit:
        return values * 1e-6
    if "%" in unit or np.nanmedian(values) > 1.0:
        return values / 100.0
    return values


def _mass_g(values: np.ndarray, unit: str) -> np.ndarray:
    return values * {"kg": 1000.0, "mg": 1e-3}.get(unit, 1.0)


# Metadata ------------------------------------------------------------------------------

# field → (name patterns on the key without its unit, kind)
_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "heat_flux_kw_m2": ((r"heat ?flux", r"irradiance", r"external heat flux"), "flux"),
    "thickness_mm": ((r"(specimen |sample )?thickness",), "length"),
    "initial_mass_g": ((r"initial (specimen )?mass", r"(specimen|sample) mass",
                        r"mass initial"), "mass"),
    "area_m2": ((r"(surface|exposed|specimen|sample) area", r"area"), "area"),
    "orientation": ((r"orientation",), "orientation"),
    "frame": ((r"(edge |retainer )?frame\??",), "yesno"),
    "grid": ((r"grid\??",), "yesno"),
    "material": ((r"material name/id", r"material name", r"material", r"sample description",
                  r"specimen description"), "text"),
    "laboratory": ((r"laboratory name", r"laboratory", r"lab"), "text"),
    "date": ((r"date of test", r"test date", r"date"), "text"),
    "c_factor": ((r"c-? ?factor", r"orifice (flow )?coefficient"), "number"),
    "o2_delay_s": ((r"o2 delay( time)?",), "time"),
    "co2_delay_s": ((r"co2 delay( time)?",), "time"),
    "co_delay_s": ((r"co delay( time)?",), "time"),
    "test_start_s": ((r"test start time", r"start of test", r"(specimen )?insertion( time)?"),
                     "time"),
    "tig_reported_s": ((r"time to (sustained )?ignition", r"ignition time", r"t_?ig"), "time"),
    "flameout_reported_s": ((r"time to flame ?out", r"flame ?out( time)?"), "time"),
    "end_of_test_s": ((r"user eot time", r"time end of test", r"end of test( time)?"), "time"),
    "e_mj_kg": ((r"e", r"e value"), "energy"),
    "ambient_temperature_k": ((r"ambient temperature",), "temperature"),
    "ambient_pressure_pa": ((r"barometric pressure", r"ambient pressure",
                             r"atmospheric pressure"), "pressure"),
    "relative_humidity_percent": ((r"relative h\w*idity", r"humidity", r"rh"), "number"),
}
_LENGTH_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4, "inch": 25.4}
_MASS_G = {"g": 1.0, "kg": 1000.0, "mg": 1e-3}
_AREA_M2 = {"cm²": 1e-4, "cm2": 1e-4, "m²": 1.0, "m2": 1.0, "mm²": 1e-6, "mm2": 1e-6}
_PRESSURE_PA = {"pa": 1.0, "kpa": 1000.0, "hpa": 100.0, "mbar": 100.0, "bar": 1e5}


def read_metadata(table: InstrumentTable) -> ConeMetadata:
    """The recognised metadata of ``table``, converted; the first key of each field wins."""
    entries = []
    for key, value in table.metadata.items():
        if not value:
            continue
        name, unit = _name_unit(key)
        entries.append((name, unit, value, table.metadata_keys.get(key, key)))
    found: dict[str, object] = {}
    origin: dict[str, str] = {}
    for name_field, (patterns, kind) in _FIELDS.items():
        for pattern in patterns:
            for name, unit, value, original in entries:
                if not re.fullmatch(pattern, name):
                    continue
                converted = _convert(kind, value, unit)
                if converted is not None:
                    found[name_field], origin[name_field] = converted, original
                    break
            if name_field in found:
                break
    for name in ("tig_reported_s", "flameout_reported_s", "end_of_test_s"):
        if name in found and not found[name] > 0:  # loggers write 0 for "not recorded"
            del found[name], origin[name]
    return ConeMetadata(**found, from_file=origin)


def _convert(kind: str, value: str, unit: str):
    if kind == "text":
        return value
    if kind == "orientation":
        low = value.lower()
        return "horizontal" if low.startswith("h") else "vertical" if low.startswith("v") else None
    if kind == "yesno":
        low = value.lower()
        return True if low in ("y", "yes", "ja", "j", "true", "1") else (
            False if low in ("n", "no", "nein", "false", "0") else None)
    x = number(value)
    if x is None or not math.isfinite(x):
        return None
    unit = unit.replace(" ", "")
    if kind == "flux":
        return x / 1000.0 if unit in ("w/m²", "w/m2") else x
    if kind == "length":
        return x * _LENGTH_MM.get(unit, 1.0)
    if kind == "mass":
        return x * _MASS_G.get(unit, 1.0)
    if kind == "area":
        if unit in _AREA_M2:
            return x * _AREA_M2[unit]
        return x * 1e-4 if x > 1.0 else x  # a bare 100 is cm², a bare 0.01 m²
    if kind == "time":
        return x * 60.0 if unit in ("min", "minutes") else x
    if kind == "energy":
        return x / 1000.0 if unit in ("kj/kg",) else x
    if kind == "temperature":
        return x if unit == "k" else x + 273.15
    if kind == "pressure":
        return x * _PRESSURE_PA.get(unit, 1.0 if x > 2000 else 1000.0)
    return x


# Parsers -------------------------------------------------------------------------------


class _Lacks(Exception):
    """A parser does not accept the table; the message says what it lacked."""


@dataclass(frozen=True)
class _Parsed:
    time_s: np.ndarray
    hrr_kw_m2: np.ndarray | None
    hrr_column: str | None
    mass_g: np.ndarray | None
    gas: object | None = None  # an oxygen_consumption.GasAnalysis, or None
    tsp_m2: float | None = None
    peak_extinction_1_m: float | None = None


def _tidy(columns: _Columns, meta: ConeMetadata, area: float) -> _Parsed:
    t, h = columns.find(("time_s",)), columns.find(("hrr_kw_m2",))
    if t is None or h is None:
        raise _Lacks("the columns time_s and hrr_kw_m2")
    m = columns.find(("mass_g",))
    return _Parsed(columns.values(t), columns.values(h), "hrr_kw_m2", _mass_or_none(columns, m))


def _logger(columns: _Columns, meta: ConeMetadata, area: float) -> _Parsed:
    time = _time(columns)
    o2 = columns.find(("o2",))
    dp = columns.find(("dpt", "dp", "orifice dp", "orifice pressure", "differential pressure"))
    stack = columns.find(("stacktc", "stack tc", "stack temperature", "duct temperature"))
    lacking = [n for n, v in (("a time column", time), ("an O2 signal", o2),
                              ("an orifice pressure (DPT) signal", dp),
                              ("a stack temperature signal", stack)) if v is None]
    if lacking:
        raise _Lacks(", ".join(lacking))
    from engine.cone.oxygen_consumption import GasAnalysis

    t, _ = time
    co2, co = columns.find(("co2",)), columns.find(("co",))
    stack_k = columns.values(stack) + (0.0 if columns.unit(stack) == "k" else 273.15)
    gas = GasAnalysis(
        time_s=t, o2=_fraction(columns.values(o2), columns.unit(o2)),
        co2=None if co2 is None else _fraction(columns.values(co2), columns.unit(co2)),
        co=None if co is None else _fraction(columns.values(co), columns.unit(co)),
        orifice_dp_pa=columns.values(dp), stack_temperature_k=stack_k,
        c_factor=meta.c_factor, **_gas_conditions(meta))
    hrr_a = columns.find(("hrr/a", "hrrpua", "hrr per unit area"))
    mass = columns.find(("mass",), ("g",))
    k, v_smoke = columns.find(("k",), ("1/m",)), columns.find(("vsmoke", "vstack"), ("l/s",))
    tsp = None
    if k is not None and v_smoke is not None:  # TSP = ∫ k V̇ dt over the test (ISO 5660-2)
        after = t >= (meta.test_start_s or 0.0)
        kv = np.nan_to_num(columns.values(k) * columns.values(v_smoke) / 1000.0)
        tsp = float(np.trapezoid(np.clip(kv[after], 0.0, None), t[after]))
    return _Parsed(t, None if hrr_a is None else columns.values(hrr_a),
                   None if hrr_a is None else columns.table.label(hrr_a),
                   _mass_or_none(columns, mass), gas, tsp,
                   None if k is None else float(np.nanmax(columns.values(k))))


def _gas_analysis(columns: _Columns, meta: ConeMetadata, area: float) -> _Parsed:
    time = _time(columns)
    o2 = columns.find(("o2",))
    flow = columns.find(("mfr", "mass flow", "mass flow rate", "duct mass flow"))
    lacking = [n for n, v in (("a time column", time), ("an O2 column", o2),
                              ("a duct mass flow (MFR) column", flow)) if v is None]
    if lacking:
        raise _Lacks(", ".join(lacking))
    from engine.cone.oxygen_consumption import GasAnalysis

    t, _ = time
    co2, co = columns.find(("co2",)), columns.find(("co",))
    flow_kg_s = columns.values(flow) * (1e-3 if columns.unit(flow) == "g/s" else 1.0)
    gas = GasAnalysis(
        time_s=t, o2=_fraction(columns.values(o2), columns.unit(o2)),
        co2=None if co2 is None else _fraction(columns.values(co2), columns.unit(co2)),
        co=None if co is None else _fraction(columns.values(co), columns.unit(co)),
        mass_flow_kg_s=flow_kg_s, **_gas_conditions(meta))
    hrr, per_area, label = _hrr(columns)
    k = columns.find(("k_smoke", "k", "extinction coefficient"))
    return _Parsed(t, None if hrr is None else _per_area(hrr, per_area, area), label,
                   _mass_or_none(columns, columns.find(("mass",))), gas, None,
                   None if k is None else float(np.nanmax(columns.values(k))))


def _time_mass_hrr(columns: _Columns, meta: ConeMetadata, area: float) -> _Parsed:
    time = _time(columns)
    hrr, per_area, label = _hrr(columns)
    lacking = [n for n, v in (("a time column", time), ("a heat release rate column", hrr))
               if v is None]
    if lacking:
        raise _Lacks(", ".join(lacking))
    return _Parsed(time[0], _per_area(hrr, per_area, area), label,
                   _mass_or_none(columns, columns.find(("mass", "mass_g", "specimen mass",
                                                        "sample mass", "m"))))


def _hrr(columns: _Columns) -> tuple[np.ndarray | None, bool, str | None]:
    """The heat release rate column, whether it is per unit area, and its label."""
    per_area_names = ("hrr_kw_m2", "hrrpua", "hrr per unit area",
                      "heat release rate per unit area", "hrr/a", "q''")
    index = columns.find(per_area_names)
    if index is not None:
        return columns.values(index), True, columns.table.label(index)
    index = columns.find(("hrr_kw", "hrr", "heat release rate", "heat release", "q"))
    if index is None:
        return None, False, None
    unit = columns.unit(index).replace(" ", "")
    per_area = unit in ("kw/m²", "kw/m2", "kwm-2", "kw/m^2")
    values = columns.values(index) * (1e-3 if unit in ("w", "w/m²") else 1.0)
    return values, per_area, columns.table.label(index)


def _per_area(hrr: np.ndarray, per_area: bool, area: float) -> np.ndarray:
    return hrr if per_area else hrr / area


def _mass_or_none(columns: _Columns, index: int | None) -> np.ndarray | None:
    if index is None or not np.isfinite(columns.values(index)).any():
        return None
    return _mass_g(columns.values(index), columns.unit(index))


def _gas_conditions(meta: ConeMetadata) -> dict:
    from engine.cone.oxygen_consumption import E_DEFAULT_KJ_KG

    return {
        "delays_s": (meta.o2_delay_s or 0.0, meta.co2_delay_s or 0.0, meta.co_delay_s or 0.0),
        "insertion_s": meta.test_start_s,
        "e_kj_kg": meta.e_mj_kg * 1000.0 if meta.e_mj_kg else E_DEFAULT_KJ_KG,
        "ambient_temperature_k": meta.ambient_temperature_k,
        "ambient_pressure_pa": meta.ambient_pressure_pa,
        "relative_humidity": meta.relative_humidity_percent,
    }


#: In the order they are tried; the first that accepts the table reads it.
PARSERS = {
    "tidy": _tidy,
    "logger": _logger,
    "gas_analysis": _gas_analysis,
    "time_mass_hrr": _time_mass_hrr,
}
FORMAT_NAMES = {
    "tidy": "a tidy curve (time_s, hrr_kw_m2)",
    "logger": "an ISO 5660 logger export (raw O2, DPT and stack temperature signals)",
    "gas_analysis": "a gas-analysis table (time, O2, duct mass flow MFR)",
    "time_mass_hrr": "a time/mass/HRR table",
}


# The entry point -----------------------------------------------------------------------


def _is_header(cells: list[str]) -> bool:
    names = [_name_unit(c)[0] for c in cells if c]
    return len(names) >= 2 and any(n in _TIME_NAMES for n in names)


def read_cone_file(path: str | Path, *, recompute: bool = False,
                   area_m2: float | None = None) -> ConeFile:
    """Read one cone test file; raises `CurveFileError` with one sentence on a bad one.

    ``recompute`` computes the heat release by oxygen consumption even when the file has
    a heat release column; ``area_m2`` overrides the exposed area (else the file's, else
    0.01 m²).
    """
    path = Path(path)
    if area_m2 is not None and not (math.isfinite(area_m2) and area_m2 > 0):
        raise CurveFileError(f"The exposed area must be a positive number of m², not {area_m2}.")
    table = read_instrument_table(
        path, _is_header, CurveFileError, what="cone test file",
        missing_header=(f"{path.name} has no time column (looked for "
                        f"{', '.join(_TIME_NAMES)}); name the column 'time_s'."))
    meta = read_metadata(table)
    area = area_m2 or meta.area_m2 or STANDARD_AREA_M2
    columns = _Columns(table)
    lacked: dict[str, str] = {}
    for name, parser in PARSERS.items():
        try:
            parsed = parser(columns, meta, area)
        except _Lacks as lack:
            lacked[name] = str(lack)
            continue
        return _record(path, name, parsed, meta, area, table, recompute)
    # the parser that lacked least; on a tie, the richer format (the file has its signals)
    preference = ("logger", "gas_analysis", "time_mass_hrr", "tidy")
    closest = min(lacked, key=lambda n: (lacked[n].count(",") + lacked[n].count(" and "),
                                         preference.index(n)))
    if closest == "time_mass_hrr":
        raise CurveFileError(
            f"{path.name} has no heat release rate column and no gas analysis to compute "
            "one from; name it 'hrr_kw_m2' (kW/m²) or 'HRR (kW)', or include O2 and the "
            "duct mass flow.")
    raise CurveFileError(f"{path.name} is closest to {FORMAT_NAMES[closest]} but lacks "
                         f"{lacked[closest]}.")


def _record(path: Path, name: str, parsed: _Parsed, meta: ConeMetadata, area: float,
            table: InstrumentTable, recompute: bool) -> ConeFile:
    from engine.cone.oxygen_consumption import GasAnalysisError, heat_release_rate_kw

    hrr, source, method = parsed.hrr_kw_m2, "file", f"the file's column {parsed.hrr_column}"
    if parsed.gas is not None and (recompute or hrr is None or not np.isfinite(hrr).any()):
        try:
            kw, method = heat_release_rate_kw(parsed.gas)
        except GasAnalysisError as error:
            raise CurveFileError(f"{path.name}: {error}") from None
        hrr, source = kw / area, "oxygen_consumption"
    elif recompute:
        raise CurveFileError(f"{path.name} has no gas analysis to recompute the heat release "
                             "from; leave out --recompute.")
    start = meta.test_start_s or 0.0
    t = parsed.time_s - start
    good = np.isfinite(t) & np.isfinite(hrr) & (t >= 0)
    skipped = int((np.isfinite(parsed.time_s) & ~np.isfinite(hrr)).sum()) + table.skipped_rows
    if good.sum() < 2:
        raise CurveFileError(f"{path.name} has fewer than two numeric rows of time and HRR.")
    order = np.argsort(t[good], kind="stable")
    time, q = t[good][order], hrr[good][order]
    keep = np.concatenate(([True], np.diff(time) > 0))
    time, q = time[keep], q[keep]
    mass = None if parsed.mass_g is None else parsed.mass_g[good][order][keep]
    results, metrics = _results(time, q, mass, meta, area, parsed)
    curve = MeasuredCurve(source=str(path), time_s=time, hrr_kw_m2=q, mass_g=mass,
                          area_m2=area, metrics=metrics, skipped_rows=skipped)
    used = set(meta.from_file.values())
    conflicts = [c for c in table.conflicts if c[0] in used]
    return ConeFile(path=path, format=name, curve=curve, metadata=meta, results=results,
                    hrr_source=source, hrr_method=method, encoding=table.encoding,
                    delimiter=table.delimiter, decimal_comma=table.decimal_comma,
                    conflicts=conflicts, skipped_rows=skipped,
                    sentinel_cells=table.sentinel_cells)


def _results(time: np.ndarray, q: np.ndarray, mass: np.ndarray | None, meta: ConeMetadata,
             area: float, parsed: _Parsed) -> tuple[ConeResults, CurveMetrics]:
    loss_g = None
    if mass is not None and np.isfinite(mass).sum() >= 2:
        finite = mass[np.isfinite(mass)]  # the load cell may be tared: differences only
        loss_g = float(finite[0] - finite[-1])
    by_curve = curve_metrics(time, q)
    reported = meta.tig_reported_s
    metrics = curve_metrics(time, q, tig_s=reported,
                            mass_loss_kg_m2=None if loss_g is None else loss_g / 1000.0 / area)
    flameout, flameout_source = by_curve.flameout_s, "curve"
    if meta.flameout_reported_s:
        flameout, flameout_source = meta.flameout_reported_s, "reported"
    ehc = metrics.ehc_mj_kg if loss_g and loss_g > 0 else None
    results = ConeResults(
        tig_s=metrics.tig_s, tig_source="reported" if reported else "curve",
        tig_curve_s=by_curve.tig_s, tig_reported_s=reported,
        phrr_kw_m2=metrics.phrr_kw_m2, t_phrr_s=metrics.t_phrr_s,
        thr_mj_m2=metrics.thr_mj_m2, marhe_kw_m2=metrics.marhe_kw_m2,
        avg_hrr_60_kw_m2=metrics.avg_hrr_60_kw_m2, avg_hrr_180_kw_m2=metrics.avg_hrr_180_kw_m2,
        avg_hrr_300_kw_m2=metrics.avg_hrr_300_kw_m2, flameout_s=flameout,
        flameout_source=flameout_source,
        end_of_test_s=meta.end_of_test_s or float(time[-1]),
        mass_loss_g=loss_g, ehc_mj_kg=ehc,
        mlr_10_90_g_s_m2=_mlr_10_90(time, mass, area),
        tsp_m2=parsed.tsp_m2,
        sea_m2_kg=(parsed.tsp_m2 / (loss_g / 1000.0) if parsed.tsp_m2 and loss_g else None),
        peak_extinction_1_m=parsed.peak_extinction_1_m,
    )
    return results, metrics


def _mlr_10_90(time: np.ndarray, mass: np.ndarray | None, area: float) -> float | None:
    """Average specific mass loss rate between 10 % and 90 % of the total mass loss
    (ISO 5660-1), g/(s·m²)."""
    if mass is None or np.isfinite(mass).sum() < 3:
        return None
    ok = np.isfinite(mass)
    t, m = time[ok], mass[ok]
    loss = m[0] - m[-1]
    if not loss > 0:
        return None
    lost = m[0] - np.minimum.accumulate(m)
    t10 = t[np.argmax(lost >= 0.1 * loss)]
    t90 = t[np.argmax(lost >= 0.9 * loss)]
    if not t90 > t10:
        return None
    return float(0.8 * loss / (t90 - t10) / area)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
