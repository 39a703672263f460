"""Start-up markers for timing a launch from outside (``TRINITY_STARTUP_REPORT=1``).

`benchmarks/bench_gui_startup.py --command …` times any launcher of the window the same
way, the source install's ``trinity-gui`` and the desktop bundle alike, where it cannot
instrument the process from inside: the window prints ``MARK painted`` once its first
paint is on screen and ``MARK predictor`` once the deferred start-up work (the model) is
done, then exits. Nothing happens without the variable.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, QTimer

VARIABLE = "TRINITY_STARTUP_REPORT"


def requested() -> bool:
    return bool(os.environ.get(VARIABLE))


class StartupReport(QObject):
    """Watch ``window``: mark its first paint and its deferred start, then end the process."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.printed: set[str] = set()
        self.painted = False
        window.installEventFilter(self)
        after_start = window._after_start

        def timed_after_start() -> None:
            after_start()
            self._mark("predictor")

        window._after_start = timed_after_start  # called by MainWindow._start_once

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True  # on screen once this event-loop tick ends
            QTimer.singleShot(0, lambda: self._mark("painted"))
        return False

    def _mark(self, name: str) -> None:
        print(f"MARK {name}", flush=True)
        self.printed.add(name)
        if self.printed == {"painted", "predictor"}:
            os._exit(0)  # the measurement is over; skip the orderly close of worker threads
