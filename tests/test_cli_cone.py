"""`trinity cone`: ISO 5660 results per file, replicates, JSON, and bad files."""

import json

import numpy as np
import pytest

from engine.cli import main


def _curve(path, peak, flux=50, thickness=6, material="PMMA"):
    t = np.arange(0.0, 400.0, 2.0)
    q = np.where(t < 40, 0.0, peak * np.exp(-(((t - 150.0) / 60.0) ** 2)))
    rows = "\n".join(f"{a:g},{b:.3f}" for a, b in zip(t, q, strict=True))
    path.write_text(f"# Material: {material}\n# Heat flux (kW/m2): {flux}\n"
                    f"# Thickness (mm): {thickness}\ntime_s,hrr_kw_m2\n{rows}\n")


def test_one_file_prints_results_and_where_each_came_from(tmp_path, capsys):
    _curve(tmp_path / "a_R1.csv", 500)
    assert main(["cone", str(tmp_path / "a_R1.csv")]) == 0
    out = capsys.readouterr().out
    assert "peak HRR                           500 kW/m²" in out
    assert "heat flux                          50.0 kW/m²   [file: Heat flux (kW/m2)]" in out
    assert "[curve criterion]" in out and "MARHE" in out and "heat release from" in out


def test_replicates_get_mean_and_standard_deviation(tmp_path, capsys):
    for i, peak in enumerate((480, 500, 520)):
        _curve(tmp_path / f"pmma_R{i + 1}.csv", peak)
    _curve(tmp_path / "ps.csv", 900, material="PS")
    assert main(["cone", *sorted(str(p) for p in tmp_path.iterdir())]) == 0
    out = capsys.readouterr().out
    assert "PMMA, 50 kW/m², 6.0 mm: 3 replicates (mean ± standard deviation)" in out
    assert "peak HRR                           500 ± 20 kW/m²" in out
    assert "PS, " not in out  # one test is no replicate set


def test_json_has_metadata_metrics_and_sources(tmp_path, capsys):
    _curve(tmp_path / "a.csv", 500, flux=35, thickness=3)
    assert main(["cone", str(tmp_path / "a.csv"), "--json"]) == 0
    record, = json.loads(capsys.readouterr().out)
    assert record["file"].endswith("a.csv") and record["hrr_source"] == "file"
    assert record["tig_source"] == "curve"
    assert record["metadata"]["heat_flux_kw_m2"] == 35
    assert record["metadata"]["thickness_mm"] == 3
    assert record["metrics"]["phrr_kw_m2"] == pytest.approx(500, rel=1e-3)
    assert {"tig_s", "t_phrr_s", "thr_mj_m2", "marhe_kw_m2"} <= record["metrics"].keys()


def test_a_bad_file_costs_that_file_only(tmp_path, capsys):
    _curve(tmp_path / "good.csv", 500)
    (tmp_path / "bad.csv").write_text("pressure,temperature\n1,2\n")
    assert main(["cone", str(tmp_path / "bad.csv"), str(tmp_path / "good.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == ("trinity cone: bad.csv has no time column (looked for "
                                    "time_s, time, t, elapsed time, test time, zeit); name "
                                    "the column 'time_s'.")
    assert "good.csv" in captured.out


def test_recompute_on_the_shared_export(shared_data, capsys):
    path = shared_data / "cone_raw" / "20250410_PMMA_DE_6mm_q50_R1.csv"
    assert main(["cone", str(path), "--json", "--recompute"]) == 0
    record, = json.loads(capsys.readouterr().out)
    assert record["hrr_source"] == "oxygen_consumption" and record["tig_source"] == "reported"
    assert record["metadata"]["initial_mass_g"] == 67.77
    assert record["metadata"]["area_m2"] == pytest.approx(0.01)
    assert record["metrics"]["phrr_kw_m2"] == pytest.approx(1201.8, rel=0.02)
