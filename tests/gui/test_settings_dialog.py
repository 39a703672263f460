"""The settings dialog: saving, moving the workspace, and refusing what cannot be used."""

import json
import os
import stat
import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QDialog

from engine.workspace import Settings, load_settings
from trinity_gui.context import AppContext
from trinity_gui.jobs import Job
from trinity_gui.settings_dialog import SettingsDialog


@pytest.fixture
def context(tmp_path, qtbot):
    ctx = AppContext(Settings(workspace=tmp_path / "ws"), settings_file=tmp_path / "s.json")
    yield ctx
    assert ctx.jobs.shutdown(10_000)


@pytest.fixture
def dialog(context, qtbot):
    widget = SettingsDialog(context)
    qtbot.addWidget(widget)
    return widget


def test_the_dialog_shows_the_current_settings(dialog, context):
    assert dialog.device.currentData() == "auto"
    assert dialog.threads.text() == "automatic"
    assert dialog.workspace.text() == str(context.settings.workspace)


def test_ok_saves_the_settings_and_moves_the_workspace(dialog, context, qtbot, tmp_path,
                                                       monkeypatch):
    monkeypatch.setenv("TRINITY_FDS", "")  # restored after the test
    fds = tmp_path / "bin" / "fds"
    fds.parent.mkdir()
    fds.write_text("#!/bin/sh\n")
    fds.chmod(fds.stat().st_mode | stat.S_IXUSR)
    moved = []
    context.workspaceChanged.connect(moved.append)
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.threads.setValue(2)
    dialog.workspace.setText(str(tmp_path / "elsewhere"))
    dialog.fds.setText(str(fds))
    dialog.scheduler.setText("tcp://10.0.0.5:8786")
    with qtbot.waitSignal(context.settingsChanged):
        dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    expected = Settings(device="cpu", threads=2, workspace=tmp_path / "elsewhere",
                        fds_executable=str(fds), dask_scheduler="tcp://10.0.0.5:8786")
    assert context.settings == expected
    assert load_settings(tmp_path / "s.json") == expected
    assert json.loads((tmp_path / "s.json").read_text())["threads"] == 2
    assert moved and context.workspace.root == (tmp_path / "elsewhere").resolve()
    assert (tmp_path / "elsewhere" / "models").is_dir()
    assert context.jobs.workspace is context.workspace
    assert os.environ["TRINITY_FDS"] == str(fds)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("scheduler", "10.0.0.5", "is not of the form tcp://host:8786"),
        ("fds", "/no/such/fds", "No FDS executable was found at /no/such/fds."),
        ("workspace", "", "Choose a workspace folder."),
    ],
)
def test_values_that_cannot_be_used_keep_the_dialog_open(dialog, context, field, value, words):
    before = context.settings
    getattr(dialog, field).setText(value)
    dialog.accept()
    assert words in dialog.problem.text()
    assert dialog.result() != QDialog.DialogCode.Accepted and context.settings == before


def test_the_workspace_cannot_move_while_a_job_runs(dialog, context, qtbot, tmp_path):
    release = threading.Event()
    job = context.jobs.submit(Job("held", "test", lambda p, c: release.wait(10)))
    dialog.workspace.setText(str(tmp_path / "other"))
    dialog.accept()
    assert "Wait for the jobs to finish" in dialog.problem.text()
    assert context.workspace.root == (tmp_path / "ws").resolve()
    release.set()
    qtbot.waitUntil(lambda: job.state == "finished", timeout=10_000)
