"""The legend the window's plots share: below the axes, wrapped to the plot's width."""

import pytest

pytest.importorskip("PySide6")

import pyqtgraph as pg

from trinity_gui.plots import BelowLegend

NAMES = ("Simulated", "Predicted ± 1σ", "Experiment (12 curves)", "Ignition (t_ig)",
         "Peak HRR")


def _scene(item):
    return item.mapRectToScene(item.boundingRect())


@pytest.mark.parametrize("width", [320, 480, 700, 1200])
def test_entries_wrap_to_the_plot_and_none_is_cut_or_over_the_data(qtbot, width):
    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.resize(width, 420)
    legend = BelowLegend(plot.plotItem, labelTextSize="10pt")
    for name in NAMES:
        legend.addItem(plot.plot([0, 1, 2], [0, 5, 1]), name)
    plot.show()
    qtbot.waitExposed(plot)
    qtbot.wait(50)
    box = _scene(legend)
    assert not box.intersects(_scene(plot.plotItem.vb))
    assert plot.plotItem.sceneBoundingRect().contains(box)
    for sample, label in legend.items:
        assert box.contains(_scene(sample))
        assert box.contains(label.item.mapRectToScene(label.item.boundingRect()))  # the text
    rows = {round(_scene(label).top()) for _, label in legend.items}
    assert len(rows) == -(-len(NAMES) // legend.columnCount)  # as many rows as it needs
    if width >= 1200:
        assert legend.columnCount == len(NAMES)  # one row where it fits

    legend.clear()
    assert legend.items == [] and legend.columnCount >= 1
