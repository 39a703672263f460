"""The Design tab: the form's design, a real (tiny) search as a job with its plot filling
in, the ranked candidates, opening one in the Cone test, exporting."""

import pytest
from PySide6.QtCore import Qt

from trinity_gui.views.design_view import DesignView


@pytest.fixture
def view(context, qtbot):
    view = DesignView(context, lambda: "*OCCOC(=O)c1ccc(C(*)=O)cc1")
    qtbot.addWidget(view)
    return view


def test_the_form_is_a_design(view):
    view.target_rows["thr_mj_m2"][0].setChecked(True)
    view.exclude.setText("[Cl,Br] F")
    view.elements.setText("C, O")
    view.mass_high.setValue(400.0)
    for button in view.findChildren(type(view.run_button)):
        if button.text() == "Use shown polymer":
            button.click()
    config = view.design_config()
    assert [str(t) for t in config.targets] == ["tig_s>=60", "phrr_kw_m2<=300",
                                                "thr_mj_m2<=80"]
    assert config.constraints.exclude == ("[Cl,Br]", "F")
    assert config.constraints.elements == ("C", "O")
    assert config.constraints.molar_mass_g_mol == (None, 400.0)
    assert config.constraints.near == "*OCCOC(=O)c1ccc(C(*)=O)cc1"


def test_a_bad_form_says_so_and_queues_nothing(view, context):
    view.require.setText("c1cc(")
    assert view.start() is None
    assert "SMARTS" in context.last_error


def test_a_search_fills_the_plot_and_ranks_candidates(view, context, qtbot, tmp_path):
    view.budget.setValue(12)
    view.n.setValue(4)
    batches = []
    view._batch.connect(batches.append)
    with qtbot.waitSignal(context.jobs.finished, timeout=180_000):
        job = view.start(tmp_path / "design")
    assert job is not None and job.state == "finished"
    assert len(batches) == 1  # one batch of 12, shown as it came
    shown = len(view.cloud.data) + len(view.meeting.data)
    assert shown == 12
    assert view.table.rowCount() == 4
    assert view.export_button.isEnabled()
    with qtbot.waitSignal(view.openInCone) as opened:
        view.table.cellDoubleClicked.emit(0, 1)
    assert opened.args == [view.candidates.iloc[0]["smiles"], 50.0, 6.0]
    out = tmp_path / "export"
    out.mkdir()
    assert [p.name for p in view.export(out)] == [
        "design-candidates.csv", "design-pareto.csv", "design-pareto.png"]
    assert view.export(out) == []  # nothing overwritten
    assert "already exist" in context.last_error


def test_a_cancelled_design_resumes_when_run_again(view, context, qtbot, tmp_path):
    view.budget.setValue(120)  # batches of 50, 50 and 20
    view.n.setValue(3)
    view.strategy.setCurrentIndex(1)
    shown = []

    def cancel_after_first(frame):  # in the job's thread, before it looks at its token
        shown.append(len(frame))
        view.job.token.cancel()

    view._batch.connect(cancel_after_first, Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(context.jobs.cancelled, timeout=180_000):
        first = view.start()
    folder = view.folder
    assert "resume" in view.status.text()
    assert shown == [50] and view.predicted == 50
    view._batch.disconnect(cancel_after_first)
    with qtbot.waitSignal(context.jobs.finished, timeout=180_000):
        second = view.start()
    assert second is not first and view.folder == folder
    assert view.predicted == 120
    assert sorted(p.name for p in (folder / "batches").iterdir()) == [
        "batch-000000.csv", "batch-000001.csv", "batch-000002.csv"]


def test_a_long_search_draws_a_bounded_sample_and_the_whole_front(view, monkeypatch):
    import numpy as np
    import pandas as pd

    from engine.design.pareto import front
    from trinity_gui.views import design_view

    monkeypatch.setattr(design_view, "MAX_SHOWN", 300)
    view.config = view.design_config()
    rng = np.random.default_rng(3)
    batches = []
    for b in range(8):
        n = 200
        batch = pd.DataFrame({
            "recipe": [f"x:{b}.{i}" for i in range(n)], "smiles": [f"*C{b}_{i}*" for i in
                                                                    range(n)],
            "tig_s": rng.uniform(10, 200, n), "phrr_kw_m2": rng.uniform(50, 900, n),
            "thr_mj_m2": 50.0})
        batch["meets"] = (batch["tig_s"] >= 60) & (batch["phrr_kw_m2"] <= 300)
        batches.append(batch)
        view._add_batch(batch)
    everything = pd.concat(batches, ignore_index=True)
    assert view.predicted == 1600 and len(view.shown) == 300
    expected = set(everything["smiles"][front(everything, view.config.targets)])
    assert set(view.front_rows["smiles"]) == expected
    # every batch is represented, not only the last ones
    assert view.shown["smiles"].str.slice(2, 3).nunique() == 8
