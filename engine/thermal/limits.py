"""Accepted ranges of the numbers a user gives with thermal-analysis files (kept free of
numpy so the command line can build its parser without loading the fitting code)."""

from engine.quantities import Limit

HEATING_RATE = Limit(
    "heating rate", "K/min", 0.0, 1000.0,
    "TGA runs at 1–100 K/min and MCC at 60 K/min (1 K/s, ASTM D7309)",
    low_open=True,
)  # fmt: skip
INITIAL_MASS = Limit(
    "initial sample mass", "mg", 0.0, 1000.0,
    "TGA and MCC samples weigh milligrams",
    low_open=True,
)  # fmt: skip

MAX_STEPS = 4
"""Most parallel steps fitted: polymers show one to three resolved DTG peaks, and more
steps than that are not determined by a TGA curve."""
