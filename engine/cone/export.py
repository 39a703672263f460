"""A `ConeResult` as a table or a JSON-ready record (for the CLI, files and the GUI)."""

from __future__ import annotations

import math
from dataclasses import asdict

import pandas as pd

from engine.cone.result import ConeResult

CURVE_COLUMNS = (
    "time_s",
    "hrr_kw_m2",
    "mlr_g_m2s",
    "surface_temp_c",
    "back_temp_c",
    "mass_kg_m2",
)


def result_table(result: ConeResult) -> pd.DataFrame:
    """The curves, one row per output time."""
    return pd.DataFrame({name: getattr(result, name) for name in CURVE_COLUMNS})


def _number(value):
    """None for nan and ±inf: json.dumps writes them as NaN / Infinity, which is not JSON
    and which strict readers (JavaScript, jq) refuse; null is "undefined" there."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def result_record(result: ConeResult, *, curves: bool = True) -> dict:
    """Scenario, status, whether it ignited, metrics and, optionally, the curves, as strict
    JSON: a value that is not finite (t_ig of a run that does not ignite, a failed run's
    gap) is None."""
    scenario = result.scenario
    metrics = {k: _number(v) for k, v in asdict(result.metrics).items()}
    record = {
        "material": scenario.material.name,
        "heat_flux_kw_m2": scenario.heat_flux_kw_m2,
        "thickness_mm": scenario.thickness_mm,
        "flame_flux_kw_m2": scenario.flame_flux_kw_m2,
        "backing": scenario.backing,
        "status": result.status,
        "message": result.message,
        "ignited": bool(result.ignited),
        "metrics": metrics,
    }
    if curves:
        record["curves"] = {
            name: [_number(v) for v in getattr(result, name).tolist()] for name in CURVE_COLUMNS
        }
    return record
