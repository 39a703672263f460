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


def result_record(result: ConeResult, *, curves: bool = True) -> dict:
    """Scenario, status, metrics (nan → None) and, optionally, the curves."""
    scenario = result.scenario
    metrics = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in asdict(result.metrics).items()
    }
    record = {
        "material": scenario.material.name,
        "heat_flux_kw_m2": scenario.heat_flux_kw_m2,
        "thickness_mm": scenario.thickness_mm,
        "flame_flux_kw_m2": scenario.flame_flux_kw_m2,
        "backing": scenario.backing,
        "status": result.status,
        "message": result.message,
        "ignited": result.ignited,
        "metrics": metrics,
    }
    if curves:
        record["curves"] = {name: getattr(result, name).tolist() for name in CURVE_COLUMNS}
    return record
