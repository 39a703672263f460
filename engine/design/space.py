"""The space a design searches: recipes of the generator's families, drawn and mutated.

A recipe is what `engine.hypothetical` builds a repeat unit from: the family, which of
its recipe spaces, and indices into that space's pieces. Screening draws recipes as the
generator does (a family uniformly, then a recipe uniformly within it). A guided search
also mutates the recipes of good candidates, so a child is made of the same catalogued
monomers but one:

- a listed unit (a vinyl monomer, a diacid + diol polyester, …) becomes another unit
  that shares all its pieces but one (the same diacid with another diol);
- an alternating pair swaps one of its two monomers, for a near one or any;
- an aromatic backbone changes one arylene or one linker, or gains or loses an
  (arylene, linker) pair;

and now and then (`JUMP`) a child is any recipe of its parent's family, so the search
does not get stuck in a corner of a family.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from engine.hypothetical import (
    Family,
    _AromaticChains,
    _Built,
    _is_primitive,
    _Listed,
    _Pairs,
    canonical_word,
    families,
)

#: Share of mutations that jump to any recipe of the parent's family.
JUMP = 0.1
#: Share of alternating-pair mutations that take any monomer rather than a near one.
FAR_MEMBER = 0.3


@dataclass(frozen=True, order=True)
class Recipe:
    """A family's name and its recipe (the space's index, then the space's indices)."""

    family: str
    indices: tuple[int, ...]

    @property
    def key(self) -> str:
        """``family:i.j.k``, as it is stored in a design's tables."""
        return f"{self.family}:{'.'.join(map(str, self.indices))}"

    @classmethod
    def from_key(cls, key: str) -> Recipe:
        family, _, numbers = key.partition(":")
        return cls(family, tuple(int(n) for n in numbers.split(".")))


class _Neighbours:
    """Units that share all their pieces but one, found through a one-piece-out index."""

    def __init__(self, units: tuple[_Built, ...]):
        self.units = units
        self._groups: dict[tuple, list[int]] = defaultdict(list)
        for i, (_, pieces) in enumerate(units):
            for p in range(len(pieces)):
                self._groups[self._key(pieces, p)].append(i)

    @staticmethod
    def _key(pieces: tuple[str, ...], p: int) -> tuple:
        return (len(pieces), p, pieces[:p] + pieces[p + 1 :])

    def near(self, i: int, rng: random.Random) -> int:
        """A unit one piece away from unit ``i``, or any other unit when none is."""
        pieces = self.units[i][1]
        positions = list(range(len(pieces)))
        rng.shuffle(positions)
        for p in positions:
            group = [j for j in self._groups[self._key(pieces, p)] if j != i]
            if group:
                return rng.choice(group)
        return rng.randrange(len(self.units))


class DesignSpace:
    """Draws and mutates recipes over the chosen families (default: all)."""

    def __init__(self, names: Iterable[str] | None = None):
        catalogue = families()
        chosen = list(catalogue) if names is None else list(dict.fromkeys(names))
        unknown = [n for n in chosen if n not in catalogue]
        if unknown or not chosen:
            raise ValueError(f"Unknown polymer famil(ies) {unknown or chosen}; choose from "
                             f"{', '.join(catalogue)}.")
        self.families: dict[str, Family] = {n: catalogue[n] for n in chosen}

    @property
    def size(self) -> int:
        """Distinct repeat units the space holds (exact, as `count_reachable`)."""
        return sum(f.size for f in self.families.values())

    @cached_property
    def _neighbours(self) -> dict[tuple[str, int], _Neighbours]:
        out = {}
        for name, family in self.families.items():
            for s, space in enumerate(family.spaces):
                if isinstance(space, _Listed):
                    out[name, s] = _Neighbours(space.units)
                elif isinstance(space, _Pairs):
                    out[name, s] = _Neighbours(space.members)
        return out

    def draw(self, rng: random.Random) -> Recipe:
        """A family uniformly, then one of its recipes uniformly (as the generator)."""
        names = list(self.families)
        name = names[rng.randrange(len(names))]
        return Recipe(name, self.families[name].draw(rng))

    def build(self, recipe: Recipe) -> tuple[str, tuple[str, ...]]:
        """The repeat unit's SMILES (as joined, not yet canonical) and its pieces."""
        return self.families[recipe.family].build(recipe.indices)

    def description(self, recipe: Recipe) -> str:
        return self.families[recipe.family].description

    def mutate(self, recipe: Recipe, rng: random.Random) -> Recipe:
        """A child of ``recipe``: one piece changed (see the module's docstring)."""
        family = self.families[recipe.family]
        if rng.random() < JUMP:
            return Recipe(recipe.family, family.draw(rng))
        s, rest = recipe.indices[0], recipe.indices[1:]
        space = family.spaces[s]
        if isinstance(space, _Listed):
            child = (self._neighbours[recipe.family, s].near(rest[0], rng),)
        elif isinstance(space, _Pairs):
            child = self._mutate_pair(self._neighbours[recipe.family, s], rest, rng)
        elif isinstance(space, _AromaticChains):
            child = _mutate_chain(space, rest, rng)
        else:  # a new kind of recipe space: children are fresh draws until it is taught
            return Recipe(recipe.family, family.draw(rng))
        return Recipe(recipe.family, (s, *child))

    @staticmethod
    def _mutate_pair(members: _Neighbours, pair: tuple[int, ...],
                     rng: random.Random) -> tuple[int, int]:
        n = len(members.units)
        keep, change = (pair[0], pair[1]) if rng.random() < 0.5 else (pair[1], pair[0])
        for _ in range(8):
            new = (rng.randrange(n) if rng.random() < FAR_MEMBER
                   else members.near(change, rng))
            if new != keep:
                return (min(keep, new), max(keep, new))
        return (min(pair), max(pair))


def _mutate_chain(space: _AromaticChains, flat: tuple[int, ...],
                  rng: random.Random) -> tuple[int, ...]:
    """One arylene or linker changed, or a pair inserted or removed; canonical and
    primitive like the generator's recipes (the parent is returned if no try is)."""
    a, x = len(space.arylenes), len(space.linkers)
    word = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    for _ in range(16):
        new = list(word)
        moves = ["arylene", "linker"]
        moves += ["insert"] if len(new) < space.max_pairs else []
        moves += ["delete"] if len(new) > 1 else []
        move = rng.choice(moves)
        k = rng.randrange(len(new))
        if move == "arylene":
            new[k] = (rng.randrange(a), new[k][1])
        elif move == "linker":
            new[k] = (new[k][0], rng.randrange(x))
        elif move == "insert":
            new.insert(k, (rng.randrange(a), rng.randrange(x)))
        else:
            del new[k]
        candidate = tuple(new)
        if _is_primitive(candidate):
            flat_new = tuple(i for pair in canonical_word(candidate) for i in pair)
            if flat_new != flat:
                return flat_new
    return flat
