"""The molecule sketcher: draw a repeat unit, get its SMILES (and back)."""

from trinity_gui.sketcher.widget import MoleculeSketcher, SketcherDialog

__all__ = ["MoleculeSketcher", "SketcherDialog"]
