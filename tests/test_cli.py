"""The `trinity` command: real work on good input, one sentence and exit 2 on bad input."""

import json
import subprocess
import sys

import pytest

from engine.cli import main
from engine.datasets import shipped_tests

TRINITY = [sys.executable, "-m", "engine.cli"]


def test_gc_works_for_every_polymer_of_the_shipped_tests(capsys):
    smiles = sorted(set(shipped_tests(included_only=False).smiles.dropna()))
    assert len(smiles) >= 15
    for s in smiles:
        assert main(["gc", s, "--json"]) == 0
        record = json.loads(capsys.readouterr().out)
        assert record["density_kg_m3"] > 500 and record["groups"]


def test_gc_prints_a_table_with_units_and_groups(capsys):
    assert main(["gc", "*CC(*)c1ccccc1"]) == 0
    out = capsys.readouterr().out
    assert "C8H8" in out and "kg/m³" in out and "aromatic_CH" in out and "pyrolysis" in out


def test_gc_copolymer_with_fractions(capsys):
    assert main(["gc", "*CC*.*CC(*)C", "--fractions", "0.7,0.3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["formula"] == "C2.30H4.60"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["gc", ""], "empty"),
        (["gc", "*CC"], "1 attachment point"),
        (["gc", "*C[Xe]C*"], "noble gas"),
        (["gc", "x" * 10_000], "characters long"),
        (["gc", "*CC*.*CC(*)C", "--fractions", "a,b"], "--fractions"),
        (["gc", "*CC(=S)C*"], "does not cover"),
        (["depict", "*CC*", "--out", "x.gif"], ".svg or .png"),
    ],
)
def test_bad_input_exits_2_with_one_sentence(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_subprocess_never_prints_a_traceback():
    result = subprocess.run([*TRINITY, "gc", "*C1CC*"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "ring" in result.stderr
    assert result.stdout == ""


def test_depict_writes_svg_and_png(tmp_path):
    for name in ("ps.svg", "ps.png"):
        assert main(["depict", "*CC(*)c1ccccc1", "--out", str(tmp_path / name)]) == 0
        assert (tmp_path / name).stat().st_size > 500


def test_demo_writes_properties_of_shipped_polymers(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "properties.csv").read_text().count("\n") >= 15
    assert json.loads((tmp_path / "properties.json").read_text())["PMMA"]["formula"] == "C5H8O2"
    assert any((tmp_path / "depictions").glob("*.svg"))


def test_simulate_from_smiles_prints_metrics_and_writes_curves(tmp_path, capsys):
    out = tmp_path / "pmma.csv"
    assert main(["simulate", "--smiles", "*CC(*)(C)C(=O)OC", "--flux", "50",
                 "--thickness", "3", "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "t_ig" in text and "pHRR" in text and "THR" in text
    header = out.read_text().splitlines()[0]
    assert header.startswith("time_s,hrr_kw_m2")


def test_simulate_material_json_as_json(tmp_path, capsys):
    material = tmp_path / "m.json"
    material.write_text(json.dumps({
        "name": "PMMA-like", "density": 1200, "conductivity": 0.2, "specific_heat": 1600,
        "emissivity": 0.85, "absorption_coefficient": 2700,
        "reactions": [{"A": 8.5e12, "E": 1.88e5, "n": 1, "heat_of_reaction": 8.7e5,
                       "char_yield": 0.0}],
        "heat_of_combustion": 2.4e7}))
    assert main(["simulate", "--material", str(material), "--flux", "50",
                 "--thickness", "6", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "ok" and 30 < record["metrics"]["tig_s"] < 50
    assert len(record["curves"]["time_s"]) == len(record["curves"]["hrr_kw_m2"])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["simulate", "--flux", "50", "--thickness", "6"], "--smiles"),
        (["simulate", "--material", "missing.json", "--flux", "50", "--thickness", "6"],
         "does not exist"),
        (["simulate", "--smiles", "*CC*", "--flux", "-5", "--thickness", "6"],
         "heat flux -5 kW/m² is outside the accepted range"),
        (["generate", "--n", "0", "--out", "x"], "'0' is not a positive whole number"),
        (["generate", "--n", "3", "--out", "x", "--flux", "50,abc"], "--flux"),
    ],
)
def test_simulate_and_generate_bad_input(argv, expected, capsys):
    assert main(argv) == 2
    assert expected in capsys.readouterr().err


def test_engine_fds_without_fds_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("TRINITY_FDS", raising=False)
    argv = ["simulate", "--smiles", "*CC*", "--flux", "50", "--thickness", "6",
            "--engine", "fds", "--fds-workdir", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "FDS" in err and "TRINITY_FDS" in err and len(err.strip().splitlines()) == 1


def test_generate_writes_a_data_set(tmp_path, capsys):
    out = tmp_path / "synth"
    assert main(["generate", "--n", "2", "--out", str(out), "--flux", "50",
                 "--thickness", "3", "--workers", "1"]) == 0
    assert "2 rows" in capsys.readouterr().out
    assert (out / "manifest.json").exists() and list(out.glob("part-*.parquet"))


def test_every_bad_polymer_input_fails_cleanly_on_the_command_line(capsys):
    from test_polymer import BAD_INPUTS

    for text, expected in BAD_INPUTS.values():
        assert main(["gc", text]) == 2, text
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err
        assert expected.lower() in err.lower(), err


PMMA = "*CC(*)(C)C(=O)OC"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        # No upper bound used to hang (1e5 mm), take 10 GB (1e7) or get killed (1e8).
        (["--flux", "50", "--thickness", "1e5"], "thickness 100000 mm is outside the accepted"),
        (["--flux", "50", "--thickness", "1e8"], "thickness 1e+08 mm is outside"),
        (["--flux", "5000", "--thickness", "6"], "heat flux 5000 kW/m² is outside the accepted"),
        (["--flux", "1000", "--thickness", "6"], "at most 200 kW/m²"),
        (["--flux", "1_000", "--thickness", "6"], "heat flux is '1_000', not a number"),
        (["--flux", "٥٠", "--thickness", "6"], "not a number"),
        (["--flux", "50", "--thickness", "6", "--flame-flux", "-1"], "flame heat flux -1"),
        (["--flux", "inf", "--thickness", "6"], "'inf', not a number"),
    ],
)
def test_simulate_refuses_numbers_outside_physics_before_any_work(argv, expected, capsys):
    assert main(["simulate", "--smiles", PMMA, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1 and "usage:" not in err


def test_a_sample_that_does_not_ignite_says_so_in_a_sentence(capsys):
    pc = "*Oc1ccc(cc1)C(C)(C)c1ccc(cc1)OC(*)=O"
    assert main(["simulate", "--smiles", pc, "--flux", "10", "--thickness", "3"]) == 0
    out = capsys.readouterr().out
    assert "does not ignite within" in out and "nan" not in out


def test_simulate_never_writes_over_its_material(tmp_path, capsys):
    material = tmp_path / "m.json"
    assert main(["simulate", "--smiles", PMMA, "--flux", "50", "--thickness", "6",
                 "--csv", str(tmp_path / "c.csv")]) == 0
    from engine.cone.gc_material import cone_material
    from engine.gc.properties import estimate_properties
    from engine.polymer import parse_polymer

    cone_material(estimate_properties(parse_polymer(PMMA))).to_json(material)
    before = material.read_bytes()
    capsys.readouterr()
    argv = ["simulate", "--material", str(material), "--flux", "50", "--thickness", "6",
            "--csv", str(material)]
    assert main(argv) == 2
    assert "--csv" in capsys.readouterr().err and material.read_bytes() == before


def test_simulate_writes_curves_to_standard_output(capsys):
    assert main(["simulate", "--smiles", "*CC*", "--flux", "50", "--thickness", "3",
                 "--csv", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("time_s,hrr_kw_m2,")
    assert "t_ig" in captured.err  # the words go to stderr when stdout carries the data
    assert not (__import__("pathlib").Path("-")).exists()


def test_a_folder_given_as_a_file_is_called_a_folder(tmp_path, capsys):
    assert main(["simulate", "--material", str(tmp_path), "--flux", "50",
                 "--thickness", "6"]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err


def test_an_os_error_without_a_file_name_has_no_none(monkeypatch, capsys):
    import engine.gc.properties

    def disk_full(polymer):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.gc.properties, "estimate_properties", disk_full)
    assert main(["gc", "*CC*"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "trinity gc: No space left on device." and "None" not in err


def test_depict_image_size_is_bounded(tmp_path, capsys):
    assert main(["depict", "*CC*", "--out", str(tmp_path / "a.png"), "--width", "100000"]) == 2
    assert "image size 100000 px is outside" in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()


def test_generate_refuses_an_impossible_condition_before_writing(tmp_path, capsys):
    out = tmp_path / "synthetic"
    assert main(["generate", "--n", "2", "--out", str(out), "--flux", "50,1000"]) == 2
    assert "--flux 1000 kW/m² is outside" in capsys.readouterr().err
    assert not out.exists()


def test_fractions_are_numbers_in_range(capsys):
    assert main(["gc", "*CC*.*CC(*)C", "--fractions", "0.7,1_0"]) == 2
    assert "'1_0', not a number" in capsys.readouterr().err
    assert main(["gc", "*CC*.*CC(*)C", "--fractions", "0.7,0"]) == 2
    assert "--fractions 0 is outside" in capsys.readouterr().err
