import math
import random
from itertools import islice, product

import pytest
from rdkit import Chem

from engine.gc.groups import fragment_unit
from engine.hypothetical import (
    GenerationStats,
    _is_primitive,
    canonical_word,
    count_reachable,
    families,
    generate_polymers,
    load_pieces,
    primitive_bracelets,
)
from engine.identity import polymer_key
from engine.polymer import parse_polymer


def _key(smiles: str) -> str:
    return polymer_key(parse_polymer(smiles).units[0])


@pytest.fixture(scope="module")
def sample():
    stats = GenerationStats()
    return list(generate_polymers(2000, seed=2024, stats=stats)), stats


def test_every_building_block_has_a_source_and_parses():
    pieces = load_pieces()
    assert len({(p.role, p.name) for p in pieces}) == len(pieces)
    for piece in pieces:
        assert piece.source.strip() and piece.description.strip()
        assert Chem.MolFromSmiles(piece.smiles) is not None, piece.name
        if piece.smiles.count("*") == 2:
            parse_polymer(piece.smiles)


def test_arylenes_read_the_same_from_either_end():
    # The aromatic recipe count treats a reversed chain as the same polymer.
    for piece in load_pieces():
        if piece.role == "arylene":
            forward = Chem.MolToSmiles(Chem.MolFromSmiles(f"[1*]{piece.body}[2*]"))
            backward = Chem.MolToSmiles(Chem.MolFromSmiles(f"[2*]{piece.body}[1*]"))
            assert forward == backward, piece.name


def test_at_least_100000_distinct_polymers_are_reachable():
    reachable = count_reachable()
    assert sum(reachable.values()) >= 100_000
    assert all(n > 0 for n in reachable.values())


def test_condensation_counts_are_products_of_the_pieces():
    def n(role, family):
        return sum(1 for p in load_pieces() if p.role == role and family in p.families)

    reachable = count_reachable(["polyester", "polyamide", "polycarbonate"])
    assert reachable["polyester"] == n("diacid", "polyester") * n("diol", "polyester") + n(
        "ab_unit", "polyester"
    )
    assert reachable["polyamide"] == n("diacid", "polyamide") * n("diamine", "polyamide") + n(
        "ab_unit", "polyamide"
    )
    assert reachable["polycarbonate"] == n("diol", "polycarbonate")


@pytest.mark.parametrize(("arylenes", "linkers", "longest"), [(2, 2, 4), (3, 2, 4), (3, 3, 3)])
def test_aromatic_count_matches_brute_force_enumeration(arylenes, linkers, longest):
    for k in range(1, longest + 1):
        words = product(product(range(arylenes), range(linkers)), repeat=k)
        distinct = {canonical_word(w) for w in words if _is_primitive(w)}
        assert len(distinct) == primitive_bracelets(arylenes, linkers, k)


def test_rotated_and_reversed_aromatic_recipes_are_one_polymer():
    space = families()["aromatic"].spaces[0]
    rng = random.Random(3)
    for _ in range(30):
        recipe = space.draw(rng)
        word = tuple(zip(recipe[::2], recipe[1::2], strict=True))
        rotated = word[1:] + word[:1]
        reversed_ = tuple(
            (word[-j % len(word)][0], word[(-j - 1) % len(word)][1]) for j in range(len(word))
        )
        keys = {
            _key(space.build(tuple(i for pair in w for i in pair))[0])
            for w in (word, rotated, reversed_)
        }
        assert len(keys) == 1


def test_polymer_key_ignores_where_the_unit_starts_and_which_way_it_is_read():
    assert _key("*OCC*") == _key("*COC*") == _key("*CCO*")
    assert _key("*OCCOC(=O)c1ccc(cc1)C(*)=O") == _key("*C(=O)c1ccc(cc1)C(=O)OCCO*")
    assert _key("*CC(*)c1ccccc1") == _key("*C(c1ccccc1)C*")
    assert _key("*CC*") != _key("*CC(*)C")


def test_same_seed_gives_the_same_sequence_and_other_seeds_differ():
    first = [h.smiles for h in generate_polymers(60, seed=11, estimate=False)]
    again = [h.smiles for h in generate_polymers(60, seed=11, estimate=False)]
    other = [h.smiles for h in generate_polymers(60, seed=12, estimate=False)]
    assert first == again
    assert first != other


def test_a_large_sample_is_distinct_valid_and_fully_covered(sample):
    polymers, stats = sample
    assert len(polymers) == 2000
    assert not stats.rejected
    assert len({polymer_key(h.polymer.units[0]) for h in polymers}) == len(polymers)
    for h in polymers:
        unit = h.polymer.units[0]
        assert parse_polymer(h.smiles).smiles == h.smiles
        assert not fragment_unit(unit).uncovered
        props = h.properties
        assert props is not None and props.smiles == h.smiles
        assert math.isfinite(props.density_kg_m3) and props.density_kg_m3 > 0
        assert math.isfinite(props.heat_release_capacity_j_gk)


def test_every_family_is_represented(sample):
    polymers, _ = sample
    assert {h.family for h in polymers} == set(families())


def test_a_family_filter_is_honoured_and_unknown_names_are_refused():
    chosen = list(generate_polymers(40, seed=5, families=["siloxane", "polyimide"]))
    assert {h.family for h in chosen} == {"siloxane", "polyimide"}
    with pytest.raises(ValueError, match="polyketal"):
        list(generate_polymers(1, seed=5, families=["polyketal"]))


def test_a_small_family_stops_when_every_recipe_is_used():
    size = count_reachable(["polyether"])["polyether"]
    out = list(islice(generate_polymers(10 * size, seed=1, families=["polyether"]), 10 * size))
    assert len(out) == size == len({h.smiles for h in out})
