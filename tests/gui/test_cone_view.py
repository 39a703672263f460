"""The cone view: live simulation, prediction band, shipped experiments, exports."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("PySide6")

from engine.datasets import COLUMNS
from engine.polymer import parse_polymer
from trinity_gui.views.cone_view import ConeView

PMMA = "*CC(*)(C)C(=O)OC"
WAIT_MS = 60_000  # the first simulation may compile the solver


class FakePredictor:
    """The predictor contract: a batch answer with means and standard deviations."""

    def __init__(self, fail: str = "", calibrated: bool = False) -> None:
        self.fail = fail
        self.calls = []
        self.calibrated = calibrated

    def predict(self, smiles, heat_flux_kw_m2, thickness_mm):
        self.calls.append((tuple(smiles), heat_flux_kw_m2, thickness_mm))
        if self.fail:
            raise RuntimeError(self.fail)
        t = np.arange(0.0, 600.0, 5.0)
        hrr = 800.0 * np.exp(-(((t - 200.0) / 70.0) ** 2))[None, :]

        def one(v):
            return np.array([v])

        extra = {}
        if self.calibrated:  # what a calibrated model file adds: bounds, their meaning, p
            extra = {"hrr_kw_m2_low": 0.5 * hrr, "hrr_kw_m2_high": 2.0 * hrr,
                     "interval": "80% interval, calibrated on held-out polymers (11 polymers)",
                     "p_ignition": one(0.7),
                     "tig_s_low": one(20.0), "tig_s_high": one(60.0),
                     "phrr_kw_m2_low": one(400.0), "phrr_kw_m2_high": one(1600.0),
                     "thr_mj_m2_low": one(80.0), "thr_mj_m2_high": one(150.0),
                     "extrapolation": ("chemistry unlike every tested polymer (nearest PMMA, "
                                       "similarity 0.11): the interval may not hold",)}
        return SimpleNamespace(
            **extra,
            time_s=t,
            hrr_kw_m2=hrr,
            hrr_kw_m2_std=0.1 * hrr + 15.0,
            tig_s=one(35.0),
            tig_s_std=one(4.0),
            phrr_kw_m2=one(800.0),
            phrr_kw_m2_std=one(60.0),
            thr_mj_m2=one(110.0),
            thr_mj_m2_std=one(9.0),
        )


@pytest.fixture
def view(qtbot):
    widget = ConeView()
    widget.resize(1100, 700)
    qtbot.addWidget(widget)
    return widget


def _settled(view, qtbot, **condition):
    """Wait until the shown comparison is for the current settings and nothing is queued."""

    def done():
        c = view.comparison
        return (
            c is not None
            and not view._busy
            and c.scenario is not None
            and all(getattr(c.scenario, k) == v for k, v in condition.items())
        )

    qtbot.waitUntil(done, timeout=WAIT_MS)
    return view.comparison


def test_defaults_are_the_documented_ones(view):
    assert view.flux.value() == 50.0
    assert view.thickness.value() == 6.0  # the shipped data's most common thickness
    assert view.backing.currentText() == "insulated"
    assert view.flame_flux.value() == 20.0  # ConeScenario's default


def test_polymer_is_simulated_and_flux_change_reruns(view, qtbot):
    view.set_polymer(parse_polymer(PMMA, name="PMMA"))
    first = _settled(view, qtbot, heat_flux_kw_m2=50.0)
    x, y = view.simulated_curve.getData()
    assert len(x) > 10 and np.nanmax(y) > 100
    assert view.metrics.item(1, 0).text() not in ("", "—")  # simulated pHRR
    assert "PMMA" in view.plot.plotItem.titleLabel.text

    view.flux_slider.setValue(75)  # the slider drives the spin box
    second = _settled(view, qtbot, heat_flux_kw_m2=75.0)
    assert view.flux.value() == 75.0
    assert second.simulated.metrics.tig_s < first.simulated.metrics.tig_s
    assert not np.array_equal(view.simulated_curve.getData()[1], y)


def test_rapid_changes_end_on_the_last_setting(view, qtbot):
    view.set_polymer(parse_polymer(PMMA))
    for flux in (30, 31, 32, 33, 60):
        view.flux.setValue(flux)
    view.thickness.setValue(3.0)
    shown = _settled(view, qtbot, heat_flux_kw_m2=60.0, thickness_mm=3.0)
    assert shown.simulated.scenario.thickness_mm == 3.0


def test_predictor_draws_mean_and_band(view, qtbot):
    predictor = FakePredictor()
    view.set_predictor(predictor)
    view.set_polymer(parse_polymer(PMMA))
    _settled(view, qtbot)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)
    assert predictor.calls[-1] == ((PMMA,), 50.0, 6.0)
    _, mean = view.predicted_curve.getData()
    _, upper = view.band_upper.getData()
    _, lower = view.band_lower.getData()
    assert np.all(upper > mean) and np.all(lower < mean)
    assert view.metrics.item(1, 1).text() == "800 ± 60"
    legend = [label.text for _, label in view.legend.items]
    assert "Predicted ± 1σ (spread, not calibrated)" in legend


def test_a_calibrated_band_is_drawn_and_named_with_its_level(view, qtbot):
    view.set_predictor(FakePredictor(calibrated=True))
    view.set_polymer(parse_polymer(PMMA))
    _settled(view, qtbot)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)
    _, mean = view.predicted_curve.getData()
    _, upper = view.band_upper.getData()
    _, lower = view.band_lower.getData()
    assert np.allclose(upper, 2.0 * mean) and np.allclose(lower, 0.5 * mean)
    legend = [label.text for _, label in view.legend.items]
    assert "Predicted, 80% interval (band); ignites with p = 0.70" in legend
    assert view.metrics.item(1, 1).text() == "800 (400–1600)"
    assert view.metrics.horizontalHeaderItem(1).text() == "Predicted (80% interval)"
    assert "Prediction is an extrapolation: chemistry unlike every tested polymer" in (
        view.status.text())


def test_predictor_failure_is_shown_not_raised(view, qtbot):
    view.set_predictor(FakePredictor(fail="The model file is damaged."))
    view.set_polymer(parse_polymer(PMMA))
    _settled(view, qtbot)
    assert "The model file is damaged." in view.status.text()
    assert view.comparison.simulated is not None  # the simulation still shows
    assert len(view.predicted_curve.getData()[0] or []) == 0


def test_shipped_pmma_experiments_are_drawn_at_their_condition(view, qtbot):
    view.set_polymer(parse_polymer(PMMA, name="PMMA"))
    shown = _settled(view, qtbot, heat_flux_kw_m2=50.0, thickness_mm=6.0)
    assert len(view.measured_curves) >= 3  # MaCFP PMMA, 50 kW/m², ~6 mm
    assert set(shown.experiments["smiles"]) == {PMMA}
    assert (shown.experiments["heat_flux_kw_m2"] == 50.0).all()
    assert view.metrics.item(0, 2).text() != ""
    assert "experiment" in view.status.text()

    view.flux.setValue(40)  # no PMMA test at 40 kW/m²
    _settled(view, qtbot, heat_flux_kw_m2=40.0)
    assert view.measured_curves == []
    assert "No experiment" in view.status.text()


def test_imported_experiments_replace_the_shipped_ones(view, qtbot):
    view.set_experiments(pd.DataFrame(columns=list(COLUMNS)))
    view.set_polymer(parse_polymer(PMMA))
    _settled(view, qtbot)
    assert view.measured_curves == []


def test_exports_write_png_svg_and_csv(view, qtbot, tmp_path):
    view.set_predictor(FakePredictor())
    view.set_polymer(parse_polymer(PMMA, name="PMMA"))
    _settled(view, qtbot)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)

    view.export_png(tmp_path / "cone.png")
    view.export_svg(tmp_path / "cone.svg")
    view.export_csv(tmp_path / "cone.csv")

    assert (tmp_path / "cone.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "cone.svg").read_text()
    assert "<svg" in svg and "HRR (kW/m" in svg
    assert "time base" in (tmp_path / "cone.csv").read_text().splitlines()[2]
    table = pd.read_csv(tmp_path / "cone.csv", comment="#")
    assert {
        "time_s",
        "simulated_hrr_kw_m2",
        "predicted_hrr_kw_m2",
        "predicted_hrr_kw_m2_std",
    } <= set(table.columns)
    assert [c for c in table.columns if c.endswith("time_s")] == ["time_s"]  # one time base
    measured = [c for c in table.columns if c.startswith("measured_") and c.endswith("_hrr_kw_m2")]
    assert len(measured) == len(view.measured_curves) > 0
    sim = view.comparison.simulated
    shown = table.set_index("time_s").loc[sim.time_s, "simulated_hrr_kw_m2"].to_numpy()
    assert shown == pytest.approx(sim.hrr_kw_m2, abs=0.05)  # to 0.1 kW/m², not float noise
    assert (table["simulated_hrr_kw_m2"] * 10).round(9).mod(1).eq(0).all()


def test_clearing_the_polymer_empties_the_plot(view, qtbot):
    view.set_polymer(parse_polymer(PMMA))
    _settled(view, qtbot)
    view.set_polymer(None)
    assert view.comparison is None
    assert len(view.simulated_curve.getData()[0] or []) == 0
    assert view.measured_curves == []
    with pytest.raises(ValueError, match="nothing to export"):
        view.export_csv("unused.csv")


def test_redrawing_the_plot_keeps_every_reference_to_none(view, qtbot):
    """PySide6-Essentials 6.12.0 on CPython 3.11 drops a reference to None on each void
    QPainter call; a redraw makes hundreds of them, and after about a hundred redraws the
    process aborts ("none_dealloc: deallocating None"). 20 redraws of a real curve show
    the loss as thousands of references; the pinned release loses none."""
    import gc
    import sys

    view.set_predictor(FakePredictor())
    view.set_polymer(parse_polymer(PMMA, name="PMMA"))
    _settled(view, qtbot)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)
    view.show()
    view.plot.grab()  # first paint: caches, fonts and glyphs are made once
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(20):
        view.plot.viewport().update()
        image = view.plot.grab()
        assert not image.isNull()
    del image
    gc.collect()
    assert sys.getrefcount(None) >= before


def _scene_rect(item):
    return item.mapRectToScene(item.boundingRect())


@pytest.mark.parametrize("width", [970, 790])  # in the default window; on a 1366×768 screen
def test_the_legend_sits_off_the_data_and_inside_the_plot(view, qtbot, width):
    """It sat over the curves and the peak markers, and was clipped at the default size."""
    view.resize(width, 700)
    view.set_predictor(FakePredictor())
    view.set_polymer(parse_polymer(PMMA, name="PMMA"))
    _settled(view, qtbot)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(50)
    labels = [label.text for _, label in view.legend.items]
    assert len(labels) == 5  # simulated, predicted, experiment, ignition, peak
    legend = _scene_rect(view.legend)
    data = _scene_rect(view.plot.plotItem.vb)
    assert not legend.intersects(data)
    exported = view.plot.plotItem.sceneBoundingRect()  # what export_png/svg render
    assert exported.contains(legend)
    shown = view.plot.mapToScene(view.plot.viewport().rect()).boundingRect()
    assert shown.contains(legend) and shown.contains(exported)
    for sample, label in view.legend.items:  # every entry is whole, none cut off
        assert legend.contains(_scene_rect(label)) and legend.contains(_scene_rect(sample))


def test_metrics_are_shown_to_what_they_resolve(view, qtbot):
    """t_ig to the second and pHRR to the kW/m² (ISO 5660-1), THR to 0.1 MJ/m²: not
    '41.8 s' for a simulated ignition, nor one decimal more or less by magnitude."""
    view.set_predictor(FakePredictor())
    view.set_polymer(parse_polymer(PMMA, name="PMMA"))
    _settled(view, qtbot)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)
    sim = view.comparison.simulated.metrics
    assert view.metrics.item(0, 0).text() == f"{sim.tig_s:.0f}"
    assert view.metrics.item(1, 0).text() == f"{sim.phrr_kw_m2:.0f}"
    assert view.metrics.item(3, 0).text() == f"{sim.thr_mj_m2:.1f}"
    assert view.metrics.item(0, 1).text() == "35 ± 4"
    assert view.metrics.item(3, 1).text() == "110.0 ± 9.0"


def test_a_spread_below_the_resolution_keeps_one_significant_digit():
    """'29 ± 0' would claim a prediction without uncertainty."""
    from engine.cone.comparison import Spread
    from trinity_gui.views.cone_view import _spread

    assert _spread(Spread(29.3, 0.43, 1), "tig_s") == "29 ± 0.4"
    assert _spread(Spread(29.3, 0.043, 1), "tig_s") == "29 ± 0.04"
    assert _spread(Spread(812.3, 60.2, 3), "phrr_kw_m2") == "812 ± 60"
    assert _spread(Spread(168.04, float("nan"), 1), "thr_mj_m2") == "168.0"
    assert _spread(Spread(float("nan"), float("nan"), 0), "thr_mj_m2") == "—"


PS = "*CC(*)c1ccccc1"


def _shown(view, qtbot, polymer):
    """Wait until ``polymer``'s comparison (with the prediction) is on the plot."""
    qtbot.waitUntil(lambda: view._shown_polymer is polymer and not view._busy
                    and view.comparison.predicted is not None, timeout=WAIT_MS)
    return view.comparison


def _legend(view):
    return [label.text for _, label in view.legend.items]


def test_pinned_polymers_stay_drawn_in_their_own_colours_with_a_legend(view, qtbot):
    """Comparing is how scientists choose: PMMA and PS on one plot, each in its colour,
    with the curves each had when pinned (nothing recomputed), the current one as ever."""
    from PySide6.QtCore import Qt

    predictor = FakePredictor()
    view.set_predictor(predictor)
    assert not view.pin_button.isEnabled()  # nothing shown yet
    pmma = parse_polymer(PMMA, name="PMMA")
    view.set_polymer(pmma)
    first = _shown(view, qtbot, pmma)
    qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    ps = parse_polymer(PS, name="PS")
    view.set_polymer(ps)
    _shown(view, qtbot, ps)
    calls = len(predictor.calls)
    second = view.pin()

    assert [p.label for p in view.pins] == ["PMMA · 50 kW/m² · 6 mm", "PS · 50 kW/m² · 6 mm"]
    assert len(predictor.calls) == calls  # pinning computes nothing
    pinned_pmma = view.pins[0]
    kinds = [kind for kind, _, _ in pinned_pmma.curves]
    assert kinds[:2] == ["simulated", "predicted"] and kinds.count("measured") >= 3
    assert np.array_equal(pinned_pmma.curves[0][2], first.simulated.hrr_kw_m2)
    plotted = view.plot.plotItem.listDataItems()
    colours = set()
    for pin in view.pins:
        assert all(item in plotted for item in pin.items)
        pens = {item.opts["pen"].color().name() for item in pin.items}
        assert len(pens) == 1  # one colour per polymer, its kinds told apart by line style
        colours |= pens
    assert len(colours) == 2
    assert {view.simulated_curve.opts["pen"].color().name(),
            view.predicted_curve.opts["pen"].color().name()}.isdisjoint(colours)
    assert len(view.simulated_curve.getData()[0]) > 10  # the current polymer, as before
    legend = _legend(view)
    assert "Pinned: PMMA · 50 kW/m² · 6 mm" in legend and f"Pinned: {second.label}" in legend
    assert {"Pinned, simulated", "Pinned, predicted", "Pinned, measured"} <= set(legend)
    assert legend[0] == "Simulated" and legend[-1] == "Peak HRR"
    assert [view.pin_list.item(i).text() for i in range(view.pin_list.count())] == [
        p.label for p in view.pins]


def test_pins_are_removed_one_by_one_or_all_and_repinning_replaces(view, qtbot):
    from PySide6.QtCore import Qt

    view.set_predictor(FakePredictor())
    pmma = parse_polymer(PMMA, name="PMMA")
    view.set_polymer(pmma)
    _shown(view, qtbot, pmma)
    view.pin()
    view.pin()  # the same polymer and condition: one pin
    assert len(view.pins) == 1
    view.set_condition(35.0, 3.0)
    _settled(view, qtbot, heat_flux_kw_m2=35.0, thickness_mm=3.0)
    qtbot.waitUntil(lambda: view.comparison.predicted is not None, timeout=WAIT_MS)
    view.pin()
    assert [p.label for p in view.pins] == ["PMMA · 50 kW/m² · 6 mm", "PMMA · 35 kW/m² · 3 mm"]

    removed = view.pins[0]
    view.pin_list.setCurrentRow(0)
    qtbot.mouseClick(view.unpin_button, Qt.MouseButton.LeftButton)
    assert [p.label for p in view.pins] == ["PMMA · 35 kW/m² · 3 mm"]
    plotted = view.plot.plotItem.listDataItems()
    assert not any(item in plotted for item in removed.items)
    assert "Pinned: PMMA · 50 kW/m² · 6 mm" not in _legend(view)
    assert view.pin_list.count() == 1

    qtbot.mouseClick(view.clear_pins_button, Qt.MouseButton.LeftButton)
    assert view.pins == [] and view.pin_list.count() == 0
    assert not any(text.startswith("Pinned") for text in _legend(view))
    assert not view.clear_pins_button.isEnabled()
    assert _legend(view)[0] == "Simulated"  # the current polymer's entries stay


def test_a_condition_set_from_outside_runs_and_none_keeps_it(view, qtbot):
    view.set_polymer(parse_polymer(PMMA))
    view.set_condition(35.0, 3.0)
    _settled(view, qtbot, heat_flux_kw_m2=35.0, thickness_mm=3.0)
    view.set_condition(None, 4.0)
    _settled(view, qtbot, heat_flux_kw_m2=35.0, thickness_mm=4.0)
    assert view.flux_slider.value() == 35
