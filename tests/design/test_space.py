import random

from engine.design.space import DesignSpace, Recipe
from engine.hypothetical import canonical_word, count_reachable
from engine.polymer import parse_polymer


def test_size_is_the_generators_count():
    assert DesignSpace().size == sum(count_reachable().values())
    assert DesignSpace(["polyester"]).size == count_reachable(["polyester"])["polyester"]


def test_recipe_keys_round_trip():
    recipe = Recipe("aromatic", (0, 3, 1, 5, 2))
    assert Recipe.from_key(recipe.key) == recipe


def test_listed_mutation_keeps_all_pieces_but_one():
    space = DesignSpace(["polyester"])
    rng = random.Random(1)
    changed_one = 0
    for _ in range(200):
        parent = space.draw(rng)
        child = space.mutate(parent, rng)
        a, b = space.build(parent)[1], space.build(child)[1]
        if len(a) == len(b) == 2 and sum(x != y for x, y in zip(a, b, strict=True)) == 1:
            changed_one += 1
    # the rest are jumps to any recipe of the family (about JUMP of them)
    assert changed_one > 150


def test_mutations_are_valid_canonical_recipes_of_every_family():
    space = DesignSpace()
    rng = random.Random(7)
    for name, family in space.families.items():
        for _ in range(30):
            parent = Recipe(name, family.draw(rng))
            child = space.mutate(parent, rng)
            assert child.family == name
            smiles, _ = space.build(child)
            parse_polymer(smiles)
            if name == "aromatic" and child.indices[0] == 0:
                flat = child.indices[1:]
                word = tuple(zip(flat[::2], flat[1::2], strict=True))
                assert canonical_word(word) == word
