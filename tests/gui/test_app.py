"""The main window: polymer input wired to every view, files routed, closing (offscreen)."""

import json
import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QRect
from PySide6.QtGui import QScreen

from trinity_gui.app import EXAMPLE, TABS, MainWindow, initial_geometry
from trinity_gui.jobs import Job


@pytest.fixture
def window(qtbot, tmp_path, context):
    main = MainWindow(context, tmp_path / "recent.json")
    qtbot.addWidget(main)
    return main


def test_opens_on_an_example_without_remembering_it(window, tmp_path):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == list(TABS)
    assert window.polymer_input.polymer().smiles == EXAMPLE[0]
    assert window.properties_view.properties().formula == "C8H8"
    assert not (tmp_path / "recent.json").exists()


def test_opens_on_the_most_recent_polymer(qtbot, tmp_path, context):
    recent = tmp_path / "recent.json"
    recent.write_text(json.dumps([{"smiles": "*CC(*)Cl", "name": "PVC"}]))
    main = MainWindow(context, recent)
    qtbot.addWidget(main)
    assert main.polymer_input.polymer().name == "PVC"


def test_typing_updates_the_properties_and_the_cone_test(window, qtbot):
    window.polymer_input.smiles_field.clear()
    qtbot.keyClicks(window.polymer_input.smiles_field, "*CC(*)(C)C(=O)OC")

    def estimated():
        properties = window.properties_view.properties()
        assert properties is not None and properties.formula == "C5H8O2"

    qtbot.waitUntil(estimated, timeout=3000)

    def simulated():
        shown = window.cone_view.comparison
        assert shown is not None and shown.simulated is not None
        assert set(shown.experiments["polymer"]) == {"PMMA"}

    qtbot.waitUntil(simulated, timeout=60_000)


def test_a_bad_smiles_empties_the_properties(window):
    window.polymer_input.set_smiles("*C1CC*")
    assert window.properties_view.properties() is None
    assert "ring is opened but never closed" in window.polymer_input.message.text()


def test_selecting_a_group_highlights_it_on_the_depiction(window):
    groups = window.properties_view.groups
    names = [groups.item(row, 0).text() for row in range(groups.rowCount())]
    groups.selectRow(names.index("aromatic_CH"))
    drawn = window.polymer_input.polymer().units[0].mol
    lit = window.polymer_input.highlight()
    assert len(lit) == 5 and all(drawn.GetAtomWithIdx(i).GetIsAromatic() for i in lit)


def test_dropped_csv_goes_to_the_data_tab_and_reaches_the_cone_view(window, tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("polymer,smiles,heat_flux_kw_m2,thickness_mm,tig_s\n"
                   "My PS,*CC(*)c1ccccc1,50,6,40\nbad,*C1CC*,50,6,40\n")
    window.open_files([csv])
    assert window.tabs.currentWidget() is window.data_view
    combined = window.data_view.experiments()
    assert "My PS" in set(combined["polymer"])
    assert (window.context.workspace.datasets_dir / "mine.csv").is_file()
    choices = window.training_view.experimental
    assert any("mine" in choices.itemText(i) for i in range(choices.count()))


def test_without_a_model_the_status_says_simulation_only(window, qtbot, monkeypatch):
    def missing():
        raise FileNotFoundError("no model here")

    monkeypatch.setattr(window.context, "predictor", missing)
    window._after_start()
    assert window.model_label.text() == "No model: simulation only"
    assert "no model here" in window.model_label.toolTip()


def test_closing_without_jobs_closes(window):
    assert window.close()


#: A 1366×768 laptop screen less a 40-pixel task bar.
LAPTOP = QRect(0, 0, 1366, 728)


def test_the_window_opens_inside_a_small_screen(qtbot, tmp_path, context, monkeypatch):
    """It used to open at 1420×900 whatever the screen, partly off a 1366×768 one, and
    could not be made smaller than 841 pixels tall."""
    monkeypatch.setattr(QScreen, "availableGeometry", lambda screen: LAPTOP)
    main = MainWindow(context, tmp_path / "recent.json")
    qtbot.addWidget(main)
    assert LAPTOP.contains(main.geometry())
    assert main.width() <= 0.9 * LAPTOP.width() + 1 and main.height() <= 0.9 * LAPTOP.height() + 1
    assert abs(main.geometry().center().x() - LAPTOP.center().x()) <= 1
    assert abs(main.geometry().center().y() - LAPTOP.center().y()) <= 1
    least = main.minimumSizeHint()  # what a user can shrink it to, title bar aside
    assert least.width() <= LAPTOP.width() and least.height() <= LAPTOP.height() - 40
    main.show()
    qtbot.waitExposed(main)
    # The views need the height more than the job list (it took 206 of 655 pixels).
    qtbot.waitUntil(lambda: main.jobs_dock.height() <= 0.25 * main.height(), timeout=3000)


def test_the_first_size_is_the_designed_one_where_it_fits():
    wide = QRect(1920, 0, 2560, 1400)  # a second monitor right of the first
    shown = initial_geometry(wide)
    assert (shown.width(), shown.height()) == (1420, 900) and wide.contains(shown)
    assert shown.center() == wide.center()
    tiny = initial_geometry(QRect(0, 0, 1024, 600))
    assert QRect(0, 0, 1024, 600).contains(tiny) and tiny.width() <= 0.9 * 1024 + 1


def test_the_jobs_dock_can_be_closed_and_stays_closed(qtbot, tmp_path, context):
    state = tmp_path / "window.json"
    main = MainWindow(context, tmp_path / "recent.json", state=state)
    qtbot.addWidget(main)
    main.show()
    toggle = main.jobs_dock.toggleViewAction()
    assert toggle in main.view_menu.actions() and toggle.isEnabled()
    assert main.jobs_dock.features() & main.jobs_dock.DockWidgetFeature.DockWidgetClosable
    main.jobs_dock.close()  # its title bar's close button
    assert main.jobs_dock.isHidden() and not toggle.isChecked()
    again = MainWindow(context, tmp_path / "recent.json", state=state)
    qtbot.addWidget(again)
    again.show()
    assert again.jobs_dock.isHidden()
    again.jobs_dock.toggleViewAction().trigger()  # View ▸ Jobs brings it back
    assert not again.jobs_dock.isHidden()
    assert json.loads(state.read_text())["jobs_dock"] is True


def test_the_status_bar_says_how_a_job_ended_not_that_it_runs(window, qtbot):
    release = threading.Event()
    job = window.context.jobs.submit(Job("quick job", "test", lambda p, c: release.wait(10)))
    qtbot.waitUntil(lambda: job.state == "running", timeout=10_000)
    assert window.statusBar().currentMessage() == "Running: quick job"
    release.set()
    qtbot.waitUntil(lambda: job.state == "finished", timeout=10_000)
    qtbot.waitUntil(lambda: "Running" not in window.statusBar().currentMessage(), timeout=2000)
    assert window.statusBar().currentMessage().startswith("Finished: quick job")

    def broken(progress, cancel):
        raise ValueError("The data set has no rows.")

    failed = window.context.jobs.submit(Job("bad job", "test", broken))
    qtbot.waitUntil(lambda: failed.state == "failed", timeout=10_000)
    assert window.statusBar().currentMessage() == "Failed: bad job. The data set has no rows."


@pytest.mark.parametrize("source", ["models_view", "data_view"])
def test_a_row_double_clicked_elsewhere_opens_in_the_cone_test(window, source):
    """The Models screening and the Data tests ask, MainWindow.open_in_cone answers (as
    the Design tab's candidates will): the polymer on the left, its condition in the
    Cone test, which becomes the tab shown."""
    getattr(window, source).openInCone.emit("*CC(*)(C)C(=O)OC", 35.0, 3.0)
    assert window.polymer_input.polymer().smiles == "*CC(*)(C)C(=O)OC"
    assert window.polymer_input.smiles_field.text() == "*CC(*)(C)C(=O)OC"
    cone = window.cone_view
    assert (cone.flux.value(), cone.thickness.value()) == (35.0, 3.0)
    assert window.tabs.currentWidget() is cone
    assert cone.polymer.smiles == "*CC(*)(C)C(=O)OC"

    window.open_in_cone("*CC(*)c1ccccc1", None, None)  # no condition: the one shown stays
    assert cone.polymer.smiles == "*CC(*)c1ccccc1"
    assert (cone.flux.value(), cone.thickness.value()) == (35.0, 3.0)
