"""The drawing surface: shows a `SketchMolecule` and turns mouse gestures into edits.

The scene is redrawn from the molecule after every edit (a repeat unit has tens of
atoms, so this is instant); the molecule stays the single source of truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget
from rdkit import Chem

from trinity_gui.sketcher.molecule import (
    BOND_LENGTH,
    RINGS,
    Point,
    SketchAtom,
    SketchBond,
    SketchMolecule,
)

#: Screen pixels per depiction unit (one bond).
PIXELS_PER_BOND = 44.0
#: How near (px) the pointer must be to an atom or bond to act on it.
ATOM_PICK_PX = 12.0
BOND_PICK_PX = 7.0
#: A press and release further apart than this (px) is a drag, not a click.
DRAG_PX = 6.0

#: Element colours (Jmol-like, darkened where pale on white).
COLOURS = {
    "N": "#2a4bd7",
    "O": "#d32f2f",
    "S": "#a08000",
    "F": "#2e7d32",
    "Cl": "#2e7d32",
    "Br": "#8d2a1f",
    "Si": "#7a5c2e",
    "*": "#7b1fa2",
}
INK = QColor("#202020")
HOVER = QColor(33, 150, 243, 70)


@dataclass(frozen=True)
class Tool:
    """What a click does: place an element or ring, move atoms, or erase."""

    kind: str  # "atom", "ring", "move" or "erase"
    value: str = ""


@dataclass
class _Press:
    """A left-button press in progress: where, on what, and the drag so far."""

    start: Point
    atom: int | None
    bond: int | None
    current: Point
    moved: bool = False


class SketchCanvas(QGraphicsView):
    """Draws the molecule; click, drag and right-click edit it with the current tool."""

    edited = Signal()

    def __init__(self, molecule: SketchMolecule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.molecule = molecule
        self.tool = Tool("atom", "C")
        self._press: _Press | None = None
        self._hover: Point | None = None
        self._aromatic_neighbours: dict[int, list[int]] = {}
        self.setScene(QGraphicsScene(self))
        self.scene().setSceneRect(-5000, -5000, 10000, 10000)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(Qt.GlobalColor.white))
        self.setMouseTracking(True)
        self.setMinimumSize(420, 320)
        self._font = QFont(self.font())
        self._font.setPointSizeF(12)
        self._star_font = QFont(self._font)
        self._star_font.setPointSizeF(15)
        self._star_font.setBold(True)
        self.redraw()

    # -- coordinates -----------------------------------------------------------------

    def scene_point(self, point: Point) -> QPointF:
        """Where a molecule coordinate lies in the scene (y flipped: RDKit's y is up)."""
        return QPointF(point[0] * PIXELS_PER_BOND, -point[1] * PIXELS_PER_BOND)

    def widget_point(self, point: Point) -> QPointF:
        """Where a molecule coordinate lies on the viewport (what a click must hit)."""
        return QPointF(self.mapFromScene(self.scene_point(point)))

    def _model_point(self, event: QMouseEvent) -> Point:
        p = self.mapToScene(event.position().toPoint())
        return (p.x() / PIXELS_PER_BOND, -p.y() / PIXELS_PER_BOND)

    def _pick(self, point: Point) -> tuple[int | None, int | None]:
        """The atom, else the bond, under ``point`` (pick radii are in screen pixels)."""
        per_unit = PIXELS_PER_BOND * self.transform().m11()
        atom = self.molecule.atom_at(point, ATOM_PICK_PX / per_unit)
        if atom is not None:
            return atom, None
        return None, self.molecule.bond_at(point, BOND_PICK_PX / per_unit)

    def frame(self) -> None:
        """Centre the molecule, shrinking the view only if it does not fit."""
        self.resetTransform()
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            self.centerOn(0, 0)
            return
        margin = rect.adjusted(-30, -30, 30, 30)
        viewport = self.viewport().rect()
        if margin.width() > viewport.width() or margin.height() > viewport.height():
            self.fitInView(margin, Qt.AspectRatioMode.KeepAspectRatio)
        self.centerOn(rect.center())

    # -- mouse -----------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self._model_point(event)
        atom, bond = self._pick(point)
        if event.button() == Qt.MouseButton.RightButton:
            self._erase(atom, bond)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._press = _Press(point, atom, bond, point)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = self._model_point(event)
        self._hover = point
        if self._press is not None:
            self._drag_to(self._press, point)
        self.redraw()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._drag_to(press, self._model_point(event))
        kind = self.tool.kind
        if kind == "atom":
            self._place_atom(press)
        elif kind == "ring" and not press.moved:
            self._place_ring(press)
        elif kind == "erase" and not press.moved:
            self._erase(press.atom, press.bond)
            return
        elif not (kind == "move" and press.moved and press.atom is not None):
            self.redraw()  # nothing was edited; just drop the drag preview
            return
        self._changed()

    def _drag_to(self, press: _Press, point: Point) -> None:
        """Follow the pointer; a move-tool drag becomes one undo step once it really moves."""
        press.current = point
        dragging_atom = self.tool.kind == "move" and press.atom is not None
        if not press.moved and self._pixels(press.start, point) > DRAG_PX:
            press.moved = True
            if dragging_atom:
                self.molecule.checkpoint()
        if press.moved and dragging_atom:
            self.molecule.move_atom(press.atom, point)

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.redraw()
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.frame()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        self.scale(1.15**steps, 1.15**steps)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._hover:
            self._erase(*self._pick(self._hover))
            return
        super().keyPressEvent(event)

    def _pixels(self, a: Point, b: Point) -> float:
        per_unit = PIXELS_PER_BOND * self.transform().m11()
        return math.hypot(a[0] - b[0], a[1] - b[1]) * per_unit

    # -- edits -----------------------------------------------------------------------

    def _place_atom(self, press: _Press) -> None:
        """Click: add or re-element an atom, or step a bond; drag: draw a bond."""
        symbol, mol = self.tool.value, self.molecule
        if not press.moved:
            if press.atom is not None:
                current = mol.atoms()[press.atom].symbol
                if current != symbol:
                    mol.set_element(press.atom, symbol)
                else:
                    mol.add_chain_atom(press.atom, symbol)
            elif press.bond is not None:
                mol.cycle_bond(press.bond)
            else:
                mol.add_atom(symbol, press.start)
            return
        start = press.atom if press.atom is not None else mol.add_atom(symbol, press.start)
        target, _ = self._pick(press.current)
        if target is not None and target != start:
            mol.connect(start, target)
        elif target is None:
            mol.add_chain_atom(start, symbol, self._snapped(start, press.current))

    def _snapped(self, start: int, point: Point) -> Point:
        """One bond length from ``start`` towards ``point``, at a multiple of 30°."""
        x, y = self.molecule.position(start)
        theta = math.atan2(point[1] - y, point[0] - x)
        theta = round(theta / (math.pi / 6)) * (math.pi / 6)
        return (x + BOND_LENGTH * math.cos(theta), y + BOND_LENGTH * math.sin(theta))

    def _place_ring(self, press: _Press) -> None:
        template = RINGS[self.tool.value]
        if press.atom is not None:
            self.molecule.attach_ring(template, press.atom)
        elif press.bond is not None:
            self.molecule.fuse_ring(template, press.bond)
        else:
            self.molecule.add_ring(template, press.start)

    def _erase(self, atom: int | None, bond: int | None) -> None:
        if atom is not None:
            self.molecule.delete_atom(atom)
        elif bond is not None:
            self.molecule.delete_bond(bond)
        else:
            return
        self._changed()

    def _changed(self) -> None:
        self.redraw()
        self.edited.emit()

    # -- drawing ---------------------------------------------------------------------

    def redraw(self) -> None:
        scene = self.scene()
        scene.clear()
        atoms, bonds = self.molecule.atoms(), self.molecule.bonds()
        labelled = {a.index for a in atoms if _label(a)}
        self._aromatic_neighbours = {}
        for bond in bonds:
            if bond.order == Chem.BondType.AROMATIC:
                self._aromatic_neighbours.setdefault(bond.begin, []).append(bond.end)
                self._aromatic_neighbours.setdefault(bond.end, []).append(bond.begin)
        self._draw_hover(atoms)
        for bond in bonds:
            self._draw_bond(bond, atoms, labelled)
        for atom in atoms:
            if atom.index in labelled:
                self._draw_label(atom)
        press = self._press
        if press is not None and press.moved and self.tool.kind == "atom":
            origin = (self.molecule.position(press.atom) if press.atom is not None
                      else press.start)
            pen = QPen(QColor("#1976d2"), 1.5, Qt.PenStyle.DashLine)
            scene.addLine(QLineF(self.scene_point(origin), self.scene_point(press.current)), pen)

    def _draw_hover(self, atoms: list[SketchAtom]) -> None:
        if self._hover is None or (self._press is not None and self._press.moved):
            return
        atom, bond = self._pick(self._hover)
        no_pen = QPen(Qt.PenStyle.NoPen)
        if atom is not None:
            c = self.scene_point(atoms[atom].position)
            self.scene().addEllipse(QRectF(c.x() - 11, c.y() - 11, 22, 22), no_pen, HOVER)
        elif bond is not None:
            b = self.molecule.bonds()[bond]
            line = QLineF(self.scene_point(atoms[b.begin].position),
                          self.scene_point(atoms[b.end].position))
            pen = QPen(HOVER, 12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
            self.scene().addLine(line, pen)

    def _draw_bond(self, bond: SketchBond, atoms: list[SketchAtom], labelled: set[int]) -> None:
        a = self.scene_point(atoms[bond.begin].position)
        b = self.scene_point(atoms[bond.end].position)
        line = QLineF(a, b)
        if line.length() < 1:
            return
        trim = 10.0
        if bond.begin in labelled:
            line.setP1(line.pointAt(min(trim / line.length(), 0.45)))
        if bond.end in labelled:
            line.setP2(line.pointAt(1 - min(trim / line.length(), 0.45)))
        pen = QPen(INK, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        normal = line.normalVector().unitVector()
        offset = QPointF(normal.dx(), normal.dy())
        add = self.scene().addLine
        if bond.order == Chem.BondType.DOUBLE:
            add(line.translated(offset * 2.5), pen)
            add(line.translated(offset * -2.5), pen)
        elif bond.order == Chem.BondType.TRIPLE:
            add(line, pen)
            add(line.translated(offset * 4), pen)
            add(line.translated(offset * -4), pen)
        elif bond.order == Chem.BondType.AROMATIC:
            add(line, pen)
            side = self._inner_side(bond, atoms, offset)
            inner = line.translated(offset * 5 * side)
            inner = QLineF(inner.pointAt(0.15), inner.pointAt(0.85))
            add(inner, QPen(INK, 1.4, Qt.PenStyle.DashLine))
        else:
            add(line, pen)

    def _inner_side(self, bond: SketchBond, atoms: list[SketchAtom], offset: QPointF) -> int:
        """+1 or −1: the side where the bond's aromatic neighbours lie (its ring's inside)."""
        ends = (bond.begin, bond.end)
        mid = (self.scene_point(atoms[ends[0]].position)
               + self.scene_point(atoms[ends[1]].position)) / 2
        score = 0.0
        for end in ends:
            for neighbour in self._aromatic_neighbours.get(end, ()):
                if neighbour not in ends:
                    d = self.scene_point(atoms[neighbour].position) - mid
                    score += d.x() * offset.x() + d.y() * offset.y()
        return 1 if score >= 0 else -1

    def _draw_label(self, atom: SketchAtom) -> None:
        """The symbol centred on the atom (hydrogens trail right), on a white patch."""
        label = _label(atom)
        font = self._star_font if atom.symbol == "*" else self._font
        metrics = QFontMetricsF(font)
        centre = self.scene_point(atom.position)
        left = centre.x() - metrics.horizontalAdvance(atom.symbol) / 2
        box = QRectF(left, centre.y() - metrics.height() / 2,
                     metrics.horizontalAdvance(label), metrics.height())
        self.scene().addRect(box.adjusted(-1, 2, 1, -2), QPen(Qt.PenStyle.NoPen),
                             QBrush(Qt.GlobalColor.white))
        text = self.scene().addSimpleText(label, font)
        text.setBrush(QColor(COLOURS.get(atom.symbol, INK.name())))
        text.setPos(box.topLeft())

def _label(atom: SketchAtom) -> str:
    """Heteroatoms, ``*`` and lone carbons show a symbol (with their hydrogens)."""
    if atom.symbol == "C" and atom.degree:
        return ""
    if atom.symbol == "*" or not atom.hydrogens:
        return atom.symbol
    return atom.symbol + "H" + (str(atom.hydrogens) if atom.hydrogens > 1 else "")
