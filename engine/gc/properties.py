"""`MaterialProperties`: everything the cone model needs, estimated from structure.

`estimate_properties` runs every estimator of `engine.gc.estimators` on a `Polymer`
and returns one frozen record in SI units, with the groups found and, per property,
the method used (and whether it is a class default rather than a structure estimate).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import cache

from engine.gc import estimators as est
from engine.gc.decomposition import DecompositionModel, shipped_decomposition_model
from engine.gc.flame import FlameModel, flame_class, shipped_flame
from engine.gc.gasification import (
    ELIMINATION,
    GasificationModel,
    decomposition_mechanism,
    eliminated_gas_fraction,
    shipped_gasification,
)
from engine.gc.melting import AMORPHOUS_METHOD, Melting, melting
from engine.gc.tables import constant
from engine.polymer import Polymer, parse_polymer

#: The chain an elimination leaves (PVC less its HCl is a conjugated polyene); its TGA
#: peak, from the same decomposition model, times the second step.
POLYENE_SMILES = "*C=C*"


@cache
def _polyene() -> Polymer:
    return parse_polymer(POLYENE_SMILES, name="polyene")


@dataclass(frozen=True)
class Reaction:
    """One pyrolysis step: `consumes` → (1 − ν) gas + ν `leaves` (ν = char_yield).

    Most polymers have one step, virgin → fuel + char. An eliminating polymer (PVC)
    first loses HX, which is not fuel (fuel_fraction 0), leaving a dehydrohalogenated
    "intermediate" that then burns to fuel and char. A semicrystalline polymer first
    melts (virgin → "melt", char_yield 1: no gas), and its melt decomposes.
    """

    pre_exponential_1_s: float
    activation_energy_j_mol: float
    order: float
    heat_of_reaction_j_kg: float
    char_yield: float
    fuel_fraction: float = 1.0
    consumes: str = "virgin"
    leaves: str = "char"


@dataclass(frozen=True)
class Unit:
    """How a property is shown to people: unit label, factor from SI, and the decimals
    the estimate resolves in that unit.

    The decimals follow what the number means, not what a float holds: a char yield
    fitted to ±0.05 kg/kg is shown to 0.01, not as 0.005605; a TGA peak to 1 °C; a
    density whose estimate is good to a few per cent to 1 kg/m³.
    """

    label: str
    scale: float = 1.0
    decimals: int = 2

    def round(self, value: float) -> float:
        """``value`` (in this unit) to its decimals; never -0.0."""
        return round(value, self.decimals) + 0.0

    def format(self, value: float) -> str:
        """``value`` (in this unit) as text with exactly its decimals: '0.01', '1098'."""
        return f"{self.round(value):.{self.decimals}f}"


#: Display units (kJ, kW/m², °C, mm at the interface; SI inside) and their decimals.
DISPLAY_UNITS: dict[str, Unit] = {
    "molar_mass_kg_mol": Unit("g/mol", 1e3, 2),  # IUPAC atomic weights
    "density_kg_m3": Unit("kg/m³", decimals=0),
    "conductivity_w_mk": Unit("W/m/K", decimals=2),
    "specific_heat_j_kgk": Unit("kJ/kg/K", 1e-3, 2),
    "emissivity": Unit("–", decimals=2),
    "absorption_coefficient_1_m": Unit("1/m", decimals=0),
    "decomposition_peak_k": Unit("°C (TGA peak, 10 K/min)", decimals=0),
    "char_yield": Unit("kg/kg", decimals=2),
    "heat_of_reaction_j_kg": Unit("kJ/kg", 1e-3, 0),
    "heat_of_combustion_j_kg": Unit("MJ/kg (volatiles)", 1e-6, 1),
    "heat_of_combustion_complete_j_kg": Unit("MJ/kg (complete)", 1e-6, 1),
    "heat_release_capacity_j_gk": Unit("J/g/K", decimals=0),  # as MCC reports it
    "eliminated_gas_fraction": Unit("kg/kg", decimals=2),
    "combustion_efficiency": Unit("–", decimals=2),
    "heat_of_melting_j_kg": Unit("kJ/kg", 1e-3, 0),
}


#: What people call each property (tables, the GUI).
PROPERTY_TITLES: dict[str, str] = {
    "molar_mass_kg_mol": "Molar mass (repeat unit)",
    "density_kg_m3": "Density",
    "conductivity_w_mk": "Thermal conductivity",
    "specific_heat_j_kgk": "Specific heat",
    "emissivity": "Emissivity",
    "absorption_coefficient_1_m": "Absorption coefficient",
    "decomposition_peak_k": "Decomposition peak",
    "char_yield": "Char yield",
    "heat_of_reaction_j_kg": "Heat of pyrolysis",
    "heat_of_combustion_j_kg": "Heat of combustion",
    "heat_of_combustion_complete_j_kg": "Heat of complete combustion",
    "heat_release_capacity_j_gk": "Heat release capacity",
    "eliminated_gas_fraction": "Non-fuel gas released first (HX, water)",
    "combustion_efficiency": "Combustion efficiency χ",
    "heat_of_melting_j_kg": "Heat of melting",
}


@dataclass(frozen=True)
class MaterialProperties:
    """Material properties of one polymer, SI units, with their provenance."""

    smiles: str
    name: str | None
    formula: str
    molar_mass_kg_mol: float
    density_kg_m3: float
    conductivity_w_mk: float
    specific_heat_j_kgk: float
    emissivity: float
    absorption_coefficient_1_m: float
    decomposition_peak_k: float
    reactions: tuple[Reaction, ...]
    char_yield: float
    heat_of_reaction_j_kg: float
    heat_of_combustion_j_kg: float
    heat_of_combustion_complete_j_kg: float
    heat_release_capacity_j_gk: float
    mechanism: str
    eliminated_gas_fraction: float
    flame_class: str
    combustion_efficiency: float
    heat_of_melting_j_kg: float = 0.0
    melting_peak_k: float | None = None
    groups: dict[str, float] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain JSON-ready dictionary (SI units, as the field names say)."""
        return asdict(self)

    def display_rows(self) -> list[tuple[str, float, str, str]]:
        """(property, value in display units rounded to the unit's decimals, unit, method)
        for tables, the GUI and the command line; `Unit.format` writes a value with
        exactly its decimals (``DISPLAY_UNITS[name].format(value)``)."""
        rows = []
        for name, unit in DISPLAY_UNITS.items():
            value = getattr(self, name)
            shown = value - 273.15 if name == "decomposition_peak_k" else value * unit.scale
            rows.append((name, unit.round(shown), unit.label, self.methods.get(name, "")))
        return rows


_METHODS = {
    "molar_mass_kg_mol": "sum of IUPAC atomic weights of the repeat unit",
    "density_kg_m3": "van der Waals volume (Zhao, Abraham & Zissimos 2003) / packing "
    "coefficient 0.681 (Askadskii)",
    "specific_heat_j_kgk": "modified Kopp's rule, solid, 298 K (Hurst & Harrison 1992)",
    "conductivity_w_mk": "class default (median of 11 measured solid polymers, UL FSRI)",
    "emissivity": "class default (median of the UMD property sets)",
    "absorption_coefficient_1_m": "class default (median of the UMD property sets)",
    "char_yield": "char-forming structure features (fitted by this project, resources/gc/char.csv)",
    "heat_of_combustion_complete_j_kg": "oxygen consumption, 13.1 MJ/kg O2 (Huggett 1980)",
    "heat_of_combustion_j_kg": "complete heat of combustion less the char burnt as carbon",
    "heat_release_capacity_j_gk": "Lyon's relation h_c(1−μ)E/(e·R·T_p²) at 1 K/s",
    "reactions": "one first-order step peaking at the estimated TGA peak temperature; "
    "E = ψ·R·T_p with ψ the UMD median; an eliminating polymer first loses its HX/water "
    "at that peak, and its polyene residue decomposes at the peak of *C=C*; a "
    "semicrystalline polymer first melts (a narrow step at its DSC peak, ψ of the UMD "
    "melt steps)",
    "eliminated_gas_fraction": "HX per halogen and water per hydroxyl on an sp3 carbon "
    "next to a C–H (engine/gc/gasification.py)",
}


def estimate_properties(
    polymer: Polymer,
    *,
    decomposition: DecompositionModel | None = None,
    gasification: GasificationModel | None = None,
    flame: FlameModel | None = None,
) -> MaterialProperties:
    """All GC estimates for a polymer; raises `CoverageError` for uncovered atoms.

    ``decomposition``: the model of the TGA peak (None: the shipped one); a benchmark
    passes one fitted without the polymer it scores. ``gasification`` (heat of pyrolysis
    per decomposition mechanism) and ``flame`` (combustion efficiency per flame class)
    likewise, None: the shipped ones.
    """
    decomposition = decomposition or shipped_decomposition_model()
    gasification = gasification or shipped_gasification()
    flame = flame or shipped_flame()
    mechanism = decomposition_mechanism(polymer)
    fire = flame_class(polymer)
    groups = est.group_counts(polymer)
    mu = est.char_yield(polymer)
    peak = decomposition.peak_k(polymer)
    kinetics = est.kinetics_from_peak(peak)
    h_vol = est.heat_of_combustion_volatiles(polymer, mu)
    heat_of_reaction = gasification.heat_of_reaction(mechanism)
    eliminated = eliminated_gas_fraction(polymer)
    if not 0 < eliminated < 1 - mu:  # nothing, or all of the volatiles: one step
        eliminated = 0.0
    reactions = (
        Reaction(
            pre_exponential_1_s=kinetics.pre_exponential_1_s,
            activation_energy_j_mol=kinetics.activation_energy_j_mol,
            order=kinetics.order,
            heat_of_reaction_j_kg=heat_of_reaction,
            char_yield=mu,
        ),
    )
    if mechanism == ELIMINATION and eliminated > 0:
        residue = est.kinetics_from_peak(decomposition.peak_k(_polyene()))
        reactions = (
            Reaction(
                pre_exponential_1_s=kinetics.pre_exponential_1_s,
                activation_energy_j_mol=kinetics.activation_energy_j_mol,
                order=kinetics.order,
                heat_of_reaction_j_kg=heat_of_reaction,
                char_yield=1.0 - eliminated,
                fuel_fraction=0.0,
                leaves="intermediate",
            ),
            Reaction(
                pre_exponential_1_s=residue.pre_exponential_1_s,
                activation_energy_j_mol=residue.activation_energy_j_mol,
                order=residue.order,
                heat_of_reaction_j_kg=heat_of_reaction,
                char_yield=mu / (1.0 - eliminated),
                consumes="intermediate",
            ),
        )
    melt = melting(polymer)
    if melt is not None:
        reactions = (_melting_step(melt), *(replace(r, consumes="melt") for r in reactions))
    methods = {
        **_METHODS,
        "heat_of_melting_j_kg": melt.method() if melt else AMORPHOUS_METHOD,
        "decomposition_peak_k": decomposition.method(),
        "heat_of_reaction_j_kg": f"{mechanism.replace('_', ' ')} (from structure): "
        f"{gasification.source}",
        "combustion_efficiency": f"{fire} flame: {flame.source}",
    }
    return MaterialProperties(
        smiles=polymer.smiles,
        name=polymer.name,
        formula=polymer.formula,
        molar_mass_kg_mol=polymer.molar_mass_kg_mol,
        density_kg_m3=est.density(polymer),
        conductivity_w_mk=constant("conductivity"),
        specific_heat_j_kgk=est.specific_heat(polymer),
        emissivity=constant("emissivity"),
        absorption_coefficient_1_m=constant("absorption_coefficient"),
        decomposition_peak_k=peak,
        reactions=reactions,
        char_yield=mu,
        heat_of_reaction_j_kg=heat_of_reaction,
        heat_of_combustion_j_kg=h_vol,
        heat_of_combustion_complete_j_kg=est.heat_of_combustion_total(polymer),
        heat_release_capacity_j_gk=est.heat_release_capacity(h_vol, mu, kinetics),
        mechanism=mechanism,
        eliminated_gas_fraction=eliminated,
        flame_class=fire,
        combustion_efficiency=flame.combustion_efficiency(fire),
        heat_of_melting_j_kg=melt.heat_j_kg if melt else 0.0,
        melting_peak_k=melt.peak_k if melt else None,
        groups=groups,
        methods=methods,
    )


def _melting_step(melt: Melting) -> Reaction:
    """Virgin → melt at the DSC peak: all residue (no gas), the heat of melting taken up."""
    kinetics = est.kinetics_from_peak(
        melt.peak_k, dimensionless_energy="melting_dimensionless_activation_energy"
    )
    return Reaction(
        pre_exponential_1_s=kinetics.pre_exponential_1_s,
        activation_energy_j_mol=kinetics.activation_energy_j_mol,
        order=kinetics.order,
        heat_of_reaction_j_kg=melt.heat_j_kg,
        char_yield=1.0,
        fuel_fraction=0.0,
        leaves="melt",
    )
