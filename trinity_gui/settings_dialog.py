"""The settings dialog: device, threads, workspace folder, FDS executable, Dask scheduler.

Checks what it can without slow imports (the FDS path, the scheduler address, the
workspace folder); whether CUDA is there is said by the training job itself, because
asking torch would make the dialog take seconds to open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.workspace import DEVICES, Settings, WorkspaceError
from trinity_gui.context import AppContext

DEVICE_LABELS = {"auto": "Automatic (CUDA when present)", "cuda": "CUDA GPU", "cpu": "CPU"}


class SettingsDialog(QDialog):
    """Edits ``context.settings``; OK saves them through ``context.apply_settings``.

    A value that cannot be used keeps the dialog open with one sentence in ``problem``.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trinity settings")
        self.context = context
        current = context.settings

        self.device = QComboBox()
        for name in DEVICES:
            self.device.addItem(DEVICE_LABELS[name], name)
        self.device.setCurrentIndex(self.device.findData(current.device))
        self.threads = QSpinBox(minimum=0, maximum=1024, value=current.threads)
        self.threads.setSpecialValueText("automatic")
        self.workspace = QLineEdit(str(current.workspace))
        self.fds = QLineEdit(current.fds_executable)
        self.fds.setPlaceholderText("fds on PATH, or $TRINITY_FDS")
        self.scheduler = QLineEdit(current.dask_scheduler)
        self.scheduler.setPlaceholderText("tcp://host:8786 (empty: this machine)")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")

        form = QFormLayout()
        form.addRow("Training device", self.device)
        form.addRow("Threads", self.threads)
        form.addRow("Workspace folder", self._with_browse(self.workspace, self._browse_folder))
        form.addRow("FDS executable", self._with_browse(self.fds, self._browse_fds))
        form.addRow("Dask scheduler", self.scheduler)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    @staticmethod
    def _with_browse(field: QLineEdit, browse) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(field, stretch=1)
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        row.addWidget(button)
        return row

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Workspace folder", self.workspace.text())
        if folder:
            self.workspace.setText(folder)

    def _browse_fds(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "FDS executable", self.fds.text())
        if path:
            self.fds.setText(path)

    def chosen(self) -> Settings:
        """The settings as filled in; raises `WorkspaceError` with the reason."""
        fds = self.fds.text().strip()
        if fds:
            from engine.cone.fds.runner import find_fds

            if find_fds(fds) is None:
                raise WorkspaceError(f"No FDS executable was found at {fds}.")
        text = self.workspace.text().strip()
        if not text:
            raise WorkspaceError("Choose a workspace folder.")
        return Settings(
            device=self.device.currentData(),
            threads=self.threads.value(),
            workspace=Path(text),
            fds_executable=fds,
            dask_scheduler=self.scheduler.text().strip(),
        )

    def accept(self) -> None:
        try:
            settings = self.chosen()
            if settings != self.context.settings:
                self.context.apply_settings(settings)
        except WorkspaceError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()
