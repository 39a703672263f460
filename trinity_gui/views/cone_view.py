"""The cone view: HRR(t) simulated, predicted and measured for the current polymer.

Every number comes from `engine.cone.comparison.compare`, run on a worker thread: the
first simulation compiles the solver (seconds), and a slider drag must never freeze the
window. Requests coalesce: while one runs, changes only mark the view stale, and the
latest setting runs when the worker is free.

Scientists choose by comparing, so the curves shown can be pinned: a pinned polymer
keeps the simulated, predicted and measured curves it had when pinned (nothing is
computed again) and stays drawn, in a colour of its own, while other polymers and
conditions are shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.cone.comparison import (
    ComparedMetrics,
    Comparison,
    Spread,
    compare,
    simulated_metrics,
    write_comparison_csv,
)
from engine.cone.gc_material import cone_material
from engine.cone.material import ConeMaterial
from engine.cone.scenario import BACKINGS, ConeScenario
from engine.cone.solver import simulate_one
from engine.experiments import shipped_experiments, typical_thickness_mm
from engine.gc.groups import CoverageError
from engine.gc.properties import estimate_properties
from engine.polymer import Polymer
from engine.quantities import resolution
from trinity_gui.plots import BelowLegend

DEFAULT_FLUX_KW_M2 = 50.0
DEFAULT_FLAME_FLUX_KW_M2 = next(
    f.default for f in fields(ConeScenario) if f.name == "flame_flux_kw_m2"
)
MAX_FLUX_KW_M2 = 100
SIMULATED = QColor("#1f4e9c")
PREDICTED = QColor("#d95f02")
MEASURED = QColor(90, 90, 90, 170)
KINETICS = QColor("#1b9e77")
#: Pinned polymers' colours, in order of pinning: none is one of the current polymer's.
PIN_COLOURS = tuple(QColor(c) for c in (
    "#7570b3", "#e7298a", "#a6761d", "#66a61e", "#e6ab02", "#17becf", "#8c564b", "#000000",
))
#: How a pinned polymer's kinds of curve differ, all in its colour: (kind, line style,
#: width). Its prediction is drawn without its band: overlaid bands hide each other.
PIN_STYLES = (
    ("simulated", Qt.PenStyle.SolidLine, 2.0),
    ("predicted", Qt.PenStyle.DashLine, 2.0),
    ("measured", Qt.PenStyle.DotLine, 1.4),
)
METRIC_ROWS = (
    ("tig_s", "t_ig (s)"),
    ("phrr_kw_m2", "pHRR (kW/m²)"),
    ("t_phrr_s", "Time of pHRR (s)"),
    ("thr_mj_m2", "THR (MJ/m²)"),
)


@dataclass(eq=False)
class Pin:
    """A pinned polymer: its label (polymer and condition), colour, the curves the view
    had when it was pinned as (kind, time in s, HRR in kW/m²), and their plot items."""

    label: str
    colour: QColor
    curves: list[tuple[str, np.ndarray, np.ndarray]]
    items: list[pg.PlotDataItem] = field(default_factory=list)


class _Signals(QObject):
    done = Signal(object)


class _CompareTask(QRunnable):
    """One `compare` call on the pool, and the same scenario with measured kinetics when
    there are some; emits (polymer, answer or unexpected error, kinetics result or
    error or None)."""

    def __init__(self, signals: _Signals, settings: dict, kinetics=None) -> None:
        super().__init__()
        self.signals, self.settings, self.kinetics = signals, settings, kinetics

    def run(self) -> None:
        try:
            outcome = compare(**self.settings)
        except Exception as exc:  # keep the window alive; the status line shows it
            outcome = exc
        measured = None
        scenario = getattr(outcome, "scenario", None)
        if self.kinetics is not None and scenario is not None:
            try:
                measured = simulate_one(replace(scenario, material=self.kinetics.material))
            except Exception as exc:  # its own sentence; the GC curve still shows
                measured = exc
        self.signals.done.emit((self.settings["polymer"], outcome, measured))


class ConeView(QWidget):
    """Controls for one cone test, the HRR plot, a metrics table and exports."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.polymer: Polymer | None = None
        self.material: ConeMaterial | None = None
        self.predictor = None
        self.comparison: Comparison | None = None
        self.kinetics = None  # engine.thermal.material.MeasuredKinetics of this polymer
        self.kinetics_result = None  # its ConeResult, or the exception that stopped it
        self.pins: list[Pin] = []
        self._shown_polymer: Polymer | None = None  # whose comparison is on the plot
        self._legend_entries: list[tuple[pg.PlotDataItem, str]] = []  # the current polymer's
        self._experiments = shipped_experiments()
        self._busy = self._pending = False
        self._solver_warm = False

        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._finished)
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._launch)

        self._build_controls(typical_thickness_mm(self._experiments))
        self._build_plot()
        self.metrics = QTableWidget(len(METRIC_ROWS), 3)
        self.metrics.setHorizontalHeaderLabels(["Simulated", "Predicted", "Experiment"])
        self.metrics.setVerticalHeaderLabels([label for _, label in METRIC_ROWS])
        self.metrics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.metrics.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Its header ("Experiment (mean ± sd, n = 8)") is the longest: never cut it off.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        rows = self.metrics.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.metrics.fontMetrics().height() + 8)  # the plot needs it
        rows_height = sum(self.metrics.rowHeight(i) for i in range(len(METRIC_ROWS)))
        self.metrics.setFixedHeight(rows_height + self.metrics.horizontalHeader().height() + 6)
        self.status = QLabel("Choose a polymer to simulate its cone test.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        right = QVBoxLayout()
        right.addWidget(self.plot, stretch=1)
        right.addWidget(self.metrics)
        body = QHBoxLayout()
        body.addWidget(self.controls)
        body.addLayout(right, stretch=1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, stretch=1)
        layout.addWidget(self.status)

    # -- public API ---------------------------------------------------------------

    def set_polymer(self, polymer: Polymer | None) -> None:
        """Show ``polymer`` (None clears the view); its GC material is the solver's input."""
        self.polymer, self.material = polymer, None
        if self.kinetics is not None and (
            polymer is None or polymer.smiles != self.kinetics.smiles
        ):
            self.kinetics = self.kinetics_result = None  # measured on another polymer
        if polymer is not None:
            try:
                self.material = cone_material(estimate_properties(polymer))
            except CoverageError as exc:
                self.polymer = None
                self._clear(str(exc), error=True)
                return
        if polymer is None:
            self._clear("Choose a polymer to simulate its cone test.")
            return
        self._request()

    def set_kinetics(self, kinetics) -> None:
        """Also simulate with measured kinetics (`engine.thermal.material.MeasuredKinetics`)
        while their polymer is shown; None drops them."""
        if kinetics is not None and (
            self.polymer is None or self.polymer.smiles != kinetics.smiles
        ):
            kinetics = None  # fitted for a polymer no longer shown
        self.kinetics, self.kinetics_result = kinetics, None
        self._request()

    def set_predictor(self, predictor) -> None:
        """A trained predictor (``predict([smiles], flux, thickness)``), or None for none."""
        self.predictor = predictor
        self._request()

    def set_experiments(self, frame: pd.DataFrame) -> None:
        """Experimental tests (canonical columns), shipped and imported, to compare with."""
        self._experiments = frame
        self._request()

    def set_condition(self, flux: float | None, thickness: float | None) -> None:
        """Set the heat flux (kW/m²) and thickness (mm) of the test; None keeps a value,
        and one beyond a control's range is held at its end (the title says which)."""
        if flux is not None:
            self.flux.setValue(flux)
        if thickness is not None:
            self.thickness.setValue(thickness)

    def pin(self) -> Pin | None:
        """Keep the curves shown (the comparison's simulated, predicted and measured
        ones) on the plot in a colour of their own; pinning the same polymer and
        condition again replaces its pin. None when nothing is shown."""
        comparison, polymer = self.comparison, self._shown_polymer
        if comparison is None or polymer is None:
            return None
        curves = []
        if comparison.simulated is not None and comparison.simulated.ok:
            curves.append(("simulated", comparison.simulated.time_s,
                           comparison.simulated.hrr_kw_m2))
        if comparison.predicted is not None:
            curves.append(("predicted", comparison.predicted.time_s,
                           comparison.predicted.hrr_kw_m2))
        curves += [("measured", c.time_s, c.hrr_kw_m2) for c in comparison.measured]
        if not curves:
            return None
        label = _pin_label(polymer, comparison.scenario)
        for index, old in enumerate(self.pins):
            if old.label == label:
                self._remove_pin(index)
                break
        used = {p.colour.name() for p in self.pins}
        free = [c for c in PIN_COLOURS if c.name() not in used]
        colour = free[0] if free else PIN_COLOURS[len(self.pins) % len(PIN_COLOURS)]
        pin = Pin(label, colour, [(k, np.array(t), np.array(q)) for k, t, q in curves])
        for kind, time_s, hrr in pin.curves:
            _, style, width = next(s for s in PIN_STYLES if s[0] == kind)
            item = pg.PlotDataItem(time_s, hrr, pen=pg.mkPen(colour, width=width, style=style))
            item.setZValue(-2)
            item.setToolTip(f"{label} ({kind})")
            self.plot.plotItem.addItem(item)
            pin.items.append(item)
        self.pins.append(pin)
        entry = QListWidgetItem(label)
        entry.setForeground(colour)
        entry.setToolTip(label)
        self.pin_list.addItem(entry)
        self._pins_changed()
        return pin

    def unpin(self, index: int) -> None:
        """Take the pin at ``index`` (in order of pinning) off the plot."""
        if 0 <= index < len(self.pins):
            self._remove_pin(index)
            self._pins_changed()

    def clear_pins(self) -> None:
        """Take every pin off the plot."""
        while self.pins:
            self._remove_pin(0)
        self._pins_changed()

    def export_png(self, path: str | Path) -> None:
        """The plot at twice its on-screen resolution."""
        source = self.plot.plotItem.sceneBoundingRect()
        image = QImage((2 * source.size()).toSize(), QImage.Format.Format_ARGB32)
        image.setDevicePixelRatio(2.0)
        if not self._render(image, source) or not image.save(str(path), "PNG"):
            raise OSError(f"Could not write {path}.")

    def export_svg(self, path: str | Path) -> None:
        """The plot as vector graphics, for papers and reports."""
        source = self.plot.plotItem.sceneBoundingRect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(source.size().toSize())
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(self.plot.plotItem.titleLabel.text)
        generator.setResolution(self.plot.logicalDpiX())  # fonts in points keep their size
        if not self._render(generator, source):
            raise OSError(f"Could not write {path}.")

    def _render(self, device, source: QRectF) -> bool:
        """Paint the plot onto ``device`` on white.

        Qt renders the scene itself: pyqtgraph 0.14's SVGExporter cannot parse the closed
        paths ('Z') that Qt 6.12 writes. pyqtgraph's export mode still switches items such
        as symbols from cached pixmaps to vector drawing.
        """
        from pyqtgraph.exporters import SVGExporter  # here: costs start-up time otherwise

        target = QRectF(0, 0, source.width(), source.height())
        modes = SVGExporter(self.plot.plotItem)
        modes.setExportMode(True, {"antialias": True, "background": QColor("white")})
        painter = QPainter()
        try:
            if not painter.begin(device):
                return False
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(target, Qt.GlobalColor.white)
            self.plot.scene().render(painter, target, source)
            return painter.end()
        finally:
            modes.setExportMode(False)

    def export_csv(self, path: str | Path) -> None:
        """Every curve shown, on one time base and rounded to what each value resolves,
        under a few ``#`` lines that say so (`engine.cone.comparison.write_comparison_csv`)."""
        if self.comparison is None:
            raise ValueError("There is nothing to export yet; choose a polymer first.")
        write_comparison_csv(self.comparison, path)

    def closeEvent(self, event) -> None:
        self._pool.waitForDone()
        super().closeEvent(event)

    # -- building -----------------------------------------------------------------

    def _build_controls(self, thickness_mm: float) -> None:
        self.flux = _spin(0, MAX_FLUX_KW_M2, DEFAULT_FLUX_KW_M2, 1.0, " kW/m²", decimals=0)
        self.flux_slider = QSlider(Qt.Orientation.Horizontal)
        self.flux_slider.setRange(0, MAX_FLUX_KW_M2)
        self.flux_slider.setValue(round(DEFAULT_FLUX_KW_M2))
        self.flux_slider.valueChanged.connect(self.flux.setValue)
        self.flux.valueChanged.connect(self._flux_typed)
        self.thickness = _spin(0.1, 100.0, thickness_mm, 0.5, " mm", decimals=2)
        self.backing = QComboBox()
        self.backing.addItems(BACKINGS)
        self.flame_flux = _spin(0, 100, DEFAULT_FLAME_FLUX_KW_M2, 1.0, " kW/m²", decimals=1)
        self.flame_flux.setToolTip("Heat flux from the flame to the surface after ignition.")
        for spin in (self.thickness, self.flame_flux):
            spin.valueChanged.connect(self._request)
        self.backing.currentIndexChanged.connect(self._request)

        form = QFormLayout()
        form.addRow("Heat flux", self.flux)
        form.addRow("", self.flux_slider)
        form.addRow("Thickness", self.thickness)
        form.addRow("Backing", self.backing)
        form.addRow("Flame flux", self.flame_flux)
        test = QGroupBox("Cone test")
        test.setLayout(form)

        self.export_buttons = {}
        exports = QVBoxLayout()
        for kind, caption in (
            ("png", "Plot as PNG…"),
            ("svg", "Plot as SVG…"),
            ("csv", "Curves as CSV…"),
        ):
            button = QPushButton(caption)
            button.clicked.connect(lambda _=False, k=kind: self._export_dialog(k))
            exports.addWidget(button)
            self.export_buttons[kind] = button
        export = QGroupBox("Export")
        export.setLayout(exports)

        self.pin_button = QPushButton("Pin")
        self.pin_button.setToolTip(
            "Keep these curves on the plot to compare other polymers or conditions with them.")
        self.pin_button.setEnabled(False)
        self.pin_button.clicked.connect(self.pin)
        self.pin_list = QListWidget()
        self.pin_list.setMaximumHeight(110)
        self.pin_list.currentRowChanged.connect(lambda _: self._pins_changed())
        self.unpin_button = QPushButton("Remove")
        self.unpin_button.clicked.connect(lambda: self.unpin(self.pin_list.currentRow()))
        self.clear_pins_button = QPushButton("Clear")
        self.clear_pins_button.clicked.connect(self.clear_pins)
        pin_buttons = QHBoxLayout()
        for button in (self.pin_button, self.unpin_button, self.clear_pins_button):
            pin_buttons.addWidget(button)
        pins = QVBoxLayout()
        pins.addLayout(pin_buttons)
        pins.addWidget(self.pin_list)
        compare_box = QGroupBox("Compare")
        compare_box.setLayout(pins)

        column = QVBoxLayout()
        column.addWidget(test)
        column.addWidget(compare_box)
        column.addWidget(export)
        column.addStretch(1)
        self.controls = QWidget()
        self.controls.setLayout(column)
        self.controls.setFixedWidth(270)
        column.setContentsMargins(0, 0, 0, 0)

    def _build_plot(self) -> None:
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.plotItem
        font = QFont()
        font.setPointSize(10)
        # "HRR", not "Heat release rate": the long label was cut off on a short plot.
        for side, label in (("bottom", "Time (s)"), ("left", "HRR (kW/m²)")):
            axis = item.getAxis(side)
            axis.setPen("k")
            axis.setTextPen("k")
            axis.setTickFont(font)
            axis.setLabel(label, **{"font-size": "11pt", "color": "#000"})
        item.showGrid(x=True, y=True, alpha=0.15)
        self.legend = BelowLegend(item, labelTextSize="10pt", labelTextColor="k", frame=False)
        self.simulated_curve = pg.PlotDataItem(pen=pg.mkPen(SIMULATED, width=2.2))
        self.kinetics_curve = pg.PlotDataItem(
            pen=pg.mkPen(KINETICS, width=2.2, style=Qt.PenStyle.DashLine)
        )
        self.predicted_curve = pg.PlotDataItem(pen=pg.mkPen(PREDICTED, width=2.2))
        self.band_upper = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.band_lower = pg.PlotCurveItem(pen=pg.mkPen(None))
        band_colour = QColor(PREDICTED)
        band_colour.setAlpha(55)
        self.band = pg.FillBetweenItem(self.band_upper, self.band_lower, brush=band_colour)
        self.simulated_markers = _marker_item(SIMULATED)
        self.predicted_markers = _marker_item(PREDICTED)
        # Legend keys only, never plotted: one neutral symbol per kind of marker.
        self._ignition_key = _marker_item(QColor("white"), symbol="t")
        self._peak_key = _marker_item(QColor("white"), symbol="o")
        self._pin_keys = {kind: pg.PlotDataItem(pen=pg.mkPen("#555", width=width, style=style))
                          for kind, style, width in PIN_STYLES}
        self.measured_curves: list[pg.PlotDataItem] = []
        for thing in (
            self.band_upper,
            self.band_lower,
            self.band,
            self.simulated_curve,
            self.kinetics_curve,
            self.predicted_curve,
            self.simulated_markers,
            self.predicted_markers,
        ):
            item.addItem(thing)
        self.band.setZValue(-5)

    # -- running ------------------------------------------------------------------

    def _flux_typed(self, value: float) -> None:
        self.flux_slider.blockSignals(True)
        self.flux_slider.setValue(round(value))
        self.flux_slider.blockSignals(False)
        self._request()

    def _request(self) -> None:
        if self.polymer is not None:
            self._timer.start()

    def _launch(self) -> None:
        if self.polymer is None:
            return
        if self._busy:
            self._pending = True
            return
        self._busy, self._pending = True, False
        self.status.setStyleSheet("")
        self.status.setText(
            "Simulating…"
            if self._solver_warm
            else "Compiling the solver (first run, a few seconds)…"
        )
        settings = {
            "polymer": self.polymer,
            "material": self.material,
            "heat_flux_kw_m2": self.flux.value(),
            "thickness_mm": self.thickness.value(),
            "flame_flux_kw_m2": self.flame_flux.value(),
            "backing": self.backing.currentText(),
            "predictor": self.predictor,
            "experiments": self._experiments,
        }
        self._pool.start(_CompareTask(self._signals, settings, self.kinetics))

    def _finished(self, answer: tuple[Polymer, Comparison | Exception, object]) -> None:
        polymer, outcome, measured = answer
        self._busy = False
        self._solver_warm = True
        # A stale answer for this polymer still shows (live feel while dragging);
        # one for a polymer no longer chosen does not.
        if polymer is self.polymer:
            self.kinetics_result = measured if self.kinetics is not None else None
            if isinstance(outcome, Exception):
                self._clear(f"The comparison failed: {outcome}", error=True)
            else:
                self._show(outcome)
        if self._pending:
            self._launch()

    # -- showing ------------------------------------------------------------------

    def _clear(self, message: str, *, error: bool = False) -> None:
        self.comparison = self._shown_polymer = None
        for curve in (
            self.simulated_curve,
            self.kinetics_curve,
            self.predicted_curve,
            self.band_upper,
            self.band_lower,
            self.simulated_markers,
            self.predicted_markers,
        ):
            curve.setData([], [])
        self._show_measured(())
        self._legend_entries = []
        self._fill_legend()
        self.pin_button.setEnabled(False)
        self.plot.plotItem.setTitle(None)
        self.metrics.clearContents()
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(message)

    def _show(self, comparison: Comparison) -> None:
        self.comparison, self._shown_polymer = comparison, self.polymer
        legend = self._legend_entries = []
        marked = set()
        sim = comparison.simulated
        sim_metrics = simulated_metrics(sim) if sim is not None else None
        measured_kinetics = self._kinetics_shown()
        if sim is not None:
            self.simulated_curve.setData(sim.time_s, sim.hrr_kw_m2)
            legend.append((
                self.simulated_curve, "Simulated, GC kinetics" if measured_kinetics else "Simulated"
            ))
            marked |= _mark(self.simulated_markers, sim.time_s, sim.hrr_kw_m2, sim_metrics)
        else:
            self.simulated_curve.setData([], [])
            self.simulated_markers.setData([], [])
        if measured_kinetics is not None:
            self.kinetics_curve.setData(measured_kinetics.time_s, measured_kinetics.hrr_kw_m2)
            legend.append((self.kinetics_curve, f"Simulated, {self.kinetics.label}"))
        else:
            self.kinetics_curve.setData([], [])
        pred = comparison.predicted
        if pred is not None:
            self.predicted_curve.setData(pred.time_s, pred.hrr_kw_m2)
            if pred.hrr_kw_m2_low is not None and pred.hrr_kw_m2_high is not None:
                self.band_upper.setData(pred.time_s, pred.hrr_kw_m2_high)
                self.band_lower.setData(pred.time_s, pred.hrr_kw_m2_low)
            else:
                self.band_upper.setData(pred.time_s, pred.hrr_kw_m2 + pred.hrr_kw_m2_std)
                self.band_lower.setData(pred.time_s, pred.hrr_kw_m2 - pred.hrr_kw_m2_std)
            legend.append((self.predicted_curve, _predicted_label(pred)))
            marked |= _mark(self.predicted_markers, pred.time_s, pred.hrr_kw_m2, pred.metrics)
        else:
            for curve in (
                self.predicted_curve,
                self.band_upper,
                self.band_lower,
                self.predicted_markers,
            ):
                curve.setData([], [])
        self._show_measured(comparison.measured)
        if self.measured_curves:
            legend.append(
                (self.measured_curves[0], f"Experiment ({len(self.measured_curves)} curves)")
            )
        if "t" in marked:
            legend.append((self._ignition_key, "Ignition (t_ig)"))
        if "o" in marked:
            legend.append((self._peak_key, "Peak HRR"))
        self._fill_legend()
        self.pin_button.setEnabled(True)
        self._fill_metrics(
            sim_metrics,
            pred.metrics if pred else None,
            comparison.measured_metrics,
            len(comparison.experiments),
        )
        self.plot.plotItem.setTitle(self._title(), size="12pt", color="#000")
        self._fit_time_axis(comparison)
        self._report(comparison)

    def _fill_legend(self) -> None:
        """The current polymer's curves, one entry per pin (keyed by its first curve),
        a key to the line style of each kind of pinned curve, then the markers."""
        markers = (self._ignition_key, self._peak_key)
        kinds = {kind for pin in self.pins for kind, _, _ in pin.curves}
        entries = [
            *((item, name) for item, name in self._legend_entries if item not in markers),
            *((pin.items[0], f"Pinned: {pin.label}") for pin in self.pins),
            *((key, f"Pinned, {kind}") for kind, key in self._pin_keys.items() if kind in kinds),
            *((item, name) for item, name in self._legend_entries if item in markers),
        ]
        self.legend.clear()
        for item, name in entries:
            self.legend.addItem(item, name)

    def _remove_pin(self, index: int) -> None:
        pin = self.pins.pop(index)
        for item in pin.items:
            self.plot.plotItem.removeItem(item)
        self.pin_list.takeItem(index)

    def _pins_changed(self) -> None:
        self.unpin_button.setEnabled(self.pin_list.currentRow() >= 0)
        self.clear_pins_button.setEnabled(bool(self.pins))
        self._fill_legend()
        if self.comparison is not None:
            self._fit_time_axis(self.comparison)

    def _kinetics_shown(self):
        """The run with measured kinetics, when there is one that worked."""
        result = self.kinetics_result
        if self.kinetics is None or result is None or isinstance(result, Exception):
            return None
        return result if result.ok else None

    def _fit_time_axis(self, comparison: Comparison) -> None:
        """Autoscale, but end the time axis where the last curve has died down: a
        simulation that never burns out fills the full 30 min with zeros."""
        item = self.plot.plotItem
        item.enableAutoRange()
        curves = [(c.time_s, c.hrr_kw_m2) for c in comparison.measured]
        if comparison.simulated is not None:
            curves.append((comparison.simulated.time_s, comparison.simulated.hrr_kw_m2))
        if comparison.predicted is not None:
            curves.append((comparison.predicted.time_s, comparison.predicted.hrr_kw_m2))
        curves += [(t, q) for pin in self.pins for _, t, q in pin.curves]
        ends = [_burning_until(t, q) for t, q in curves if len(t)]
        if ends and max(ends) > 0:
            item.setXRange(0, 1.15 * max(ends), padding=0.02)

    def _show_measured(self, curves) -> None:
        for item in self.measured_curves:
            self.plot.plotItem.removeItem(item)
        self.measured_curves = []
        for curve in curves:
            item = pg.PlotDataItem(curve.time_s, curve.hrr_kw_m2, pen=pg.mkPen(MEASURED, width=1.3))
            item.setZValue(-1)
            item.setToolTip(Path(curve.source).name)
            self.plot.plotItem.addItem(item)
            self.measured_curves.append(item)

    def _fill_metrics(self, simulated, predicted, measured, tests: int) -> None:
        self.metrics.clearContents()
        header = f"Experiment (mean ± sd, n = {tests})" if tests else "Experiment"
        self.metrics.horizontalHeaderItem(2).setText(header)
        shown = self.comparison.predicted if self.comparison is not None else None
        bounds = shown.bounds if shown is not None else {}
        interval = shown.interval.split(",")[0] if shown is not None and bounds else ""
        self.metrics.horizontalHeaderItem(1).setText(
            f"Predicted ({interval})" if interval and not interval.startswith("ensemble")
            else "Predicted")
        for column, metrics in enumerate((simulated, predicted, measured)):
            if metrics is None:
                continue
            for row, (name, _) in enumerate(METRIC_ROWS):
                text = _spread(getattr(metrics, name), name)
                if column == 1 and name in bounds and text != "—":
                    text = _interval(getattr(metrics, name).mean, *bounds[name], name)
                cell = QTableWidgetItem(text)
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.metrics.setItem(row, column, cell)

    def _title(self) -> str:
        name = self.polymer.name or self.polymer.smiles
        return (
            f"{name} · {self.flux.value():g} kW/m² · {self.thickness.value():g} mm · "
            f"{self.backing.currentText()} backing"
        )

    def _report(self, comparison: Comparison) -> None:
        problems = [m for m in (comparison.simulation_error, comparison.prediction_error) if m]
        sim = comparison.simulated
        parts = []
        if sim is not None and sim.ok:
            parts.append("Simulated." if sim.ignited else "Simulated: the sample does not ignite.")
        if comparison.prediction_error:
            parts.append(f"No prediction: {comparison.prediction_error}")
        elif comparison.predicted is None:
            parts.append("No trained model loaded, so no prediction.")
        elif comparison.predicted.extrapolation:
            problems.append(comparison.predicted.extrapolation)
            parts.append(f"Prediction is an extrapolation: {comparison.predicted.extrapolation}.")
        tests = len(comparison.experiments)
        parts.append(
            f"{tests} experiment(s) at this condition, {len(comparison.measured)} with a curve."
            if tests
            else "No experiment of this polymer at this flux and thickness."
        )
        if comparison.simulation_error:
            parts.insert(0, f"Simulation failed: {comparison.simulation_error}")
        result = self.kinetics_result
        if self.kinetics is not None and result is not None:
            if isinstance(result, Exception) or not result.ok:
                reason = result if isinstance(result, Exception) else result.message
                problems.append(str(reason))
                parts.append(f"The run with {self.kinetics.label} failed: {reason}")
            else:
                parts.append(f"Dashed: the same test with {self.kinetics.label}.")
        self.status.setStyleSheet("color: #b00020;" if problems else "")
        self.status.setText(" ".join(parts))

    def _export_dialog(self, kind: str) -> None:
        filters = {
            "png": "PNG image (*.png)",
            "svg": "SVG image (*.svg)",
            "csv": "CSV table (*.csv)",
        }
        stem = (self.polymer.name or "cone") if self.polymer else "cone"
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"{stem}.{kind}", filters[kind])
        if not path:
            return
        try:
            getattr(self, f"export_{kind}")(path)
        except (OSError, ValueError) as exc:
            self.status.setStyleSheet("color: #b00020;")
            self.status.setText(f"Export failed: {exc}")
            return
        self.status.setStyleSheet("")
        self.status.setText(f"Saved {path}.")


def _spin(
    low: float, high: float, value: float, step: float, suffix: str, *, decimals: int
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setValue(value)
    spin.setKeyboardTracking(False)  # typing "75" runs 75, not 7 then 75
    return spin


def _marker_item(colour: QColor, symbol: str = "o") -> pg.PlotDataItem:
    """Symbols without a line (plain items: ScatterPlotItem's per-spot brushes export badly)."""
    return pg.PlotDataItem(
        pen=None, symbol=symbol, symbolSize=11, symbolBrush=colour, symbolPen=pg.mkPen("k")
    )


def _mark(item: pg.PlotDataItem, time_s, hrr_kw_m2, metrics: ComparedMetrics) -> set[str]:
    """Ignition (▼, on the curve at t_ig) and peak (●), where the engine defines them;
    returns the symbols shown."""
    xs, ys, symbols = [], [], []
    tig = metrics.tig_s.mean
    if math.isfinite(tig):
        xs.append(tig)
        ys.append(float(np.interp(tig, time_s, hrr_kw_m2)))
        symbols.append("t")
    if math.isfinite(metrics.t_phrr_s.mean) and math.isfinite(metrics.phrr_kw_m2.mean):
        xs.append(metrics.t_phrr_s.mean)
        ys.append(metrics.phrr_kw_m2.mean)
        symbols.append("o")
    item.setData(xs, ys, symbol=symbols)
    return set(symbols)


def _burning_until(time_s: np.ndarray, hrr_kw_m2: np.ndarray) -> float:
    """Last time the curve is above 2 % of its peak (where the plot may end)."""
    above = np.flatnonzero(hrr_kw_m2 > 0.02 * np.max(hrr_kw_m2))
    return float(time_s[above[-1]]) if above.size else 0.0


def _spread(spread: Spread, name: str) -> str:
    """Mean (± sd) to the resolution of the quantity ``name`` (`engine.quantities`)."""
    if spread.n == 0 or not math.isfinite(spread.mean):
        return "—"
    decimals = resolution(name)
    decimals = 1 if decimals is None else decimals
    if math.isfinite(spread.std):
        # A spread below the resolution keeps one significant digit: "± 0" would claim
        # there is none.
        spread_decimals = decimals
        if 0 < spread.std < 0.5 * 10.0**-decimals:
            spread_decimals = min(decimals + 3, -math.floor(math.log10(spread.std)))
        return f"{spread.mean:.{decimals}f} ± {spread.std:.{spread_decimals}f}"
    return f"{spread.mean:.{decimals}f}"


def _interval(value: float, low: float, high: float, name: str) -> str:
    """``value (low–high)`` to the resolution of the quantity ``name``."""
    decimals = resolution(name)
    decimals = 1 if decimals is None else decimals
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{value:.{decimals}f}"
    return f"{value:.{decimals}f} ({low:.{decimals}f}–{high:.{decimals}f})"


def _pin_label(polymer: Polymer, scenario: ConeScenario | None) -> str:
    """A pin's name: its polymer and the condition its curves are for."""
    label = polymer.name or polymer.smiles
    if scenario is not None:
        label += f" · {scenario.heat_flux_kw_m2:g} kW/m² · {scenario.thickness_mm:g} mm"
        if scenario.backing != BACKINGS[0]:
            label += f" · {scenario.backing} backing"
    return label


def _predicted_label(pred) -> str:
    """The legend of the predicted curve: what its band means, and the chance of
    ignition when the predictor gives one."""
    if pred.interval.startswith("ensemble spread") or not pred.interval:
        label = "Predicted ± 1σ (spread, not calibrated)"
    else:
        label = f"Predicted, {pred.interval.split(',')[0]} (band)"
    if math.isfinite(pred.p_ignition) and pred.p_ignition < 0.995:
        label += f"; ignites with p = {pred.p_ignition:.2f}"
    return label
