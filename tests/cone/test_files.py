"""Cone test files as labs write them: formats, metadata, oxygen consumption, time base."""

import csv
import io
import math

import numpy as np
import pytest

from engine.cone.files import read_cone_file
from engine.cone.measured import CurveFileError
from engine.cone.oxygen_consumption import (
    E_DEFAULT_KJ_KG,
    GasAnalysis,
    heat_release_rate_kw,
    water_mole_fraction,
)

RAW = "cone_raw/20250410_PMMA_DE_6mm_q50_R1.csv"
#: The lab's own values for the shared file (its SOURCES.md).
LAB_PHRR, LAB_THR = 1201.8, 161.38
C_FACTOR, STACK_K, DP_PA, X0 = 0.043, 320.0, 110.0, 0.2095


def _hrr_shape(t):
    """A test's HRR (kW/m²) against time from insertion: ignition at 30 s, a 600 peak."""
    return np.where(t < 30, 0.0, 600.0 * np.exp(-(((t - 120.0) / 50.0) ** 2)))


def _o2_for(q_kw, flow_kg_s):
    """The O2 fraction that gives ``q_kw`` by ISO 5660-1's O2-only equation (inverted)."""
    k = 1.10 * E_DEFAULT_KJ_KG * flow_kg_s
    return (k * X0 - 1.105 * q_kw) / (k - 1.5 * q_kw)


def _logger_file(path, *, start=30.0, stripped=False):
    """A small Latin-1 logger export: metadata beside the data, decimal commas, a units
    row, sentinel channels, a duplicate key; the gas signals made from _hrr_shape."""
    t = np.arange(0.0, 330.0, 1.0)
    flow = C_FACTOR * math.sqrt(DP_PA / STACK_K)
    q = _hrr_shape(t - start) * 0.01
    o2 = np.interp(t - 5.0, t, _o2_for(q, flow))  # the analyser sees it 5 s late
    mass = 50.0 - 0.1 * np.clip(t - start - 30, 0, 300)
    meta = [("General information", ""), ("Heat flux (kW/m²)", "35"),
            ("Thickness (mm)", "3,10"), ("Initial mass (g)", "50,00"),
            ("Surface area (cm²)", "88,4"), ("Orientation", "Hor"), ("Edge frame?", "Y"),
            ("Material name/ID", "Test black"), ("C-factor (SI units)", "0,043"),
            ("O2 delay time (s)", "5"), ("Test start time (s)", f"{start:g}"),
            ("Time to ignition (s)", "31"), ("Time to ignition  [s]", "0"),
            ("Laboratory name", "Bench lab")]
    header = ["", "", "time (s)", "O2 (%)", "DPT (Pa)", "StackTC (K)", "Mass (g)", "TX1"]
    units = ["", "", "", "", "", "", "", "no"]
    if not stripped:
        header.append("HRR/a")
        units.append("kW/m²")
    rows = []
    for i, ti in enumerate(t):
        key, value = meta[i] if i < len(meta) else ("", "")
        row = [key, value, f"{ti:g}", f"{o2[i] * 100:.5f}", f"{DP_PA:.3f}", f"{STACK_K:.2f}",
               f"{mass[i]:.3f}", "999998,00"]
        if not stripped:
            row.append(f"{q[i] / 0.00884:.3f}")
        rows.append([c.replace(".", ",") if c[:1].isdigit() else c for c in row])
    header[0] = "General information"
    text = "\n".join(";".join(r) for r in [header, units, *rows]) + "\n"
    path.write_bytes(text.encode("latin-1"))
    return t - start, q / 0.00884


def test_logger_export_metadata_time_base_and_results(tmp_path):
    path = tmp_path / "bench_R1.csv"
    _logger_file(path)
    record = read_cone_file(path)
    meta = record.metadata
    assert record.format == "logger" and record.encoding == "cp1252"
    assert record.delimiter == ";" and record.decimal_comma and record.sentinel_cells == 330
    assert (meta.heat_flux_kw_m2, meta.thickness_mm, meta.initial_mass_g) == (35, 3.1, 50)
    assert meta.area_m2 == pytest.approx(0.00884) and meta.orientation == "horizontal"
    assert meta.frame is True and meta.material == "Test black"
    assert meta.laboratory == "Bench lab" and meta.c_factor == 0.043
    assert meta.from_file["heat_flux_kw_m2"] == "Heat flux (kW/m²)"
    # duplicate keys: the first wins, the conflict is reported
    assert record.results.tig_s == 31 and record.results.tig_source == "reported"
    assert record.conflicts == [("Time to ignition (s)", "31", "0")]
    # time from insertion (30 s on the file's clock); the curve's own ignition is kept too
    assert record.curve.time_s[0] == 0
    assert record.results.tig_curve_s == pytest.approx(29.4, abs=0.1)  # 0 → 23.5 at 30 s
    assert record.results.t_phrr_s == pytest.approx(120, abs=1)
    assert record.hrr_source == "file"
    assert record.results.phrr_kw_m2 == pytest.approx(6.0 / 0.00884, rel=0.01)
    assert record.results.mass_loss_g == pytest.approx(27.0, abs=0.2)
    assert record.results.ehc_mj_kg > 0 and record.results.mlr_10_90_g_s_m2 > 0


def test_oxygen_consumption_recovers_the_heat_release_of_a_stripped_export(tmp_path):
    path = tmp_path / "bench_R1.csv"
    t, hrr = _logger_file(path, stripped=True)
    record = read_cone_file(path)
    assert record.hrr_source == "oxygen_consumption" and "O2;" in record.hrr_method
    assert "delays 5/0/0 s" in record.hrr_method and "30 samples before insertion" in (
        record.hrr_method)
    assert record.results.phrr_kw_m2 == pytest.approx(hrr.max(), rel=0.005)
    thr = np.trapezoid(hrr[t >= 0], t[t >= 0]) / 1000
    assert record.results.thr_mj_m2 == pytest.approx(thr, rel=0.005)


def test_recompute_uses_the_gas_even_with_a_heat_release_column(tmp_path):
    path = tmp_path / "bench_R1.csv"
    _logger_file(path)
    assert read_cone_file(path, recompute=True).hrr_source == "oxygen_consumption"
    tidy = tmp_path / "tidy.csv"
    tidy.write_text("time_s,hrr_kw_m2\n0,0\n1,100\n2,50\n")
    with pytest.raises(CurveFileError, match="no gas analysis to recompute"):
        read_cone_file(tidy, recompute=True)


def test_janssens_forms_agree_on_an_o2_only_signal():
    t = np.arange(0.0, 200.0)
    q = np.where(t < 60, 0.0, 5.0)
    flow = np.full_like(t, 0.03)
    o2 = _o2_for(q, flow)
    o2_only, how = heat_release_rate_kw(GasAnalysis(t, o2, mass_flow_kg_s=flow,
                                                    insertion_s=60.0))
    assert how.startswith("oxygen consumption (O2;")
    # Janssens' φ form and ISO's O2-only form differ only in 1.5 X_O2 against
    # 0.105 X_O2 / X_O2^0 (1.501 X_O2), a 3e-4 difference here
    assert o2_only[-1] == pytest.approx(5.0, rel=1e-3)
    flat = np.full_like(t, 0.0004)
    with_co2, how = heat_release_rate_kw(GasAnalysis(t, o2, co2=flat, co=flat * 0,
                                                     mass_flow_kg_s=flow, insertion_s=60.0))
    assert "O2 + CO2 + CO" in how and with_co2[-1] == pytest.approx(5.0, rel=2e-3)
    assert water_mole_fraction(298.15, 101325.0, 50.0) == pytest.approx(0.0156, abs=3e-4)


def test_gas_analysis_table_in_the_nist_layout(tmp_path):
    t = np.arange(0.0, 300.0, 2.0)
    flow = np.full_like(t, 0.024)
    q = _hrr_shape(t) * 0.01
    o2 = _o2_for(q, flow)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Time (s)", "O2 (Vol fr)", "CO2 (Vol fr)", "CO (Vol fr)", "HRR (kW/m2)",
                     "MFR (kg/s)", "k_smoke (1/m)", "Mass (g)"])
    for i, ti in enumerate(t):
        writer.writerow([ti, o2[i], 0.0004, 0.0, q[i] / 0.01, flow[i], 0.1, 40 - ti / 20])
    path = tmp_path / "nist.csv"
    path.write_text(out.getvalue())
    record = read_cone_file(path)
    assert record.format == "gas_analysis" and record.hrr_source == "file"
    assert record.results.phrr_kw_m2 == pytest.approx(600, rel=1e-3)
    assert record.results.peak_extinction_1_m == pytest.approx(0.1)
    again = read_cone_file(path, recompute=True)
    assert again.hrr_source == "oxygen_consumption" and "O2 + CO2 + CO" in again.hrr_method
    assert again.results.phrr_kw_m2 == pytest.approx(600, rel=0.01)


@pytest.mark.parametrize(("unit", "scale"), [("kW", 0.01), ("kW/m2", 1.0)])
def test_macfp_style_time_mass_hrr_with_a_units_row(tmp_path, unit, scale):
    t = np.arange(0.0, 200.0)
    q = _hrr_shape(t)
    rows = "\n".join(f"{a:g},{50 - a / 10:.2f},{b * scale:.4f}" for a, b in zip(t, q,
                                                                                  strict=True))
    path = tmp_path / "macfp.csv"
    path.write_text(f"Time,Mass,HRR\n[s],[g],[{unit}]\n{rows}\n")
    record = read_cone_file(path)
    assert record.format == "time_mass_hrr"
    assert record.results.phrr_kw_m2 == pytest.approx(600, rel=1e-3)
    assert record.results.mass_loss_g == pytest.approx(19.9)


def test_hash_metadata_and_a_block_before_an_at_line(tmp_path):
    hashed = tmp_path / "hashed.csv"
    hashed.write_text("# Heat flux (kW/m2): 35\n# Thickness (mm): 6\n# Material: PS\n"
                      "time_s,hrr_kw_m2\n0,0\n10,200\n20,100\n")
    meta = read_cone_file(hashed).metadata
    assert (meta.heat_flux_kw_m2, meta.thickness_mm, meta.material) == (35, 6, "PS")
    block = tmp_path / "block.txt"
    block.write_text("Heat flux;25\nInitial mass (kg);0,0312\nExposed area (m2);0,0088\n@\n"
                     "Time (s);HRR (kW)\n0;0\n10;1,5\n20;0,5\n", encoding="utf-8-sig")
    record = read_cone_file(block)
    assert record.metadata.heat_flux_kw_m2 == 25
    assert record.metadata.initial_mass_g == pytest.approx(31.2)
    assert record.curve.area_m2 == pytest.approx(0.0088)
    assert record.results.phrr_kw_m2 == pytest.approx(1.5 / 0.0088)


def test_sentinel_channels_read_as_missing(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("time_s,hrr_kw_m2,mass_g\n0,0,999998\n1,100,999998\n2,50,999998\n")
    record = read_cone_file(path)
    assert record.curve.mass_g is None and record.sentinel_cells == 3


@pytest.mark.parametrize(("content", "expected"), [
    ("time (s);O2 (%);DPT (Pa)\n0;20,95;100\n1;20,9;100\n",
     "closest to an ISO 5660 logger export .* but lacks a stack temperature signal"),
    ("time (s),O2 (Vol fr)\n0,0.2095\n1,0.2\n",
     "closest to a gas-analysis table .* but lacks a duct mass flow"),
    ("time_s,mass_g\n0,100\n1,99\n", "no heat release rate column and no gas analysis"),
    ("time (s);O2 (%);DPT (Pa);StackTC (K)\n"
     + "".join(f"{i};20,95;100;300\n" for i in range(20)), "lacks the C-factor"),
])
def test_a_file_no_parser_takes_names_what_it_lacks(tmp_path, content, expected):
    path = tmp_path / "partial.csv"
    path.write_text(content)
    with pytest.raises(CurveFileError, match=expected):
        read_cone_file(path)


def test_the_shared_logger_export(shared_data):
    record = read_cone_file(shared_data / RAW)
    meta, results = record.metadata, record.results
    assert record.format == "logger" and record.hrr_source == "file"
    assert (meta.heat_flux_kw_m2, meta.thickness_mm, meta.initial_mass_g) == (50, 5.74, 67.77)
    assert meta.area_m2 == pytest.approx(0.01) and meta.test_start_s == 60
    assert (meta.o2_delay_s, meta.co2_delay_s, meta.co_delay_s) == (12, 10, 10)
    assert results.tig_s == 27 and results.tig_source == "reported"
    assert results.flameout_s == 243 and results.flameout_source == "reported"
    assert results.phrr_kw_m2 == pytest.approx(LAB_PHRR, abs=0.05)
    assert results.t_phrr_s == 294 - 60
    assert results.thr_mj_m2 == pytest.approx(LAB_THR, rel=0.002)
    assert ("Time to ignition (s)", "27", "0") in record.conflicts


def test_the_shared_export_stripped_of_its_processed_columns(shared_data, tmp_path):
    """The logger's columns 68–99 (HRR/a, THR/a …) removed: oxygen consumption from the
    raw O2, CO2 and CO gives THR within 3 % and pHRR within 5 % of the lab's."""
    raw = (shared_data / RAW).read_bytes().decode("latin-1").split("\r\n")
    stripped = [";".join(line.split(";")[:67]) for line in raw]
    path = tmp_path / "stripped.csv"
    path.write_bytes("\r\n".join(stripped).encode("latin-1"))
    record = read_cone_file(path)
    assert record.hrr_source == "oxygen_consumption" and "O2 + CO2 + CO" in record.hrr_method
    assert record.results.thr_mj_m2 == pytest.approx(LAB_THR, rel=0.03)
    assert record.results.phrr_kw_m2 == pytest.approx(LAB_PHRR, rel=0.05)
    direct = read_cone_file(shared_data / RAW, recompute=True).results
    assert direct.thr_mj_m2 == pytest.approx(LAB_THR, rel=0.01)
    assert direct.phrr_kw_m2 == pytest.approx(LAB_PHRR, rel=0.02)
