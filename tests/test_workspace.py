"""The workspace on disk: folders, settings, job history, model listing, damaged files."""

import json
from pathlib import Path

import pytest

from engine.workspace import (
    JobOutcome,
    JobRecord,
    ModelEntry,
    Settings,
    Workspace,
    WorkspaceError,
    default_workspace,
    load_settings,
    save_settings,
    settings_path,
    write_json_atomic,
)


def test_opening_a_workspace_creates_its_folders(tmp_path):
    ws = Workspace(tmp_path / "project")
    for name in Workspace.FOLDERS:
        assert (tmp_path / "project" / name).is_dir()
    assert ws.models_dir == ws.root / "models" and ws.onnx_dir.name == "onnx"


def test_a_workspace_that_cannot_be_created_is_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WorkspaceError, match="cannot be created"):
        Workspace(blocker / "inside")


def test_default_locations_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRINITY_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("TRINITY_CONFIG_DIR", str(tmp_path / "cfg"))
    assert default_workspace() == tmp_path / "ws"
    assert settings_path() == tmp_path / "cfg" / "settings.json"
    assert Settings().workspace == tmp_path / "ws"
    monkeypatch.delenv("TRINITY_WORKSPACE")
    assert default_workspace() == Path.home() / "Trinity"


def test_settings_round_trip_and_ignore_unknown_keys(tmp_path):
    path = tmp_path / "settings.json"
    assert load_settings(path) == Settings()  # none saved yet: defaults
    chosen = Settings(device="cpu", threads=2, workspace=tmp_path / "w",
                      fds_executable="/opt/fds/bin/fds", dask_scheduler="tcp://10.0.0.5:8786")
    save_settings(chosen, path)
    assert load_settings(path) == chosen
    data = json.loads(path.read_text())
    data["from_the_future"] = 1
    del data["threads"]
    path.write_text(json.dumps(data))
    assert load_settings(path).threads == 0 and load_settings(path).device == "cpu"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"device": "tpu"}, "Unknown device"),
        ({"threads": -1}, "Threads must be"),
        ({"dask_scheduler": "10.0.0.5"}, "tcp://host:8786"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(changes, words):
    with pytest.raises(WorkspaceError, match=words):
        Settings(**changes)


def test_damaged_settings_are_kept_aside_and_reported(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(WorkspaceError, match="damaged") as caught:
        load_settings(path)
    kept = list(tmp_path.glob("settings.damaged-*.json"))
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    assert kept[0].name in str(caught.value)
    assert load_settings(path) == Settings()  # the next start begins afresh


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "a" / "b.json"
    write_json_atomic(path, {"x": 1})
    write_json_atomic(path, {"x": 2})
    assert json.loads(path.read_text()) == {"x": 2}
    assert [p.name for p in path.parent.iterdir()] == ["b.json"]


def test_history_round_trips_and_a_running_job_becomes_interrupted(tmp_path):
    ws = Workspace(tmp_path)
    records = [
        JobRecord("1", "Generate", "generate", "finished", 10.0, 11.0, 15.0, "", "1.log"),
        JobRecord("2", "Phase 1", "phase1", "running", 20.0, 21.0),
    ]
    ws.save_history(records)
    loaded = ws.load_history()
    assert loaded[0] == records[0] and loaded[0].elapsed_s == 4.0
    assert loaded[1].state == "interrupted" and "queue it again" in loaded[1].message


def test_a_job_left_running_takes_the_outcome_it_saved(tmp_path):
    """The window died while the job ran, but the job itself (its own process) saved how
    it ended: the history says that, not "interrupted"."""
    ws = Workspace(tmp_path)
    ws.save_history([
        JobRecord("f", "Phase 1", "phase1", "running", 20.0, 21.0),
        JobRecord("c", "Generate", "generate", "running", 30.0, 31.0),
        JobRecord("x", "Export", "export", "running", 40.0, 41.0),
    ])
    ws.save_job_outcome("f", JobOutcome("finished", 95.0))
    ws.save_job_outcome("c", JobOutcome("cancelled", 50.0, "The window closed; saved."))
    ws.save_job_outcome("x", JobOutcome("failed", 45.0, "The model folder is empty."))
    loaded = {r.id: r for r in ws.load_history()}
    assert loaded["f"].state == "finished" and loaded["f"].ended == 95.0
    assert loaded["f"].elapsed_s == 74.0 and loaded["f"].message == ""
    assert (loaded["c"].state, loaded["c"].message) == ("cancelled", "The window closed; saved.")
    assert (loaded["x"].state, loaded["x"].message) == ("failed", "The model folder is empty.")
    assert ws.job_outcome("f") == JobOutcome("finished", 95.0)


def test_a_job_with_no_saved_outcome_is_interrupted_whatever_lies_beside_it(tmp_path):
    ws = Workspace(tmp_path)
    ws.save_history([
        JobRecord("r", "Phase 1", "phase1", "running", 20.0, 21.0),
        JobRecord("q", "Phase 2", "phase2", "queued", 22.0),
        JobRecord("d", "Evaluate", "evaluate", "running", 23.0, 24.0),
        JobRecord("s", "Generate", "generate", "running", 25.0, 26.0),
        JobRecord("e", "Export", "export", "finished", 27.0, 28.0, 29.0),
    ])
    ws.job_state_path("d").write_text("{not json")
    ws.job_state_path("s").write_text(json.dumps({"state": "running", "ended": 1.0}))
    ws.save_job_outcome("e", JobOutcome("failed", 99.0, "stale"))  # ended jobs keep theirs
    loaded = {r.id: r for r in ws.load_history()}
    assert {k: r.state for k, r in loaded.items()} == {
        "r": "interrupted", "q": "interrupted", "d": "interrupted", "s": "interrupted",
        "e": "finished"}
    assert "queue it again" in loaded["r"].message and loaded["e"].ended == 29.0
    assert "before it started" in loaded["q"].message
    with pytest.raises(ValueError, match="finished, failed or cancelled"):
        JobOutcome("running", 1.0)


def test_damaged_history_is_never_lost(tmp_path):
    ws = Workspace(tmp_path)
    ws.history_path.write_text('{"format_version": 1, "jobs": [')
    with pytest.raises(WorkspaceError, match=r"job history .* damaged"):
        ws.load_history()
    assert ws.load_history() == []
    ws.save_history([JobRecord("3", "t", "k", "finished", 1.0)])
    kept = list(ws.history_path.parent.glob("history.damaged-*.json"))
    assert kept and kept[0].read_text().startswith('{"format_version": 1')


def test_history_of_another_format_is_refused_not_overwritten(tmp_path):
    ws = Workspace(tmp_path)
    ws.history_path.write_text('{"format_version": 99, "jobs": []}')
    with pytest.raises(WorkspaceError, match="not one this version"):
        ws.load_history()
    assert "99" in ws.history_path.read_text()


def test_new_paths_never_collide(tmp_path):
    ws = Workspace(tmp_path)
    first = ws.new_path(ws.models_dir, "phase 1/small")
    assert first.name == "phase-1-small"
    first.mkdir()
    assert ws.new_path(ws.models_dir, "phase 1/small").name == "phase-1-small-2"


def test_imports_copy_files_in_and_list_them(tmp_path):
    ws = Workspace(tmp_path / "ws")
    csv = tmp_path / "Tests.CSV"
    csv.write_text("smiles\n*CC*\n")
    copied = ws.import_dataset(csv)
    assert copied.parent == ws.datasets_dir and copied.read_text() == csv.read_text()
    assert ws.datasets() == [copied]
    with pytest.raises(WorkspaceError, match="not an ONNX file"):
        ws.import_onnx(csv)
    with pytest.raises(WorkspaceError, match="does not exist"):
        ws.import_dataset(tmp_path / "missing.csv")
    (ws.synthetic_dir / "s1").mkdir()
    (ws.synthetic_dir / "s1" / "manifest.json").write_text("{}")
    (ws.synthetic_dir / "not-a-set").mkdir()
    assert ws.synthetic_sets() == [ws.synthetic_dir / "s1"]


def _model_dir(folder: Path, phase: str, complete: bool, losses: list[float]) -> None:
    folder.mkdir(parents=True)
    (folder / "training_config.json").write_text(json.dumps({"phase": phase}))
    epochs = [{"train_loss": v, "val_loss": v} for v in losses]
    best = min(range(len(losses)), key=losses.__getitem__)
    (folder / "metrics.json").write_text(json.dumps({
        "complete": complete, "best_epoch": best, "best_val_loss": losses[best],
        "epochs": epochs, "train_rows": 12,
    }))


def test_trained_models_are_listed_with_their_metrics(tmp_path):
    ws = Workspace(tmp_path)
    _model_dir(ws.models_dir / "a-phase1", "phase1", True, [0.9, 0.5, 0.7])
    _model_dir(ws.models_dir / "b-unfinished", "phase2", False, [0.8])
    ensemble = ws.models_dir / "c-ensemble"
    _model_dir(ensemble / "seed-0", "phase2", True, [0.4])
    _model_dir(ensemble / "seed-1", "phase2", True, [0.6])
    (ensemble / "ensemble.json").write_text(
        json.dumps({"phase": "phase2", "members": ["seed-0", "seed-1"]})
    )
    (ws.models_dir / "stray").mkdir()
    entries = {e.name: e for e in ws.trained_models()}
    assert set(entries) == {"a-phase1", "b-unfinished", "c-ensemble"}
    a = entries["a-phase1"]
    assert a.phase == "phase1" and a.complete and not a.problem
    assert a.metrics == {"best_val_loss": 0.5, "best_epoch": 2, "epochs": 3, "train_rows": 12}
    assert not entries["b-unfinished"].complete and "resume" in entries["b-unfinished"].problem
    c = entries["c-ensemble"]
    assert c.metrics["members"] == 2 and c.metrics["best_val_loss"] == pytest.approx(0.5)


def test_an_unreadable_onnx_file_is_listed_with_the_reason(tmp_path):
    ws = Workspace(tmp_path)
    (ws.onnx_dir / "broken.onnx").write_bytes(b"not a model")
    [entry] = ws.onnx_models()
    assert isinstance(entry, ModelEntry) and entry.kind == "onnx"
    assert entry.name == "broken" and entry.problem.startswith("It cannot be loaded")


def test_active_model_and_error_log_persist(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.active_model is None
    ws.active_model = ws.onnx_dir / "m.onnx"
    assert Workspace(tmp_path).active_model == ws.onnx_dir / "m.onnx"
    ws.active_model = None
    assert ws.active_model is None
    ws.log_error("Something went wrong.", "Traceback: details")
    text = ws.error_log.read_text()
    assert "Something went wrong." in text and "Traceback: details" in text
