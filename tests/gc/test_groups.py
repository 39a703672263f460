"""The SMARTS group library: every heavy atom covered once, or the gaps named."""

import pytest

from engine.datasets import shipped_polymers
from engine.gc.groups import CoverageError, fragment, fragment_unit, load_groups
from engine.polymer import parse_polymer


def test_library_rows_parse_and_cite_a_source():
    groups = load_groups()
    assert len(groups) >= 30
    assert all(g.source and g.pattern is not None for g in groups)
    assert len({g.name for g in groups}) == len(groups)


@pytest.mark.parametrize("smiles", sorted(set(shipped_polymers().values())))
def test_every_shipped_polymer_is_fully_covered(smiles):
    for unit in parse_polymer(smiles).units:
        frag = fragment_unit(unit)
        assert frag.complete, frag.uncovered
        heavy = sum(1 for a in unit.mol.GetAtoms() if a.GetAtomicNum() > 0)
        assert sum(g is not None for g in frag.atom_groups) == heavy


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        # Groups that span the join between units are found whole.
        ("*OCCOC(=O)c1ccc(C(*)=O)cc1", {"ester": 2, "CH2": 2, "aromatic_CH": 4, "aromatic_C": 2}),
        ("*NCCCCCCNC(=O)CCCCC(*)=O", {"amide": 2, "CH2": 10}),
        ("*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1",
         {"carbonate": 1, "aromatic_CH": 8, "aromatic_C": 4, "CH3": 2, "C": 1}),
        ("*CC=CC*", {"CH2": 2, "olefinic_CH": 2}),
        ("*C*", {"CH2": 1}),
        ("*CC(*)(C)C(=O)OC", {"ester": 1, "CH3": 2, "CH2": 1, "C": 1}),
        ("*c1ccc(S(=O)(=O)c2ccc(*)cc2)cc1", {"sulfone": 1, "aromatic_CH": 8, "aromatic_C": 4}),
    ],
)
def test_group_counts(smiles, expected):
    assert fragment_unit(parse_polymer(smiles).units[0]).counts == expected


def test_copolymer_groups_are_mole_fraction_averages():
    counts = fragment(parse_polymer("*CC*.*CC(*)Cl", [0.25, 0.75]))
    assert counts == pytest.approx({"CH2": 0.25 * 2 + 0.75, "CH": 0.75, "Cl": 0.75})


def test_uncovered_atoms_are_named():
    # A thione sulfur (C=S) matches no group of the library.
    unit = parse_polymer("*CC(=S)C*").units[0]
    frag = fragment_unit(unit)
    assert not frag.complete
    with pytest.raises(CoverageError, match=r"atom\(s\) .*S"):
        fragment(parse_polymer("*CC(=S)C*"))


def test_group_atoms_index_the_depiction_unit_after_unit():
    from rdkit import Chem

    from engine.gc.groups import group_atoms

    polymer = parse_polymer("*CC(*)Cl.*CC*")
    drawn = Chem.MolFromSmiles(polymer.smiles)  # what depict_svg draws
    atoms = group_atoms(polymer)
    symbols = {
        name: {drawn.GetAtomWithIdx(i).GetSymbol() for i in idx} for name, idx in atoms.items()
    }
    assert symbols == {"CH2": {"C"}, "CH": {"C"}, "Cl": {"Cl"}}
    # Every heavy atom of both units is in exactly one group; no * is.
    covered = sorted(i for idx in atoms.values() for i in idx)
    heavy = [a.GetIdx() for a in drawn.GetAtoms() if a.GetAtomicNum() > 0]
    assert covered == heavy
    assert len(atoms["CH2"]) == 3  # one in PVC, two in polyethylene (second unit)


def test_group_atoms_of_an_ester_spanning_the_join():
    from engine.gc.groups import group_atoms

    pet = parse_polymer("*OCCOC(=O)c1ccc(C(*)=O)cc1")
    ester = group_atoms(pet)["ester"]
    mol = pet.units[0].mol
    symbols = sorted(mol.GetAtomWithIdx(i).GetSymbol() for i in ester)
    assert symbols == ["C", "C", "O", "O", "O", "O"]
