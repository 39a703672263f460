"""A base install predicts; a command whose optional part is missing names the extra."""

import subprocess
import sys
from pathlib import Path

import pytest

from engine.extras import missing_extra

ROOT = Path(__file__).resolve().parents[1]


def _run_without(modules: list[str], code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where ``modules`` cannot be imported."""
    block = "; ".join(f"sys.modules[{name!r}] = None" for name in modules)
    return subprocess.run([sys.executable, "-c", f"import sys; {block}; {code}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.parametrize(("module", "extra"), [
    ("torch", "ml"), ("transformers.models", "ml"), ("PySide6.QtCore", "gui"),
    ("pyqtgraph", "gui"), ("distributed", "scale"), ("matplotlib.pyplot", "report"),
])
def test_each_optional_module_names_its_extra(module, extra):
    sentence = missing_extra(ModuleNotFoundError(f"No module named {module!r}", name=module))
    assert f"pip install 'trinity-fire[{extra}]'" in sentence
    assert sentence.endswith(".") and "\n" not in sentence


def test_a_module_of_no_extra_is_left_to_the_caller():
    assert missing_extra(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None


def test_predict_needs_no_torch(tmp_path):
    (tmp_path / "in.csv").write_text("smiles,heat_flux_kw_m2,thickness_mm\n"
                                     "*CC(*)(C)C(=O)OC,50,6\n")
    done = _run_without(["torch", "transformers"], (
        "from engine.cli import main; "
        f"code = main(['predict', '--input', {str(tmp_path / 'in.csv')!r}, "
        f"'--output', {str(tmp_path / 'out.csv')!r}]); "
        "assert 'torch' not in sys.modules or sys.modules['torch'] is None; sys.exit(code)"))
    assert done.returncode == 0, done.stderr
    assert "phrr_kw_m2_low" in (tmp_path / "out.csv").read_text().splitlines()[0]


def test_training_without_torch_says_which_extra(tmp_path):
    done = _run_without(["torch"], (
        "from engine.cli import main; "
        f"sys.exit(main(['train', 'single', '--data', 'shipped', '--out', "
        f"{str(tmp_path / 'm')!r}]))"))
    assert done.returncode == 2
    line, = done.stderr.strip().splitlines()
    assert line.startswith("trinity train: Training and exporting models needs the torch ")
    assert "pip install 'trinity-fire[ml]'" in line and "Traceback" not in done.stderr


def test_window_without_qt_says_which_extra():
    done = _run_without(["PySide6"], (
        "from trinity_gui.launch import main; sys.exit(main(['trinity-gui']))"))
    assert done.returncode == 2
    line, = done.stderr.strip().splitlines()
    assert line == ("trinity-gui: The desktop window needs the PySide6 package, which is not "
                    "installed: pip install 'trinity-fire[gui]'.")


def test_scale_out_without_dask_says_which_extra(tmp_path):
    done = _run_without(["distributed"], (
        "from engine.cli import main; "
        f"sys.exit(main(['generate', '--n', '2', '--out', {str(tmp_path / 'g')!r}, "
        "'--scheduler', 'tcp://127.0.0.1:8786']))"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "trinity generate: Running on a Dask cluster needs the 'distributed' package: "
        "pip install 'trinity-fire[scale]'.")
