"""Readers of TGA and MCC files as instruments and people write them (files written here)."""

import numpy as np
import pytest

from engine.thermal.curves import MCC, TGA, ThermalDataError, read_curve

# A decomposition written by hand: 1 °C steps, mass falling from 1 to 0.2 around 420 °C.
TEMPS = np.arange(200.0, 601.0, 1.0)
MASS = 0.2 + 0.8 / (1.0 + np.exp((TEMPS - 420.0) / 8.0))
TIMES = (TEMPS - 200.0) * 6.0  # 10 K/min


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_project_format(tmp_path):
    rows = "\n".join(f"{t:.1f},{s:.1f},{m:.5f}" for t, s, m in zip(TEMPS, TIMES, MASS, strict=True))
    path = _write(
        tmp_path,
        "PC_TGA_N2_10K_R1.csv",
        "# material: PC\n# smiles: *Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1\n# technique: TGA\n"
        "# atmosphere: N2\n# heating_rate_k_min: 10\n# initial_mass_mg: 5.12\n"
        "# rows: every 10th raw row; mass_fraction = (m0 + change)/m0, time_s, temperature_c\n"
        f"temperature_c,time_s,mass_fraction\n{rows}\n",
    )
    curve = read_curve(path)
    assert curve.technique == TGA
    assert curve.material == "PC" and curve.smiles.startswith("*Oc1")
    assert curve.atmosphere == "N2" and curve.initial_mass_mg == 5.12
    assert curve.heating_rate_k_min == pytest.approx(10.0)
    assert curve.heating_rate_source == "file"
    assert curve.temperature_k[0] == pytest.approx(473.15)
    np.testing.assert_allclose(curve.signal, MASS, atol=1e-5)


def test_netzsch_export_with_mass_in_percent_decimal_comma_and_cp1252(tmp_path):
    rows = "\n".join(
        f"{t:.1f};{s / 60:.4f};0,1;{100 * m:.3f}".replace(".", ",")
        for t, s, m in zip(TEMPS, TIMES, MASS, strict=True)
    )
    text = (
        "#EXPORTTYPE:;DATA ALL\n#SAMPLE MASS /mg:;5,120\n#RANGE:;50°C/10.0(K/min)/650°C\n"
        f"##Temp./°C;Time/min;DSC/(mW/mg);Mass/%\n{rows}\n"
    )
    curve = read_curve(_write(tmp_path, "run.csv", text, encoding="cp1252"))
    assert curve.technique == TGA
    assert curve.initial_mass_mg == pytest.approx(5.12)
    assert curve.heating_rate_k_min == pytest.approx(10.0)
    assert curve.time_s[-1] == pytest.approx(TIMES[-1], abs=0.01)
    np.testing.assert_allclose(curve.signal, MASS, atol=1e-5)


def test_fsri_mass_change_in_mg_uses_the_sample_mass(tmp_path):
    m0 = 4.39
    rows = "\n".join(
        f"{t:.1f},{s / 60:.4f},0.1,{(m - 1.0) * m0:.5f},1.0"
        for t, s, m in zip(TEMPS, TIMES, MASS, strict=True)
    )
    text = (
        f"#SAMPLE MASS /mg:,{m0}\n"
        f"##Temp./°C,Time/min,DSC(subtr.2)/(mW/mg),Mass loss(subtr.2)/mg,Sensit./(uV/mW)\n{rows}\n"
    )
    curve = read_curve(_write(tmp_path, "HDPE_STA.csv", text))
    np.testing.assert_allclose(curve.signal, MASS, atol=1e-5)
    assert curve.heating_rate_source == "slope of T(t)"
    assert curve.heating_rate_k_min == pytest.approx(10.0, rel=1e-3)


def test_mass_in_mg_without_initial_mass_is_one_sentence_or_uses_the_given_one(tmp_path):
    rows = "\n".join(f"{t:.1f}\t{5.0 * m:.5f}" for t, m in zip(TEMPS, MASS, strict=True))
    path = _write(tmp_path, "mg.tsv", f"Temperature (°C)\tMass (mg)\n{rows}\n")
    with pytest.raises(ThermalDataError, match="initial sample mass"):
        read_curve(path, heating_rate_k_min=10.0)
    curve = read_curve(path, heating_rate_k_min=10.0, initial_mass_mg=5.0)
    np.testing.assert_allclose(curve.signal, MASS, atol=1e-5)


def test_missing_heating_rate_is_one_sentence(tmp_path):
    rows = "\n".join(f"{t + 273.15:.2f},{m:.5f}" for t, m in zip(TEMPS, MASS, strict=True))
    path = _write(tmp_path, "kelvin.csv", f"Temperature (K),Mass fraction\n{rows}\n")
    with pytest.raises(ThermalDataError, match="--heating-rate") as error:
        read_curve(path)
    assert "\n" not in str(error.value)
    curve = read_curve(path, heating_rate_k_min=20.0)
    assert curve.heating_rate_source == "given"
    assert curve.temperature_k[0] == pytest.approx(473.15, abs=0.01)
    assert curve.time_s[-1] == pytest.approx(400.0 * 3.0)


def test_generic_percent_without_unit_is_recognised(tmp_path):
    rows = "\n".join(
        f"{s / 60:.3f},{t:.1f},{100 * m:.3f}" for t, s, m in zip(TEMPS, TIMES, MASS, strict=True)
    )
    curve = read_curve(_write(tmp_path, "plain.csv", f"time [min],temp,weight\n{rows}\n"))
    np.testing.assert_allclose(curve.signal, MASS, atol=1e-5)


def test_mcc_export(tmp_path):
    hrr = 300.0 * np.exp(-(((TEMPS - 400.0) / 20.0) ** 2))
    rows = "\n".join(
        f"{t / 1.0 - 200.0:.1f}\t{t:.1f}\t80\t20\t100\t20.9\t{q:.3f}\t1.0"
        for t, q in zip(TEMPS, hrr, strict=True)
    )
    text = (
        "Sample Weight (mg)\t5.02\nHeating Rate (C/s)\t1\nCombustor Temp (C)\t900\n\n"
        "Time (s)\tTemperature (C)\tN2\tO2\tFlow\tOxygen (%)\tHRR (W/g)\tHeating rate (C/s)\n"
        f"{rows}\n"
    )
    curve = read_curve(_write(tmp_path, "PMMA_MCC.txt", text))
    assert curve.technique == MCC
    assert curve.heating_rate_k_s == pytest.approx(1.0)
    assert curve.initial_mass_mg == pytest.approx(5.02)
    np.testing.assert_allclose(curve.signal, hrr, atol=1e-3)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("just some words\nand more\n", "no column header"),
        ("temperature_c,mass_fraction\n200,1\n300,0.5\n", "data rows"),
        (
            "temperature_c,time_s,mass_fraction\n"
            + "\n".join(f"{5000 + i},{i},1" for i in range(20))
            + "\n",
            "not a thermal-analysis run",
        ),
        (
            "temperature_c,time_s,mass\n"
            + "\n".join(f"{200 + i},{i},{500 - i}" for i in range(20))
            + "\n",
            "name its unit",
        ),
    ],
)
def test_bad_files_are_one_sentence(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThermalDataError, match=match) as error:
        read_curve(path)
    assert "\n" not in str(error.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ThermalDataError, match="does not exist"):
        read_curve(tmp_path / "nothing.csv")
    with pytest.raises(ThermalDataError, match="folder"):
        read_curve(tmp_path)


def test_fsri_data_file_takes_sample_mass_and_program_from_its_meta_file(tmp_path):
    """The FSRI layout: '…Data…' with the mass change in mg, the '…Meta…' file beside
    it with '#SAMPLE MASS /mg' and '#RANGE' in NETZSCH's padded form."""
    m0 = 4.24
    rows = "\n".join(
        f" {t:.5f},{s / 60 + 10:.5f},{(m - 1.0) * m0:.8f},0.1,1.03"
        for t, s, m in zip(TEMPS, TIMES, MASS, strict=True)
    )
    data = tmp_path / "PP_STA_N2_10KData_210824_R1.csv"
    data.write_text(
        f"##Temp./°C,Time/min,Mass loss(subtr.2)/mg,DSC(subtr.2)/(mW/mg),Sensit./(uV/mW)\n{rows}\n",
        encoding="utf-8",
    )
    meta = tmp_path / "PP_STA_N2_10KMeta_210824_R1.csv"
    meta.write_text(
        "#EXPORTTYPE:                 ,DATA ALL                       \n"
        "#SAMPLE:                     ,Polypropylene_10K_1            \n"
        f"#SAMPLE MASS /mg:            ,{m0}                           \n"
        "#MATERIAL:                   ,PVC                            \n"
        "#REFERENCE MASS /mg:         ,0                              \n"
        "#RANGE:                      ,50°C/10.0(K/min)/650°C         \n"
        "##Temp./°C,Time/min\n 49.73500,10.00917\n",
        encoding="utf-8",
    )
    curve = read_curve(data)
    assert curve.initial_mass_mg == pytest.approx(m0)
    assert curve.heating_rate_source == "file" and curve.heating_rate_k_min == pytest.approx(10)
    assert curve.material is None  # the Meta file's #MATERIAL is not trusted
    np.testing.assert_allclose(curve.signal, MASS, atol=1e-6)
    meta.unlink()
    with pytest.raises(ThermalDataError, match="initial sample mass"):
        read_curve(data)
