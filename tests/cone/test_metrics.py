"""Curve metrics: tests.csv values for every stored curve, and a hand-checked triangle."""

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from engine.cone.metrics import (
    DEFAULT_THRESHOLD_KW_M2,
    CurveMetrics,
    curve_metrics,
    metrics_row,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CONE = DATA / "cone"


def _curve_rows():
    if not (CONE / "tests.csv").exists():
        return []
    with (CONE / "tests.csv").open(newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["curve_file"]]


def _as_printed(text: str) -> dict[str, float]:
    """tests.csv rounds its numbers: agree to half a unit of the last printed digit."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return {"rel": 1e-9, "abs": 0.5 * 10.0**-decimals * (1 + 1e-9)}


def test_metrics_reproduce_curve_max_and_integral_of_every_curve():
    rows = _curve_rows()
    if not rows:
        pytest.skip(f"shared cone data not found under {CONE}")
    checked = 0
    for row in rows:
        data = np.loadtxt(CONE / row["curve_file"], delimiter=",", skiprows=1, ndmin=2)
        m = curve_metrics(data[:, 0], data[:, 1])
        if row["phrr_kind"] == "curve_max":
            expected = row["phrr_kw_m2"]
            assert m.phrr_kw_m2 == pytest.approx(float(expected), **_as_printed(expected))
            checked += 1
        if row["thr_kind"] == "curve_integral":
            expected = row["thr_mj_m2"]
            assert m.thr_raw_mj_m2 == pytest.approx(float(expected), **_as_printed(expected))
            checked += 1
    assert checked >= 400


def _triangle():
    """0 until 10 s, linear rise to 500 kW/m² at 60 s, linear fall to 0 at 160 s, 0 to 200 s."""
    t = np.arange(0.0, 200.5, 0.5)
    q = np.interp(t, [0, 10, 60, 160, 200], [0, 0, 500, 0, 0])
    return t, q


def test_triangle_by_hand():
    t, q = _triangle()
    m = curve_metrics(t, q, mass_loss_kg_m2=1.5)
    # threshold 10 kW/m² reached 1 s into a 10 kW/m²/s rise
    assert m.tig_s == pytest.approx(11.0)
    assert (m.phrr_kw_m2, m.t_phrr_s) == (500.0, 60.0)
    assert m.thr_mj_m2 == pytest.approx(0.5 * 150 * 500 / 1000)
    assert m.thr_raw_mj_m2 == pytest.approx(37.5)
    assert m.ehc_mj_kg == pytest.approx(25.0)
    # falling 5 kW/m²/s: 10 kW/m² is reached 2 s before 160 s
    assert m.flameout_s == pytest.approx(158.0)
    # 60 s average from 11 s: ∫ 10(t−10) dt from 11 to 60 plus ∫ 500−5(t−60) from 60 to 71
    rise = 5 * (50**2 - 1**2)
    fall = 500 * 11 - 2.5 * 11**2
    assert m.avg_hrr_60_kw_m2 == pytest.approx((rise + fall) / 60)


def test_triangle_marhe_and_figra_with_given_ignition():
    t, q = _triangle()
    m = curve_metrics(t, q, tig_s=10.0)
    # q/(t − 10) = 10 on the whole rise, smaller after the peak
    assert m.figra_kw_m2_s == pytest.approx(10.0)
    # ARHE(t) = 5(t − 10) on the rise; after the peak it still grows while
    # q exceeds ARHE: E(t)/(t−10) is largest where q(t) = ARHE(t).
    s = np.linspace(60, 160, 100001)
    energy = 12500 + 500 * (s - 60) - 2.5 * (s - 60) ** 2
    assert m.marhe_kw_m2 == pytest.approx(np.max(energy / (s - 10)), rel=1e-4)
    assert m.avg_hrr_300_kw_m2 == pytest.approx(37500 / 300)


def test_no_ignition_gives_nan_timing_metrics():
    t = np.arange(0.0, 100.0)
    m = curve_metrics(t, np.full_like(t, 2.0))
    assert math.isnan(m.tig_s) and math.isnan(m.marhe_kw_m2) and math.isnan(m.flameout_s)
    assert m.thr_raw_mj_m2 == pytest.approx(0.198)


def _curves_for_twin():
    """Simulated-looking and awkward curves: uniform and ragged times, t_ig before, between
    and on samples and past the end, a flameout, a curve that ends burning, a flat one."""
    t = np.arange(0.0, 400.0, 1.0)
    burn = np.where(t > 40, 900.0 * np.exp(-(((t - 120.0) / 60.0) ** 2)), 0.0)
    ragged = np.cumsum(np.linspace(0.2, 3.0, 200))
    bumpy = 300.0 * np.sin(ragged / 40.0) ** 2 - 5.0
    return [
        (t, burn, 0.5, 40.3),
        (t, burn, 0.0, 40.0),
        (t, burn, 1.2, math.nan),
        (t[:150], burn[:150], 0.3, 39.7),
        (ragged, bumpy, 0.2, 12.34),
        (ragged, bumpy, 0.2, ragged[-1] + 5.0),
        (t, np.zeros_like(t), 0.0, 10.0),
        (t[:1], burn[:1], 0.0, 0.0),
    ]


@pytest.mark.parametrize("case", range(8))
def test_compiled_twin_used_by_the_solver_equals_curve_metrics(case):
    t, q, mass_loss, tig = _curves_for_twin()[case]
    expected = curve_metrics(t, q, mass_loss_kg_m2=mass_loss, tig_s=tig)
    row = np.empty(len(dataclasses.fields(CurveMetrics)))
    metrics_row(t, q, mass_loss, tig, DEFAULT_THRESHOLD_KW_M2, row)
    got = CurveMetrics(*row.tolist())
    for field in dataclasses.fields(CurveMetrics):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12, nan_ok=True), field.name
