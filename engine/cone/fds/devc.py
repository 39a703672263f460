"""FDS device output (`CHID_devc.csv`) read back into the builtin solver's ConeResult.

FDS writes devices at roughly DT_DEVC (a sample can land a step late, 0.55 s instead
of 0.5 s), so the curves are interpolated onto the scenario's fixed output grid. The
HRRPUA device reports burning rate × heat of combustion from the first molecule of
fuel; the builtin model counts heat only after ignition, so HRR is zeroed before t_ig.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.cone.fds.writer import INTERFACE_DEVICE
from engine.cone.metrics import curve_metrics, first_crossing
from engine.cone.result import ConeResult
from engine.cone.scenario import ConeScenario


class FdsOutputError(ValueError):
    """A device file that lacks what the reader needs, with a one-sentence reason."""


@dataclass(frozen=True)
class DeviceRecord:
    """The raw columns of a devc file: name → values, with the units FDS gave."""

    time_s: np.ndarray
    columns: dict[str, np.ndarray]
    units: dict[str, str]


_REQUIRED = ("HRRPUA", "MLR", "TS", "TBACK", "MPUA")


def read_devc_csv(path: str | Path) -> DeviceRecord:
    """Parse the two header lines (units, then names) and the numeric rows."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            units = _split(handle.readline())
            names = _split(handle.readline())
            rows = np.loadtxt(handle, delimiter=",", ndmin=2)
    except OSError as exc:
        raise FdsOutputError(f"cannot read FDS device file {path}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise FdsOutputError(f"{path} is not an FDS device file ({exc}).") from exc
    if not names or names[0].upper() != "TIME" or rows.shape[1] != len(names):
        raise FdsOutputError(f"{path} does not start with the FDS units and names header lines.")
    columns = {name: rows[:, i] for i, name in enumerate(names)}
    return DeviceRecord(rows[:, 0], columns, dict(zip(names, units, strict=False)))


def read_fds_devc(path: str | Path, scenario: ConeScenario) -> ConeResult:
    """The ConeResult of an FDS run of `scenario` from its devc file.

    t_ig is the linearly interpolated first crossing of the scenario's criterion
    (burning rate or surface temperature) in the device record, the definition the
    builtin solver and the shared README use. FDS gives no stored heat: it is nan.
    """
    record = read_devc_csv(path)
    missing = [name for name in _REQUIRED if name not in record.columns]
    if missing:
        raise FdsOutputError(f"{path} lacks the device(s) {', '.join(missing)}.")
    raw_t, col = record.time_s, record.columns
    if scenario.ignition == "temperature":
        tig = first_crossing(raw_t, col["TS"], float(scenario.ignition_temperature_c or 0.0))
    else:
        tig = first_crossing(raw_t, col["MLR"] * 1e3, scenario.critical_mass_flux_g_m2s)
    ignited = not math.isnan(tig)

    step = scenario.output_interval_s
    time = np.arange(math.floor(raw_t[-1] / step + 1e-9) + 1) * step

    def grid(values: np.ndarray) -> np.ndarray:
        return np.interp(time, raw_t, values)

    hrr = grid(col["HRRPUA"])
    hrr[~(time >= tig)] = 0.0
    mass = grid(col["MPUA"])
    back = col["TBACK"]
    if scenario.backing == "blanket":
        blanket = scenario.blanket
        mass = mass - blanket.density * blanket.thickness_mm * 1e-3
        back = col.get(INTERFACE_DEVICE, back)
    metrics = curve_metrics(
        time,
        hrr,
        mass_loss_kg_m2=float(mass[0] - mass[-1]),
        tig_s=tig,
    )
    return ConeResult(
        scenario=scenario,
        time_s=time,
        hrr_kw_m2=hrr,
        mlr_g_m2s=grid(col["MLR"]) * 1e3,
        surface_temp_c=grid(col["TS"]),
        back_temp_c=grid(back),
        mass_kg_m2=mass,
        stored_heat_kj_m2=np.full(time.shape, np.nan),
        metrics=metrics,
        ignited=ignited,
        tig_s=tig,
    )


def _split(line: str) -> list[str]:
    return [cell.strip().strip('"') for cell in line.rstrip("\r\n").split(",")]
