"""What one simulated cone test returns: curves on the output interval and their metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.cone.metrics import CurveMetrics
from engine.cone.scenario import ConeScenario

STATUS_OK = "ok"
STATUS_FAILED = "failed"


@dataclass(frozen=True, eq=False)
class ConeResult:
    """Instantaneous values at t = 0, Δt, 2Δt, … (like FDS devices with TIME_AVERAGED=F).

    mlr_g_m2s is the fuel-gas mass flux averaged over the solver step ending at each
    output time; stored_heat_kj_m2 is the sensible heat of the sample (and backing)
    above ambient, kept so that energy balances can be checked from outside.
    A failed run (status "failed") carries the curves up to the failure and a message
    instead of raising, so one bad scenario does not sink a batch.
    """

    scenario: ConeScenario
    time_s: np.ndarray
    hrr_kw_m2: np.ndarray
    mlr_g_m2s: np.ndarray
    surface_temp_c: np.ndarray
    back_temp_c: np.ndarray
    mass_kg_m2: np.ndarray
    stored_heat_kj_m2: np.ndarray
    metrics: CurveMetrics
    ignited: bool
    tig_s: float
    status: str = STATUS_OK
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK
