import math

from rdkit import DataStructs

from engine.similarity import fingerprint, nearest

TESTED = {"PS": "*CC(*)c1ccccc1", "PMMA": "*CC(*)(C)C(=O)OC", "PET":
          "*OCCOC(=O)c1ccc(C(*)=O)cc1"}


def test_nearest_is_the_most_alike_pair_by_pair():
    for smiles in ("*OCCCCOC(=O)c1ccc(C(*)=O)cc1", "*CC(*)C(=O)OC", "*CC(*)Cl"):
        pairs = {name: DataStructs.TanimotoSimilarity(fingerprint(smiles), fingerprint(s))
                 for name, s in TESTED.items()}
        best = max(pairs, key=pairs.get)
        assert nearest(smiles, TESTED) == (best, pairs[best])
    assert nearest("*OCCCCOC(=O)c1ccc(C(*)=O)cc1", TESTED)[0] == "PET"


def test_nothing_to_compare_with():
    name, alike = nearest("*CC*", {})
    assert name == "" and math.isnan(alike)
