"""Importing experimental CSV files: aliases, one reason per bad row, curves reduced."""

import pandas as pd
import pytest

from engine.datasets import DatasetError, import_experimental_csv, shipped_tests
from engine.resources import resource_path


def _write(tmp_path, text, name="tests.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_aliases_units_in_headers_and_good_rows_kept(tmp_path):
    path = _write(tmp_path, (
        "Material,SMILES,Heat flux (kW/m2),Thickness (mm),TTI (s),PHRR (kW/m2),THR (MJ/m2)\n"
        "PMMA,*CC(*)(C)C(=O)OC,50,6,35,900,180\n"
        "PS,*C(c1ccccc1)C*,35,3,,700,\n"
    ))
    report = import_experimental_csv(path)
    assert not report.rejected and len(report.accepted) == 2
    ps = report.accepted.iloc[1]
    assert ps.smiles == "*CC(*)c1ccccc1" and pd.isna(ps.tig_s)
    assert ps.phrr_kw_m2 == 700 and ps.line == 3
    assert "2 test(s) accepted, 0 rejected" in report.summary()


def test_each_bad_row_is_reported_with_its_line_and_reason(tmp_path):
    path = _write(tmp_path, (
        "smiles;heat_flux_kw_m2;thickness_mm;tig_s;phrr_kw_m2\n"
        "*CC*;50;6;40;1200\n"           # 2 good
        "*CC;50;6;40;1200\n"            # 3 one attachment point
        "*CC*;fifty;6;40;1200\n"        # 4 not a number
        "*CC*;50;6;nan;1200\n"          # 5 NaN
        "*CC*;500;6;40;1200\n"          # 6 flux out of range
        "*CC*;50;0;40;1200\n"           # 7 thickness out of range
        "*CC*;50;6;-3;1200\n"           # 8 negative
        "*CC*;50;6;;\n"                 # 9 nothing measured
        "*CC(*)C;25;3;80,5;700\n"       # 10 good, decimal comma
    ))
    report = import_experimental_csv(path)
    assert list(report.accepted.line) == [2, 10]
    assert report.accepted.iloc[1].tig_s == 80.5
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "1 attachment point" in reasons[3]
    assert "not a number" in reasons[4]
    assert "'nan', not a number" in reasons[5]
    assert "heat_flux_kw_m2 500 kW/m² is outside" in reasons[6]
    assert "thickness_mm 0 mm is outside" in reasons[7]
    assert "tig_s -3 s is outside" in reasons[8] and "no t_ig" in reasons[9]
    assert all(r.reason.endswith(".") and "\n" not in r.reason for r in report.rejected)


def test_curve_file_fills_in_phrr_and_thr(tmp_path):
    curve = resource_path("data", "cone", "curves", "FSRIavg_PMMA_50.csv")
    path = _write(tmp_path, (
        "smiles,heat_flux_kw_m2,thickness_mm,curve_file\n"
        f"*CC(*)(C)C(=O)OC,50,3.048,{curve}\n"
        "*CC(*)(C)C(=O)OC,50,3.048,missing.csv\n"
    ))
    report = import_experimental_csv(path)
    row = report.accepted.iloc[0]
    tests = shipped_tests()
    expected = tests[tests.test_id == "FSRIavg_PMMA_50"].iloc[0]
    assert row.phrr_kw_m2 == pytest.approx(expected.phrr_kw_m2, abs=0.01)
    assert row.thr_mj_m2 == pytest.approx(expected.thr_mj_m2, abs=0.01)
    assert report.rejected[0].line == 3 and "does not exist" in report.rejected[0].reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("smiles,heat_flux_kw_m2,thickness_mm,tig_s\n", "no rows"),
        ("name,flux,thickness,tig\nPE,50,6,40\n", "no 'smiles' column"),
        ("smiles,tig\n*CC*,40\n", "heat flux"),
        ("smiles,flux,thickness,colour\n*CC*,50,6,red\n", "nothing measured"),
        ("time_s,hrr_kw_m2\n0,0\n1,10\n", "single cone time series"),
    ],
)
def test_unusable_files_are_one_sentence(tmp_path, text, expected):
    with pytest.raises(DatasetError, match=expected):
        import_experimental_csv(_write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        import_experimental_csv(tmp_path / "none.csv")


def test_the_shipped_table_imports(tmp_path):
    tests = shipped_tests()
    tests = tests[tests.smiles.notna()]
    path = tmp_path / "shipped.csv"
    tests[["polymer", "smiles", "heat_flux_kw_m2", "thickness_mm", "tig_s", "phrr_kw_m2",
           "thr_mj_m2"]].to_csv(path, index=False)
    report = import_experimental_csv(path)
    measured = tests[["tig_s", "phrr_kw_m2", "thr_mj_m2"]].notna().any(axis=1)
    assert len(report.accepted) == int(measured.sum())
    assert all("no t_ig" in r.reason for r in report.rejected)


def test_rows_as_spreadsheets_write_them_cost_only_themselves(tmp_path):
    """An extra cell, an open quote, a multi-line cell, blank lines, numbers that are not
    numbers: each bad row is reported at the line an editor shows, the rest is kept."""
    path = _write(tmp_path, (
        "polymer,smiles,heat_flux_kw_m2,thickness_mm,tig_s\n"    # 1
        "PE,*CC*,50,6,40\n"                                      # 2 good
        "\n"                                                      # 3 blank
        "PP,*CC(*)C,50,6,40,oops\n"                              # 4 extra cell
        '"PMMA\nsheet 2",*CC(*)(C)C(=O)OC,50,6,35\n'             # 5-6 good, two lines
        "\n\n"                                                    # 7-8 blank
        "PS,*CC(*)c1ccccc1,1_000,6,40\n"                         # 9 not a number
        "PS,*CC(*)c1ccccc1,٥٠,6,40\n"                             # 10 Arabic-Indic digits
        '"PS,*CC(*)c1ccccc1,50,6,40\n'                           # 11 quote never closed
        "PET,*OCCOC(=O)c1ccc(cc1)C(*)=O,50,3,\"60\"\n"           # 12 good
    ))
    report = import_experimental_csv(path)
    assert list(report.accepted.line) == [2, 5, 12]
    assert report.accepted.polymer.iloc[1] == "PMMA\nsheet 2"
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [4, 9, 10, 11]
    assert "has 6 cells but the header has 5" in reasons[4]
    assert "'1_000', not a number" in reasons[9]
    assert "not a number" in reasons[10]
    assert "never closes" in reasons[11]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_files_from_excel_on_windows_are_read(tmp_path, encoding):
    path = tmp_path / "tests.csv"
    path.write_bytes(
        "polymer;smiles;heat_flux_kw_m2;thickness_mm;tig_s\r\n"
        "Plexiglas® (é);*CC(*)(C)C(=O)OC;50;6;35,5\r\n".encode(encoding)
    )
    report = import_experimental_csv(path)
    assert not report.rejected
    assert report.accepted.polymer.iloc[0] == "Plexiglas® (é)"
    assert report.accepted.tig_s.iloc[0] == 35.5
    assert ("cp1252" in report.summary()) == (encoding == "cp1252")


def test_a_huge_cell_is_not_echoed_back(tmp_path):
    path = _write(tmp_path, (
        "smiles,heat_flux_kw_m2,thickness_mm,tig_s\n"
        f"*CC*,{'9' * 5_000_000},6,40\n"
        f"{'C' * 5_000_000},50,6,40\n"
    ))
    report = import_experimental_csv(path)
    assert [r.line for r in report.rejected] == [2, 3]
    assert all(len(r.reason) < 300 for r in report.rejected)
