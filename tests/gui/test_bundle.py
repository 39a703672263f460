"""The bundle's one executable: window, command line or self-test; the startup markers."""

import os
import subprocess
import sys
from pathlib import Path

from trinity_gui.bundle import main, wants_window
from trinity_gui.self_test import check_window

ROOT = Path(__file__).resolve().parents[2]


def test_no_arguments_or_only_files_open_the_window(tmp_path):
    data = tmp_path / "tests.csv"
    data.write_text("smiles\n")
    assert wants_window([]) and wants_window([str(data)])
    assert not wants_window(["predict", "--input", str(data)])
    assert not wants_window(["--help"]) and not wants_window([str(tmp_path / "missing.csv")])


def test_anything_else_is_the_command_line(capsys):
    assert main(["trinity", "--version"]) == 0
    assert capsys.readouterr().out.startswith("trinity ")
    assert main(["trinity", "gc", "*CC(*)c1ccccc1", "--json"]) == 0
    assert '"formula": "C8H8"' in capsys.readouterr().out


def test_window_check_paints_the_window_with_the_shipped_model(qapp, tmp_path):
    detail = check_window(tmp_path)
    assert "Model: " in detail and " px" in detail


def test_startup_report_marks_paint_and_model_then_exits(tmp_path):
    env = dict(os.environ, TRINITY_STARTUP_REPORT="1", QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "trinity_gui.launch"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    marks = [line for line in done.stdout.splitlines() if line.startswith("MARK ")]
    assert marks == ["MARK painted", "MARK predictor"]
