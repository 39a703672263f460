"""One chain, one name: the smallest repeat unit and the key (engine.identity)."""

from engine.identity import polymer_key, smallest_repeat_unit
from engine.polymer import parse_polymer


def _unit(smiles: str):
    return parse_polymer(smiles).units[0]


def _smallest(smiles: str) -> str:
    return smallest_repeat_unit(_unit(smiles)).smiles


def _key(smiles: str) -> str:
    return polymer_key(_unit(smiles))


def test_a_unit_written_as_copies_is_cut_to_the_smallest_one():
    assert _smallest("*CC*") == _smallest("*CCCC*") == _smallest("*C*") == "*C*"
    assert _smallest("*CC(c1ccccc1)CC(*)c1ccccc1") == _unit("*CC(*)c1ccccc1").smiles
    assert _smallest("*OCCOCC*") == _smallest("*OCC*")
    assert _smallest("*C=CC=C*") == "*C=C*"


def test_a_unit_that_is_not_copies_stays_whole():
    for smiles in ("*CC(*)C", "*CC(*)Cl", "*NCCCCCCNC(=O)CCCCC(*)=O", "*Oc1ccc(*)cc1", "*CCO*"):
        assert _smallest(smiles) == _unit(smiles).smiles
    # a dimer of two different units is a unit of its own (an alternating pair)
    assert _smallest("*CCC(*)C") == _unit("*CCC(*)C").smiles


def test_a_phenylene_on_the_backbone_is_never_split():
    assert _smallest("*c1ccc(-c2ccc(*)cc2)cc1") == _unit("*c1ccc(*)cc1").smiles
    assert _smallest("*c1ccc(*)cc1") == _unit("*c1ccc(*)cc1").smiles


def test_the_key_ignores_copies_start_and_direction():
    assert _key("*C*") == _key("*CC*") == _key("*CCCC*")
    assert _key("*OCC*") == _key("*COC*") == _key("*OCCOCC*")
    assert _key("*CC(*)c1ccccc1") == _key("*CC(c1ccccc1)CC(*)c1ccccc1")
    assert _key("*CC*") != _key("*CC(*)C") != _key("*CC(*)Cl")


def test_a_syndiotactic_diad_is_not_two_copies_of_one_unit():
    iso = "*C[C@H](C)C[C@H](*)C"
    syndio = "*C[C@H](C)C[C@@H](*)C"
    assert len(_smallest(iso).replace("*", "")) < len(_unit(iso).smiles.replace("*", ""))
    assert _smallest(syndio) == _unit(syndio).smiles
