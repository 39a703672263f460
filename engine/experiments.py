"""The experiments the app compares against: the shipped tests and the user's imported sets.

Both come as tables in the canonical columns of `engine.datasets.COLUMNS` (curve paths
absolute, SMILES canonical) plus a ``dataset`` column naming where each row came from.
A user's accepted import is kept in a folder as a self-contained CSV, its curve files
copied beside it, so it survives a restart and the originals may move.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

from engine.datasets import COLUMNS, ImportReport, import_experimental_csv, shipped_tests
from engine.outputs import write_atomic
from engine.polymer import parse_polymer
from engine.resources import resource_path

SHIPPED = "shipped"
CURVES_FOLDER = "curves"


def shipped_experiments() -> pd.DataFrame:
    """Included shipped tests in canonical columns; ``line`` is the line in tests.csv."""
    table = shipped_tests(included_only=False)
    table = table.assign(line=table.index + 2)[table["include"] == "yes"]
    folder = resource_path("data", "cone")
    canonical = {s: parse_polymer(s).smiles for s in table["smiles"].unique()}
    table = table.assign(
        smiles=table["smiles"].map(canonical),
        heat_flux_kw_m2=table["heat_flux_kw_m2"].astype(float),
        curve_file=[
            str(folder / f) if isinstance(f, str) and f else None for f in table["curve_file"]
        ],
        dataset=SHIPPED,
    )
    return table[[*COLUMNS, "dataset"]].reset_index(drop=True)


def typical_thickness_mm(experiments: pd.DataFrame, step_mm: float = 0.5) -> float:
    """The most common thickness, on a ``step_mm`` grid (3.048 and 3.05 mm are one sheet)."""
    rounded = (experiments["thickness_mm"] / step_mm).round() * step_mm
    return float(rounded.mode().iloc[0])


def labelled(accepted: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """An import's accepted rows with the ``dataset`` column the combined table carries."""
    return accepted.assign(dataset=dataset)[[*COLUMNS, "dataset"]]


def save_dataset(accepted: pd.DataFrame, name: str, folder: Path) -> Path:
    """Write accepted rows to ``folder/name.csv`` atomically, copying their curves along."""
    folder = Path(folder)
    (folder / CURVES_FOLDER).mkdir(parents=True, exist_ok=True)
    table = accepted[[c for c in COLUMNS if c != "line"]].copy()
    table["curve_file"] = [_keep_curve(f, folder) for f in table["curve_file"]]
    target = folder / f"{name}.csv"
    write_atomic(target, lambda tmp: table.to_csv(tmp, index=False))
    return target


def saved_datasets(folder: Path) -> list[Path]:
    """The data sets `save_dataset` wrote to ``folder``, in name order."""
    return sorted(Path(folder).glob("*.csv"))


def attach_curve(
    curve_path: str | Path,
    *,
    smiles: str,
    polymer: str,
    heat_flux_kw_m2: float,
    thickness_mm: float,
) -> ImportReport:
    """A one-test import of a bare cone curve, checked by the same rules as a CSV row."""
    curve_path = Path(curve_path).resolve()
    row = {
        "polymer": polymer,
        "smiles": smiles,
        "heat_flux_kw_m2": heat_flux_kw_m2,
        "thickness_mm": thickness_mm,
        "curve_file": str(curve_path),
    }
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / f"{curve_path.stem}.csv"
        pd.DataFrame([row]).to_csv(table, index=False)
        report = import_experimental_csv(table)
    return replace(report, source=str(curve_path))


def _keep_curve(curve_file: object, folder: Path) -> str | None:
    """Copy a curve into ``folder/curves`` (once) and return its path relative to folder."""
    if not isinstance(curve_file, str) or not curve_file:
        return None
    source = Path(curve_file)
    if source.parent.resolve() == (folder / CURVES_FOLDER).resolve():
        return f"{CURVES_FOLDER}/{source.name}"
    # The hash of the original path keeps two 'run1.csv' from different folders apart.
    tag = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:8]
    target = folder / CURVES_FOLDER / f"{source.stem}-{tag}{source.suffix}"
    write_atomic(target, lambda tmp: shutil.copyfile(source, tmp))
    return f"{CURVES_FOLDER}/{target.name}"
