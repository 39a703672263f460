"""Hypothetical polymers: seeded enumeration of repeat units from real monomer pieces.

The pieces are data (``resources/gc/building_blocks.csv``): side groups, diacids, diols,
diamines, diisocyanates, dianhydrides, arylenes and their linkers, each a SMILES with
``*`` attachment points and the polymer class it comes from. A family (vinyl, polyester,
poly(aryl ether ketone), …) combines them into repeat units by one template.

Each family is a recipe space of exact size, and a recipe is kept in a canonical form
(unordered pairs sorted; aromatic backbones as the least of their rotations and
reflections, reduced to their primitive period), so distinct recipes are distinct
polymers and `count_reachable` is a count, not an estimate. Repeat units are built by
joining SMILES text: a piece ``*X…Y*`` loses its stars and the next piece bonds to its
last main-chain atom, which is far cheaper than editing molecules. Every unit is then
validated like user input (`parse_polymer`, full group coverage, `estimate_properties`),
and any that fails is counted and dropped, never emitted.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import product

from engine.gc.groups import CoverageError
from engine.gc.properties import MaterialProperties, estimate_properties
from engine.polymer import Polymer, PolymerError, parse_polymer
from engine.resources import resource_path

#: Longest aromatic backbone word, in (arylene, linker) pairs; PEEK needs 3.
MAX_AROMATIC_PAIRS = 3


@dataclass(frozen=True)
class Piece:
    """One building block: a monomer residue or side group with its attachment points."""

    role: str
    name: str
    smiles: str
    families: frozenset[str]
    description: str
    source: str

    @property
    def body(self) -> str:
        """The SMILES without its stars, to be joined to the next piece's text."""
        return self.smiles.strip("*")


@dataclass(frozen=True)
class HypotheticalPolymer:
    """A generated homopolymer, the family and pieces it came from, and its GC estimate."""

    polymer: Polymer
    family: str
    pieces: tuple[str, ...]
    properties: MaterialProperties | None

    @property
    def smiles(self) -> str:
        return self.polymer.smiles


@dataclass
class GenerationStats:
    """What a generator run drew and why it dropped what it did not emit."""

    drawn: int = 0
    duplicate_recipes: int = 0
    duplicate_polymers: int = 0
    emitted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


# --- building blocks -------------------------------------------------------------------


@cache
def load_pieces() -> tuple[Piece, ...]:
    """Read ``building_blocks.csv``; every row needs a SMILES, a family and a source."""
    path = resource_path("gc", "building_blocks.csv")
    pieces = []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            smiles = row["smiles"]
            stars = smiles.count("*")
            ends = smiles.startswith("*") and (stars == 1 or smiles.endswith("*"))
            if not (row["source"].strip() and row["family"].strip() and ends and stars in (1, 2)):
                raise ValueError(
                    f"{path}, line {line}: a piece needs a source, a family and a SMILES "
                    "with one leading * (side group) or a leading and a trailing * (residue)."
                )
            pieces.append(
                Piece(
                    row["role"],
                    row["name"],
                    smiles,
                    frozenset(row["family"].split()),
                    row["description"],
                    row["source"],
                )
            )
    return tuple(pieces)


def _pieces(family: str, role: str) -> tuple[Piece, ...]:
    return tuple(p for p in load_pieces() if p.role == role and family in p.families)


# --- recipe spaces ---------------------------------------------------------------------

#: A unit as built: its SMILES and the names of the pieces it was made of.
_Built = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class _Listed:
    """A short explicit list of repeat units."""

    units: tuple[_Built, ...]

    @property
    def size(self) -> int:
        return len(self.units)

    def draw(self, rng: random.Random) -> tuple[int, ...]:
        return (rng.randrange(len(self.units)),)

    def build(self, recipe: tuple[int, ...]) -> _Built:
        return self.units[recipe[0]]


@dataclass(frozen=True)
class _Pairs:
    """Alternating units of two different members of a list, in either order."""

    members: tuple[_Built, ...]

    @property
    def size(self) -> int:
        n = len(self.members)
        return n * (n - 1) // 2

    def draw(self, rng: random.Random) -> tuple[int, ...]:
        n = len(self.members)
        i, j = rng.randrange(n), rng.randrange(n - 1)
        j += j >= i
        return (min(i, j), max(i, j))

    def build(self, recipe: tuple[int, ...]) -> _Built:
        (a, pa), (b, pb) = (self.members[i] for i in recipe)
        return f"*{a}{b}*", pa + pb


@dataclass(frozen=True)
class _AromaticChains:
    """Backbones of arylenes joined by linkers: Ar₁X₁Ar₂X₂… read as a cycle.

    The arylenes are symmetric end to end, so a polymer is a cyclic word of
    (arylene, linker) pairs up to rotation and reversal; a recipe is the least such
    image of a primitive word (one that is not a repetition of a shorter one).
    """

    arylenes: tuple[Piece, ...]
    linkers: tuple[Piece, ...]
    max_pairs: int = MAX_AROMATIC_PAIRS

    @property
    def size(self) -> int:
        a, x = len(self.arylenes), len(self.linkers)
        return sum(primitive_bracelets(a, x, k) for k in range(1, self.max_pairs + 1))

    def draw(self, rng: random.Random) -> tuple[int, ...]:
        a, x = len(self.arylenes), len(self.linkers)
        weights = [primitive_bracelets(a, x, k) for k in range(1, self.max_pairs + 1)]
        while True:
            k = rng.choices(range(1, self.max_pairs + 1), weights)[0]
            word = tuple((rng.randrange(a), rng.randrange(x)) for _ in range(k))
            if _is_primitive(word):
                return _flatten(canonical_word(word))

    def build(self, recipe: tuple[int, ...]) -> _Built:
        pairs = [
            (self.arylenes[a], self.linkers[x])
            for a, x in zip(recipe[::2], recipe[1::2], strict=True)
        ]
        text = "".join(ar.body + ln.body for ar, ln in pairs)
        return f"*{text}*", tuple(p.name for pair in pairs for p in pair)


def _flatten(word: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    return tuple(i for pair in word for i in pair)


def _rotations(word: tuple[tuple[int, int], ...]) -> Iterator[tuple[tuple[int, int], ...]]:
    for r in range(len(word)):
        yield word[r:] + word[:r]


def _reversed_word(word: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """The chain read backwards from the same arylene: a₀ x₋₁ a₋₁ x₋₂ …"""
    k = len(word)
    return tuple((word[-j % k][0], word[(-j - 1) % k][1]) for j in range(k))


def canonical_word(word: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Least image of an (arylene, linker) cycle under rotation and reversal."""
    return min(min(_rotations(word)), min(_rotations(_reversed_word(word))))


def _is_primitive(word: tuple[tuple[int, int], ...]) -> bool:
    k = len(word)
    return all(word[d:] + word[:d] != word for d in range(1, k) if k % d == 0)


def _cycles(perm: list[int]) -> int:
    seen, count = set(), 0
    for start in range(len(perm)):
        if start not in seen:
            count += 1
            j = start
            while j not in seen:
                seen.add(j)
                j = perm[j]
    return count


def bracelets(n_arylenes: int, n_linkers: int, k: int) -> int:
    """Cycles of k (arylene, linker) pairs up to rotation and reversal (Burnside's lemma).

    Rotation by r fixes (a·x)^gcd(r, k) words; the reversal composed with rotation r maps
    arylene j to r − j and linker j to r − 1 − j, fixing a^cycles · x^cycles words.
    """
    pairs = n_arylenes * n_linkers
    fixed = sum(pairs ** math.gcd(r, k) for r in range(k))
    for r in range(k):
        cycles_a = _cycles([(r - j) % k for j in range(k)])
        cycles_x = _cycles([(r - 1 - j) % k for j in range(k)])
        fixed += n_arylenes**cycles_a * n_linkers**cycles_x
    return fixed // (2 * k)


def primitive_bracelets(n_arylenes: int, n_linkers: int, k: int) -> int:
    """Bracelets of exactly k pairs that repeat no shorter word (Möbius inversion)."""
    return sum(
        _mobius(k // d) * bracelets(n_arylenes, n_linkers, d) for d in range(1, k + 1) if k % d == 0
    )


def _mobius(n: int) -> int:
    result, p = 1, 2
    while p * p <= n:
        if n % p == 0:
            n //= p
            if n % p == 0:
                return 0
            result = -result
        p += 1
    return -result if n > 1 else result


# --- families --------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """A polymer family: one or more recipe spaces, drawn in proportion to their size."""

    name: str
    description: str
    spaces: tuple[_Listed | _Pairs | _AromaticChains, ...]

    @property
    def size(self) -> int:
        """Distinct repeat units this family can produce (exact)."""
        return sum(s.size for s in self.spaces)

    def draw(self, rng: random.Random) -> tuple[int, ...]:
        pick = rng.randrange(self.size)
        for index, space in enumerate(self.spaces):
            if pick < space.size:
                return (index, *space.draw(rng))
            pick -= space.size
        raise AssertionError("unreachable: pick < size")

    def build(self, recipe: tuple[int, ...]) -> _Built:
        return self.spaces[recipe[0]].build(recipe[1:])


def _units(family: str, role: str) -> tuple[_Built, ...]:
    return tuple((p.smiles, (p.name,)) for p in _pieces(family, role))


def _joined(*roles: tuple[str, str], head: str = "", pieces_from: str = "") -> tuple[_Built, ...]:
    """All units ``*head + body₁ + body₂ …*`` over the pieces of the given (family, role)s."""
    lists = [_pieces(family, role) for family, role in roles]
    return tuple(
        (f"*{head}{''.join(p.body for p in combo)}*", tuple(p.name for p in combo))
        for combo in product(*lists)
    )


def _vinyl_monomers(family: str) -> tuple[_Built, ...]:
    """Backbone pieces ``CC(side)(α)`` of vinyl and vinylidene monomers.

    Side groups are direct (Cl, phenyl, …) or a linker plus a terminal (ester + butyl =
    butyl acrylate). When the side group could itself be an α group, the pair is
    unordered (CH₂=C(CH₃)Cl is one monomer), so such duplicates are dropped.
    """
    sides = [(p.body, (p.name,)) for p in _pieces(family, "side")]
    sides += [
        (link.body + end.body, (link.name, end.name))
        for link in _pieces(family, "side_linker")
        for end in _pieces(family, "terminal")
    ]
    alphas = [("", ())] + [(p.body, (p.name,)) for p in _pieces(family, "alpha")]
    alpha_bodies = {body for body, _ in alphas}
    monomers: dict[tuple[str, str], _Built] = {}
    for side, side_names in sides:
        for alpha, alpha_names in alphas:
            key = tuple(sorted((side, alpha))) if side in alpha_bodies else (side, alpha)
            text = f"CC({side})({alpha})" if alpha else f"CC({side})"
            monomers.setdefault(key, (text, side_names + alpha_names))
    return tuple(monomers.values())


def _diene_units() -> tuple[_Built, ...]:
    """1,4-dienes ``CC(R₁)=C(R₂)C``; reading the chain backwards swaps R₁ and R₂."""
    subs = [("", "H")] + [
        (p.body, p.name) for p in _pieces("polyolefin_diene", "diene_substituent")
    ]
    units = []
    for i, (r1, n1) in enumerate(subs):
        for r2, n2 in subs[i:]:
            text = "*CC" + (f"({r1})" if r1 else "") + "=C" + (f"({r2})" if r2 else "") + "C*"
            units.append((text, ("1,4-butadiene", n1, n2)))
    return tuple(units)


def _polyureas() -> tuple[_Built, ...]:
    """-CO-NH-R-NH-CO-NH-R'-NH-: diisocyanate R and diamine R' play the same part.

    So OCN-R-NCO + H₂N-R'-NH₂ and OCN-R'-NCO + H₂N-R-NH₂ are one polymer, kept once.
    """
    units: dict[tuple[str, str], _Built] = {}
    for iso in _pieces("polyurea", "diisocyanate"):
        for amine in _pieces("polyurea", "diamine"):
            cores = (iso.body.removeprefix("C(=O)").removesuffix("C(=O)"), amine.body)
            units.setdefault(
                tuple(sorted(cores)),
                (f"*C(=O){cores[0]}C(=O){cores[1]}*", (iso.name, amine.name)),
            )
    return tuple(units.values())


def _siloxane_monomers() -> tuple[_Built, ...]:
    subs = _pieces("siloxane", "silicon_substituent")
    return tuple(
        (f"[Si]({a.body})({b.body})O", ("siloxane", a.name, b.name))
        for i, a in enumerate(subs)
        for b in subs[i:]
    )


def _imide_diamines() -> tuple[Piece, ...]:
    """Primary diamines (``*N…N*``) whose core joins two imide nitrogens in a polyimide."""
    cores = []
    for p in _pieces("polyimide", "diamine"):
        if not (p.smiles.startswith("*N") and p.smiles.endswith("N*")):
            raise ValueError(f"Diamine {p.name} for polyimides must be written *N…N*.")
        cores.append(Piece(p.role, p.name, p.smiles[2:-2], p.families, p.description, p.source))
    return tuple(cores)


@cache
def families() -> dict[str, Family]:
    """Every family by name, built once from ``building_blocks.csv``."""
    vinyl = _vinyl_monomers("vinyl")
    imides = tuple(
        (f"*{d.body}{core.smiles}*", (d.name, core.name))
        for d in _pieces("polyimide", "dianhydride")
        for core in _imide_diamines()
    )
    siloxanes = _siloxane_monomers()
    specs = [
        ("vinyl", "vinyl and acrylic homopolymers -CH2-C(side)(α)-", [_Listed(tuple(
            (f"*{text}*", names) for text, names in vinyl))]),
        ("vinyl_alternating", "1:1 alternating copolymers of two vinyl monomers (as ETFE)",
         [_Pairs(_vinyl_monomers("vinyl_alternating"))]),
        ("polyolefin_diene", "polyolefins, fluoro-olefins, 1,4-dienes and ROMP backbones",
         [_Listed(_units("polyolefin_diene", "unit") + _diene_units())]),
        ("polyether", "aliphatic polyethers from epoxides, oxetanes, THF and formaldehyde",
         [_Listed(tuple((f"*CC({p.body})O*", (p.name,)) for p in _pieces("polyether", "side"))
                  + _units("polyether", "ab_unit"))]),
        ("polyester", "polyesters from a diacid and a diol, or a hydroxy acid",
         [_Listed(_joined(("polyester", "diacid"), ("polyester", "diol"))
                  + _units("polyester", "ab_unit"))]),
        ("polyamide", "polyamides from a diacid and a diamine, or an amino acid",
         [_Listed(_joined(("polyamide", "diacid"), ("polyamide", "diamine"))
                  + _units("polyamide", "ab_unit"))]),
        ("polycarbonate", "polycarbonates -O-R-O-CO- from a diol",
         [_Listed(_joined(("polycarbonate", "diol"), head="C(=O)"))]),
        ("polyurethane", "polyurethanes from a diisocyanate and a diol",
         [_Listed(_joined(("polyurethane", "diisocyanate"), ("polyurethane", "diol")))]),
        ("polyurea", "polyureas from a diisocyanate and a diamine", [_Listed(_polyureas())]),
        ("polyimide", "polyimides from a dianhydride and a primary diamine", [_Listed(imides)]),
        ("aromatic", "poly(aryl ether/ketone/sulfone/sulfide)s and relatives",
         [_AromaticChains(_pieces("aromatic", "arylene"), _pieces("aromatic", "aryl_linker")),
          _Listed(_units("aromatic", "ab_unit"))]),
        ("siloxane", "polysiloxanes -Si(R1)(R2)-O-, homo and alternating",
         [_Listed(tuple((f"*{t}*", n) for t, n in siloxanes)), _Pairs(siloxanes)]),
    ]  # fmt: skip
    return {name: Family(name, text, tuple(spaces)) for name, text, spaces in specs}


def count_reachable(names: Iterable[str] | None = None) -> dict[str, int]:
    """Exact number of distinct repeat units per family (recipes are canonical)."""
    chosen = _choose(names)
    return {f.name: f.size for f in chosen}


def _choose(names: Iterable[str] | None) -> list[Family]:
    catalogue = families()
    if names is None:
        return list(catalogue.values())
    names = list(names)
    unknown = [n for n in names if n not in catalogue]
    if unknown or not names:
        raise ValueError(
            f"Unknown polymer famil(ies) {unknown or names}; choose from {', '.join(catalogue)}."
        )
    return [catalogue[n] for n in dict.fromkeys(names)]


# --- generation --------------------------------------------------------------------------


def generate_polymers(
    n: int,
    *,
    seed: int,
    families: Iterable[str] | None = None,
    estimate: bool = True,
    stats: GenerationStats | None = None,
) -> Iterator[HypotheticalPolymer]:
    """Yield up to ``n`` distinct, valid hypothetical polymers, reproducibly from ``seed``.

    Distinct means distinct canonical SMILES; since recipes are canonical (rotations and
    reversals of one chain are one recipe), distinct polymers too, which the tests check
    with `engine.identity.polymer_key` (not run here: it costs as much as a third of a
    parse). Each draw picks a family uniformly (so small families are not drowned by the
    large ones) and then a recipe uniformly within it; a family leaves the draw once all its
    recipes are used. With ``estimate`` (the default) each polymer is fully covered by
    the group library and carries its `MaterialProperties`; without it, only parsing is
    checked, which is what a caller that estimates later in bulk needs. Pass ``stats``
    to learn how many draws were duplicates or rejected, and why.
    """
    stats = stats if stats is not None else GenerationStats()
    rng = random.Random(seed)
    active = _choose(families)
    used: dict[str, set[tuple[int, ...]]] = {f.name: set() for f in active}
    emitted: set[str] = set()
    while len(emitted) < n and active:
        family = active[rng.randrange(len(active))]
        recipe = family.draw(rng)
        stats.drawn += 1
        seen = used[family.name]
        if recipe in seen:
            stats.duplicate_recipes += 1
            continue
        seen.add(recipe)
        if len(seen) == family.size:
            active.remove(family)
        smiles, pieces = family.build(recipe)
        try:
            polymer = parse_polymer(smiles)
        except PolymerError:
            stats.rejected["unparseable"] += 1
            continue
        if polymer.smiles in emitted:
            stats.duplicate_polymers += 1
            continue
        properties = None
        if estimate:
            try:
                properties = estimate_properties(polymer)
            except CoverageError:
                stats.rejected["not covered by the group library"] += 1
                continue
            except (ValueError, ArithmeticError):
                stats.rejected["property estimate failed"] += 1
                continue
        emitted.add(polymer.smiles)
        stats.emitted += 1
        yield HypotheticalPolymer(polymer, family.name, pieces, properties)
