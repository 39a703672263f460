"""`trinity kinetics`: text, --json, --material-out (then simulated), and bad input."""

import json

import numpy as np
import pytest

from engine.cli import main
from engine.thermal.simulate import StepArrays, linear_program, tga_mass

PMMA = "*CC(*)(C)C(=O)OC"


@pytest.fixture
def tga_file(tmp_path):
    """A 10 K/min TGA of one first-order step (E 200 kJ/mol) leaving 5 % residue."""
    time_s, temp_k = linear_program(150.0, 650.0, 10.0)
    steps = StepArrays(np.array([1e13]), np.array([200e3]), np.array([1.0]))
    mass = tga_mass(steps, np.array([0.95]), 0.05, time_s, temp_k)
    rows = "\n".join(
        f"{t - 273.15:.1f},{s:.1f},{m:.6f}" for t, s, m in zip(temp_k, time_s, mass, strict=True)
    )
    path = tmp_path / "PMMA_TGA_N2_10K_R1.csv"
    path.write_text(
        f"# material: PMMA\n# smiles: {PMMA}\n# technique: TGA\n# heating_rate_k_min: 10\n"
        f"temperature_c,time_s,mass_fraction\n{rows}\n",
        encoding="utf-8",
    )
    return path


def test_text(tga_file, capsys):
    assert main(["kinetics", str(tga_file)]) == 0
    out = capsys.readouterr().out
    assert "1 parallel step" in out and "E (kJ/mol)" in out
    header = next(i for i, line in enumerate(out.splitlines()) if "E (kJ/mol)" in line)
    row = out.splitlines()[header + 1].split()
    assert float(row[2]) == pytest.approx(200.0, rel=0.05)  # E in kJ/mol


def test_json(tga_file, capsys):
    assert main(["kinetics", str(tga_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (step,) = data["steps"]
    assert step["E_j_mol"] == pytest.approx(200e3, rel=0.05)
    assert step["residue_yield"] * step["mass_fraction"] == pytest.approx(0.05, abs=0.005)
    assert data["fit"]["r2"] > 0.999


def test_material_out_is_simulated(tga_file, tmp_path, capsys):
    material = tmp_path / "pmma.json"
    assert main(["kinetics", str(tga_file), "--material-out", str(material)]) == 0
    data = json.loads(material.read_text(encoding="utf-8"))
    assert data["reactions"][0]["E"] == pytest.approx(200e3, rel=0.05)
    capsys.readouterr()
    code = main(["simulate", "--material", str(material), "--flux", "50", "--thickness", "3",
                 "--json"])  # fmt: skip
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["metrics"]["phrr_kw_m2"] > 0


def test_material_out_may_not_overwrite_an_input(tga_file, capsys):
    assert main(["kinetics", str(tga_file), "--material-out", str(tga_file)]) == 2
    assert "destroy" in capsys.readouterr().err


def test_material_out_needs_a_polymer(tmp_path, capsys):
    rows = "\n".join(f"{200 + i},{0.2 + 0.8 / (1 + np.exp((i - 200) / 8)):.5f}" for i in range(400))
    path = tmp_path / "anon.csv"
    path.write_text(f"Temperature (C),Mass fraction\n{rows}\n", encoding="utf-8")
    out = tmp_path / "m.json"
    code = main(["kinetics", str(path), "--heating-rate", "10", "--material-out", str(out)])
    assert code == 2
    assert "--smiles" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--heating-rate", "-5"], "heating rate"),
        (["--steps", "9"], "invalid choice"),
        (["--smiles", "*C1CC*"], "ring"),
    ],
)
def test_bad_options_are_one_line(tga_file, capsys, args, match):
    assert main(["kinetics", str(tga_file), *args]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1


def test_missing_heating_rate_is_one_line(tmp_path, capsys):
    rows = "\n".join(f"{200 + i},{1 - i / 500:.4f}" for i in range(300))
    path = tmp_path / "norate.csv"
    path.write_text(f"Temperature (C),Mass fraction\n{rows}\n", encoding="utf-8")
    assert main(["kinetics", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--heating-rate" in err and err.count("\n") == 1


def test_consecutive_scheme(tga_file, tmp_path, capsys):
    material = tmp_path / "chain.json"
    args = ["kinetics", str(tga_file), "--scheme", "consecutive", "--json"]
    assert main([*args, "--material-out", str(material)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scheme"] == "consecutive"
    (step,) = data["steps"]
    assert step["E_j_mol"] == pytest.approx(200e3, rel=0.05)
    assert step["residue_yield"] == pytest.approx(0.05, abs=0.005)
    saved = json.loads(material.read_text(encoding="utf-8"))
    assert saved["reactions"][0]["A"] == pytest.approx(step["A_1_s"])


def test_a_file_cut_short_after_its_byte_order_mark_is_one_line(tmp_path, capsys):
    path = tmp_path / "cut.csv"
    path.write_bytes(b"\xff\xfeT\x00e\x00m")
    assert main(["kinetics", str(path), "--heating-rate", "10"]) == 2
    err = capsys.readouterr().err
    assert "not one (cut short or not text)" in err and err.count("\n") == 1
