"""Trinity engine: polymers → group contribution → cone calorimeter physics → models.

Everything that computes lives here; nothing here imports Qt.
"""

__version__ = "0.1.0"
