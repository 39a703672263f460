"""A cone scenario read back from a reduced-order FDS input (a user's own, or ours).

Covers what `write_fds_input` writes and the MATL style of the FDS UMD polymer inputs:
MATLs with constant or RAMP'd k and c, Arrhenius reactions with one residue each, the
sample SURF on the VENT (one layer, or a second inert layer read as the blanket) with
an insulated back (FDS's default VOID back is refused: the cone model has no such
back), and the flame-flux RAMP and ignition detector of the shared examples. A missing
ABSORPTION_COEFFICIENT means surface absorption (PHYSICS.md §5), so opaque here.
The heat of combustion FDS is given is the effective one: combustion efficiency 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from engine.cone.fds.namelist import Namelist, Value, parse_namelists
from engine.cone.fds.writer import FuelSurrogate
from engine.cone.material import Component, ConeMaterial, MaterialError, Property, Reaction
from engine.cone.scenario import BlanketBacking, ConeScenario, ScenarioError


class FdsInputError(ValueError):
    """An FDS input outside the reduced-order cone form, with a one-sentence reason."""


def scenario_from_fds(text: str) -> ConeScenario:
    """The ConeScenario an FDS input describes; FdsInputError says what does not fit."""
    records = parse_namelists(text)
    matls = {str(r.get("ID")): r for r in records if r.group == "MATL"}
    surf = _sample_surf(records)
    layers = _array(surf, "MATL_ID")
    thickness = _array(surf, "THICKNESS")
    if (1, 1) not in layers or (1, 1) not in thickness:
        raise FdsInputError(f"line {surf.line}: the sample SURF needs MATL_ID and THICKNESS.")
    if str(surf.get("BACKING", "VOID")).upper() != "INSULATED":
        raise FdsInputError(f"line {surf.line}: SURF BACKING must be 'INSULATED' for the cone.")
    ramps = _ramps(records)
    material = _material(str(layers[(1, 1)]), matls, ramps, records)
    backing, blanket = "insulated", BlanketBacking()
    if (2, 1) in layers:
        blanket = _blanket(
            matls, str(layers[(2, 1)]), _number(thickness, (2, 1), surf, "THICKNESS")
        )
        backing = "blanket"
    if "HEAT_TRANSFER_COEFFICIENT" not in surf:
        raise FdsInputError(
            f"line {surf.line}: set HEAT_TRANSFER_COEFFICIENT; with SOLID_PHASE_ONLY FDS "
            "would otherwise use a near-zero value."
        )
    q_ext = surf.number("EXTERNAL_FLUX", 0.0)
    flame = 0.0
    if "RAMP_EF" in surf:
        points = ramps.get(str(surf.get("RAMP_EF")))
        if not points:
            raise FdsInputError(f"line {surf.line}: RAMP_EF names no RAMP.")
        flame = (points[-1][1] - 1.0) * q_ext
    ignition = _ignition(records)
    misc = _first(records, "MISC")
    time = _first(records, "TIME")
    dump = _first(records, "DUMP")
    try:
        return ConeScenario(
            material=material,
            heat_flux_kw_m2=q_ext,
            thickness_mm=_number(thickness, (1, 1), surf, "THICKNESS") * 1e3,
            flame_flux_kw_m2=flame,
            backing=backing,
            blanket=blanket,
            h_w_m2k=surf.number("HEAT_TRANSFER_COEFFICIENT"),
            ambient_c=misc.number("TMPA", 20.0) if misc else 20.0,
            duration_s=time.number("T_END") if time and "T_END" in time else None,
            output_interval_s=dump.number("DT_DEVC", 1.0) if dump else 1.0,
            **ignition,
        )
    except (ScenarioError, MaterialError) as exc:
        raise FdsInputError(f"the FDS input gives an unusable scenario: {exc}") from exc


def _sample_surf(records: list[Namelist]) -> Namelist:
    surfs = {str(r.get("ID")): r for r in records if r.group == "SURF"}
    for vent in records:
        if vent.group == "VENT" and str(vent.get("SURF_ID", "")) in surfs:
            return surfs[str(vent.get("SURF_ID"))]
    raise FdsInputError("no VENT carries a SURF defined in the input, so there is no sample.")


def _material(
    virgin: str, matls: dict[str, Namelist], ramps: dict[str, list], records: list[Namelist]
) -> ConeMaterial:
    order = _reachable(virgin, matls)
    index = {matl_id: i for i, matl_id in enumerate(order)}
    components, reactions, hoc = [], [], None
    for i, matl_id in enumerate(order):
        m = matls[matl_id]
        components.append(_component(m, ramps))
        for j in range(1, int(m.number("N_REACTIONS", 0.0)) + 1):
            residues = [(k, v) for k, v in _array(m, "MATL_ID").items() if k[1] == j]
            if len(residues) > 1:
                raise FdsInputError(
                    f"line {m.line}: reaction {j} of {matl_id} has several residues."
                )
            nu_matl = _array(m, "NU_MATL")
            residue = index[str(residues[0][1])] if residues else None
            y = _number(nu_matl, residues[0][0], m, "NU_MATL") if residues else 0.0
            reactions.append(
                Reaction(
                    A=_number(_array(m, "A"), (j, 1), m, "A"),
                    E=_number(_array(m, "E"), (j, 1), m, "E"),
                    n=float(_array(m, "N_S").get((j, 1), 1.0)),
                    heat_of_reaction=float(_array(m, "HEAT_OF_REACTION").get((j, 1), 0.0)) * 1e3,
                    source=i,
                    residue=residue,
                    residue_yield=y,
                )
            )
            if hoc is None and (1, j) in _array(m, "HEAT_OF_COMBUSTION"):
                hoc = _number(_array(m, "HEAT_OF_COMBUSTION"), (1, j), m, "HEAT_OF_COMBUSTION")
    reac = _first(records, "REAC")
    if hoc is None:
        hoc = reac.number("HEAT_OF_COMBUSTION", 0.0) if reac else 0.0
    try:
        return ConeMaterial(virgin, tuple(components), tuple(reactions), hoc * 1e3,
                            gas_specific_heat=_gas_specific_heat(order, matls, reac))
    except MaterialError as exc:
        raise FdsInputError(f"MATL {virgin} does not make a usable material: {exc}") from exc


def _gas_specific_heat(
    order: list[str], matls: dict[str, Namelist], reac: Namelist | None
) -> float | None:
    """FDS adjusts heats of reaction (ADJUST_H, on by default) with its fuel gas's c_p."""
    adjusted = [matls[m].get("ADJUST_H", True) for m in order if "N_REACTIONS" in matls[m]]
    if not adjusted or not all(adjusted):
        return None
    fuel = FuelSurrogate(
        carbon=reac.number("C", 0.0) if reac else 1.0,
        hydrogen=reac.number("H", 0.0) if reac else 2.0,
        oxygen=reac.number("O", 0.0) if reac else 0.0,
        nitrogen=reac.number("N", 0.0) if reac else 0.0,
    )
    return fuel.specific_heat


def _reachable(virgin: str, matls: dict[str, Namelist]) -> list[str]:
    """The virgin MATL and every residue down its reaction chains, virgin first."""
    order, todo = [], [virgin]
    while todo:
        matl_id = todo.pop(0)
        if matl_id in order:
            continue
        if matl_id not in matls:
            raise FdsInputError(f"MATL {matl_id!r} is used but not defined.")
        order.append(matl_id)
        todo += [str(v) for v in _array(matls[matl_id], "MATL_ID").values()]
    return order


def _component(m: Namelist, ramps: dict[str, list]) -> Component:
    def prop(name: str, scale: float) -> Property:
        if f"{name}_RAMP" in m:
            points = ramps.get(str(m.get(f"{name}_RAMP")))
            if not points:
                raise FdsInputError(f"line {m.line}: {name}_RAMP names no RAMP.")
            return tuple((t, f * scale) for t, f in points)
        return m.number(name) * scale

    try:
        return Component(
            name=str(m.get("ID")),
            density=m.number("DENSITY"),
            conductivity=prop("CONDUCTIVITY", 1.0),
            specific_heat=prop("SPECIFIC_HEAT", 1e3),
            emissivity=m.number("EMISSIVITY", 0.9),
            absorption_coefficient=m.number("ABSORPTION_COEFFICIENT", math.inf),
        )
    except MaterialError as exc:
        raise FdsInputError(f"line {m.line}: {exc}") from exc


def _blanket(matls: dict[str, Namelist], matl_id: str, thickness_m: float) -> BlanketBacking:
    m = matls.get(matl_id)
    if m is None or "N_REACTIONS" in m:
        raise FdsInputError(f"the second SURF layer {matl_id!r} must be a defined, inert MATL.")
    return BlanketBacking(
        thickness_mm=thickness_m * 1e3,
        density=m.number("DENSITY"),
        conductivity=m.number("CONDUCTIVITY"),
        specific_heat=m.number("SPECIFIC_HEAT") * 1e3,
    )


def _ignition(records: list[Namelist]) -> dict[str, object]:
    ign = next((r for r in records if r.group == "DEVC" and r.get("ID") == "IGN"), None)
    if ign is None:
        return {}
    quantity = str(ign.get("QUANTITY", "")).upper()
    if quantity == "WALL TEMPERATURE":
        return {"ignition": "temperature", "ignition_temperature_c": ign.number("SETPOINT")}
    if quantity == "BURNING RATE":
        return {"critical_mass_flux_g_m2s": ign.number("SETPOINT") * 1e3}
    raise FdsInputError(
        f"line {ign.line}: the IGN device must watch BURNING RATE or WALL TEMPERATURE."
    )


def _ramps(records: Iterable[Namelist]) -> dict[str, list[tuple[float, float]]]:
    ramps: dict[str, list[tuple[float, float]]] = {}
    for r in records:
        if r.group == "RAMP":
            ramps.setdefault(str(r.get("ID")), []).append((r.number("T"), r.number("F")))
    return ramps


def _first(records: list[Namelist], group: str) -> Namelist | None:
    return next((r for r in records if r.group == group), None)


def _array(record: Namelist, name: str) -> dict[tuple[int, int], Value]:
    """Values of an array key by (i, j) index, however the input spelled them.

    `A=1`, `A(1)=1` and `A(1,1)=1` all land on (1, 1); several values, or a slice
    such as `THICKNESS(1:2)=...`, fill the first index upwards, as Fortran does.
    """
    out: dict[tuple[int, int], Value] = {}
    for key, values in record.fields.items():
        base, _, index = key.partition("(")
        if base != name:
            continue
        start = [1, 1]
        for d, part in enumerate(index.rstrip(")").split(",")[:2] if index else []):
            start[d] = int(part.split(":")[0])
        for k, value in enumerate(values):
            out[(start[0] + k, start[1])] = value
    return out


def _number(
    values: dict[tuple[int, int], Value], at: tuple[int, int], r: Namelist, key: str
) -> float:
    value = values.get(at)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FdsInputError(f"line {r.line}: &{r.group} needs a number for {key}{at}.")
    return float(value)
