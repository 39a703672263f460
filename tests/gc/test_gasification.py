"""Decomposition mechanism from structure, the HX step, and the leave-one-out fit."""

import math

import pytest

from engine.cone.gc_material import cone_material
from engine.cone.material import ConeMaterial
from engine.gc.gasification import (
    CHAR_FORMING,
    ELIMINATION,
    RANDOM_SCISSION,
    UNZIPPING,
    GasificationFitError,
    PeakRecord,
    decomposition_mechanism,
    eliminated_gas_fraction,
    fit_gasification_model,
    shipped_gasification,
)
from engine.gc.properties import estimate_properties
from engine.polymer import parse_polymer


@pytest.mark.parametrize(
    ("smiles", "mechanism"),
    [
        ("*CC(*)(C)C(=O)OC", UNZIPPING),  # PMMA
        ("*CC(*)(C)c1ccccc1", UNZIPPING),  # poly(α-methylstyrene)
        ("*CO*", UNZIPPING),  # POM
        ("*C(F)(F)C(*)(F)F", UNZIPPING),  # PTFE
        ("*CC*", RANDOM_SCISSION),  # PE
        ("*CC(*)C", RANDOM_SCISSION),  # PP
        ("*CC(*)c1ccccc1", RANDOM_SCISSION),  # PS: the ring hangs off, no quaternary C
        ("*OCCOC(=O)c1ccc(C(*)=O)cc1", RANDOM_SCISSION),  # PET
        ("*NCCCCCCNC(=O)CCCCC(*)=O", RANDOM_SCISSION),  # PA66
        ("*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1", CHAR_FORMING),  # PC
        ("*Oc1ccc(Oc2ccc(C(=O)c3ccc(*)cc3)cc2)cc1", CHAR_FORMING),  # PEEK
        ("*Oc1c(C)cc(*)cc1C", CHAR_FORMING),  # PPO
        ("*CC(*)Cl", ELIMINATION),  # PVC
        ("*CC(*)(F)F", ELIMINATION),  # PVDF
        ("*CC(*)O", ELIMINATION),  # PVA
    ],
)
def test_mechanism_from_structure(smiles, mechanism):
    assert decomposition_mechanism(parse_polymer(smiles)) == mechanism


def test_pvc_eliminates_its_hcl_mass_fraction_first_and_it_is_not_fuel():
    pvc = parse_polymer("*CC(*)Cl", name="PVC")
    hcl = (35.453 + 1.008) / (2 * 12.011 + 3 * 1.008 + 35.453)  # 0.583
    assert eliminated_gas_fraction(pvc) == pytest.approx(hcl, rel=1e-3)
    props = estimate_properties(pvc)
    first, second = props.reactions
    assert first.fuel_fraction == 0.0 and first.char_yield == pytest.approx(1 - hcl, rel=1e-3)
    assert second.consumes == "intermediate" and second.fuel_fraction == 1.0
    assert second.char_yield == pytest.approx(props.char_yield / (1 - hcl))
    material = cone_material(props)
    assert material.reactions[0].fuel_yield == 0.0
    assert material.reactions[1].source == material.reactions[0].residue
    # the heat of the volatiles is carried by the fuel alone
    fuel = 1 - props.char_yield - hcl
    assert material.heat_of_combustion * fuel == pytest.approx(
        props.heat_of_combustion_j_kg * (1 - props.char_yield)
    )


def test_polymers_without_elimination_have_one_all_fuel_step():
    props = estimate_properties(parse_polymer("*CC(*)(C)C(=O)OC"))
    assert props.eliminated_gas_fraction == 0.0
    assert [r.fuel_fraction for r in props.reactions] == [1.0]
    assert props.mechanism == UNZIPPING


def test_heat_of_pyrolysis_follows_the_mechanism_of_the_shipped_model():
    model = shipped_gasification()
    for smiles, mechanism in (("*CC(*)(C)C(=O)OC", UNZIPPING), ("*CC*", RANDOM_SCISSION)):
        props = estimate_properties(parse_polymer(smiles))
        assert props.heat_of_reaction_j_kg == model.heat_of_reaction(mechanism)
        assert mechanism.replace("_", " ") in props.methods["heat_of_reaction_j_kg"]


def _records():
    """Two random-scission polymers best at 0.8 MJ/kg, one unzipping best at 1.2 MJ/kg:
    the log ratio is zero at their best trial and grows away from it."""
    best = {"A": (RANDOM_SCISSION, 0.8e6), "B": (RANDOM_SCISSION, 0.8e6), "M": (UNZIPPING, 1.2e6)}
    return [
        PeakRecord(p, mech, h, abs(h - opt) / 1e6)
        for p, (mech, opt) in best.items()
        for h in (0.4e6, 0.8e6, 1.2e6, 1.6e6)
    ]


def test_fit_picks_each_class_best_trial_and_leaves_a_polymer_out():
    model = fit_gasification_model(_records(), source="test")
    assert model.heat_of_reaction(RANDOM_SCISSION) == 0.8e6
    assert model.heat_of_reaction(UNZIPPING) == 1.2e6
    without = fit_gasification_model(_records(), exclude={"M"}, source="test")
    assert UNZIPPING not in without.heats_j_kg
    assert without.heat_of_reaction(UNZIPPING) == without.fallback_j_kg == 0.8e6


def test_fit_without_records_is_one_sentence():
    with pytest.raises(GasificationFitError, match="no cone records"):
        fit_gasification_model(_records(), exclude={"A", "B", "M"}, source="test")


def test_shipped_model_has_a_value_per_mechanism_and_a_fallback():
    model = shipped_gasification()
    assert math.isfinite(model.fallback_j_kg)
    assert set(model.heats_j_kg) == {UNZIPPING, RANDOM_SCISSION, CHAR_FORMING, ELIMINATION}
    assert "fitted by this project" in model.source


def test_pvc_material_round_trips_through_json_with_its_non_fuel_step():
    material = cone_material(estimate_properties(parse_polymer("*CC(*)Cl", name="PVC")))
    again = ConeMaterial.from_json(material.to_json())
    assert again == material
