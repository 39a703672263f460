"""One cone calorimeter test to simulate: material, exposure, sample and boundary settings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.cone.material import ConeMaterial
from engine.quantities import (
    CONDUCTIVITY,
    DENSITY,
    FLAME_FLUX,
    HEAT_FLUX,
    SPECIFIC_HEAT,
    THICKNESS,
    Limit,
    QuantityError,
)

BACKINGS = ("insulated", "blanket")
IGNITION_CRITERIA = ("mass_flux", "temperature")
MAX_DURATION_S = 1800.0
"""Run length when none is given and the sample does not burn out (30 min, ISO 5660 limit)."""


class ScenarioError(ValueError):
    """A scenario field outside its meaningful range, with a one-sentence reason."""


@dataclass(frozen=True)
class BlanketBacking:
    """Ceramic-fibre blanket behind the sample, back face insulated.

    The numbers are project defaults typical of a 128 kg/m³ alumina-silica blanket
    near 300 °C (not values mandated by ISO 5660 / ASTM E1354); change them to match
    the holder actually used.
    """

    thickness_mm: float = 25.0
    density: float = 128.0
    conductivity: float = 0.06
    specific_heat: float = 1000.0

    def __post_init__(self) -> None:
        for name, limit in (("thickness_mm", THICKNESS), ("density", DENSITY),
                            ("conductivity", CONDUCTIVITY), ("specific_heat", SPECIFIC_HEAT)):
            _within(limit, getattr(self, name), f"blanket {name}")


@dataclass(frozen=True)
class ConeScenario:
    """A horizontal sample under the cone heater (PHYSICS.md §4).

    duration_s None runs until burnout (reactive mass below 0.1 % of the initial
    mass, then on until the mass-loss rate is below 0.1 % of its peak, so the curve ends
    where the burning does) or MAX_DURATION_S; a number runs exactly that long.
    """

    material: ConeMaterial
    heat_flux_kw_m2: float
    thickness_mm: float
    flame_flux_kw_m2: float = 20.0
    backing: str = "insulated"
    blanket: BlanketBacking = field(default_factory=BlanketBacking)
    h_w_m2k: float = 10.0
    ambient_c: float = 20.0
    ignition: str = "mass_flux"
    critical_mass_flux_g_m2s: float = 1.0
    ignition_temperature_c: float | None = None
    combustion_efficiency: float = 1.0
    duration_s: float | None = None
    output_interval_s: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.material, ConeMaterial):
            raise ScenarioError("material must be a ConeMaterial.")
        _within(HEAT_FLUX, self.heat_flux_kw_m2, "heat_flux_kw_m2")
        _within(THICKNESS, self.thickness_mm, "thickness_mm")
        _within(FLAME_FLUX, self.flame_flux_kw_m2, "flame_flux_kw_m2")
        _nonnegative(self.h_w_m2k, "h_w_m2k")
        if not (math.isfinite(self.ambient_c) and -273.15 < self.ambient_c < 1000):
            raise ScenarioError(
                f"ambient_c must lie between -273.15 and 1000, not {self.ambient_c}."
            )
        if self.backing not in BACKINGS:
            raise ScenarioError(f"backing must be one of {BACKINGS}, not {self.backing!r}.")
        if self.ignition not in IGNITION_CRITERIA:
            raise ScenarioError(
                f"ignition must be one of {IGNITION_CRITERIA}, not {self.ignition!r}."
            )
        _positive(self.critical_mass_flux_g_m2s, "critical_mass_flux_g_m2s")
        if self.ignition == "temperature":
            t_ig = self.ignition_temperature_c
            if t_ig is None or not (math.isfinite(t_ig) and t_ig > self.ambient_c):
                raise ScenarioError(
                    "ignition 'temperature' needs ignition_temperature_c above ambient_c."
                )
        if not (0 <= self.combustion_efficiency <= 1):
            raise ScenarioError(
                f"combustion_efficiency must lie in [0, 1], not {self.combustion_efficiency}."
            )
        _positive(self.output_interval_s, "output_interval_s")
        if self.duration_s is not None:
            _positive(self.duration_s, "duration_s")
            if self.duration_s < self.output_interval_s:
                raise ScenarioError("duration_s must be at least one output_interval_s.")

    @property
    def end_time_s(self) -> float:
        return MAX_DURATION_S if self.duration_s is None else float(self.duration_s)


def _within(limit: Limit, value: float, name: str) -> None:
    """The accepted range of `engine.quantities`: the solver's cost and validity end there."""
    try:
        limit.check(value, name)
    except QuantityError as error:
        raise ScenarioError(str(error)) from None


def _positive(value: float, name: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ScenarioError(f"{name} must be a positive number, not {value!r}.")


def _nonnegative(value: float, name: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ScenarioError(f"{name} must be zero or a positive number, not {value!r}.")
