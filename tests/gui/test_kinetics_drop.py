"""A TGA file dropped on the window: kinetics fitted as a job, listed beside the GC
estimate on the Properties tab, and a second simulated curve on the Cone test tab."""

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from engine.thermal.simulate import StepArrays, linear_program, tga_mass
from trinity_gui.app import MainWindow

PMMA = "*CC(*)(C)C(=O)OC"


@pytest.fixture
def window(qtbot, tmp_path, context):
    main = MainWindow(context, tmp_path / "recent.json")
    qtbot.addWidget(main)
    return main


def _tga(path, rate_k_min=10.0, header="# heating_rate_k_min: 10\n"):
    """One first-order step (E 200 kJ/mol) leaving 2 % residue, as a project curve file."""
    time_s, temp_k = linear_program(150.0, 600.0, rate_k_min)
    steps = StepArrays(np.array([1e13]), np.array([200e3]), np.array([1.0]))
    mass = tga_mass(steps, np.array([0.98]), 0.02, time_s, temp_k)
    rows = "\n".join(f"{t - 273.15:.1f},{m:.6f}" for t, m in zip(temp_k, mass, strict=True))
    path.write_text(
        f"# material: PMMA\n{header}temperature_c,mass_fraction\n{rows}\n", encoding="utf-8"
    )
    return path


def _drop(window, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_dropped_tga_is_fitted_and_shown_beside_gc(window, qtbot, tmp_path):
    window.polymer_input.set_smiles(PMMA, name="PMMA")
    path = _tga(tmp_path / "PMMA_TGA_N2_10K_R1.csv")
    _drop(window, path)

    properties = window.properties_view

    def listed():
        assert properties.kinetics_table.rowCount() >= 2

    qtbot.waitUntil(listed, timeout=30_000)
    cells = [
        properties.kinetics_table.item(r, 0).text()
        for r in range(properties.kinetics_table.rowCount())
    ]
    assert cells[0].startswith("GC estimate") and cells[-1] == "Measured, step 1"
    measured_e = float(properties.kinetics_table.item(len(cells) - 1, 2).text())
    assert measured_e == pytest.approx(200.0, rel=0.05)
    assert "PMMA_TGA_N2_10K_R1.csv" in properties.kinetics_note.text()
    # The Data tab did not take the TGA file as a table of cone tests.
    assert window.tabs.currentWidget() is window.cone_view

    cone = window.cone_view

    def both_curves():
        for curve in (cone.simulated_curve, cone.kinetics_curve):
            time_s = curve.getData()[0]
            assert time_s is not None and len(time_s) > 0

    qtbot.waitUntil(both_curves, timeout=120_000)
    assert "kinetics from PMMA_TGA_N2_10K_R1.csv" in cone.status.text()
    gc_peak = float(np.max(cone.simulated_curve.getData()[1]))
    measured_peak = float(np.max(cone.kinetics_curve.getData()[1]))
    assert gc_peak > 0 and measured_peak > 0


def test_another_polymer_drops_the_measured_kinetics(window, qtbot, tmp_path):
    window.polymer_input.set_smiles(PMMA, name="PMMA")
    window.open_files([_tga(tmp_path / "run.csv")])
    qtbot.waitUntil(lambda: not window.properties_view.kinetics_table.isHidden(), timeout=30_000)
    window.polymer_input.set_smiles("*CC(*)C", name="PP")
    assert window.properties_view.kinetics_table.isHidden()
    assert window.cone_view.kinetics is None


def test_without_a_polymer_nothing_is_fitted(window, tmp_path):
    window.polymer_input.set_smiles("*C1CC*")  # not a valid repeat unit
    assert window.fit_kinetics([_tga(tmp_path / "run.csv")]) is None
    assert "Choose a polymer first" in window.statusBar().currentMessage()


def test_a_file_that_cannot_be_fitted_says_why(window, qtbot, tmp_path):
    window.polymer_input.set_smiles(PMMA, name="PMMA")
    path = _tga(tmp_path / "norate.csv", header="")  # no rate, no time column
    job = window.fit_kinetics([path])
    qtbot.waitUntil(lambda: job.state == "failed", timeout=30_000)
    assert "--heating-rate" in job.message
    assert "Failed" in window.statusBar().currentMessage()
    assert window.properties_view.kinetics_table.isHidden()
