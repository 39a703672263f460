"""What the window's plots share: a legend that never covers the data.

pyqtgraph's own legend floats over the view box, on top of whatever is drawn there: in
the cone view it hid the curves' peaks and markers, and at the default window size it
was cut off at the plot's edge, in exported images too. `BelowLegend` takes a row of
the plot's own layout under the time axis instead, so the data keep the whole view box
and the legend is part of whatever renders the plot (the PNG and SVG exports render the
plot item). Its entries wrap into as many columns as the plot's width holds.
"""

from __future__ import annotations

import pyqtgraph as pg

#: The row of `pyqtgraph.PlotItem`'s layout under the bottom axis (title 0, top axis 1,
#: view box 2, bottom axis 3).
LEGEND_ROW = 4
#: Space between the columns of entries, in pixels.
COLUMN_GAP = 14


class BelowLegend(pg.LegendItem):
    """A legend in its own row below a plot's axes, wrapped to the plot's width.

    Add and clear entries as on any `pyqtgraph.LegendItem`; the columns are chosen after
    each change and each time the plot is resized.
    """

    def __init__(self, plot: pg.PlotItem, **style) -> None:
        super().__init__(offset=None, horSpacing=COLUMN_GAP // 2, **style)
        self._plot = plot
        self.setMinimumWidth(0)  # never widen the plot past its window: wrap instead
        plot.layout.addItem(self, LEGEND_ROW, 1)
        plot.geometryChanged.connect(self._wrap)

    def addItem(self, item, name: str) -> None:
        super().addItem(item, name)
        self._wrap()

    def clear(self) -> None:
        super().clear()
        self._wrap()

    def _entry_widths(self) -> list[float]:
        """Each entry's natural width: its key, its text (not the cell the layout has
        stretched it to) and the gap to the next column."""
        return [sample.boundingRect().width() + label.item.boundingRect().width() + COLUMN_GAP
                for sample, label in self.items]

    def _needed(self, columns: int) -> float:
        widths = self._entry_widths()
        left, _, right, _ = self.layout.getContentsMargins()
        return sum(max(widths[c::columns], default=0.0) for c in range(columns)) + left + right

    def columns_for(self, width: float) -> int:
        """The most columns whose entries fit side by side in ``width`` pixels (at least 1)."""
        for columns in range(len(self.items), 1, -1):
            if self._needed(columns) <= width:
                return columns
        return 1

    def available_width(self) -> float:
        """The width of the legend's row: the plot's, less the axis on its left."""
        return self._plot.geometry().width() - self._plot.vb.geometry().left()

    def _wrap(self) -> None:
        columns = self.columns_for(self.available_width())
        if columns != self.columnCount:
            self.setColumnCount(columns)
        # As wide as its columns, not the whole row: entries stay together on the left.
        self.layout.invalidate()
        self.setMaximumWidth(max(1.0, self._needed(columns), self.layout.preferredWidth()))
        self.updateGeometry()

    def updateSize(self) -> None:
        """No geometry of its own (pyqtgraph's floating legend sets one): the plot's
        layout places it, at the height its entries need."""
        self.updateGeometry()
