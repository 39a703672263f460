"""Reading measured cone time series: tidy curves, instrument exports, bad files."""

import math

import numpy as np
import pandas as pd
import pytest

from engine.cone.measured import CurveFileError, read_cone_curve
from engine.resources import resource_path

CONE = resource_path("data", "cone")


def test_every_shipped_curve_reproduces_the_tabulated_peak_and_integral():
    tests = pd.read_csv(CONE / "tests.csv")
    tests = tests[tests.curve_file.notna()]
    assert len(tests) > 250
    for row in tests.itertuples():
        metrics = read_cone_curve(CONE / row.curve_file).metrics
        if row.phrr_kind == "curve_max":
            assert metrics.phrr_kw_m2 == pytest.approx(row.phrr_kw_m2, abs=0.01), row.test_id
        if row.thr_kind == "curve_integral":
            assert metrics.thr_raw_mj_m2 == pytest.approx(row.thr_mj_m2, abs=0.006), row.test_id


def _instrument_export(path, sep=";", units=True):
    t = np.arange(0, 301, 1.0)
    hrr_kw = np.where(t < 30, 0.0, 10.0 * np.exp(-(((t - 120) / 60) ** 2)))  # peak 10 kW
    mass = 100.0 - 0.2 * np.clip(t - 30, 0, None)
    lines = [sep.join(["Time", "HRR", "Mass", "Comment"])]
    if units:
        lines.append(sep.join(["(s)", "(kW)", "(g)", ""]))
    rows = zip(t, hrr_kw, mass, strict=True)
    lines += [sep.join([f"{a:g}", f"{b:.6f}", f"{c:.3f}", ""]) for a, b, c in rows]
    lines.insert(5 if units else 4, sep.join(["n/a", "sensor dropout", "", ""]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return t, hrr_kw, mass


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_instrument_export_in_kw_with_units_row(tmp_path, sep):
    path = tmp_path / "export.csv"
    _, hrr_kw, mass = _instrument_export(path, sep=sep)
    curve = read_cone_curve(path)
    assert curve.area_m2 == 0.01 and curve.skipped_rows == 1
    assert curve.metrics.phrr_kw_m2 == pytest.approx(hrr_kw.max() / 0.01, rel=1e-6)
    mass_loss = (mass[0] - mass[-1]) / 1000 / 0.01
    assert curve.metrics.ehc_mj_kg == pytest.approx(curve.metrics.thr_raw_mj_m2 / mass_loss)


def test_given_area_scales_hrr(tmp_path):
    path = tmp_path / "export.csv"
    _instrument_export(path, units=False)
    small = read_cone_curve(path, area_m2=0.0088)
    standard = read_cone_curve(path)
    assert small.metrics.phrr_kw_m2 == pytest.approx(standard.metrics.phrr_kw_m2 / 0.88)


def test_tidy_curve_sorted_and_deduplicated(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("time_s,hrr_kw_m2\n2,30\n0,0\n1,20\n1,20\n3,5\n")
    curve = read_cone_curve(path)
    assert curve.time_s.tolist() == [0, 1, 2, 3]
    assert curve.metrics.phrr_kw_m2 == 30 and not math.isnan(curve.metrics.tig_s)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        ("pressure,temperature\n1,2\n3,4\n", "no time column"),
        ("time_s,mass_g\n0,100\n1,99\n", "no heat release rate column"),
        ("time_s,hrr_kw_m2\nabc,def\n", "fewer than two numeric rows"),
        ("time_s,hrr_kw_m2\n0,1\n", "fewer than two numeric rows"),
    ],
)
def test_bad_files_give_one_sentence(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CurveFileError, match=expected):
        read_cone_curve(path)


def test_missing_file_and_bad_area(tmp_path):
    with pytest.raises(CurveFileError, match="does not exist"):
        read_cone_curve(tmp_path / "nope.csv")
    with pytest.raises(CurveFileError, match="positive"):
        read_cone_curve(CONE / "curves" / "FSRIavg_PMMA_50.csv", area_m2=-1)
