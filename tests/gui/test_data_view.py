"""The data view: import reports, the shipped table's filters, curves, persistence."""

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from trinity_gui.views.data_view import DataView

TABLE = """Material,SMILES,Heat flux (kW/m2),Thickness (mm),TTI (s),PHRR (kW/m2),THR (MJ/m2)
My PS,*CC(*)c1ccccc1,50,3,45,1100,80
My PS,*CC(*)c1ccccc1,35,3,90,900,78
Bad ring,*C1CC*,50,3,40,800,70
PS hot,*CC(*)c1ccccc1,500,3,10,1500,80
PS typo,*CC(*)c1ccccc1,50,3,abc,1000,80
"""
CURVE = "Time (s),HRR (kW),Mass (g)\n" + "\n".join(
    f"{t},{q},{30 - t / 10}" for t, q in [(0, 0), (10, 0.5), (20, 5), (30, 9), (40, 8), (50, 4)]
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "in").mkdir()
    table = tmp_path / "in" / "my_tests.csv"
    table.write_text(TABLE)
    curve = tmp_path / "in" / "run1.csv"
    curve.write_text(CURVE)
    return table, curve


@pytest.fixture
def view(qtbot, tmp_path):
    widget = DataView(tmp_path / "saved")
    widget.resize(1200, 700)
    qtbot.addWidget(widget)
    return widget


def _report_lines(view, name):
    for i in range(view.report.topLevelItemCount()):
        top = view.report.topLevelItem(i)
        if top.text(0) == name:
            return {top.child(j).text(0): top.child(j).text(1) for j in range(top.childCount())}
    raise AssertionError(f"{name} is not in the report")


def test_table_import_reports_each_rejected_line_with_its_reason(view, files, qtbot):
    table, _ = files
    with qtbot.waitSignal(view.experimentsChanged) as emitted:
        (outcome,) = view.import_files([table])
    assert len(outcome.report.accepted) == 2
    assert [r.line for r in outcome.report.rejected] == [4, 5, 6]
    lines = _report_lines(view, "my_tests.csv")
    assert lines["2"].startswith("accepted: My PS, 50 kW/m², 3 mm")
    assert "ring" in lines["4"] and lines["4"].startswith("rejected")
    assert "outside" in lines["5"]
    assert "'abc', not a number" in lines["6"]
    combined = emitted.args[0]
    assert (combined["dataset"] == "my_tests.csv").sum() == 2
    assert len(combined) == len(view.experiments())
    assert view.model.rowCount() == len(combined)


def test_unusable_file_gets_a_sentence_not_an_exception(view, tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("colour,size\nred,3\n")
    (outcome,) = view.import_files([junk])
    assert outcome.report is None and outcome.curve is None
    assert "no 'smiles' column" in outcome.error
    assert view.report.topLevelItem(0).text(0) == "notes.csv"


def test_shipped_table_filters_by_text_and_flux(view):
    total = view.model.rowCount()
    assert total == len(view.experiments()) > 100
    view.text_filter.setText("pmma")
    pmma = view.proxy.rowCount()
    assert 0 < pmma < total
    view.flux_filter.setCurrentIndex(view.flux_filter.findData(50.0))
    at_50 = view.proxy.rowCount()
    assert 0 < at_50 < pmma
    flux = view.model.frame.columns.get_loc("heat_flux_kw_m2")
    polymer = view.model.frame.columns.get_loc("polymer")
    for row in range(at_50):
        assert view.proxy.index(row, flux).data() == "50"
        assert view.proxy.index(row, polymer).data() == "PMMA"
    assert view.count.text() == f"{at_50} of {total} tests"


def test_sorting_by_a_number_column_is_numeric(view):
    column = view.model.frame.columns.get_loc("thickness_mm")
    view.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    values = [float(view.proxy.index(r, column).data()) for r in range(view.proxy.rowCount())]
    values = [v for v in values if v == v]
    assert values == sorted(values, reverse=True)


def test_dropped_curve_is_attached_to_a_polymer_and_becomes_a_test(view, files, qtbot):
    _, curve = files
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(curve))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(drop)
    assert [c.source for c in view.pending_curves()] == [str(curve)]
    assert view.curve_box.isVisibleTo(view)
    assert "run1.csv" in view.curve_label.text()

    view.curve_smiles.setText("*C1CC*")  # a bad structure is refused with the reason
    qtbot.mouseClick(view.add_curve_button, Qt.MouseButton.LeftButton)
    assert "ring" in view.curve_message.text()
    assert view.pending_curves()

    view.curve_polymer.setCurrentText("My PS")
    view.curve_smiles.setText("*CC(*)c1ccccc1")
    view.curve_flux.setValue(35.0)
    view.curve_thickness.setValue(3.0)
    with qtbot.waitSignal(view.experimentsChanged) as emitted:
        qtbot.mouseClick(view.add_curve_button, Qt.MouseButton.LeftButton)
    assert view.pending_curves() == []
    assert not view.curve_box.isVisibleTo(view)
    row = emitted.args[0].query("dataset == 'run1.csv'").iloc[0]
    assert (row["polymer"], row["heat_flux_kw_m2"], row["thickness_mm"]) == ("My PS", 35.0, 3.0)
    assert row["phrr_kw_m2"] == pytest.approx(900.0)  # 9 kW over 0.01 m², from the curve


def test_imports_survive_a_restart_and_can_be_forgotten(qtbot, tmp_path, files):
    table, curve = files
    first = DataView(tmp_path / "saved")
    qtbot.addWidget(first)
    first.import_files([table, curve])
    first.curve_smiles.setText("*CC(*)c1ccccc1")
    first.curve_polymer.setCurrentText("My PS")
    qtbot.mouseClick(first.add_curve_button, Qt.MouseButton.LeftButton)
    table.unlink()
    curve.unlink()  # the saved copy no longer needs the original

    second = DataView(tmp_path / "saved")
    qtbot.addWidget(second)
    restored = second.experiments()
    assert (restored["dataset"] == "my_tests.csv").sum() == 2
    (curve_row,) = restored.query("dataset == 'run1.csv'").to_dict(orient="records")
    assert curve_row["curve_file"].startswith(str(tmp_path / "saved"))
    assert "Restored" in _report_text(second)

    with qtbot.waitSignal(second.experimentsChanged):
        second.forget("my_tests")
    assert (second.experiments()["dataset"] == "my_tests.csv").sum() == 0
    third = DataView(tmp_path / "saved")
    qtbot.addWidget(third)
    assert set(third.experiments()["dataset"]) == {"shipped", "run1.csv"}


def _report_text(view):
    return " ".join(
        view.report.topLevelItem(i).text(1) for i in range(view.report.topLevelItemCount())
    )


def test_one_bad_line_costs_only_that_line(view, tmp_path, qtbot):
    """A stray cell used to reject the whole file with pandas' tokenizer message."""
    path = tmp_path / "lab.csv"
    path.write_bytes(
        ("smiles;heat_flux_kw_m2;thickness_mm;tig_s;polymer\r\n"
         "*CC(*)c1ccccc1;50;3;45;Polystyrène\r\n"
         "*CC(*)c1ccccc1;35;3;90;PS;stray\r\n"
         "*CC(*)c1ccccc1;25;3;150,5;PS\r\n").encode("cp1252")
    )
    (outcome,) = view.import_files([path])
    assert outcome.report is not None and len(outcome.report.accepted) == 2
    assert outcome.report.accepted.polymer.tolist()[0] == "Polystyrène"
    lines = _report_lines(view, "lab.csv")
    assert "has 6 cells but the header has 5" in lines["3"]
    assert "tokenizing" not in " ".join(lines.values())


def test_long_reasons_are_shown_whole(view, tmp_path, qtbot):
    path = tmp_path / "long.csv"
    path.write_text("smiles,heat_flux_kw_m2,thickness_mm,tig_s\n*CC*,5000,3,40\n")
    view.import_files([path])
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)  # the delayed layout of the rows
    top = next(view.report.topLevelItem(i) for i in range(view.report.topLevelItemCount())
               if view.report.topLevelItem(i).text(0) == "long.csv")
    child = top.child(0)
    reason = child.text(1)
    width = view.report.columnWidth(1)
    assert view.report.fontMetrics().horizontalAdvance(reason) > width  # it needs wrapping
    lines_needed = view.report.fontMetrics().horizontalAdvance(reason) // width + 1
    height = view.report.visualItemRect(child).height()
    assert height >= min(lines_needed, 2) * view.report.fontMetrics().lineSpacing()


def test_the_expected_columns_are_written_on_the_tab(view):
    text = view.columns_hint.text() + view.columns_hint.toolTip()
    for column in ("smiles", "heat_flux_kw_m2", "thickness_mm", "tig_s", "phrr_kw_m2",
                   "thr_mj_m2", "curve_file", "TTI", "pHRR".lower()):
        assert column.lower() in text.lower()


EXPORT = "\n".join([
    "General information;;Time (s);HRR/a;Mass (g);TX1",
    ";;;kW/m²;;no",
    "Heat flux (kW/m²);35;0;0,0;50,00;999998,00",
    "Thickness (mm);3,10;10;0,0;50,00;999998,00",
    "Initial mass (g);50,00;20;0,0;50,00;999998,00",
    "Material name/ID;Black PMMA;30;5,0;49,80;999998,00",
    "Test start time (s);10;40;450,0;48,00;999998,00",
    "Time to ignition (s);21;50;600,0;45,00;999998,00",
    "Time to ignition  [s];0;60;300,0;43,00;999998,00",
    ";;70;50,0;42,50;999998,00",
]) + "\n"


def test_a_dropped_lab_export_fills_its_condition_and_says_what_came_from_the_file(
        view, tmp_path, qtbot):
    path = tmp_path / "20250410_black_R1.csv"
    path.write_bytes(EXPORT.encode("cp1252"))
    (outcome,) = view.import_files([path])
    assert outcome.cone_file.format == "time_mass_hrr" and outcome.curve is not None
    assert view.curve_flux.value() == 35.0 and view.curve_thickness.value() == 3.1
    assert view.curve_polymer.currentText() == "Black PMMA"
    assert ("From the file: heat flux, thickness, name, initial mass 50 g"
            in view.curve_label.text())
    top = view.report.topLevelItem(0)
    assert top.text(0) == path.name
    lines = [top.child(j).text(1) for j in range(top.childCount())]
    assert "from the file: heat flux 35 kW/m² ('Heat flux (kW/m²)')" in lines
    assert "from the file: specimen inserted at 10 s of the file ('Test start time (s)')" in lines
    assert "ignition: 21 s as reported in the file (curve criterion 20 s)" in lines
    assert "the file gives 'Time to ignition (s)' twice: kept 21, ignored 0" in lines
    assert "heat release: the file's column HRR/a (kW/m²)" in lines

    view.curve_smiles.setText("*CC(*)(C)C(=O)OC")
    with qtbot.waitSignal(view.experimentsChanged) as emitted:
        qtbot.mouseClick(view.add_curve_button, Qt.MouseButton.LeftButton)
    row = emitted.args[0].query(f"dataset == '{path.name}'").iloc[0]
    assert (row["heat_flux_kw_m2"], row["thickness_mm"]) == (35.0, 3.1)
    assert row["tig_s"] == 21 and row["phrr_kw_m2"] == 600  # reported t_ig; peak from file


def test_the_shared_lab_export_dropped_on_the_data_tab(view, shared_data):
    path = shared_data / "cone_raw" / "20250410_PMMA_DE_6mm_q50_R1.csv"
    (outcome,) = view.import_files([path])
    record = outcome.cone_file
    assert record.format == "logger" and record.results.tig_s == 27
    assert record.results.phrr_kw_m2 == pytest.approx(1201.8, rel=0.02)
    assert view.curve_flux.value() == 50.0 and view.curve_thickness.value() == 5.74
    assert "initial mass 67.77 g" in view.curve_label.text()


def test_double_clicking_a_test_opens_it_in_the_cone_test(view, files, qtbot):
    """The polymer and condition of the row double-clicked, as filtered and sorted."""
    view.import_files([files[0]])
    view.text_filter.setText("My PS")
    view.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # flux: 35 before 50
    view.show()
    qtbot.waitExposed(view)
    assert view.proxy.rowCount() == 2
    where = view.table.visualRect(view.proxy.index(0, 1)).center()
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    with qtbot.waitSignal(view.openInCone) as opened:  # a double click follows a click
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == ["*CC(*)c1ccccc1", 35.0, 3.0]
