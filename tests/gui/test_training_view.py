"""The training view: the whole pipeline through the queue with a tiny model, the live
loss curve, the evaluation table, and form errors as one sentence."""

import importlib.util
import json

import pytest

pytest.importorskip("PySide6")

from tiny_model import TINY

from trinity_gui.views.training_view import TrainingView

POLYMERS = {
    "PMMA": "*CC(*)(C)C(=O)OC",
    "PS": "*CC(*)c1ccccc1",
    "PE": "*CC*",
    "PP": "*CC(*)C",
}
JOB_TIMEOUT_MS = 300_000


@pytest.fixture
def view(context, qtbot):
    widget = TrainingView(context)
    qtbot.addWidget(widget)
    widget.model_overrides = dict(TINY)
    return widget


@pytest.fixture
def experimental_csv(tmp_path):
    lines = ["polymer,smiles,heat_flux_kw_m2,thickness_mm,tig_s,phrr_kw_m2,thr_mj_m2"]
    for k, (name, smiles) in enumerate(POLYMERS.items()):
        for flux in (35, 50):
            lines.append(f"{name},{smiles},{flux},{3 + k % 2},{2000 / flux + 5 * k:.1f},"
                         f"{200 + 60 * k + 4 * flux},{40 + 10 * k}")
    path = tmp_path / "tests.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(view, qtbot, button):
    """Click ``button`` and wait for the job it queued to finish."""
    with qtbot.waitSignal(view.context.jobs.finished, timeout=JOB_TIMEOUT_MS) as done:
        button.click()
    return done.args[0]


def test_the_pipeline_runs_through_the_queue(view, context, qtbot, experimental_csv):
    models_changed = []
    context.modelsChanged.connect(lambda: models_changed.append(True))
    failures = []
    context.jobs.failed.connect(lambda job, sentence: failures.append(sentence))

    view.n_polymers.setValue(8)
    view.synthetic_seed.setValue(3)
    view.draws.setValue(0)
    view.vary_physics.setChecked(False)
    assert view.fluxes.isEnabled()
    view.fluxes.setText("35, 50")
    view.thicknesses.setText("4")
    job = _run(view, qtbot, view.generate_button)
    assert job.kind == "generate" and job.result.rows == 16
    assert view.synthetic.currentData() == str(job.result.out_dir)

    view.epochs.setValue(2)
    view.batch_size.setValue(4)
    view.learning_rate.setValue(0.003)
    job = _run(view, qtbot, view.phase1_button)
    assert not failures
    [result] = job.result
    assert result.phase == "phase1" and len(result.fit.history) == 2
    train, val = view.loss_points()
    assert len(val) == 2 and len(train) >= 2 and all(loss > 0 for _, loss in train)
    assert view.train_curve.getData()[0] is not None
    assert models_changed and view.phase1_model.currentData() == str(result.out_dir)
    config = json.loads((result.out_dir / "training_config.json").read_text())
    assert config["settings"]["epochs"] == 2 and config["device"] == "cpu"
    assert config["model_overrides"]["hidden_size"] == 32

    view.add_dataset(experimental_csv)
    assert view.experimental.currentText() == "tests.csv"
    job = _run(view, qtbot, view.phase2_button)
    [tuned] = job.result
    assert tuned.phase == "phase2" and tuned.train_rows + tuned.val_rows == 8

    view.epochs.setValue(1)
    job = _run(view, qtbot, view.evaluate_button)
    assert job.kind == "evaluate" and job.result.folds == 4
    methods = {view.evaluation.item(r, 0).text() for r in range(view.evaluation.rowCount())}
    assert methods == {"physics only", "single-phase", "two-phase"}
    assert view.evaluation.rowCount() == 9
    assert "over 4 polymers" in view.improvement.text()
    assert (job.result.settings and
            next(context.workspace.runs_dir.glob("*/evaluation.json")).is_file())

    # A new view on the same workspace shows the latest evaluation and the models.
    again = TrainingView(context)
    qtbot.addWidget(again)
    assert again.evaluation.rowCount() == 9
    assert again.export_model.count() == 2

    if importlib.util.find_spec("engine.onnx_export") is None:
        pytest.skip("engine.onnx_export is not there yet")
    view.export_model.setCurrentIndex(view.export_model.findText(tuned.out_dir.name))
    job = _run(view, qtbot, view.export_button)
    assert job.result == context.workspace.onnx_dir / f"{tuned.out_dir.name}.onnx"
    assert job.result.is_file()
    assert [m.name for m in context.workspace.onnx_models()] == [tuned.out_dir.name]


def test_queueing_the_same_phase_again_resumes_the_same_folder(view, context, qtbot, tmp_path):
    view.n_polymers.setValue(8)
    view.synthetic_seed.setValue(3)
    view.draws.setValue(0)
    view.fluxes.setText("50")
    view.thicknesses.setText("4")
    _run(view, qtbot, view.generate_button)
    view.epochs.setValue(1)
    view.batch_size.setValue(4)
    first = view.phase1_job()
    second = view.phase1_job()
    assert first.title == second.title  # same inputs, same output folder
    view.epochs.setValue(2)
    assert view.phase1_job().title != first.title


def test_a_bad_form_is_one_sentence_and_queues_nothing(view, context):
    view.fluxes.setText("fifty")
    view.generate_button.click()
    assert context.last_error == "Heat fluxes must be numbers separated by commas, not 'fifty'."
    view.fluxes.setText("50")
    view.n_polymers.setValue(1)
    view.phase1_button.click()
    assert context.last_error == "There is no synthetic data set yet; make one first."
    view.seeds.setText("1,1")
    view.evaluate_button.click()
    assert "There is no finished phase-1 model" in context.last_error
    assert not context.jobs.is_busy() and context.jobs.history == []


def test_the_loss_curve_follows_training_reports(view, context, qtbot):
    from engine.training.loop import TrainingProgress
    from trinity_gui.jobs import Job

    reports = [
        TrainingProgress(1, 4, "step", 0.1, epoch=0, step=1, train_loss=2.0),
        TrainingProgress(2, 4, "step", 0.2, epoch=0, step=2, train_loss=1.5),
        TrainingProgress(2, 4, "epoch 1", 0.3, epoch=0, step=2, train_loss=1.5,
                         val_loss=1.2, epoch_done=True),
        TrainingProgress(1, 4, "member 2", 0.1, epoch=0, step=1, train_loss=1.8),
    ]

    def run(progress, cancel):
        for report in reports:
            progress(report)

    job = Job("fake phase 1", "phase1", run)
    view._mine[job.id] = job
    with qtbot.waitSignal(context.jobs.finished, timeout=10_000):
        context.jobs.submit(job)
    train, val = view.loss_points()
    assert train == [(1, 2.0), (2, 1.5), (3, 1.8)]  # the second member continues at step 3
    assert val == [(2, 1.2)]


def test_the_loss_legend_keeps_off_the_curves(view, context, qtbot):
    """pyqtgraph's legend sat in the top-left corner of the plot, where the loss curves
    start (the highest losses)."""
    view.resize(1100, 700)
    view._train_points = [(x, 10.0 / x) for x in range(1, 50)]
    view._val_points = [(10 * x, 8.0 / x) for x in range(1, 5)]
    view._redraw()
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)
    labels = [label.text for _, label in view.legend.items]
    assert labels == ["training", "validation"]
    legend = view.legend.mapRectToScene(view.legend.boundingRect())
    data = view.plot.plotItem.vb.mapRectToScene(view.plot.plotItem.vb.boundingRect())
    assert not legend.intersects(data)
    assert view.plot.plotItem.sceneBoundingRect().contains(legend)


def test_the_status_line_says_how_each_job_ended(view, context, qtbot):
    """It said 'Queued: …' for ever when a job failed or was cancelled."""
    from trinity_gui.jobs import Job

    def broken(progress, cancel):
        raise ValueError("The synthetic data set has no rows.")

    job = view._queue(lambda: Job("Phase 1 → x", "phase1", broken))
    qtbot.waitUntil(lambda: job.state == "failed", timeout=10_000)
    assert view.status.text() == "Failed: Phase 1 → x. The synthetic data set has no rows."

    def stops(progress, cancel):
        cancel.cancel()
        cancel.raise_if_cancelled()

    job = view._queue(lambda: Job("Generate 8", "generate", stops))
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=10_000)
    assert view.status.text() == "Cancelled: Generate 8. What was finished is saved."


def test_by_default_conditions_are_drawn_and_the_physics_varied(view):
    """The window generates as the shipped recipe does: six conditions per polymer drawn
    over the range users test, each with a plausible material; the grid is then unused."""
    assert view.draws.value() == 6 and view.vary_physics.isChecked()
    assert not view.fluxes.isEnabled() and not view.thicknesses.isEnabled()
    view.n_polymers.setValue(5)
    config = view.synthetic_config()
    assert config.n_polymers == 5 and config.draws_per_polymer == 6 and config.vary_physics
    view.draws.setValue(0)
    assert view.fluxes.isEnabled() and view.synthetic_config().conditions_per_polymer == 6
