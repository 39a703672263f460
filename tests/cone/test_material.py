"""ConeMaterial JSON reading/writing and the UMD property-set loader."""

import json
import math
from pathlib import Path

import pytest

from engine.cone.material import ConeMaterial, MaterialError
from engine.cone.umd import load_umd_materials

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

PMMA = {
    "name": "PMMA",
    "density": 1200,
    "conductivity": 0.2,
    "specific_heat": [[20, 1400], [400, 2400]],
    "emissivity": 0.85,
    "absorption_coefficient": 2700,
    "reactions": [{"A": 8.5e12, "E": 1.88e5, "n": 1, "heat_of_reaction": 8.7e5}],
    "heat_of_combustion": 2.4e7,
}
CHARRING = {
    **PMMA,
    "name": "charring",
    "reactions": [{"A": 1e10, "E": 1.6e5, "heat_of_reaction": 5e5, "char_yield": 0.2}],
    "char": {"density": 200, "conductivity": 0.1, "specific_heat": 1000, "emissivity": 0.95},
}


def test_simple_json_round_trips(tmp_path):
    for data in (PMMA, CHARRING):
        material = ConeMaterial.from_json(data)
        path = tmp_path / "m.json"
        material.to_json(path)
        assert ConeMaterial.from_json(path) == material
        assert ConeMaterial.from_json(material.to_json()) == material


KIRCHHOFF = {
    **CHARRING,
    "gas_specific_heat": 1500.0,
    "reactions": [{**CHARRING["reactions"][0], "reference_temperature": 380.0}],
}
EXTENDED = {
    "name": "two-step",
    "components": [
        {
            "name": "virgin",
            "density": 1100,
            "conductivity": 0.2,
            "specific_heat": 1500,
            "emissivity": 0.9,
        },
        {
            "name": "melt",
            "density": 1000,
            "conductivity": 0.2,
            "specific_heat": 1800,
            "emissivity": 0.9,
        },
        {
            "name": "char",
            "density": 100,
            "conductivity": 0.1,
            "specific_heat": 1000,
            "emissivity": 0.95,
        },
    ],
    "reactions": [
        {"A": 1e12, "E": 1.7e5, "heat_of_reaction": 1e5, "char_yield": 1.0, "residue": 1},
        {
            "A": 1e13,
            "E": 2e5,
            "heat_of_reaction": 6e5,
            "char_yield": 0.1,
            "source": 1,
            "residue": 2,
            "reference_temperature": 420.0,
        },
    ],
    "heat_of_combustion": 2.5e7,
    "gas_specific_heat": 2000.0,
}


def test_kirchhoff_fields_round_trip_in_both_shapes():
    for data in (KIRCHHOFF, EXTENDED):
        material = ConeMaterial.from_json(data)
        assert material.gas_specific_heat == data["gas_specific_heat"]
        assert ConeMaterial.from_json(material.to_json()) == material
    assert ConeMaterial.from_json(KIRCHHOFF).reactions[0].reference_temperature == 380.0
    two_step = ConeMaterial.from_json(EXTENDED)
    assert [r.reference_temperature for r in two_step.reactions] == [None, 420.0]
    plain = json.loads(ConeMaterial.from_json(PMMA).to_json())
    assert "gas_specific_heat" not in plain and "reference_temperature" not in plain["reactions"][0]


def test_default_reference_temperature_is_the_5_k_per_min_tga_peak():
    """First order: the rate A·exp(−E/RT)·(1 − α) peaks where E·β/(R T²) = A·exp(−E/RT)."""
    reaction = ConeMaterial.from_json(PMMA).reactions[0]
    t_peak = reaction.heat_reference_temperature_c + 273.15
    beta, r_gas = 5.0 / 60.0, 8.314462618
    balance = (
        reaction.E
        * beta
        / (r_gas * t_peak**2)
        / (reaction.A * math.exp(-reaction.E / (r_gas * t_peak)))
    )
    assert balance == pytest.approx(1.0, abs=1e-3)
    assert t_peak == pytest.approx(643.05, abs=0.05)
    explicit = ConeMaterial.from_json(KIRCHHOFF).reactions[0]
    assert explicit.heat_reference_temperature_c == 380.0


def test_simple_json_builds_components_and_reactions():
    material = ConeMaterial.from_json(CHARRING)
    assert len(material.components) == 2
    reaction = material.reactions[0]
    assert (reaction.source, reaction.residue, reaction.n) == (0, 1, 1.0)
    assert reaction.gas_yield == pytest.approx(0.8)
    assert material.components[1].absorption_coefficient == math.inf
    assert ConeMaterial.from_json(PMMA).virgin.specific_heat == ((20.0, 1400.0), (400.0, 2400.0))


def _with(**changes):
    data = json.loads(json.dumps(PMMA))
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


BAD = {
    "missing density": (_with(density=None), "density"),
    "negative conductivity": (_with(conductivity=-0.2), "conductivity"),
    "char yield above one": (
        {**CHARRING, "reactions": [{**CHARRING["reactions"][0], "char_yield": 1.5}]},
        "char_yield",
    ),
    "char yield without char": (
        _with(reactions=[{"A": 1, "E": 1, "heat_of_reaction": 1, "char_yield": 0.3}]),
        "char",
    ),
    "unknown key": (_with(colour="black"), "colour"),
    "emissivity above one": (_with(emissivity=1.2), "emissivity"),
    "density as text": (_with(density="heavy"), "density"),
    "no reactions": (_with(reactions=[]), "reactions"),
    "missing reactions": (_with(reactions=None), "reactions"),
    "reaction missing A": (_with(reactions=[{"E": 1, "heat_of_reaction": 1}]), "A"),
    "decreasing table": (_with(conductivity=[[300, 0.2], [100, 0.3]]), "conductivity"),
    "bad table row": (_with(specific_heat=[[20, 1400, 3]]), "specific_heat"),
    "negative absorption": (_with(absorption_coefficient=-1), "absorption_coefficient"),
    "missing heat of combustion": (_with(heat_of_combustion=None), "heat_of_combustion"),
    "not an object": ([1, 2, 3], "object"),
    "negative gas specific heat": (_with(gas_specific_heat=-1000), "gas_specific_heat"),
    "reference temperature below absolute zero": (
        _with(reactions=[{"A": 1, "E": 1, "heat_of_reaction": 1, "reference_temperature": -300}]),
        "reference_temperature",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_json_gives_one_sentence_naming_the_field(case, tmp_path):
    data, field = BAD[case]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(MaterialError) as err:
        ConeMaterial.from_json(path)
    message = str(err.value)
    assert field in message
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message


def test_text_that_is_not_json_is_reported(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("density = 1200")
    with pytest.raises(MaterialError, match="not JSON"):
        ConeMaterial.from_json(path)


def test_umd_sets_load_with_chained_components():
    path = DATA / "properties" / "pyrolysis_properties_umd.csv"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    materials = load_umd_materials(path)
    assert set(materials) == {"PMMA", "ABS", "HIPS", "POM", "PET", "PEI"}
    pet = materials["PET"]
    assert [c.name for c in pet.components] == ["PET", "PET_melt", "PET_int", "PET_char"]
    assert [(r.source, r.residue) for r in pet.reactions] == [(0, 1), (1, 2), (2, 3)]
    char = pet.components[3]
    assert (char.density, char.emissivity, char.absorption_coefficient) == (80.0, 0.86, 8000.0)
    assert char.conductivity == ((27.0, 0.475), (457.0, 0.672))
    assert pet.reactions[2].heat_of_reaction == pytest.approx(2.5e5)
    pom_char = materials["POM"].components[3]
    assert pom_char.conductivity == materials["POM"].components[1].conductivity
    assert materials["PMMA"].components[1].density == 1160.0
    for material in materials.values():
        assert ConeMaterial.from_json(material.to_json()) == material
