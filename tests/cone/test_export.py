"""Results as JSON: what `trinity simulate --json` prints must parse as strict JSON."""

import dataclasses
import json
import math

import numpy as np
import pytest

from engine.cone.export import result_record
from engine.cone.material import ConeMaterial
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate_one

PMMA = ConeMaterial.from_json(
    {
        "name": "PMMA",
        "density": 1200,
        "conductivity": 0.2,
        "specific_heat": 1600,
        "emissivity": 0.85,
        "absorption_coefficient": 2700,
        "reactions": [{"A": 8.5e12, "E": 1.88e5, "n": 1, "heat_of_reaction": 8.7e5}],
        "heat_of_combustion": 2.4e7,
    }
)


def _strict(text: str):
    """json.loads that refuses NaN and Infinity, which Python writes but JSON has not."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_a_run_that_does_not_ignite_is_valid_json():
    r = simulate_one(ConeScenario(PMMA, 5.0, 6.0, duration_s=60.0))
    assert r.ok and not r.ignited and math.isnan(r.metrics.tig_s)
    record = _strict(json.dumps(result_record(r)))
    assert record["ignited"] is False
    assert record["metrics"]["tig_s"] is None and record["metrics"]["flameout_s"] is None
    assert record["metrics"]["phrr_kw_m2"] == 0.0
    assert len(record["curves"]["hrr_kw_m2"]) == 61


def test_non_finite_metrics_and_curve_values_are_null():
    """A failed run, or an FDS run read back with a gap, can hold nan or inf anywhere;
    json.dumps would write NaN / Infinity, which strict readers (JavaScript, jq) refuse."""
    r = simulate_one(ConeScenario(PMMA, 50.0, 6.0, duration_s=60.0))
    hrr = r.hrr_kw_m2.copy()
    hrr[[3, 5]] = (np.nan, np.inf)
    metrics = dataclasses.replace(r.metrics, phrr_kw_m2=math.inf, ehc_mj_kg=-math.inf)
    broken = dataclasses.replace(r, hrr_kw_m2=hrr, metrics=metrics, status="failed")
    record = _strict(json.dumps(result_record(broken)))
    assert record["metrics"]["phrr_kw_m2"] is None and record["metrics"]["ehc_mj_kg"] is None
    assert record["metrics"]["tig_s"] == pytest.approx(r.tig_s)
    curve = record["curves"]["hrr_kw_m2"]
    assert curve[3] is None and curve[5] is None and curve[4] == pytest.approx(hrr[4])
    assert record["ignited"] is True and record["status"] == "failed"


def test_the_simulate_command_prints_strict_json_for_a_run_that_does_not_ignite(capsys):
    from engine.cli import main

    code = main(["simulate", "--smiles", "*CC(*)(C)C(=O)OC", "--flux", "3", "--thickness",
                 "6", "--json"])
    assert code == 0
    record = _strict(capsys.readouterr().out)
    assert record["ignited"] is False and record["metrics"]["tig_s"] is None
