"""The job queue on screen: what runs, what waits, what ended, and each job's log."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.workspace import JobRecord
from trinity_gui.context import AppContext
from trinity_gui.jobs import Job

COLUMNS = ("Job", "State", "Progress", "Elapsed", "Remaining", "Message")


def duration(seconds: float | None) -> str:
    """12 s, 3 min 05 s, 1 h 02 min; an empty string for unknown."""
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class JobsView(QWidget):
    """Running and queued jobs first, then the history (newest first), and a log pane.

    Selecting a row shows that job's log: live for a running job, from its log file for
    an ended one. The table is rebuilt when a job starts or ends; progress, elapsed and
    remaining time update in place. When a job starts the selection moves to it, unless
    the user chose another row while jobs were running or waiting (they are reading
    it): that choice holds until they choose a live job or the queue empties.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._ids: list[str] = []
        self._bars: dict[str, QProgressBar] = {}
        self._pinned = False  # the user chose a row to read while jobs ran
        self._selecting = False  # the selection is being changed by the view itself

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # titles are long
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the selected job; finished work is kept")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_all_button.clicked.connect(context.jobs.cancel_all)
        self.clear_button = QPushButton("Clear history")
        self.clear_button.clicked.connect(context.jobs.clear_history)
        self.status = QLabel()
        buttons = QHBoxLayout()
        for button in (self.cancel_button, self.cancel_all_button, self.clear_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status, stretch=1)

        self.log = QPlainTextEdit(readOnly=True)
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log.setMaximumBlockCount(20_000)

        # The log beside the table, not under it: docked under a wide window, the two
        # stacked made the dock at least 194 pixels tall, a third of a laptop screen.
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addLayout(buttons)
        splitter.addWidget(left)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(splitter)

        jobs = context.jobs
        # Every start and end of a job is saved to the history first: one signal covers all.
        jobs.added.connect(lambda _: self.refresh())
        jobs.historyChanged.connect(self.refresh)
        jobs.progress.connect(self._progressed)
        jobs.logged.connect(self._logged)
        jobs.started.connect(self._follow)
        jobs.idle.connect(self._unpin)
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.refresh()

    # Rows ----------------------------------------------------------------------------

    def _entries(self) -> list[Job | JobRecord]:
        live = self.context.jobs.jobs()
        ids = {job.id for job in live}
        ended = [r for r in reversed(self.context.jobs.history) if r.id not in ids]
        return [*live, *ended]

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self._ids[rows[0].row()] if rows else None

    def refresh(self) -> None:
        """Rebuild the table from the queue and the history, keeping the selection."""
        keep = self.selected_id()
        entries = self._entries()
        self._ids = [e.id for e in entries]
        self._bars = {}
        self.table.blockSignals(True)
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            self.table.setItem(row, 0, QTableWidgetItem(entry.title))
            self.table.setItem(row, 1, QTableWidgetItem(entry.state))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            if isinstance(entry, Job):
                self._bars[entry.id] = bar
                self._set_bar(bar, entry)
            else:
                bar.setValue(1000 if entry.state == "finished" else 0)
                bar.setFormat("done" if entry.state == "finished" else entry.state)
            self.table.setCellWidget(row, 2, bar)
            elapsed = entry.elapsed_s
            remaining = entry.remaining_s if isinstance(entry, Job) else None
            self.table.setItem(row, 3, QTableWidgetItem(duration(elapsed or None)))
            self.table.setItem(row, 4, QTableWidgetItem(duration(remaining)))
            message = QTableWidgetItem(entry.message)
            message.setToolTip(entry.message)
            self.table.setItem(row, 5, message)
        self.table.blockSignals(False)
        if keep in self._ids:
            self._select(keep)
        elif self._ids and keep is None:
            self._select(self._ids[0])
        self._show_log()
        running = self.context.jobs.current
        queued = len(self.context.jobs.queued)
        self.status.setText(
            (f"Running: {running.title}" if running else "Idle")
            + (f"; {queued} waiting" if queued else "")
        )
        self.cancel_button.setEnabled(self._selected_live() is not None)

    def _select(self, job_id: str) -> None:
        """Select a row for the user (not counted as their choice)."""
        self._selecting = True
        try:
            self.table.selectRow(self._ids.index(job_id))
        finally:
            self._selecting = False

    def _selection_changed(self) -> None:
        if not self._selecting:
            live = self._selected_live()
            self._pinned = self.context.jobs.is_busy() and live is None
        self._show_log()

    def _follow(self, job: Job) -> None:
        """A job started: show it (its live log, Cancel) unless the user is reading another."""
        if not self._pinned and job.id in self._ids:
            self._select(job.id)
            self._show_log()

    def _unpin(self) -> None:
        self._pinned = False

    @staticmethod
    def _set_bar(bar: QProgressBar, job: Job) -> None:
        p = job.progress
        if job.state == "queued" or p is None:
            bar.setValue(0)
            bar.setFormat(job.state)
            return
        bar.setValue(round(1000 * min(1.0, p.fraction)))
        bar.setFormat(f"{100 * p.fraction:.0f} % ({p.done}/{p.total})")

    def _selected_live(self) -> Job | None:
        wanted = self.selected_id()
        return next((j for j in self.context.jobs.jobs() if j.id == wanted), None)

    def cancel_selected(self) -> None:
        job = self._selected_live()
        if job is not None:
            self.context.jobs.cancel(job)

    # Live updates --------------------------------------------------------------------

    def _progressed(self, job: Job, _reports: list) -> None:
        bar = self._bars.get(job.id)
        if bar is not None:
            self._set_bar(bar, job)
            self._update_times(job)

    def _update_times(self, job: Job) -> None:
        if job.id in self._ids:
            row = self._ids.index(job.id)
            self.table.item(row, 3).setText(duration(job.elapsed_s))
            self.table.item(row, 4).setText(duration(job.remaining_s))

    def _tick(self) -> None:
        if self.context.jobs.current is not None:
            self._update_times(self.context.jobs.current)

    def _logged(self, job: Job, lines: list) -> None:
        if job.id == self.selected_id():
            for line in lines:
                self.log.appendPlainText(line)

    def _show_log(self) -> None:
        wanted = self.selected_id()
        self.cancel_button.setEnabled(self._selected_live() is not None)
        live = self._selected_live()
        if live is not None:
            self.log.setPlainText("\n".join(live.log_lines))
        elif wanted is not None:
            path = self.context.workspace.job_log(wanted)
            try:
                self.log.setPlainText(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                self.log.setPlainText("(no log was kept for this job)")
        else:
            self.log.clear()
        self.log.moveCursor(self.log.textCursor().MoveOperation.End)
