"""ISO 5660 results of cone test files as a lab reports them: per file, and replicates.

`describe_file` is the per-file block `trinity cone` prints; `replicate_groups` puts the
files of one material and condition together for the mean ± standard deviation labs
report (sample standard deviation, as ISO 5660-1 asks for the mean of three specimens).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from engine.cone.files import ConeFile

#: (attribute of ConeResults, label, unit, decimals) in the order labs report them
RESULT_ROWS = (
    ("tig_s", "time to ignition", "s", 0),
    ("phrr_kw_m2", "peak HRR", "kW/m²", 0),
    ("t_phrr_s", "time to peak HRR", "s", 0),
    ("thr_mj_m2", "total heat released", "MJ/m²", 1),
    ("marhe_kw_m2", "MARHE", "kW/m²", 0),
    ("avg_hrr_60_kw_m2", "mean HRR, 60 s after ignition", "kW/m²", 0),
    ("avg_hrr_180_kw_m2", "mean HRR, 180 s after ignition", "kW/m²", 0),
    ("avg_hrr_300_kw_m2", "mean HRR, 300 s after ignition", "kW/m²", 0),
    ("flameout_s", "flameout", "s", 0),
    ("end_of_test_s", "end of test", "s", 0),
    ("mass_loss_g", "mass loss", "g", 2),
    ("ehc_mj_kg", "effective heat of combustion", "MJ/kg", 1),
    ("mlr_10_90_g_s_m2", "mass loss rate, 10–90 % (per area)", "g/(s·m²)", 2),
    ("tsp_m2", "total smoke production", "m²", 2),
    ("sea_m2_kg", "specific extinction area", "m²/kg", 0),
    ("peak_extinction_1_m", "peak extinction coefficient", "1/m", 3),
)
#: metadata field → label, unit, decimals
METADATA_ROWS = (
    ("material", "material", "", None),
    ("laboratory", "laboratory", "", None),
    ("date", "date", "", None),
    ("heat_flux_kw_m2", "heat flux", "kW/m²", 1),
    ("thickness_mm", "thickness", "mm", 2),
    ("initial_mass_g", "initial mass", "g", 2),
    ("area_m2", "exposed area", "m²", 4),
    ("orientation", "orientation", "", None),
    ("frame", "retainer frame", "", None),
    ("grid", "grid", "", None),
    ("c_factor", "C-factor", "", 4),
    ("e_mj_kg", "E", "MJ/kg O2", 2),
    ("test_start_s", "specimen inserted at", "s (file clock)", 0),
)


def _text(value, unit: str, decimals: int | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if decimals is None or isinstance(value, str):
        return str(value)
    return f"{value:.{decimals}f}{' ' + unit if unit else ''}"


def describe_file(record: ConeFile) -> list[str]:
    """The lines `trinity cone` prints for one file."""
    meta, results = record.metadata, record.results
    lines = [f"{record.path.name}  ({record.format}; {record.encoding}, "
             f"'{record.delimiter}' separated{', decimal commas' if record.decimal_comma else ''})"]
    for name, label, unit, decimals in METADATA_ROWS:
        value = getattr(meta, name)
        if value is not None:
            origin = meta.from_file.get(name)
            lines.append(f"  {label:34s} {_text(value, unit, decimals)}"
                         + (f"   [file: {origin}]" if origin else ""))
    lines.append(f"  heat release from {record.hrr_method}")
    for name, label, unit, decimals in RESULT_ROWS:
        value = getattr(results, name)
        if value is None:
            continue
        note = ""
        if name == "tig_s":
            other = results.tig_curve_s
            note = (f"   [{results.tig_source}; curve criterion {_text(other, 's', 0)}]"
                    if results.tig_source == "reported" else "   [curve criterion]")
        elif name == "flameout_s":
            note = f"   [{results.flameout_source}]"
        lines.append(f"  {label:34s} {_text(value, unit, decimals)}{note}")
    for key, kept, ignored in record.conflicts:
        lines.append(f"  note: the file gives '{key}' twice; kept {kept}, ignored {ignored}")
    if record.skipped_rows:
        lines.append(f"  note: {record.skipped_rows} row(s) without numbers were skipped")
    return lines


@dataclass(frozen=True)
class ReplicateGroup:
    """Files of one material at one heat flux and thickness."""

    material: str
    heat_flux_kw_m2: float | None
    thickness_mm: float | None
    files: tuple[ConeFile, ...]

    def summary(self, name: str) -> tuple[float, float] | None:
        """(mean, sample standard deviation) of a result over the replicates."""
        values = [getattr(f.results, name) for f in self.files]
        values = [v for v in values if v is not None and math.isfinite(v)]
        if len(values) < 2:
            return None
        return float(np.mean(values)), float(np.std(values, ddof=1))


def _material(record: ConeFile) -> str:
    if record.metadata.material:
        return record.metadata.material
    # '…_R1.csv', '…-rep2.csv', '… 3.csv': the replicate number is not the material
    return re.sub(r"[ _-]*(r|rep|replicate|test)?\d+$", "", record.path.stem, flags=re.I)


def replicate_groups(records: list[ConeFile]) -> list[ReplicateGroup]:
    """Groups of two or more files with the same material, heat flux and thickness
    (thickness within 10 %, as specimens of one sheet vary)."""
    groups: list[list[ConeFile]] = []
    for record in records:
        for group in groups:
            first = group[0]
            if _material(first) == _material(record) and _same(
                    first.metadata.heat_flux_kw_m2, record.metadata.heat_flux_kw_m2, 0.01) \
                    and _same(first.metadata.thickness_mm, record.metadata.thickness_mm, 0.1):
                group.append(record)
                break
        else:
            groups.append([record])
    return [ReplicateGroup(_material(g[0]), g[0].metadata.heat_flux_kw_m2,
                           g[0].metadata.thickness_mm, tuple(g)) for g in groups if len(g) > 1]


def _same(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def describe_group(group: ReplicateGroup) -> list[str]:
    flux = _text(group.heat_flux_kw_m2, "kW/m²", 0)
    thick = _text(group.thickness_mm, "mm", 1)
    lines = [f"{group.material}, {flux}, {thick}: {len(group.files)} replicates "
             "(mean ± standard deviation)"]
    for name, label, unit, decimals in RESULT_ROWS:
        summary = group.summary(name)
        if summary is not None:
            mean, sd = summary
            lines.append(f"  {label:34s} {mean:.{decimals}f} ± {sd:.{decimals}f} {unit}")
    return lines
