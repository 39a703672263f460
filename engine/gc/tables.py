"""The group-contribution tables shipped in ``resources/gc``, read once.

Every table row carries a ``source``; a row without one is refused so that no
number enters an estimate without its publication (or the fit that made it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from engine.resources import resource_path


@dataclass(frozen=True)
class Constant:
    """A named constant of a method, with its unit and source."""

    value: float
    unit: str
    source: str


def _rows(name: str) -> list[dict[str, str]]:
    path = resource_path("gc", name)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise ValueError(f"{path}, line {line}: every row needs a source.")
    return rows


def table_rows(name: str) -> list[dict[str, str]]:
    """The rows of a ``resources/gc`` table as text, each checked to have a source."""
    return _rows(name)


@cache
def element_table(name: str, column: str) -> dict[str, float]:
    """``element → value`` from a per-element table such as ``vdw_volume.csv``."""
    return {row["element"]: float(row[column]) for row in _rows(name)}


@cache
def group_table(name: str, column: str) -> dict[str, float]:
    """``group → value`` from a per-group table such as ``char.csv``."""
    return {row["group"]: float(row[column]) for row in _rows(name)}


@cache
def constants() -> dict[str, Constant]:
    """Method constants and class defaults from ``constants.csv``."""
    return {
        row["name"]: Constant(float(row["value"]), row["unit"], row["source"])
        for row in _rows("constants.csv")
    }


def constant(name: str) -> float:
    return constants()[name].value
