"""The experiments table the app compares against: shipped rows, saved imports, curves."""

import pandas as pd
import pytest

from engine.datasets import COLUMNS, import_experimental_csv
from engine.experiments import (
    attach_curve,
    save_dataset,
    saved_datasets,
    shipped_experiments,
    typical_thickness_mm,
)


def test_shipped_experiments_are_canonical_with_readable_curve_paths():
    table = shipped_experiments()
    assert list(table.columns) == [*COLUMNS, "dataset"]
    assert (table["dataset"] == "shipped").all()
    curves = table["curve_file"].dropna()
    assert len(curves) > 50 and all(pd.io.common.file_exists(p) for p in curves)
    assert table["line"].min() >= 2


def test_typical_thickness_groups_nominal_sheets():
    table = pd.DataFrame({"thickness_mm": [3.048, 3.05, 3.04, 6.0, 6.2]})
    assert typical_thickness_mm(table) == 3.0


def test_saved_dataset_is_self_contained(tmp_path):
    source = tmp_path / "lab"
    source.mkdir()
    (source / "run.csv").write_text("time_s,hrr_kw_m2\n0,0\n10,500\n20,0\n")
    (source / "tests.csv").write_text(
        "smiles,heat_flux_kw_m2,thickness_mm,curve_file\n*CC*,50,3,run.csv\n"
    )
    report = import_experimental_csv(source / "tests.csv")
    saved = save_dataset(report.accepted, "tests", tmp_path / "keep")
    for path in source.iterdir():
        path.unlink()
    again = import_experimental_csv(saved)
    assert saved_datasets(tmp_path / "keep") == [saved]
    assert len(again.accepted) == 1 and not again.rejected
    assert again.accepted["phrr_kw_m2"].iloc[0] == pytest.approx(500.0)
    assert list((tmp_path / "keep").glob("*.tmp")) == []


def test_attach_curve_checks_the_row_like_an_import(tmp_path):
    curve = tmp_path / "run.csv"
    curve.write_text("time_s,hrr_kw_m2\n0,0\n10,500\n20,0\n")
    good = attach_curve(curve, smiles="*CC*", polymer="PE", heat_flux_kw_m2=50, thickness_mm=3)
    assert good.source == str(curve.resolve())
    assert good.accepted["polymer"].tolist() == ["PE"]
    bad = attach_curve(curve, smiles="*CC*", polymer="PE", heat_flux_kw_m2=500, thickness_mm=3)
    assert bad.accepted.empty and "outside" in bad.rejected[0].reason
