"""``trinity-gui``: the desktop window.

Left, the polymer (paste, pick or draw it); right, one tab per question a scientist asks
of it: its properties, how it burns in the cone (simulated, predicted, measured), the
data, training, and the models; below, the job queue. The window only wires the views
together through the shared `AppContext`; every number comes from `engine`, and long
work runs as jobs off the event loop. torch is never imported here: the window opens
without it, and only training jobs load it.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from PySide6.QtCore import QRect, QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
)

from engine import __version__
from engine.resources import ResourceError, resource_path
from engine.workspace import WorkspaceError, read_json_file, write_json_atomic
from trinity_gui import startup_report
from trinity_gui.context import AppContext
from trinity_gui.help import GuideDialog
from trinity_gui.jobs import Job
from trinity_gui.settings_dialog import SettingsDialog
from trinity_gui.views.cone_view import ConeView
from trinity_gui.views.data_view import DataView
from trinity_gui.views.design_view import DesignView
from trinity_gui.views.jobs_view import JobsView, duration
from trinity_gui.views.models_view import ModelsView
from trinity_gui.views.polymer_input import PolymerInput
from trinity_gui.views.properties_view import PropertiesView
from trinity_gui.views.training_view import TrainingView

#: Shown at first start, before anything is in the recent list.
EXAMPLE = ("*CC(*)c1ccccc1", "polystyrene")
TABS = ("Properties", "Cone test", "Data", "Training", "Models", "Design")
#: The deferred start-up work runs after the first paint, or after this long regardless.
START_FALLBACK_MS = 2000
#: The size the window was laid out for; a smaller screen gets `SCREEN_SHARE` of itself.
DESIGN_SIZE = QSize(1420, 900)
SCREEN_SHARE = 0.9
#: The Jobs dock's first height: this many pixels, or this share of a short window.
JOBS_DOCK_HEIGHT = 170
JOBS_DOCK_SHARE = 0.2
#: How long the status bar says how a job ended.
JOB_END_MESSAGE_MS = 15_000


def _app_data() -> Path:
    """The platform's per-user data folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def recent_file() -> Path:
    """Where the recent polymers are kept."""
    return _app_data() / "recent_polymers.json"


def window_state_file() -> Path:
    """Where the window keeps what the user chose to show (the Jobs dock)."""
    return _app_data() / "window.json"


def initial_geometry(available: QRect) -> QRect:
    """The window's first place on a screen whose free area is ``available``: the size it
    was designed for where that fits in `SCREEN_SHARE` of the area, else that share,
    centred. A fixed 1420×900 opened partly off a 1366×768 laptop screen."""
    width = min(DESIGN_SIZE.width(), int(available.width() * SCREEN_SHARE))
    height = min(DESIGN_SIZE.height(), int(available.height() * SCREEN_SHARE))
    shown = QRect(0, 0, width, height)
    shown.moveCenter(available.center())
    return shown


class MainWindow(QMainWindow):
    """The polymer on the left, the views in tabs, the job queue docked below."""

    def __init__(self, context: AppContext | None = None, recent: Path | None = None, *,
                 state: Path | None = None) -> None:
        """``recent`` keeps the recent polymers and ``state`` the Jobs dock's visibility
        (neither is kept when None)."""
        super().__init__()
        self.state_file = state
        self.context = context or AppContext(parent=self)
        self.context.window = self
        self.setWindowTitle("Trinity — polymer fire behaviour")
        self.setAcceptDrops(True)

        self.polymer_input = PolymerInput(recent)
        self.properties_view = PropertiesView()
        self.cone_view = ConeView()
        self.data_view = DataView(self.context.workspace.datasets_dir)
        self.training_view = TrainingView(self.context)
        self.models_view = ModelsView(self.context)
        self.design_view = DesignView(self.context, self._shown_smiles)
        self.jobs_view = JobsView(self.context)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for title, view in zip(TABS, (self.properties_view, self.cone_view, self.data_view,
                                      self.training_view, self.models_view, self.design_view),
                               strict=True):
            self.tabs.addTab(view, title)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.polymer_input)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([430, 970])
        self.setCentralWidget(splitter)

        self.jobs_dock = QDockWidget("Jobs", self)
        self.jobs_dock.setObjectName("jobs")
        self.jobs_dock.setWidget(self.jobs_view)
        self.jobs_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                   | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                                   | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self.jobs_dock.setVisible(self._saved_state().get("jobs_dock", True) is not False)

        self.guide: GuideDialog | None = None
        self.model_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)
        self._menus()
        self._wire()
        screen = self.screen() or QGuiApplication.primaryScreen()
        self.setGeometry(initial_geometry(screen.availableGeometry()))

        self.cone_view.set_experiments(self.data_view.experiments())
        entries = self.polymer_input.recent.entries
        smiles, name = (entries[0].smiles, entries[0].name) if entries else EXAMPLE
        self.polymer_input.set_smiles(smiles, name=name, remember=False)
        # After the window is up (its first paint): the predictor (onnxruntime) and
        # start-up problems. A zero timer here would run before the first paint.
        self._started = False
        self._shown = False
        QTimer.singleShot(START_FALLBACK_MS, self._start_once)  # should no paint come

    def _wire(self) -> None:
        polymer = self.polymer_input.polymerChanged
        polymer.connect(self.properties_view.set_polymer)
        polymer.connect(self.cone_view.set_polymer)
        self.properties_view.groupHighlighted.connect(self.polymer_input.set_highlight)
        self.data_view.experimentsChanged.connect(self.cone_view.set_experiments)
        self.data_view.experimentsChanged.connect(lambda _: self.training_view.refresh())
        self.data_view.openInCone.connect(self.open_in_cone)
        self.models_view.openInCone.connect(self.open_in_cone)
        self.design_view.openInCone.connect(self.open_in_cone)
        self.context.activeModelChanged.connect(self._use_predictor)
        jobs = self.context.jobs
        jobs.started.connect(self._job_started)
        jobs.finished.connect(self._kinetics_fitted)
        for signal in (jobs.finished, jobs.failed, jobs.cancelled):
            signal.connect(self._job_ended)
        self.jobs_dock.toggleViewAction().toggled.connect(self._save_state)

    def _job_started(self, job) -> None:
        self.statusBar().showMessage(f"Running: {job.title}")  # until it ends

    def _job_ended(self, job, *_) -> None:
        """Say how the job ended: "Running" must not outlive the job."""
        if job.state == "finished":
            text = f"Finished: {job.title} ({duration(job.elapsed_s)})."
        elif job.state == "failed":
            text = f"Failed: {job.title}. {job.message}"
        else:
            text = f"Cancelled: {job.title}."
        self.statusBar().showMessage(text, JOB_END_MESSAGE_MS)

    # What the user chose to show -----------------------------------------------------

    def _saved_state(self) -> dict:
        if self.state_file is None:
            return {}
        try:
            data = read_json_file(self.state_file, "window state")
        except WorkspaceError:  # set aside by read_json_file; the defaults do
            return {}
        return data if isinstance(data, dict) else {}

    def _save_state(self) -> None:
        """Keep the Jobs dock's visibility (its View-menu action says it before the dock
        has been shown or hidden)."""
        if self.state_file is not None:
            shown = self.jobs_dock.toggleViewAction().isChecked()
            # A preference not kept is no reason to bother the user.
            with contextlib.suppress(WorkspaceError):
                write_json_atomic(self.state_file, {**self._saved_state(), "jobs_dock": shown})

    def _menus(self) -> None:
        file = self.menuBar().addMenu("&File")
        actions = (
            ("&Open data files…", QKeySequence.StandardKey.Open, self._open_data),
            ("&Load ONNX model…", None, self._load_model),
            ("&Settings…", QKeySequence.StandardKey.Preferences, self.open_settings),
            ("&Quit", QKeySequence.StandardKey.Quit, self.close),
        )
        for title, shortcut, slot in actions:
            action = QAction(title, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)
            file.addAction(action)
        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addAction(self.jobs_dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        guide = QAction("&Guide", self)
        guide.setShortcut(QKeySequence(Qt.Key.Key_F1))
        guide.triggered.connect(self.open_guide)
        help_menu.addAction(guide)
        about = QAction("&About Trinity", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # The active model -----------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown:  # once laid out: a dock size given earlier is not kept
            self._shown = True
            # The views need the height more than the job list on a short screen.
            height = min(JOBS_DOCK_HEIGHT, round(JOBS_DOCK_SHARE * self.height()))
            self.resizeDocks([self.jobs_dock], [height], Qt.Orientation.Vertical)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._started:
            QTimer.singleShot(0, self._start_once)  # once this paint is on screen

    def _start_once(self) -> None:
        if not self._started:
            self._started = True
            self._after_start()

    def _after_start(self) -> None:
        for sentence in self.context.problems:
            self.context.error(self, sentence)
        self.context.problems.clear()
        try:
            self._use_predictor(self.context.predictor())
        except Exception as exc:  # any load failure: the engine's sentence, simulation only
            self.cone_view.set_predictor(None)
            self.model_label.setText("No model: simulation only")
            self.model_label.setToolTip(str(exc))

    def _use_predictor(self, predictor) -> None:
        self.cone_view.set_predictor(predictor)
        info = predictor.info
        self.model_label.setText(f"Model: {info.name} ({info.members} member"
                                 f"{'s' if info.members != 1 else ''})")
        self.model_label.setToolTip(str(info.path))

    # Files ---------------------------------------------------------------------------

    def _open_data(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open experimental data or cone curves", "", "CSV files (*.csv *.txt);;All (*)"
        )
        if paths:
            self.open_files([Path(p) for p in paths])

    def _load_model(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Load ONNX models", "", "ONNX (*.onnx)")
        if paths:
            self.open_files([Path(p) for p in paths])

    def open_files(self, paths: list[Path]) -> None:
        """Route dropped or opened files: ONNX models to Models, TGA and MCC runs to a
        kinetics fit for the polymer shown, tables to Data."""
        from engine.thermal.curves import looks_like_thermal

        models = [p for p in paths if p.suffix.lower() == ".onnx"]
        tables = [p for p in paths if p.suffix.lower() != ".onnx"]
        thermal = [p for p in tables if looks_like_thermal(p)]
        tables = [p for p in tables if p not in thermal]
        if thermal:
            self.fit_kinetics(thermal)
        if models:
            self.models_view.load_onnx(models)
            self.tabs.setCurrentWidget(self.models_view)
        if tables:
            self.data_view.import_files(tables)
            self.tabs.setCurrentWidget(self.data_view)

    def fit_kinetics(self, paths: list[Path]) -> Job | None:
        """Queue the kinetics fit of TGA/MCC ``paths`` for the polymer shown; when it
        ends, the Properties tab lists the steps and the cone test adds their curve."""
        from engine.thermal.material import measured_kinetics

        polymer = self.polymer_input.polymer()
        names = ", ".join(p.name for p in paths)
        if polymer is None:
            self.statusBar().showMessage(
                f"Choose a polymer first: the kinetics in {names} are fitted for the "
                "polymer shown.", JOB_END_MESSAGE_MS)
            return None
        job = Job(f"Kinetics of {polymer.name or polymer.smiles} from {names}", "kinetics",
                  lambda progress, cancel: measured_kinetics(paths, polymer))
        return self.context.jobs.submit(job)

    def _shown_smiles(self) -> str | None:
        polymer = self.polymer_input.polymer()
        return polymer.smiles if polymer is not None else None

    def open_in_cone(self, smiles: str, flux: float | None, thickness: float | None) -> None:
        """Show the polymer ``smiles`` in the Cone test at heat flux ``flux`` (kW/m²) and
        ``thickness`` (mm); None keeps the value shown. One double-click on a ranked
        candidate or a measured test goes from its row to its curves, whichever tab the
        row is on."""
        self.cone_view.set_condition(flux, thickness)
        self.polymer_input.set_smiles(smiles)
        self.tabs.setCurrentWidget(self.cone_view)

    def _kinetics_fitted(self, job: Job) -> None:
        if job.kind != "kinetics":
            return
        self.properties_view.set_kinetics(job.result)
        self.cone_view.set_kinetics(job.result)
        self.tabs.setCurrentWidget(self.cone_view)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_files(paths)
            event.acceptProposedAction()

    # Dialogs and closing -------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.context, self)
        dialog.open()
        return dialog

    def open_guide(self) -> GuideDialog:
        """The built-in guide, one window however often it is asked for."""
        if self.guide is None:
            self.guide = GuideDialog(self)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()
        return self.guide

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Trinity",
            f"Trinity {__version__}\n\nPredicts how a polymer burns in a cone calorimeter "
            "from its repeat unit: group contribution, a reduced-order cone model and a "
            "chemical language model pretrained on physics and finetuned on experiments "
            "(after Liu et al., Nature Computational Science 2025).",
        )

    def closeEvent(self, event) -> None:
        if not self.context.close_jobs(self):
            event.ignore()
            return
        self.cone_view.close()
        event.accept()


def main(argv: list[str] | None = None, files: list[Path] | None = None) -> int:
    """Open the window; ``files`` (data, model or thermal-analysis files) open as if dropped."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Trinity")
    app.setDesktopFileName("trinity")  # the desktop entry: its icon in docks and task bars
    with contextlib.suppress(ResourceError):
        app.setWindowIcon(QIcon(str(resource_path("icons", "trinity.svg"))))
    window = MainWindow(recent=recent_file(), state=window_state_file())
    if startup_report.requested():
        startup_report.StartupReport(window)
    window.show()
    if files:
        QTimer.singleShot(0, lambda: window.open_files(files))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
