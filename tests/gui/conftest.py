"""The app context every GUI view test builds on: a throw-away workspace and settings."""

import pytest

pytest.importorskip("PySide6")

from engine.workspace import Settings
from trinity_gui.context import AppContext


@pytest.fixture
def context(tmp_path, qtbot):
    ctx = AppContext(Settings(device="cpu", workspace=tmp_path / "ws"),
                     settings_file=tmp_path / "settings.json")
    yield ctx
    assert ctx.jobs.shutdown(30_000)
