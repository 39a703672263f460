"""Experimental cone data shipped with Trinity (``resources/data/cone``).

The table and its provenance come from ``resources/data/cone/SOURCES.md``; one row per
test, with the polymer's repeat-unit SMILES where the material is a known polymer.
"""

from __future__ import annotations

import pandas as pd

from engine.resources import resource_path


def shipped_tests(*, included_only: bool = True) -> pd.DataFrame:
    """The shipped test table; by default only rows marked ``include=yes``."""
    table = pd.read_csv(resource_path("data", "cone", "tests.csv"))
    if included_only:
        table = table[table["include"] == "yes"]
    return table.reset_index(drop=True)


def shipped_polymers() -> dict[str, str]:
    """``polymer name → SMILES`` for every shipped polymer that has a structure."""
    table = shipped_tests(included_only=False)
    table = table[table["smiles"].notna()]
    return dict(zip(table["polymer"], table["smiles"], strict=True))
