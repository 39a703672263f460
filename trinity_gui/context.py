"""What every view shares: settings, the workspace, the job queue and the active model.

Views take an `AppContext` in their constructor and talk to each other only through
its signals, so each view can be built and tested alone. Nothing here imports torch,
transformers or onnxruntime at import time: the window must open fast, and the
predictor is loaded the first time it is asked for.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.workspace import (
    Settings,
    Workspace,
    WorkspaceError,
    default_workspace,
    load_settings,
    save_settings,
)
from trinity_gui.jobs import JobQueue, error_sentence

#: How long closing the window waits for a cancelled job to save its work.
CLOSE_WAIT_MS = 60_000


class AppContext(QObject):
    """Settings, workspace, job queue and active predictor of one running app.

    Signals:
      activeModelChanged(object)  the new predictor (`engine.predictor.OnnxPredictor`)
      settingsChanged(object)     the new `Settings`
      workspaceChanged(object)    the new `Workspace` (its history is in ``jobs``)
      modelsChanged()             a model was trained, exported or brought in

    ``problems`` collects sentences from start-up (damaged settings, a workspace that
    could not be opened) for the window to show once it is up.
    """

    activeModelChanged = Signal(object)
    settingsChanged = Signal(object)
    workspaceChanged = Signal(object)
    modelsChanged = Signal()

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        settings_file: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_file = settings_file
        self.problems: list[str] = []
        self.last_error = ""
        if settings is None:
            try:
                settings = load_settings(settings_file)
            except WorkspaceError as exc:
                self.problems.append(str(exc))
                settings = Settings()
        self.settings = settings
        try:
            self.workspace = Workspace(settings.workspace)
        except WorkspaceError as exc:
            self.problems.append(f"{exc} Using {default_workspace()} for now.")
            self.workspace = Workspace(default_workspace())
        self._export_fds(settings)
        self.jobs = JobQueue(self.workspace, self)
        if self.jobs.problem:
            self.problems.append(self.jobs.problem)
        self._predictor = None
        self._messages: list[QMessageBox] = []
        #: Parent of dialogs nobody else owns (a failed job's); the main window sets it.
        self.window: QWidget | None = None
        self.jobs.failed.connect(self._job_failed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.jobs.shutdown)

    # Settings ------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """Save new settings and switch workspace if it moved (refused while jobs run)."""
        moved = Path(settings.workspace).resolve() != self.workspace.root
        workspace = Workspace(settings.workspace) if moved else self.workspace
        if moved:
            self.jobs.set_workspace(workspace)
        save_settings(settings, self.settings_file)
        self.settings = settings
        self._export_fds(settings)
        self._predictor = None  # reopened on the new device, threads or workspace
        if moved:
            self.workspace = workspace
            self.workspaceChanged.emit(workspace)
            self.modelsChanged.emit()
        self.settingsChanged.emit(settings)

    @staticmethod
    def _export_fds(settings: Settings) -> None:
        """The engine finds FDS through TRINITY_FDS; the setting fills it in."""
        if settings.fds_executable:
            os.environ["TRINITY_FDS"] = settings.fds_executable

    # The active model ----------------------------------------------------------------

    @property
    def active_model_path(self) -> Path | None:
        """The chosen ONNX file; None for the shipped default."""
        try:
            return self.workspace.active_model
        except WorkspaceError as exc:
            self.problems.append(str(exc))
            return None

    def _open_predictor(self, path: Path | None):
        """An `OnnxPredictor` on the device and threads the settings ask for."""
        from engine.predictor import OnnxPredictor

        providers = {"cpu": ["CPUExecutionProvider"],
                     "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"]}
        return OnnxPredictor(path, threads=self.settings.threads or None,
                             providers=providers.get(self.settings.device))

    def fresh_predictor(self):
        """A predictor of the active model of its own, for a job that sets its options
        (a design screens without plausible-material draws) while the views predict."""
        return self._open_predictor(self.active_model_path)

    def predictor(self):
        """The active `OnnxPredictor`, loaded on first use (raises `PredictorError`)."""
        if self._predictor is None:
            self._predictor = self._open_predictor(self.active_model_path)
        return self._predictor

    def set_active_model(self, path: Path | None) -> None:
        """Load and use ``path`` (None: the shipped default); on failure nothing changes."""
        predictor = self._open_predictor(path)
        self.workspace.active_model = path
        self._predictor = predictor
        self.activeModelChanged.emit(predictor)

    # Errors --------------------------------------------------------------------------

    def error(self, parent: QWidget | None, sentence: str, details: str = "") -> None:
        """Show ``sentence`` in a dialog and log it, with ``details``, to the error log.

        The dialog is opened, not exec'd: the event loop keeps running behind it.
        """
        self.last_error = sentence
        with contextlib.suppress(OSError):  # the dialog still reaches the user
            self.workspace.log_error(sentence, details)
        box = QMessageBox(QMessageBox.Icon.Warning, "Trinity", sentence, parent=parent)
        box.setDetailedText(details or "")
        box.finished.connect(lambda _: self._messages.remove(box))
        self._messages.append(box)
        box.open()

    def _job_failed(self, job, sentence: str) -> None:
        self.error(self.window, sentence, f"{job.title}: the full log is {job.log_file}.")

    def report(self, parent: QWidget | None, exc: BaseException) -> None:
        """`error` for an exception: its sentence shown, its traceback logged."""
        details = "".join(traceback.format_exception(exc))
        self.error(parent, error_sentence(exc, self.workspace.error_log), details)

    # Closing -------------------------------------------------------------------------

    def close_jobs(self, parent: QWidget | None = None, *, ask: bool = True) -> bool:
        """For the window's closeEvent: True when it may close.

        With a job running or queued, asks (unless ``ask`` is False) whether to cancel
        it; then cancels, lets the job save what it has finished and stops the worker.
        """
        if self.jobs.is_busy() and ask:
            count = len(self.jobs.jobs())
            answer = QMessageBox.question(
                parent,
                "Trinity",
                f"{count} job(s) are running or waiting. Cancel them and quit? "
                "Finished work is kept, and a cancelled job resumes when queued again.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        if self.jobs.shutdown(CLOSE_WAIT_MS):
            return True
        self.error(parent, "The running job has not stopped yet; try closing again shortly.")
        return False
