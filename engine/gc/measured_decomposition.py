"""Measured decomposition data: TGA and MCC peak temperatures and residues, one record each.

Collected from every shipped source that has them, each record naming its file:

- ``data/properties/measured_properties.csv``: NIST cone-db material files (TGA in N2 at
  10 K/min: peak and residue; MCC: peak temperature and its heating rate);
- ``data/properties/fsri_thermal_analysis.csv``: FSRI runs summarised by a data helper
  (DTG peak and residue at 10 K/min, MCC peak at 30 K/min);
- ``data/properties/pyrolysis_properties_umd.csv``: the UMD reaction chains run through a
  simulated 10 K/min TGA here (`simulate_tga`);
- ``data/thermal/curves/*.csv``: raw FSRI TGA and MCC runs in the project's curve format,
  reduced here by the rule of `dtg_peak` (a run already summarised in the FSRI table is
  taken from its curve only);
- ``data/thermal/literature.csv``: published TGA and MCC peak temperatures and char yields.

Only N2 (inert) runs are kept: a peak in air measures oxidation. Half-decomposition and
onset temperatures of the literature table are other quantities and are not read.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.constants import GAS_CONSTANT
from engine.resources import resources_root

#: Quantities of a record: a peak temperature (K) or a residue (kg/kg).
TGA_PEAK = "tga_peak_k"
MCC_PEAK = "mcc_peak_k"
RESIDUE = "residue"

MEASURED = "data/properties/measured_properties.csv"
FSRI = "data/properties/fsri_thermal_analysis.csv"
UMD = "data/properties/pyrolysis_properties_umd.csv"
CURVES = "data/thermal/curves"
LITERATURE = "data/thermal/literature.csv"

#: Names that mark a filled or reinforced grade: its residue and peak are not the polymer's.
_FILLED = re.compile(r"-GF\b|glass|filled|\bFR\b", re.IGNORECASE)


class ThermalRecordError(ValueError):
    """A thermal-analysis file that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class DecompositionRecord:
    """One measured decomposition value of one polymer.

    ``value`` is in K for the peak quantities and in kg/kg for ``residue``;
    ``neat`` is False for blends, copolymers of unstated composition and filled grades,
    which the fits leave out.
    """

    polymer: str
    smiles: str
    quantity: str
    value: float
    heating_rate_k_min: float
    source: str
    neat: bool


def _neat(polymer: str, smiles: str) -> bool:
    return "." not in smiles and not _FILLED.search(polymer)


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


def _record(polymer, smiles, quantity, value, rate, source) -> DecompositionRecord:
    return DecompositionRecord(
        polymer, smiles, quantity, float(value), float(rate), source, _neat(polymer, smiles)
    )


def _rows(relative: str) -> list[dict[str, str]]:
    """Rows of a shipped table; a table that other work has not written yet has none."""
    path = resources_root() / relative
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _nist_records() -> list[DecompositionRecord]:
    out = []
    for row in _rows(MEASURED):
        smiles, polymer = row["smiles"], row["polymer"]
        if not smiles:
            continue
        where = f"{MEASURED} ({row['material_id']})"
        tga = row["tga_atmosphere_heating_rate"]
        stated = re.search(r"([\d.]+)\s*K/min", tga)
        if "N2" in tga and stated:
            rate = float(stated.group(1))
            peak = _number(row["tga_T_peak_K"])
            if math.isfinite(peak):
                out.append(_record(polymer, smiles, TGA_PEAK, peak, rate, where))
            residue = _number(row["tga_residue_pct"])
            if math.isfinite(residue):
                out.append(_record(polymer, smiles, RESIDUE, residue / 100, rate, where))
        peak = _number(row["mcc_T_peak_K"])
        rate = _number(row["mcc_heating_rate_K_min"])
        if math.isfinite(peak) and math.isfinite(rate):
            out.append(_record(polymer, smiles, MCC_PEAK, peak, rate, where))
    return out


def _fsri_records() -> list[DecompositionRecord]:
    """TGA and MCC rows of the FSRI summary table."""
    out = []
    for row in _rows(FSRI):
        if row["atmosphere"] != "N2":
            continue
        where = f"{FSRI} ({row['source_path']}, commit {row['commit'][:7]})"
        rate = float(row["heating_rate_k_min"])
        material, smiles = row["material"], row["smiles"]
        if row["technique"] == "TGA":
            peak = _number(row["dtg_peak1_T_K"])
            if math.isfinite(peak):
                out.append(_record(material, smiles, TGA_PEAK, peak, rate, where))
            residue = _number(row["residue_fraction"])
            # A negative residue is balance drift (the HDPE run), not a measurement.
            if math.isfinite(residue) and residue >= 0:
                out.append(_record(material, smiles, RESIDUE, residue, rate, where))
        elif row["technique"] == "MCC":
            peak = _number(row["mcc_T_at_peak_C"])
            if math.isfinite(peak):
                out.append(_record(material, smiles, MCC_PEAK, peak + 273.15, rate, where))
    return out


# --- the project's curve files ---------------------------------------------------------


@dataclass(frozen=True)
class CurvePeak:
    """What one curve file shows: the main DTG (or HRR) peak and, for TGA, the residue."""

    material: str
    smiles: str
    technique: str
    atmosphere: str
    heating_rate_k_min: float
    peak_k: float
    residue: float | None
    source: str


def read_curve(path: Path) -> tuple[dict[str, str], np.ndarray, np.ndarray]:
    """Metadata, temperature (°C) and mass fraction or HRR of a curve file.

    The format is the project's (``#`` metadata lines, then ``temperature_c,time_s,``
    ``mass_fraction`` or ``hrr_w_g``).
    """
    meta: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    body = []
    for line in lines:
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    if len(body) < 10:
        raise ThermalRecordError(f"{path.name} holds fewer than 10 data rows; nothing to read.")
    header = [h.strip() for h in body[0].split(",")]
    for column in ("temperature_c",):
        if column not in header:
            raise ThermalRecordError(f"{path.name} has no temperature_c column.")
    signal = "mass_fraction" if "mass_fraction" in header else "hrr_w_g"
    if signal not in header:
        raise ThermalRecordError(f"{path.name} has neither a mass_fraction nor an hrr_w_g column.")
    t_col, s_col = header.index("temperature_c"), header.index(signal)
    rows = [line.split(",") for line in body[1:]]
    try:
        temps = np.array([float(r[t_col]) for r in rows])
        values = np.array([float(r[s_col]) for r in rows])
    except (ValueError, IndexError) as error:
        raise ThermalRecordError(f"{path.name}: a data row is not numbers ({error}).") from None
    meta["signal"] = signal
    return meta, temps, values


def dtg_peak(temps_c: np.ndarray, signal: np.ndarray, *, is_mass: bool) -> float:
    """Main peak temperature (°C) of a TGA or MCC run, by the project's stated rule.

    The signal is put on a 1 °C grid (linear interpolation, over the temperatures the
    rows span, sorted); for a mass curve the rate is −dw/dT (``numpy.gradient``), for MCC
    the HRR itself; a centred 5-point (5 °C) moving average follows and the peak is its
    argmax, i.e. the main mass-loss (or heat-release) peak when there are several.
    NaN when that maximum lies within 3 °C of either end of the rows: the run was read
    over a window that does not hold the peak.
    """
    order = np.argsort(temps_c, kind="stable")
    t, s = temps_c[order], signal[order]
    grid = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1, 1.0)
    on_grid = np.interp(grid, t, s)
    rate = -np.gradient(on_grid, grid) if is_mass else on_grid
    smooth = np.convolve(rate, np.ones(5) / 5, mode="same")
    smooth[:2] = smooth[-2:] = -np.inf  # the average is incomplete at the ends
    top = int(np.argmax(smooth))
    # A maximum on the first or last degrees read is the edge of the window, not a peak.
    return float(grid[top]) if 3 <= top < len(grid) - 3 else math.nan


def curve_peaks(folder: Path | None = None) -> list[CurvePeak]:
    """The peak (and residue) of every curve file in ``data/thermal/curves``."""
    folder = folder or resources_root() / CURVES
    out = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        meta, temps, values = read_curve(path)
        is_mass = meta["signal"] == "mass_fraction"
        try:
            rate = float(meta["heating_rate_k_min"])
        except (KeyError, ValueError):
            raise ThermalRecordError(f"{path.name} does not state heating_rate_k_min.") from None
        residue = float(values[np.argmax(temps)]) if is_mass else None
        out.append(
            CurvePeak(
                material=meta.get("material", path.stem),
                smiles=meta.get("smiles", ""),
                technique=meta.get("technique", "TGA" if is_mass else "MCC").upper(),
                atmosphere=meta.get("atmosphere", ""),
                heating_rate_k_min=rate,
                peak_k=dtg_peak(temps, values, is_mass=is_mass) + 273.15,
                residue=residue,
                source=f"{CURVES}/{path.name} ({meta.get('source', 'source not stated')})",
            )
        )
    return out


def _curve_records(peaks: list[CurvePeak]) -> list[DecompositionRecord]:
    out = []
    for c in peaks:
        if not c.smiles or c.atmosphere.upper() not in ("N2", "NITROGEN"):
            continue
        quantity = TGA_PEAK if c.technique == "TGA" else MCC_PEAK
        if math.isfinite(c.peak_k):
            out.append(
                _record(c.material, c.smiles, quantity, c.peak_k, c.heating_rate_k_min, c.source)
            )
        # A residue read where the balance drifted below zero is not a measurement.
        if c.residue is not None and c.residue >= 0:
            out.append(
                _record(c.material, c.smiles, RESIDUE, c.residue, c.heating_rate_k_min, c.source)
            )
    return out


def _literature_records() -> list[DecompositionRecord]:
    out = []
    for row in _rows(LITERATURE):
        quantity, smiles = row.get("quantity", ""), row.get("smiles", "")
        value, rate = _number(row.get("value")), _number(row.get("heating_rate_k_min"))
        atmosphere = (row.get("atmosphere") or "").strip().lower()
        if not smiles or not math.isfinite(value):
            continue
        where = f"{LITERATURE} ({row.get('source', '')}; {row.get('locator', '')})"
        inert = atmosphere in ("n2", "nitrogen", "inert", "argon", "ar", "he", "helium")
        if quantity in ("tga_peak_c", "mcc_peak_c") and inert and math.isfinite(rate):
            kind = TGA_PEAK if quantity == "tga_peak_c" else MCC_PEAK
            out.append(_record(row["polymer"], smiles, kind, value + 273.15, rate, where))
        elif quantity == "char_yield" and inert:
            fraction = value / 100 if row.get("unit", "").strip() in ("%", "wt%", "pct") else value
            out.append(_record(row["polymer"], smiles, RESIDUE, fraction, rate, where))
    return out


# --- UMD property sets through a simulated TGA -----------------------------------------


@dataclass(frozen=True)
class UmdStep:
    """One reaction of a UMD chain: component → gas + residue component."""

    component: str
    a: float
    e: float
    nu_gas: float
    nu_residue: float
    residue: str
    heat_of_reaction_j_kg: float
    conductivity: float
    absorption: float
    emissivity: float


@dataclass(frozen=True)
class TgaRun:
    """What a simulated TGA of a UMD chain shows."""

    peak_k: float
    residue: float
    dominant: UmdStep


def umd_chains() -> dict[str, list[UmdStep]]:
    """Reaction chains of the UMD sets, in file order, by polymer."""
    chains: dict[str, list[UmdStep]] = {}
    for row in _rows(UMD):
        k_first = float(row["conductivity_W_mK_vs_T_C"].split(";")[0].split(":")[1])
        chains.setdefault(row["polymer"], []).append(
            UmdStep(
                component=row["component"],
                a=float(row["A_1_s"]),
                e=float(row["E_J_mol"]),
                nu_gas=float(row["nu_gas"]),
                nu_residue=float(row["nu_residue"]),
                residue=row["residue"],
                heat_of_reaction_j_kg=float(row["heat_of_reaction_kJ_kg"]) * 1e3,
                conductivity=k_first,
                absorption=float(row["absorption_coefficient_1_m"]),
                emissivity=float(row["emissivity"]),
            )
        )
    return chains


def umd_smiles() -> dict[str, str]:
    return {row["polymer"]: row["smiles"] for row in _rows(UMD)}


def simulate_tga(chain: list[UmdStep], rate_k_s: float = 10.0 / 60.0) -> TgaRun:
    """Run a chain of first-order steps (each feeding the next) through a linear ramp."""
    from scipy.integrate import solve_ivp  # a second of import time; only fits need it

    t0, t_end = 300.0, 1100.0

    def rates(temp: float, y: np.ndarray) -> np.ndarray:
        return np.array(
            [
                s.a * max(y[i], 0.0) * math.exp(-s.e / (GAS_CONSTANT * temp))
                for i, s in enumerate(chain)
            ]
        )

    residue_yield = np.array([s.nu_residue for s in chain])

    def rhs(temp: float, y: np.ndarray) -> np.ndarray:
        # y holds the chain's components, then the inert residue of the last step.
        r = rates(temp, y)
        dy = np.zeros_like(y)
        dy[:-1] -= r
        dy[1:] += r * residue_yield
        return dy / rate_k_s

    temps = np.linspace(t0, t_end, 8001)
    y0 = np.zeros(len(chain) + 1)
    y0[0] = 1.0
    sol = solve_ivp(rhs, (t0, t_end), y0, method="LSODA", t_eval=temps, rtol=1e-8, atol=1e-12)
    gas = np.array([[s.nu_gas for s in chain]]).T
    mlr = (gas * np.array([rates(t, sol.y[:, i]) for i, t in enumerate(temps)]).T).sum(axis=0)
    peak = int(np.argmax(mlr))
    contrib = gas[:, 0] * rates(temps[peak], sol.y[:, peak])
    residue = float(sol.y[:, -1].sum())
    return TgaRun(float(temps[peak]), residue, chain[int(np.argmax(contrib))])


def _umd_records() -> list[DecompositionRecord]:
    smiles = umd_smiles()
    out = []
    for polymer, chain in umd_chains().items():
        run = simulate_tga(chain)
        where = f"{UMD} ({polymer}, reaction chain run through a simulated 10 K/min TGA)"
        out.append(_record(polymer, smiles[polymer], TGA_PEAK, run.peak_k, 10.0, where))
        out.append(_record(polymer, smiles[polymer], RESIDUE, run.residue, 10.0, where))
    return out


#: A raw file of the FSRI database, as sources name it.
_RAW_FILE = re.compile(r"01_Data/[^\s,;'\")]+")


def load_records() -> list[DecompositionRecord]:
    """Every decomposition record of the shipped data, blends and filled grades included.

    One raw run gives one record per quantity: the FSRI curve files, the FSRI summary
    table and the literature table sometimes read the same raw file, and the first of
    them (in that order) is kept, so no run is counted twice in a polymer's mean.
    """
    ordered = (
        _curve_records(curve_peaks())
        + _fsri_records()
        + _nist_records()
        + _umd_records()
        + _literature_records()
    )
    seen: set[tuple[str, str]] = set()
    out = []
    for record in ordered:
        raw = _RAW_FILE.search(record.source)
        key = (raw.group(0), record.quantity) if raw else None
        if key in seen:
            continue
        if key:
            seen.add(key)
        out.append(record)
    return out
