import math

import pytest

from engine.design.constraints import ConstraintError, Constraints
from engine.polymer import parse_polymer

PET = parse_polymer("*OCCOC(=O)c1ccc(C(*)=O)cc1")
PVC = parse_polymer("*CC(*)Cl")


def test_require_and_exclude_substructures():
    assert Constraints(require=("c1ccccc1",)).violation(PET) == ""
    assert Constraints(require=("c1ccccc1",)).violation(PVC) == "lacks c1ccccc1"
    assert Constraints(exclude=("[Cl,Br]",)).violation(PVC) == "holds [Cl,Br]"


def test_a_group_cut_by_the_units_ends_is_found():
    # the ester of PET written so that its C(=O)-O bond is the bond between units
    written = parse_polymer("*C(=O)c1ccc(C(=O)OCCO*)cc1")
    ester = "[CX3](=O)[OX2][CH2]"
    assert Constraints(require=(ester,)).violation(written) == ""
    assert Constraints(exclude=("C(=O)OCCOC(=O)",)).violation(written) != ""


def test_elements_allow_hydrogen_always():
    assert Constraints(elements=("C", "O")).violation(PET) == ""
    assert "other than C, O" in Constraints(elements=("C", "O")).violation(PVC)


def test_similarity_to_a_starting_polymer():
    pbt = parse_polymer("*OCCCCOC(=O)c1ccc(C(*)=O)cc1")
    near = Constraints(near="*OCCOC(=O)c1ccc(C(*)=O)cc1", min_similarity=0.5)
    assert near.violation(pbt) == ""
    assert "alike" in near.violation(PVC)
    assert near.similarity_to_near(PET) == pytest.approx(1.0)
    assert math.isnan(Constraints().similarity_to_near(PET))


def test_molar_mass_range():
    assert Constraints(molar_mass_g_mol=(100, None)).violation(PET) == ""  # 192 g/mol
    assert Constraints(molar_mass_g_mol=(None, 100)).violation(PET) != ""


@pytest.mark.parametrize("kwargs, says", [
    ({"require": ("c1ccc",)}, "not a SMARTS"),
    ({"elements": ("Xx",)}, "not an element"),
    ({"near": "C1CC"}, "--near"),
    ({"molar_mass_g_mol": (300, 100)}, "LOW:HIGH"),
    ({"min_similarity": 1.5}, "between 0 and 1"),
])
def test_bad_constraints_fail_at_once_in_one_sentence(kwargs, says):
    with pytest.raises(ConstraintError, match=says):
        Constraints(**kwargs)
