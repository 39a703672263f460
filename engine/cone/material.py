"""Condensed-phase material description for the cone model, and its JSON form.

A material is a list of components (index 0 is the virgin solid) and a list of
Arrhenius reactions that turn one component into gas plus, optionally, a residue
component. The JSON reader is the user-facing edge: every problem is reported as a
`MaterialError` whose message is one sentence naming the field (PHYSICS.md §4).

Heat of reaction and temperature (optional, FDS's default behaviour): FDS takes
HEAT_OF_REACTION as the enthalpy change at a reference temperature T_ref and, to
conserve energy, applies it at the local temperature T by Kirchhoff's law,
  ΔH_r(T) = ΔH_r + ν_g c_p,g (T − T_ref) + ν_r (h_r(T) − h_r(T_ref)) − (h_s(T) − h_s(T_ref)),
with h the enthalpy of the source and residue components (∫c_p dT) and c_p,g the
specific heat of the gaseous product (FDS's read.f90 PROC_MATL, ADJUST_H=.TRUE.). T_ref
defaults to the temperature of peak reaction rate in a 5 K/min TGA (FDS's
HEATING_RATE). Here the correction is on when the material names `gas_specific_heat`;
without it the heat of reaction is a constant, as before.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.constants import GAS_CONSTANT as R_GAS
from engine.constants import KELVIN
from engine.quantities import (
    ABSORPTION_COEFFICIENT,
    ACTIVATION_ENERGY,
    CONDUCTIVITY,
    DENSITY,
    EMISSIVITY,
    FRACTION,
    GAS_SPECIFIC_HEAT,
    HEAT_OF_COMBUSTION,
    HEAT_OF_REACTION,
    PRE_EXPONENTIAL,
    REACTION_ORDER,
    SPECIFIC_HEAT,
    Limit,
    QuantityError,
)

Property = float | tuple[tuple[float, float], ...]
"""A constant, or a table of (temperature °C, value) pairs interpolated linearly."""

TGA_HEATING_RATE_K_MIN = 5.0
"""Heating rate of the TGA whose peak is the default reference temperature (FDS default)."""


class MaterialError(ValueError):
    """A material description that cannot be used, with a one-sentence reason."""


@dataclass(frozen=True)
class Component:
    """One condensed-phase species: virgin solid, melt, intermediate or char."""

    name: str
    density: float
    conductivity: Property
    specific_heat: Property
    emissivity: float
    absorption_coefficient: float = math.inf

    def __post_init__(self) -> None:
        where = f"component {self.name!r}"
        _check_limit(DENSITY, self.density, f"{where} density")
        _check_property(self.conductivity, CONDUCTIVITY, f"{where} conductivity")
        _check_property(self.specific_heat, SPECIFIC_HEAT, f"{where} specific_heat")
        _check_limit(EMISSIVITY, self.emissivity, f"{where} emissivity")
        if self.absorption_coefficient != math.inf:  # inf: opaque
            _check_limit(
                ABSORPTION_COEFFICIENT, self.absorption_coefficient,
                f"{where} absorption_coefficient",
            )


@dataclass(frozen=True)
class Reaction:
    """source → residue_yield · residue + (1 − residue_yield) · fuel gas."""

    A: float
    E: float
    n: float
    heat_of_reaction: float
    source: int
    residue: int | None = None
    residue_yield: float = 0.0
    reference_temperature: float | None = None
    """°C at which heat_of_reaction holds (used only with a gas_specific_heat);
    None: the peak of a 5 K/min TGA, as in FDS."""
    fuel_fraction: float = 1.0
    """Share of this reaction's gas that is fuel. The rest (HCl from PVC, water from
    PVA, CO2 from a carbonate) leaves the solid but does not burn: it counts in the
    mass loss, not in the heat release nor in the critical mass flux for ignition."""

    @property
    def gas_yield(self) -> float:
        return 1.0 - self.residue_yield

    @property
    def fuel_yield(self) -> float:
        """kg of fuel gas per kg of source consumed."""
        return self.gas_yield * self.fuel_fraction

    @property
    def heat_reference_temperature_c(self) -> float:
        """The temperature (°C) at which heat_of_reaction is taken, given or FDS's default."""
        if self.reference_temperature is not None:
            return self.reference_temperature
        return tga_peak_temperature_c(self.A, self.E, self.n)


@functools.lru_cache(maxsize=256)
def tga_peak_temperature_c(
    A: float, E: float, n: float, heating_rate_k_min: float = TGA_HEATING_RATE_K_MIN
) -> float:
    """Temperature (°C) of peak reaction rate of one reaction in a linear-heating TGA from 20 °C.

    With β the heating rate and I(T) = ∫ A/β exp(−E/RT) dT, the remaining fraction is
    exp(−I) for n = 1 and (1 + (n − 1) I)^(−1/(n − 1)) otherwise, so the rate
    (remaining)^n exp(−E/RT) is evaluated on a 0.05 K grid and the peak refined by a
    parabola through its neighbours.
    """
    beta = heating_rate_k_min / 60.0
    temps = np.arange(293.15, 1500.0, 0.05)
    arrhenius = np.exp(-E / (R_GAS * temps))
    integral = np.concatenate(
        ([0.0], np.cumsum(0.5 * (arrhenius[1:] + arrhenius[:-1]) * np.diff(temps)))
    )
    integral *= A / beta
    if n == 1.0:
        remaining = np.exp(-integral)
    else:
        remaining = np.maximum(1.0 + (n - 1.0) * integral, 0.0) ** (-1.0 / (n - 1.0))
    rate = remaining**n * arrhenius
    i = int(np.clip(np.argmax(rate), 1, temps.size - 2))
    lo, mid, hi = rate[i - 1], rate[i], rate[i + 1]
    curvature = lo - 2.0 * mid + hi
    shift = 0.5 * (lo - hi) / curvature if curvature < 0 else 0.0
    return float(temps[i] + shift * (temps[1] - temps[0]) - KELVIN)


@dataclass(frozen=True)
class ConeMaterial:
    """Components (0 = virgin), reactions, and the heat of combustion of the volatiles.

    No reactions means an inert solid (used for verification); the JSON reader still
    asks for at least one, since a user material that cannot burn is a mistake.
    """

    name: str
    components: tuple[Component, ...]
    reactions: tuple[Reaction, ...]
    heat_of_combustion: float
    gas_specific_heat: float | None = None
    """J/kg/K of the gaseous products; when given, the heat of reaction follows Kirchhoff's
    law from each reaction's reference temperature (module docstring)."""
    combustion_efficiency: float = 1.0
    """χ: the share of heat_of_combustion the flame releases (soot, CO, halogen
    inhibition). It belongs to the material because a polymer's flame is the same in
    every test; a scenario's own combustion_efficiency multiplies it (e.g. a vitiated
    test). Old files without the key read as 1.0, as they were simulated before."""

    def __post_init__(self) -> None:
        if not self.components:
            raise MaterialError(f"material {self.name!r} has no components.")
        _check_limit(HEAT_OF_COMBUSTION, self.heat_of_combustion, "heat_of_combustion")
        _check_limit(FRACTION, self.combustion_efficiency, "combustion_efficiency")
        if self.gas_specific_heat is not None:
            _check_limit(GAS_SPECIFIC_HEAT, self.gas_specific_heat, "gas_specific_heat")
        count = len(self.components)
        for i, r in enumerate(self.reactions):
            where = f"reactions[{i}]"
            _check_limit(PRE_EXPONENTIAL, r.A, f"{where}.A")
            _check_limit(ACTIVATION_ENERGY, r.E, f"{where}.E")
            _check_limit(REACTION_ORDER, r.n, f"{where}.n")
            _check_limit(HEAT_OF_REACTION, r.heat_of_reaction, f"{where}.heat_of_reaction")
            _check_limit(FRACTION, r.residue_yield, f"{where}.char_yield")
            _check_limit(FRACTION, r.fuel_fraction, f"{where}.fuel_fraction")
            if not 0 <= r.source < count:
                raise MaterialError(f"{where}.source {r.source} is not a component index.")
            if r.residue is None and r.residue_yield > 0:
                raise MaterialError(
                    f"{where} leaves a residue (yield {r.residue_yield}) but names no residue "
                    "component; add a 'char' block."
                )
            if r.residue is not None and not (0 <= r.residue < count and r.residue != r.source):
                raise MaterialError(f"{where}.residue {r.residue} is not another component index.")
            t_ref = r.reference_temperature
            if t_ref is not None and not (math.isfinite(t_ref) and t_ref > -KELVIN):
                raise MaterialError(f"{where}.reference_temperature must be above -273.15 °C.")

    @property
    def virgin(self) -> Component:
        return self.components[0]

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> ConeMaterial:
        """Read the PHYSICS.md §4 format from a path, a JSON string or a parsed dict.

        Two shapes are accepted: the simple one (virgin properties at the top level,
        optional "char" block) and an extended one with a "components" list and
        reactions naming "source"/"residue" indices, so multi-step schemes round-trip.
        """
        data = _load(source)
        if "components" in data:
            return _from_extended(data)
        return _from_simple(data)

    def to_json(self, path: str | Path | None = None) -> str:
        """The JSON text (simple shape when it fits, extended otherwise); written if a path."""
        text = json.dumps(self._to_dict(), indent=2)
        if path is not None:
            from engine.outputs import write_text

            write_text(path, text + "\n")
        return text

    def _to_dict(self) -> dict[str, Any]:
        simple = len(self.components) <= 2 and all(
            r.source == 0 and r.residue in (None, 1) for r in self.reactions
        )
        gas_cp = self.gas_specific_heat
        gas: dict[str, float] = {} if gas_cp is None else {"gas_specific_heat": gas_cp}
        if self.combustion_efficiency != 1.0:
            gas["combustion_efficiency"] = self.combustion_efficiency
        if not simple:
            return {
                "name": self.name,
                "components": [_component_dict(c, named=True) for c in self.components],
                "reactions": [_reaction_dict(r, extended=True) for r in self.reactions],
                "heat_of_combustion": self.heat_of_combustion,
                **gas,
            }
        out: dict[str, Any] = {"name": self.name, **_component_dict(self.virgin, named=False)}
        out["reactions"] = [_reaction_dict(r, extended=False) for r in self.reactions]
        out["heat_of_combustion"] = self.heat_of_combustion
        out.update(gas)
        if len(self.components) == 2:
            out["char"] = _component_dict(self.components[1], named=False)
        return out


_COMPONENT_KEYS = {
    "density",
    "conductivity",
    "specific_heat",
    "emissivity",
    "absorption_coefficient",
}
_REQUIRED_COMPONENT_KEYS = ("density", "conductivity", "specific_heat", "emissivity")
_SIMPLE_REACTION_KEYS = {
    "A",
    "E",
    "n",
    "heat_of_reaction",
    "char_yield",
    "reference_temperature",
    "fuel_fraction",
}
_EXTENDED_REACTION_KEYS = _SIMPLE_REACTION_KEYS | {"source", "residue"}


def _load(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        text = str(source)
        if isinstance(source, Path) or not text.lstrip().startswith("{"):
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise MaterialError(f"cannot read material file {source}: {exc.strerror}.") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MaterialError(
                f"material file is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
            ) from exc
    if not isinstance(data, dict):
        raise MaterialError("material JSON must be an object with named fields.")
    return data


def _from_simple(data: dict[str, Any]) -> ConeMaterial:
    allowed = _COMPONENT_KEYS | {
        "name",
        "reactions",
        "heat_of_combustion",
        "gas_specific_heat",
        "combustion_efficiency",
        "char",
    }
    _check_keys(data, allowed, "material")
    name = _name(data)
    virgin = _component(data, name, "material")
    components = [virgin]
    if "char" in data:
        char = data["char"]
        if not isinstance(char, dict):
            raise MaterialError("char must be an object with density, conductivity, ... fields.")
        _check_keys(char, _COMPONENT_KEYS, "char")
        components.append(_component(char, f"{name} char", "char"))
    reactions = []
    for i, raw in enumerate(_reaction_list(data)):
        _check_keys(raw, _SIMPLE_REACTION_KEYS, f"reactions[{i}]")
        residue_yield = _number(raw, "char_yield", f"reactions[{i}]", default=0.0)
        residue = 1 if residue_yield > 0 and len(components) == 2 else None
        if residue_yield > 0 and residue is None:
            raise MaterialError(
                f"reactions[{i}].char_yield is {residue_yield} but there is no 'char' block "
                "describing the residue."
            )
        reactions.append(_reaction(raw, i, 0, residue, residue_yield))
    return ConeMaterial(
        name,
        tuple(components),
        tuple(reactions),
        _heat_of_combustion(data),
        _gas_cp(data),
        _number(data, "combustion_efficiency", "material", default=1.0),
    )


def _from_extended(data: dict[str, Any]) -> ConeMaterial:
    allowed = {
        "name",
        "components",
        "reactions",
        "heat_of_combustion",
        "gas_specific_heat",
        "combustion_efficiency",
    }
    _check_keys(data, allowed, "material")
    name = _name(data)
    raw_components = data["components"]
    if not isinstance(raw_components, list) or not raw_components:
        raise MaterialError("components must be a non-empty list of component objects.")
    components = []
    for i, raw in enumerate(raw_components):
        where = f"components[{i}]"
        if not isinstance(raw, dict):
            raise MaterialError(f"{where} must be an object.")
        _check_keys(raw, _COMPONENT_KEYS | {"name"}, where)
        components.append(_component(raw, str(raw.get("name", f"{name} {i}")), where))
    reactions = []
    for i, raw in enumerate(_reaction_list(data)):
        where = f"reactions[{i}]"
        _check_keys(raw, _EXTENDED_REACTION_KEYS, where)
        source = raw.get("source", 0)
        residue = raw.get("residue")
        for key, value in (("source", source), ("residue", residue)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise MaterialError(f"{where}.{key} must be a component index (an integer).")
        residue_yield = _number(raw, "char_yield", where, default=0.0)
        reactions.append(_reaction(raw, i, source, residue, residue_yield))
    return ConeMaterial(
        name,
        tuple(components),
        tuple(reactions),
        _heat_of_combustion(data),
        _gas_cp(data),
        _number(data, "combustion_efficiency", "material", default=1.0),
    )


def _name(data: dict[str, Any]) -> str:
    name = data.get("name", "unnamed material")
    if not isinstance(name, str) or not name.strip():
        raise MaterialError("name must be a non-empty string.")
    return name


def _heat_of_combustion(data: dict[str, Any]) -> float:
    return _number(data, "heat_of_combustion", "material")


def _gas_cp(data: dict[str, Any]) -> float | None:
    if "gas_specific_heat" not in data:
        return None
    return _number(data, "gas_specific_heat", "material")


def _reaction_list(data: dict[str, Any]) -> list[dict[str, Any]]:
    reactions = data.get("reactions")
    if reactions is None:
        raise MaterialError("reactions is missing; give at least one pyrolysis reaction.")
    if not isinstance(reactions, list) or not reactions:
        raise MaterialError("reactions must be a non-empty list of reaction objects.")
    for i, raw in enumerate(reactions):
        if not isinstance(raw, dict):
            raise MaterialError(f"reactions[{i}] must be an object with A, E, ... fields.")
    return reactions


def _reaction(raw: dict[str, Any], i: int, source: int, residue: int | None, y: float) -> Reaction:
    where = f"reactions[{i}]"
    return Reaction(
        A=_number(raw, "A", where),
        E=_number(raw, "E", where),
        n=_number(raw, "n", where, default=1.0),
        heat_of_reaction=_number(raw, "heat_of_reaction", where),
        source=source,
        residue=residue,
        residue_yield=y,
        reference_temperature=_number(raw, "reference_temperature", where)
        if "reference_temperature" in raw
        else None,
        fuel_fraction=_number(raw, "fuel_fraction", where, default=1.0),
    )


def _component(raw: dict[str, Any], name: str, where: str) -> Component:
    for key in _REQUIRED_COMPONENT_KEYS:
        if key not in raw:
            raise MaterialError(f"{where} is missing {key}.")
    kappa = raw.get("absorption_coefficient")
    return Component(
        name=name,
        density=_number(raw, "density", where),
        conductivity=_property(raw["conductivity"], f"{where} conductivity"),
        specific_heat=_property(raw["specific_heat"], f"{where} specific_heat"),
        emissivity=_number(raw, "emissivity", where),
        absorption_coefficient=math.inf
        if kappa is None
        else _number(raw, "absorption_coefficient", where),
    )


def _property(value: Any, where: str) -> Property:
    if isinstance(value, list):
        rows = []
        for row in value:
            if not (isinstance(row, list) and len(row) == 2 and all(_is_number(v) for v in row)):
                raise MaterialError(f"{where} table rows must be [T_C, value] number pairs.")
            rows.append((float(row[0]), float(row[1])))
        return tuple(rows)  # checked with its component (`Component.__post_init__`)
    if not _is_number(value):
        raise MaterialError(f"{where} must be a number or a [[T_C, value], ...] table.")
    return float(value)


def _number(raw: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
    if key not in raw:
        if default is None:
            raise MaterialError(f"{where} is missing {key}.")
        return default
    value = raw[key]
    if not _is_number(value):
        raise MaterialError(f"{where} {key} must be a number, not {value!r}.")
    return float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise MaterialError(
            f"{where} has unknown key {unknown[0]!r}; "
            f"allowed keys are {', '.join(sorted(allowed))}."
        )


def _check_limit(limit: Limit, value: float, where: str) -> None:
    """The accepted range of `engine.quantities`, reported as a `MaterialError`."""
    try:
        limit.check(value, where)
    except QuantityError as error:
        raise MaterialError(str(error)) from None


def _check_property(value: Property, limit: Limit, where: str) -> None:
    if isinstance(value, tuple):
        if not value:
            raise MaterialError(f"{where} table is empty.")
        temps = [t for t, _ in value]
        if any(b <= a for a, b in itertools.pairwise(temps)):
            raise MaterialError(f"{where} table temperatures must increase strictly.")
        for _, v in value:
            _check_limit(limit, v, where)
    else:
        _check_limit(limit, value, where)


def _component_dict(c: Component, *, named: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name} if named else {}

    def prop(v: Property) -> Any:
        return [list(row) for row in v] if isinstance(v, tuple) else v

    out.update(
        density=c.density,
        conductivity=prop(c.conductivity),
        specific_heat=prop(c.specific_heat),
        emissivity=c.emissivity,
    )
    if math.isfinite(c.absorption_coefficient):
        out["absorption_coefficient"] = c.absorption_coefficient
    return out


def _reaction_dict(r: Reaction, *, extended: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"A": r.A, "E": r.E, "n": r.n, "heat_of_reaction": r.heat_of_reaction}
    out["char_yield"] = r.residue_yield
    if r.reference_temperature is not None:
        out["reference_temperature"] = r.reference_temperature
    if r.fuel_fraction != 1.0:
        out["fuel_fraction"] = r.fuel_fraction
    if extended:
        out["source"] = r.source
        out["residue"] = r.residue
    return out
