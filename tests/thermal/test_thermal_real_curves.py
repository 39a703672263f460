"""Every real curve shipped in resources/data/thermal/curves/ is reproduced by its fit:
the peak of the measured rate (DTG, or HRR for MCC) within 5 K and, for TGA, the residue
within 0.02 of the initial mass."""

from pathlib import Path

import pytest

from engine.thermal.curves import TGA, read_curve
from engine.thermal.kinetics import fit_kinetics

CURVES = Path(__file__).resolve().parents[2] / "resources" / "data" / "thermal" / "curves"
FILES = sorted(CURVES.glob("*.csv")) if CURVES.is_dir() else []


@pytest.mark.skipif(not FILES, reason="no curve files in resources/data/thermal/curves yet")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fit_reproduces_peak_and_residue(path):
    curve = read_curve(path)
    fit = fit_kinetics([curve])
    (quality,) = fit.curves
    assert abs(quality.peak_error_k) <= 5.0, quality
    if curve.technique == TGA:
        assert abs(quality.residue_fitted - quality.residue_measured) <= 0.02, quality
