"""The reduced-order FDS input of a cone scenario (PHYSICS.md §5).

The form is that of ../shared/data/fds/*/PMMA_50_*.fds: one wall cell on a trivial
mesh with the gas phase switched off (SOLID_PHASE_ONLY), the sample SURF under an
EXTERNAL_FLUX, and a latched ignition detector whose time drives a RAMP that adds
the flame flux after ignition, since there is no flame to supply it. The REAC fuel
exists only so that FDS reports HRRPUA = burning rate × heat of combustion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from engine.cone.material import Component, ConeMaterial, Property
from engine.cone.scenario import ConeScenario
from engine.constants import GAS_CONSTANT

SAMPLE_SURF_ID = "SAMPLE"
BLANKET_MATL_ID = "BLANKET"
FLUX_RAMP_ID = "EF"
FLAME_RAMP_SECONDS = 1.0
"""The flame flux rises linearly over this long after ignition, as in the shared examples."""

_WALL = "XYZ=0.0,0.0,0.0, IOR=3, TIME_AVERAGED=F"
_POINT = "XYZ=0.0,0.0,0.1"
WALL_DEVICES = (
    ("HRRPUA", "HRRPUA"),
    ("MLR", "BURNING RATE"),
    ("TS", "WALL TEMPERATURE"),
    ("TBACK", "BACK WALL TEMPERATURE"),
    ("THICK", "WALL THICKNESS"),
    ("MPUA", "SURFACE DENSITY"),
    ("QNET", "TOTAL HEAT FLUX"),
    ("QRAD", "RADIATIVE HEAT FLUX"),
    ("QCONV", "CONVECTIVE HEAT FLUX"),
    ("QINC", "INCIDENT HEAT FLUX"),
    ("EMIS", "EMISSIVITY"),
)
"""(DEVC ID, QUANTITY) recorded at the sample for every scenario."""
INTERFACE_DEVICE = "TINT"
"""Sample/blanket interface temperature, the builtin solver's back temperature."""


@dataclass(frozen=True)
class FuelSurrogate:
    """The &REAC fuel: a name and formula FDS needs; with no gas phase only its name is used.

    The default is a neutral CH2 unit; pass the real pyrolysate (MMA C5H8O2 for PMMA)
    when the input should read naturally or match an existing one.
    """

    name: str = "PYROLYZATE"
    carbon: float = 1.0
    hydrogen: float = 2.0
    oxygen: float = 0.0
    nitrogen: float = 0.0
    soot_yield: float = 0.0

    @property
    def specific_heat(self) -> float:
        """J/kg/K FDS gives this fuel gas: an ideal gas with γ = 1.4, cp = γ/(γ−1)·R/W."""
        w = (12.011 * self.carbon + 1.008 * self.hydrogen + 15.999 * self.oxygen
             + 14.007 * self.nitrogen) / 1000.0
        return 3.5 * GAS_CONSTANT / w


def write_fds_input(
    scenario: ConeScenario,
    chid: str,
    *,
    title: str | None = None,
    fuel: FuelSurrogate | None = None,
    cell_size_mm: float = 0.2,
    time_step_s: float = 0.05,
    output_interval_s: float | None = None,
) -> str:
    """The FDS input text; outputs every `output_interval_s` (default: the scenario's).

    The heat of combustion written is χ·ΔH_c, so that FDS's HRRPUA is the builtin HRR.
    FDS runs to the scenario's end time: it has no burnout stop.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,60}", chid):
        raise ValueError(f"CHID {chid!r} must be 1-60 letters, digits, '_', '.' or '-'.")
    # FDS adds the flame flux by scaling EXTERNAL_FLUX, which needs a cone flux above 0:
    # `ConeScenario` accepts no other.
    flame = scenario.flame_flux_kw_m2 > 0
    fuel = fuel or FuelSurrogate()
    _check_heat_of_reaction(scenario.material, fuel)
    interval = scenario.output_interval_s if output_interval_s is None else output_interval_s
    material = scenario.material
    hoc_kj_kg = (
        material.heat_of_combustion
        * material.combustion_efficiency
        * scenario.combustion_efficiency
        / 1e3
    )
    ids = matl_ids(scenario.material)
    lines = [
        _record("HEAD", f"CHID='{chid}', TITLE='{_text(title or default_title(scenario))}'"),
        "&MESH IJK=3,3,3, XB=-0.15,0.15,-0.15,0.15,0.0,0.3 /  trivial mesh; gas phase switched off",
        _record(
            "TIME", f"T_END={_num(scenario.end_time_s)}, DT={_num(time_step_s)}, WALL_INCREMENT=1"
        ),
        _record("MISC", f"SOLID_PHASE_ONLY=T, TMPA={_num(scenario.ambient_c)}"),
        _record("DUMP", f"DT_DEVC={_num(interval)}, SIG_FIGS=6"),
        _record(
            "REAC",
            f"FUEL='{_text(fuel.name)}', C={_num(fuel.carbon)}, H={_num(fuel.hydrogen)}, "
            + (f"O={_num(fuel.oxygen)}, " if fuel.oxygen else "")
            + (f"N={_num(fuel.nitrogen)}, " if fuel.nitrogen else "")
            + f"HEAT_OF_COMBUSTION={_num(hoc_kj_kg)}, SOOT_YIELD={_num(fuel.soot_yield)}",
            "gas-phase surrogate; used only for HRRPUA = MLR*HoC output",
        ),
    ]
    for index, component in enumerate(scenario.material.components):
        lines += _property_ramps(component, ids[index])
        lines.append(_matl(scenario.material, index, ids, fuel.name, hoc_kj_kg))
    if scenario.backing == "blanket":
        b = scenario.blanket
        lines.append(
            _block(
                "MATL",
                f"ID='{BLANKET_MATL_ID}'",
                f"DENSITY={_num(b.density)}",
                f"CONDUCTIVITY={_num(b.conductivity)}",
                f"SPECIFIC_HEAT={_num(b.specific_heat / 1e3)}",
                "EMISSIVITY=1",
            )
        )
    lines.append(_surf(scenario, ids[0], cell_size_mm, flame))
    lines += [
        _record(
            "VENT",
            f"XB=-0.05,0.05,-0.05,0.05,0.0,0.0, SURF_ID='{SAMPLE_SURF_ID}'",
            "0.1 m x 0.1 m sample = one wall cell",
        ),
        *(_record("VENT", f"MB='{mb}', SURF_ID='OPEN'") for mb in _OPEN_SIDES),
        *(_record("DEVC", f"ID='{i}', {_WALL}, QUANTITY='{q}'") for i, q in WALL_DEVICES),
    ]
    if scenario.backing == "blanket":
        depth = -scenario.blanket.thickness_mm * 1e-3
        lines.append(
            _record(
                "DEVC",
                f"ID='{INTERFACE_DEVICE}', {_WALL}, QUANTITY='INSIDE WALL TEMPERATURE', "
                f"DEPTH={_num(depth)}",
                "negative DEPTH counts from the back: the inert blanket keeps its thickness",
            )
        )
    if flame:
        lines += _ignition_latch(scenario)
    lines.append("&TAIL /")
    return "\n".join(lines) + "\n"


def _check_heat_of_reaction(material: ConeMaterial, fuel: FuelSurrogate) -> None:
    """FDS adjusts heats of reaction by Kirchhoff's law with its own fuel-gas c_p.

    A material without a gas specific heat keeps its heat of reaction constant, which
    FDS does with ADJUST_H=.FALSE.; one with a gas specific heat must name the same c_p
    FDS will use for the fuel, and leave the reference temperature at FDS's default
    (FDS's REFERENCE_TEMPERATURE would also recompute A and E).
    """
    if material.gas_specific_heat is None:
        return
    if not math.isclose(material.gas_specific_heat, fuel.specific_heat, rel_tol=1e-3):
        raise ValueError(
            f"FDS gives the fuel gas {fuel.name} a specific heat of {fuel.specific_heat:.1f} "
            f"J/kg/K, not the material's {material.gas_specific_heat:.1f}; pass the fuel "
            "formula that matches, or set gas_specific_heat to that value."
        )
    if any(r.reference_temperature is not None for r in material.reactions):
        raise ValueError(
            "FDS's REFERENCE_TEMPERATURE would also recompute A and E; leave the reactions' "
            "reference_temperature unset for an FDS run."
        )


def default_title(scenario: ConeScenario) -> str:
    flame = "with flame flux" if scenario.flame_flux_kw_m2 > 0 else "no flame flux"
    return (
        f"{scenario.material.name} {_num(scenario.thickness_mm)} mm, "
        f"{_num(scenario.heat_flux_kw_m2)} kW/m2 cone, solid phase only, {flame}"
    )


def matl_ids(material: ConeMaterial) -> list[str]:
    """One FDS MATL ID per component: its name made ID-safe and unique."""
    ids: list[str] = []
    for component in material.components:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", component.name).strip("_") or "MATL"
        candidate, n = base, 2
        while candidate in ids or candidate == BLANKET_MATL_ID:
            candidate, n = f"{base}_{n}", n + 1
        ids.append(candidate)
    return ids


_OPEN_SIDES = ("XMIN", "XMAX", "YMIN", "YMAX", "ZMAX")


def _matl(material: ConeMaterial, index: int, ids: list[str], fuel: str, hoc_kj_kg: float) -> str:
    c = material.components[index]
    fields = [f"ID='{ids[index]}'", f"DENSITY={_num(c.density)}"]
    fields += _property_fields("CONDUCTIVITY", c.conductivity, ids[index], 1.0)
    fields += _property_fields("SPECIFIC_HEAT", c.specific_heat, ids[index], 1e-3)
    fields.append(f"EMISSIVITY={_num(c.emissivity)}")
    if math.isfinite(c.absorption_coefficient):
        fields.append(f"ABSORPTION_COEFFICIENT={_num(c.absorption_coefficient)}")
    reactions = [r for r in material.reactions if r.source == index]
    if reactions:
        fields.append(f"N_REACTIONS={len(reactions)}")
        if material.gas_specific_heat is None:
            fields.append("ADJUST_H=.FALSE.")
    for j, r in enumerate(reactions, start=1):
        fields += [f"A({j})={_num(r.A)}", f"E({j})={_num(r.E)}"]
        if r.n != 1.0:
            fields.append(f"N_S({j})={_num(r.n)}")
        fields.append(f"HEAT_OF_REACTION({j})={_num(r.heat_of_reaction / 1e3)}")
        if r.gas_yield > 0:
            fields += [
                f"SPEC_ID(1,{j})='{_text(fuel)}'",
                f"NU_SPEC(1,{j})={_num(round(r.gas_yield, 12))}",
                # Non-fuel gas (HCl …) leaves with the fuel species but adds no heat:
                # the heat per kg of this reaction's gas is scaled by its fuel share.
                f"HEAT_OF_COMBUSTION(1,{j})={_num(hoc_kj_kg * r.fuel_fraction)}",
            ]
        if r.residue is not None and r.residue_yield > 0:
            fields += [
                f"MATL_ID(1,{j})='{ids[r.residue]}'",
                f"NU_MATL(1,{j})={_num(r.residue_yield)}",
            ]
    return _block("MATL", *fields)


def _property_fields(name: str, value: Property, matl_id: str, scale: float) -> list[str]:
    if isinstance(value, tuple):
        return [f"{name}_RAMP='{_ramp_id(name, matl_id)}'"]
    return [f"{name}={_num(value * scale)}"]


def _property_ramps(c: Component, matl_id: str) -> list[str]:
    """RAMPs of T-dependent k and c (T in °C, c in kJ/kg/K as FDS expects)."""
    out = []
    for name, value, scale in (
        ("CONDUCTIVITY", c.conductivity, 1.0),
        ("SPECIFIC_HEAT", c.specific_heat, 1e-3),
    ):
        if isinstance(value, tuple):
            rid = _ramp_id(name, matl_id)
            out += [
                _record("RAMP", f"ID='{rid}', T={_num(t)}, F={_num(v * scale)}") for t, v in value
            ]
    return out


def _ramp_id(name: str, matl_id: str) -> str:
    return f"{matl_id}_{'K' if name == 'CONDUCTIVITY' else 'C'}"


def _surf(scenario: ConeScenario, virgin_id: str, cell_size_mm: float, flame: bool) -> str:
    fields = [f"ID='{SAMPLE_SURF_ID}'", "COLOR='BLACK'"]
    sample_m = scenario.thickness_mm * 1e-3
    if scenario.backing == "blanket":
        fields += [
            f"MATL_ID(1,1)='{virgin_id}'",
            f"MATL_ID(2,1)='{BLANKET_MATL_ID}'",
            f"THICKNESS(1:2)={_num(sample_m)},{_num(scenario.blanket.thickness_mm * 1e-3)}",
        ]
    else:
        fields += [f"MATL_ID='{virgin_id}'", f"THICKNESS={_num(sample_m)}"]
    fields += [
        f"CELL_SIZE={_num(cell_size_mm * 1e-3)}",
        "BACKING='INSULATED'",
        f"HEAT_TRANSFER_COEFFICIENT={_num(scenario.h_w_m2k)}",
        f"EXTERNAL_FLUX={_num(scenario.heat_flux_kw_m2)}"
        + (f", RAMP_EF='{FLUX_RAMP_ID}'" if flame else ""),
    ]
    return _block("SURF", *fields)


def _ignition_latch(scenario: ConeScenario) -> list[str]:
    """IGN latches at the ignition criterion; TIME_FROZEN stops there, so TIME − TIME_FROZEN
    is the time since ignition, which drives the flux RAMP from 1 to (q_ext + q_flame)/q_ext."""
    if scenario.ignition == "temperature":
        criterion = f"QUANTITY='WALL TEMPERATURE', SETPOINT={_num(scenario.ignition_temperature_c)}"
    else:
        setpoint = scenario.critical_mass_flux_g_m2s * 1e-3
        criterion = f"QUANTITY='BURNING RATE', SETPOINT={_num(setpoint)}"
    factor = (scenario.heat_flux_kw_m2 + scenario.flame_flux_kw_m2) / scenario.heat_flux_kw_m2
    return [
        _record(
            "DEVC", f"ID='IGN', {_WALL}, {criterion}, INITIAL_STATE=F", "latched ignition detector"
        ),
        _record("DEVC", f"ID='TIME', {_POINT}, QUANTITY='TIME', TIME_AVERAGED=F"),
        _record(
            "DEVC",
            f"ID='TIME_FROZEN', {_POINT}, QUANTITY='TIME', NO_UPDATE_DEVC_ID='IGN', "
            "TIME_AVERAGED=F",
            "stops at t_ign",
        ),
        _record(
            "CTRL", "ID='T_SINCE_IGN', FUNCTION_TYPE='SUBTRACT', INPUT_ID='TIME','TIME_FROZEN'"
        ),
        _record(
            "RAMP",
            f"ID='{FLUX_RAMP_ID}', T=0.0, F=1.0, CTRL_ID='T_SINCE_IGN'",
            "external flux multiplier vs time since ignition",
        ),
        _record(
            "RAMP",
            f"ID='{FLUX_RAMP_ID}', T={_num(FLAME_RAMP_SECONDS)}, F={_num(factor)}",
            f"(EXTERNAL_FLUX + {_num(scenario.flame_flux_kw_m2)} kW/m2 flame flux)",
        ),
        _record(
            "DEVC",
            f"ID='TSI', {_POINT}, QUANTITY='CONTROL VALUE', CTRL_ID='T_SINCE_IGN', TIME_AVERAGED=F",
        ),
    ]


def _record(group: str, body: str, comment: str = "") -> str:
    return f"&{group} {body} /" + (f"  {comment}" if comment else "")


def _block(group: str, *fields: str) -> str:
    """A record over several lines, one field a line, as FDS users lay out MATL and SURF."""
    pad = " " * (len(group) + 2)
    return f"&{group} {fields[0]}" + "".join(f"\n{pad}{f}" for f in fields[1:]) + " /"


def _num(x: float) -> str:
    """Text that reads back as the same double, in a form Fortran list-directed input
    accepts: plain decimals for everyday magnitudes, the shortest exponent form otherwise
    (8.5E+12 rather than thirteen digits)."""
    x = float(x)
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.15g}"
    return next(s for p in range(17) if float(s := f"{x:.{p}E}") == x)


def _text(s: str) -> str:
    """Namelist strings are single-quoted, so a quote inside cannot be written."""
    return s.replace("'", "")
