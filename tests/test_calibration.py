"""Intervals and corrections as a model file carries them (engine.calibration)."""

import json
import math

import numpy as np
import pytest

from engine.calibration import (
    MODEL,
    PHYSICS,
    TARGETS,
    Band,
    Calibration,
    TargetCorrection,
    weighted_quantile,
)


def test_weighted_quantile_counts_each_value_with_its_weight():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(values, np.ones(4), 0.5) == 2.0
    assert weighted_quantile(values, np.ones(4), 0.75) == 3.0
    # one heavy value carries most of the mass
    assert weighted_quantile(values, np.array([1, 1, 1, 97.0]), 0.1) == 4.0
    assert weighted_quantile(values[::-1], np.ones(4), 1.0) == 4.0


def test_band_widens_by_the_finite_sample_factor_and_refuses_a_bad_level():
    residuals = tuple(np.linspace(0.01, 1.0, 100))
    band = Band("tig_s", residuals, (1.0,) * 100, polymers=10)
    # level 0.8 is read at 0.8 · (1 + 1/10) = 0.88 of the held-out errors
    assert band.half_width(0.8) == pytest.approx(0.88, abs=0.011)
    assert band.half_width(0.5) < band.half_width(0.8) < band.half_width(0.95)
    with pytest.raises(ValueError, match="between 0 and 1"):
        band.half_width(1.2)
    assert math.isinf(Band("tig_s", (), (), 0).half_width(0.8))


def test_no_correction_is_the_physics_and_a_correction_scales_it():
    physics = np.array([100.0, 400.0])
    flux, thickness = np.array([50.0, 50.0]), np.array([6.0, 6.0])
    none = TargetCorrection("phrr_kw_m2", None, ())
    assert np.array_equal(none.apply(physics, flux, thickness), physics)
    doubled = TargetCorrection("phrr_kw_m2", 1.0, (math.log(2.0), 0.0, 0.0, 0.0))
    assert np.allclose(doubled.apply(physics, flux, thickness), 2 * physics)


def _calibration() -> Calibration:
    bands = {t: Band(t, (0.1, 0.2, 0.3), (1.0, 1.0, 1.0), 3) for t in TARGETS}
    corrections = {t: TargetCorrection(t, None, ()) for t in TARGETS}
    summary = {"polymers": 3, "nan": math.nan}
    return Calibration(dict.fromkeys(TARGETS, PHYSICS), corrections, bands, 0.8, summary)


def test_calibration_round_trips_through_valid_json():
    record = json.loads(json.dumps(_calibration().to_json(), allow_nan=False))
    again = Calibration.from_json(record)
    assert again.methods == dict.fromkeys(TARGETS, PHYSICS)
    assert again.bands["tig_s"].half_width(0.5) == _calibration().bands["tig_s"].half_width(0.5)
    assert record["summary"]["nan"] is None


@pytest.mark.parametrize(
    "damage, match",
    [
        (lambda r: r.update(version=99), "version 99"),
        (lambda r: r["methods"].pop("tig_s"), "damaged"),
        (lambda r: r["methods"].update(tig_s="magic"), "damaged"),
        (lambda r: r.pop("bands"), "damaged"),
    ],
)
def test_a_damaged_calibration_is_one_sentence(damage, match):
    record = _calibration().to_json()
    damage(record)
    with pytest.raises(ValueError, match=match):
        Calibration.from_json(record)


def test_the_learnt_model_is_a_method_a_calibration_may_name():
    record = _calibration().to_json()
    record["methods"]["tig_s"] = MODEL
    assert Calibration.from_json(record).methods["tig_s"] == MODEL
