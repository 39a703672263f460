"""The models view: listing with metrics, ONNX by button and drag-in, the active model,
export of a trained model, and screening a CSV of candidates ranked and saved."""

import shutil
import threading

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("onnxruntime")
pytest.importorskip("engine.onnx_export")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from tiny_model import TINY

from engine.onnx_export import export_onnx
from engine.synthetic import SyntheticConfig, generate_synthetic
from engine.training import default_settings, train_phase1
from trinity_gui.jobs import Job
from trinity_gui.views.models_view import ModelsView, rank


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A one-epoch tiny phase-1 model directory and its ONNX export."""
    root = tmp_path_factory.mktemp("models")
    config = SyntheticConfig(n_polymers=8, seed=3, heat_fluxes_kw_m2=(35.0, 50.0),
                             thicknesses_mm=(4.0,), duration_s=300.0, curve_interval_s=10.0,
                             chunk_size=8)
    generate_synthetic(config, root / "synth", workers=1)
    settings = default_settings("phase1", epochs=1, batch_size=8, device="cpu")
    train_phase1(root / "synth", root / "tiny-p1", settings=settings, model_overrides=TINY)
    onnx = export_onnx(root / "tiny-p1", root / "tiny.onnx")
    return root / "tiny-p1", onnx


@pytest.fixture
def view(context, qtbot, tiny_model):
    shutil.copytree(tiny_model[0], context.workspace.models_dir / "tiny-p1")
    widget = ModelsView(context)
    qtbot.addWidget(widget)
    return widget


def _names(view):
    return [view.models.item(r, 1).text() for r in range(view.models.rowCount())]


def _drop(view, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    return event


def test_models_are_listed_with_their_metrics(view, context):
    assert _names(view) == ["Shipped default", "tiny-p1"]
    trained = view.entries[1]
    assert trained.kind == "trained" and trained.phase == "phase1" and trained.complete
    row = 1
    assert view.models.item(row, 3).text() == "phase1"
    assert float(view.models.item(row, 5).text()) == pytest.approx(
        trained.metrics["best_val_loss"], abs=1e-4)
    default = view.entries[0]
    if not default.path.is_file():
        assert "Not installed" in view.models.item(0, 6).text()


def test_dropping_an_onnx_file_brings_it_in_and_it_can_become_active(view, context, qtbot,
                                                                     tiny_model, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("x")
    _drop(view, [stray])
    assert _names(view) == ["Shipped default", "tiny-p1"]

    _drop(view, [tiny_model[1]])
    copied = context.workspace.onnx_dir / "tiny.onnx"
    assert copied.is_file()
    assert _names(view) == ["Shipped default", "tiny-p1", "tiny-p1"]
    entry = view.selected()
    assert entry.kind == "onnx" and entry.path == copied and entry.metrics["members"] == 1
    assert view.activate_button.isEnabled() and not view.export_button.isEnabled()

    with qtbot.waitSignal(context.activeModelChanged) as changed:
        view.activate_button.click()
    assert changed.args[0].info.name == "tiny-p1"
    assert context.workspace.active_model == copied
    active_rows = [r for r in range(view.models.rowCount()) if view.models.item(r, 0).text()]
    assert [view.entries[r].path for r in active_rows] == [copied]
    assert "tiny.onnx" in view.active_label.text()


def test_a_file_that_is_not_a_model_is_refused_with_a_sentence(view, context, tmp_path):
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not a model at all")
    view.load_onnx([fake])
    assert context.last_error
    assert not (context.workspace.onnx_dir / "fake.onnx").exists()


def test_exporting_a_trained_model_is_a_job(view, context, qtbot):
    view.select(context.workspace.models_dir / "tiny-p1")
    assert view.export_button.isEnabled()
    with qtbot.waitSignal(context.jobs.finished, timeout=120_000) as done:
        view.export_button.click()
    out = context.workspace.onnx_dir / "tiny-p1.onnx"
    assert done.args[0].result == out and out.is_file()
    assert view.selected().path == out


def test_screening_ranks_candidates_and_saves_them(view, context, qtbot, tiny_model, tmp_path):
    context.set_active_model(context.workspace.import_onnx(tiny_model[1]))
    csv = tmp_path / "candidates.csv"
    csv.write_text(
        "name,smiles,heat_flux_kw_m2,thickness_mm\n"
        "PMMA,*CC(*)(C)C(=O)OC,50,4\n"
        "PS,*CC(*)c1ccccc1,50,4\n"
        "broken,*C1CC*,50,4\n"
        "PE,*CC*,50,4\n"
    )
    with qtbot.waitSignal(context.jobs.finished, timeout=60_000):
        job = view.predict_csv(csv)
    assert job.kind == "predict" and view.save_button.isEnabled()
    assert "3 of 4 candidates" in view.results_label.text()
    assert "line 4" in view.results_label.text()

    phrr = [float(x) if x else None for x in view.result_column("pHRR (kW/m²)")]
    assert phrr[-1] is None and phrr[:3] == sorted(phrr[:3])
    assert view.result_column("Candidate")[-1] == "broken"
    assert view.result_column("Rank")[:3] == ["1", "2", "3"]

    view.ranking.setCurrentText("t_ig, latest first")
    tig = [float(x) for x in view.result_column("t_ig (s)")[:3]]
    assert tig == sorted(tig, reverse=True)

    out = tmp_path / "ranked.csv"
    view.save_results(out)
    saved = pd.read_csv(out)
    assert list(saved["rank"][:3]) == [1, 2, 3]
    assert saved["tig_s"].iloc[0] == pytest.approx(max(tig), abs=0.01)
    assert saved["error"].notna().sum() == 1 and "name" in saved.columns

    headers = [view.results.horizontalHeaderItem(c).text()
               for c in range(view.results.columnCount())]
    view.results.sortItems(headers.index("pHRR (kW/m²)"))  # a click on the header
    phrr_sorted = [x for x in view.result_column("pHRR (kW/m²)") if x]
    assert [float(x) for x in phrr_sorted] == sorted(float(x) for x in phrr_sorted)


def test_screening_without_a_model_says_so(context, qtbot, tmp_path):
    from engine.predictor import default_model_path

    if default_model_path().is_file():
        pytest.skip("a default model is installed")
    view = ModelsView(context)
    qtbot.addWidget(view)
    assert view.predict_csv(tmp_path / "any.csv") is None
    assert context.last_error.startswith("No default model is installed")


def test_rank_puts_rows_without_predictions_last():
    frame = pd.DataFrame({"phrr_kw_m2": [300.0, float("nan"), 100.0], "smiles": ["a", "b", "c"]})
    ranked = rank(frame, "phrr_kw_m2", ascending=True)
    assert list(ranked["smiles"]) == ["c", "a", "b"]
    assert list(ranked["rank"][:2]) == [1, 2] and pd.isna(ranked["rank"][2])


def test_screening_results_are_shown_and_saved_to_what_they_resolve(context, qtbot, tmp_path):
    """The model computes in float32: '35.27391' s and '812.3456' kW/m² claimed digits
    nobody has, on screen and in the saved CSV. The user's own inputs stay as given."""
    from trinity_gui.views.models_view import Screening

    view = ModelsView(context)
    qtbot.addWidget(view)
    frame = pd.DataFrame({
        "name": ["A"], "smiles": ["*CC*"], "heat_flux_kw_m2": [50.0], "thickness_mm": [4.25],
        "tig_s": [float(np.float32(35.27391))], "tig_s_std": [3.4567],
        "phrr_kw_m2": [812.3456], "phrr_kw_m2_std": [60.12],
        "thr_mj_m2": [110.4567], "thr_mj_m2_std": [9.123], "error": [""],
    })
    view.show_screening(Screening(tmp_path / "candidates.csv", frame, [], "tiny"))
    assert view.result_column("t_ig (s)") == ["35"]
    assert view.result_column("pHRR (kW/m²)") == ["812"]
    assert view.result_column("THR (MJ/m²)") == ["110.5"]
    assert view.result_column("Thickness (mm)") == ["4.25"]
    out = tmp_path / "ranked.csv"
    view.save_results(out)
    assert "35.27" not in out.read_text() and "812.34" not in out.read_text()
    saved = pd.read_csv(out)
    assert (saved["tig_s"][0], saved["phrr_kw_m2"][0], saved["thr_mj_m2"][0]) == (35, 812, 110.5)
    assert saved["thickness_mm"][0] == 4.25


def test_a_screening_that_fails_or_is_cancelled_does_not_say_predicting(context, qtbot,
                                                                        monkeypatch, tmp_path):
    """'Predicting candidates.csv…' stayed on screen after the job had failed."""
    from types import SimpleNamespace

    view = ModelsView(context)
    qtbot.addWidget(view)
    monkeypatch.setattr(context, "predictor", lambda: SimpleNamespace(
        info=SimpleNamespace(name="fake")))
    job = view.predict_csv(tmp_path / "missing.csv")
    qtbot.waitUntil(lambda: job.state == "failed", timeout=10_000)
    assert view.results_label.text().startswith("Prediction of missing.csv failed: ")
    assert job.message in view.results_label.text()

    release = threading.Event()
    context.jobs.submit(Job("hold", "test", lambda p, c: release.wait(10)))
    waiting = view.predict_csv(tmp_path / "other.csv")
    context.jobs.cancel(waiting)
    release.set()
    assert view.results_label.text() == "Prediction of other.csv was cancelled."


def test_double_clicking_a_candidate_opens_it_in_the_cone_test(context, qtbot, tmp_path):
    """From a ranking to the curves: the row's polymer and condition, wherever sorting
    has moved it."""
    from trinity_gui.views.models_view import Screening

    view = ModelsView(context)
    qtbot.addWidget(view)
    frame = pd.DataFrame({
        "name": ["A", "B"], "smiles": ["*CC*", "*CC(*)c1ccccc1"],
        "heat_flux_kw_m2": [50.0, 35.0], "thickness_mm": [6.0, 3.0],
        "tig_s": [30.0, 40.0], "phrr_kw_m2": [900.0, 700.0], "thr_mj_m2": [90.0, 80.0],
        "error": ["", ""],
    })
    view.show_screening(Screening(tmp_path / "candidates.csv", frame, [], "tiny"))
    view.results.sortItems(0, Qt.SortOrder.DescendingOrder)  # B, ranked first, now last
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    assert view.result_column("Candidate") == ["A", "B"]
    where = view.results.visualItemRect(view.results.item(1, 3)).center()
    qtbot.mouseClick(view.results.viewport(), Qt.MouseButton.LeftButton, pos=where)
    with qtbot.waitSignal(view.openInCone) as opened:  # a double click follows a click
        qtbot.mouseDClick(view.results.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == ["*CC(*)c1ccccc1", 35.0, 3.0]
