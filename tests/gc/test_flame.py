"""Flame class and combustion efficiency χ from composition, and its leave-one-out fit."""

import pytest

from engine.cone.gc_material import cone_material
from engine.gc.flame import (
    ALIPHATIC,
    AROMATIC,
    HALOGENATED,
    FlameFitError,
    FlameModel,
    HeatRecord,
    aromatic_carbon_mass_share,
    fit_flame_model,
    flame_class,
    shipped_flame,
)
from engine.gc.gasification import GasificationModel
from engine.gc.properties import DISPLAY_UNITS, PROPERTY_TITLES, estimate_properties
from engine.polymer import parse_polymer


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("*CC*", ALIPHATIC),
        ("*CC(*)(C)C(=O)OC", ALIPHATIC),
        ("*NCCCCCCNC(=O)CCCCC(*)=O", ALIPHATIC),
        ("*CC(*)c1ccccc1", AROMATIC),
        ("*OCCOC(=O)c1ccc(C(*)=O)cc1", AROMATIC),
        ("*CC(*)Cl", HALOGENATED),
        ("*CC(*)(Cl)Cl", HALOGENATED),
    ],
)
def test_flame_class_from_composition(smiles, expected):
    assert flame_class(parse_polymer(smiles)) == expected


def test_aromatic_carbon_share_of_polystyrene():
    assert aromatic_carbon_mass_share(parse_polymer("*CC(*)c1ccccc1")) == pytest.approx(
        6 * 12.011 / (8 * 12.011 + 8 * 1.008), rel=1e-3
    )


def test_halogenated_polymers_burn_with_efficiency_below_one():
    pvc = estimate_properties(parse_polymer("*CC(*)Cl", name="PVC"))
    assert pvc.flame_class == HALOGENATED
    assert 0 < pvc.combustion_efficiency < 1
    assert cone_material(pvc).combustion_efficiency == pvc.combustion_efficiency


def test_efficiency_is_shown_with_the_properties():
    rows = {
        name: value for name, value, *_ in estimate_properties(parse_polymer("*CC*")).display_rows()
    }
    assert "combustion_efficiency" in rows and "eliminated_gas_fraction" in rows
    assert set(rows) <= set(DISPLAY_UNITS) <= set(PROPERTY_TITLES)


def _records():
    return [
        HeatRecord("PE", ALIPHATIC, 0.95),
        HeatRecord("PE", ALIPHATIC, 0.97),
        HeatRecord("PP", ALIPHATIC, 0.93),
        HeatRecord("PS", AROMATIC, 0.7),
        HeatRecord("PVC", HALOGENATED, 0.4),
    ]


def test_fit_is_the_median_per_class_with_each_polymer_once():
    model = fit_flame_model(_records(), source="test")
    assert model.combustion_efficiency(ALIPHATIC) == pytest.approx((0.96 + 0.93) / 2)
    assert model.combustion_efficiency(AROMATIC) == pytest.approx(0.7)
    assert model.combustion_efficiency(HALOGENATED) == pytest.approx(0.4)


def test_left_out_halogenated_polymer_takes_the_aromatic_value():
    model = fit_flame_model(_records(), exclude={"PVC"}, source="test")
    assert model.combustion_efficiency(HALOGENATED) == pytest.approx(0.7)


def test_efficiency_is_bounded_and_an_empty_fit_is_one_sentence():
    model = fit_flame_model([HeatRecord("X", ALIPHATIC, 1.4)], source="test")
    assert model.combustion_efficiency(ALIPHATIC) == 1.0
    with pytest.raises(FlameFitError, match="no cone records"):
        fit_flame_model(_records(), exclude={"PE", "PP", "PS", "PVC"}, source="test")


def test_shipped_model_reads_its_table():
    model = shipped_flame()
    assert isinstance(model, FlameModel)
    assert all(0.2 <= x <= 1.0 for x in model.efficiencies.values())


def test_estimate_properties_uses_the_models_it_is_given():
    """Leave-one-polymer-out passes models fitted without the polymer; None is shipped."""
    pvc = parse_polymer("*CC(*)Cl")
    props = estimate_properties(
        pvc,
        flame=FlameModel({}, 0.5, "given"),
        gasification=GasificationModel({}, 1.23e6, "given"),
    )
    assert props.combustion_efficiency == 0.5
    assert [r.heat_of_reaction_j_kg for r in props.reactions] == [1.23e6, 1.23e6]
    assert props.methods["combustion_efficiency"].endswith("given")
    assert estimate_properties(pvc).combustion_efficiency == shipped_flame().combustion_efficiency(
        HALOGENATED
    )
