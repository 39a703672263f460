"""Heat release rate from a cone calorimeter's gas analysis, by oxygen consumption.

The equations are those of ISO 5660-1:2015 (Annex F) and ASTM E1354-23, in the general
form of Janssens (Fire and Materials 15 (1991) 151–167) that takes O2 alone, O2 with
CO2, or O2 with CO2 and CO (mole fractions from analysers that see dried gas):

- duct mass flow from the orifice plate: ṁe = C √(Δp / Te)  (C the calibrated C-factor,
  Δp the orifice pressure difference in Pa, Te the stack temperature in K);
- ambient oxygen including water vapour: X_O2^a = (1 − X_H2O^0) X_O2^0, with
  X_H2O^0 = RH/100 · p_s(Ta)/p_a and ln p_s = 23.2 − 3816/(Ta − 46) (ISO 5660-1, Pa, K);
- oxygen depletion factor φ:
  O2 only           φ = (X_O2^0 − X_O2) / (X_O2^0 (1 − X_O2)),
  O2 + CO2          φ = (X_O2^0 (1 − X_CO2) − X_O2 (1 − X_CO2^0)) / (X_O2^0 (1 − X_CO2 − X_O2)),
  O2 + CO2 + CO     φ = (X_O2^0 (1 − X_CO2 − X_CO) − X_O2 (1 − X_CO2^0))
                        / (X_O2^0 (1 − X_CO2 − X_CO − X_O2));
- q̇ = 1.10 E X_O2^a ṁe [φ − 0.172 (1 − φ) X_CO / X_O2] / [(1 − φ) + 1.105 φ]
  (1.10 = M_O2/M_air; E = 13.1 MJ per kg of O2 unless the file states its own;
  1.105 the expansion factor α for an average fuel; 0.172 = (E_CO − E)/E / 2 with
  E_CO = 17.6 MJ/kg; the CO term only when CO is measured).

Each analyser's delay is applied by reading its signal that many seconds later; the
baselines X^0 are the means over the period before the specimen is inserted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Heat released per kg of oxygen consumed, average of fuels (Huggett 1980), kJ/kg.
E_DEFAULT_KJ_KG = 13_100.0
#: M_O2 / M_air (32.0 / 28.97), ISO 5660-1.
MASS_RATIO_O2_AIR = 1.10
#: Expansion factor α of the combustion products for an average fuel, ISO 5660-1.
EXPANSION = 1.105
#: (E_CO − E) / E / 2 with E_CO = 17.6 MJ/kg of O2 (Janssens 1991; ISO 5660-1 Annex F).
CO_CORRECTION = 0.172
#: Baseline used when the file gives no insertion time: the first samples of the file.
FALLBACK_BASELINE_SAMPLES = 10


class GasAnalysisError(ValueError):
    """The gas analysis cannot give a heat release rate; one sentence says why."""


@dataclass(frozen=True)
class GasAnalysis:
    """Raw signals of one test on the file's clock (s), gas as mole fractions."""

    time_s: np.ndarray
    o2: np.ndarray
    co2: np.ndarray | None = None
    co: np.ndarray | None = None
    #: duct mass flow (kg/s) where the file gives it; else from c_factor, Δp and Te
    mass_flow_kg_s: np.ndarray | None = None
    orifice_dp_pa: np.ndarray | None = None
    stack_temperature_k: np.ndarray | None = None
    c_factor: float | None = None
    delays_s: tuple[float, float, float] = (0.0, 0.0, 0.0)  # O2, CO2, CO
    insertion_s: float | None = None
    e_kj_kg: float = E_DEFAULT_KJ_KG
    ambient_temperature_k: float | None = None
    ambient_pressure_pa: float | None = None
    relative_humidity: float | None = None  # per cent

    @property
    def species(self) -> str:
        """'O2', 'O2 + CO2' or 'O2 + CO2 + CO': which equation applies."""
        if self.co2 is None:
            return "O2"
        return "O2 + CO2 + CO" if self.co is not None else "O2 + CO2"


def water_mole_fraction(temperature_k: float, pressure_pa: float, rh_percent: float) -> float:
    """Ambient water vapour mole fraction, ISO 5660-1's saturation pressure formula."""
    saturation_pa = math.exp(23.2 - 3816.0 / (temperature_k - 46.0))
    return rh_percent / 100.0 * saturation_pa / pressure_pa


def heat_release_rate_kw(gas: GasAnalysis) -> tuple[np.ndarray, str]:
    """q̇ (kW) on ``gas.time_s`` and a sentence saying how it was computed."""
    t = np.asarray(gas.time_s, float)
    if len(t) < FALLBACK_BASELINE_SAMPLES + 2:
        raise GasAnalysisError("The gas analysis has too few samples for a baseline.")
    flow = _mass_flow(gas)

    def aligned(signal: np.ndarray, delay: float) -> np.ndarray:
        return np.interp(t + delay, t, np.asarray(signal, float))

    delay_o2, delay_co2, delay_co = gas.delays_s
    o2 = aligned(gas.o2, delay_o2)
    co2 = aligned(gas.co2, delay_co2) if gas.co2 is not None else None
    co = aligned(gas.co, delay_co) if gas.co is not None else None
    if gas.insertion_s is not None and (t < gas.insertion_s).sum() >= 3:
        before = t < gas.insertion_s
        baseline = f"baseline over the {before.sum()} samples before insertion"
    else:
        before = np.arange(len(t)) < FALLBACK_BASELINE_SAMPLES
        baseline = (f"baseline over the first {FALLBACK_BASELINE_SAMPLES} samples (the file "
                    "gives no insertion time)")
    o2_0 = float(np.nanmean(o2[before]))
    if not 0.15 < o2_0 < 0.22:
        raise GasAnalysisError(
            f"The oxygen baseline is {o2_0:.4f}, not ambient air (about 0.2095); check that "
            "the O2 column is a fraction or per cent of dry gas."
        )
    ambient = o2_0
    humidity = "dry ambient air assumed"
    if None not in (gas.ambient_temperature_k, gas.ambient_pressure_pa, gas.relative_humidity):
        water = water_mole_fraction(gas.ambient_temperature_k, gas.ambient_pressure_pa,
                                    gas.relative_humidity)
        ambient = (1.0 - water) * o2_0
        humidity = f"ambient water {water:.4f} mol/mol"
    if co2 is None:
        phi = (o2_0 - o2) / (o2_0 * (1.0 - o2))
        co_term = 0.0
    else:
        co2_0 = float(np.nanmean(co2[before]))
        co_now = np.zeros_like(o2) if co is None else co - float(np.nanmean(co[before]))
        phi = ((o2_0 * (1.0 - co2 - co_now) - o2 * (1.0 - co2_0))
               / (o2_0 * (1.0 - co2 - co_now - o2)))
        co_term = CO_CORRECTION * (1.0 - phi) * co_now / o2 if co is not None else 0.0
    hrr = (MASS_RATIO_O2_AIR * gas.e_kj_kg * ambient * flow * (phi - co_term)
           / ((1.0 - phi) + EXPANSION * phi))
    how = (f"oxygen consumption ({gas.species}; E = {gas.e_kj_kg / 1000:g} MJ/kg; delays "
           f"{delay_o2:g}/{delay_co2:g}/{delay_co:g} s; {baseline}; {humidity})")
    return hrr, how


def _mass_flow(gas: GasAnalysis) -> np.ndarray:
    if gas.mass_flow_kg_s is not None:
        return np.asarray(gas.mass_flow_kg_s, float)
    missing = [name for name, value in (("C-factor", gas.c_factor),
                                         ("orifice pressure difference", gas.orifice_dp_pa),
                                         ("stack temperature", gas.stack_temperature_k))
               if value is None]
    if missing:
        raise GasAnalysisError(
            "The duct mass flow needs a mass flow column, or the C-factor, orifice pressure "
            f"difference and stack temperature; the file lacks the {', '.join(missing)}."
        )
    dp = np.clip(np.asarray(gas.orifice_dp_pa, float), 0.0, None)
    return gas.c_factor * np.sqrt(dp / np.asarray(gas.stack_temperature_k, float))
