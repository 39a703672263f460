"""Repeat-unit SMILES → a validated, canonical `Polymer`.

A repeat unit is a SMILES with exactly two ``*`` attachment points (``*CC(*)c1ccccc1``
is polystyrene). Copolymers and blends join repeat units with ``.`` and take fractions
separately. Chain properties treat each ``*`` as the neighbouring backbone atom, never as
a hydrogen, so polyethylene ``*CC*`` is C2H4.

Every failure raises `PolymerError` with one sentence a chemist understands; no RDKit
traceback or log line ever reaches the user.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, wraps
from typing import Literal, TypeVar

from rdkit import Chem, rdBase
from rdkit.Chem import rdDepictor

#: Elements the group-contribution library has data for.
SUPPORTED_ELEMENTS = frozenset({"C", "H", "N", "O", "S", "F", "Cl", "Br", "Si"})
#: Longest SMILES accepted; real repeat units are a few hundred characters at most.
MAX_SMILES_LENGTH = 1000
#: Largest repeat unit accepted, in heavy atoms (PEI, a large one, has 51).
MAX_HEAVY_ATOMS = 200

#: Non-metals and metalloids; every other element is reported as a metal.
_NONMETALS = frozenset(
    "H He B C N O F Ne Si P S Cl Ar Ge As Se Br Kr Sb Te I Xe At Rn Ts Og".split()
)
_NOBLE = frozenset(["He", "Ne", "Ar", "Kr", "Xe", "Rn"])
_POSITION = re.compile(r"around position (\d+)")
_EXAMPLE = "*CC(*)c1ccccc1 for polystyrene"


class PolymerError(ValueError):
    """An input that is not a usable polymer repeat unit; the message says why."""


@dataclass(frozen=True)
class RepeatUnit:
    """One repeat unit: canonical SMILES, composition and the RDKit molecule.

    ``atomic_numbers`` are those of ``mol`` by atom index (0 for ``*``), read once by the
    parse: the group and chain code needs them for every unit, and reading them through
    RDKit's Python wrappers again costs about a microsecond per atom each time.
    """

    smiles: str
    element_counts: Mapping[str, int]
    molar_mass_kg_mol: float
    mol: Chem.Mol = field(repr=False, compare=False)
    atomic_numbers: tuple[int, ...] = field(repr=False, compare=False)

    @property
    def formula(self) -> str:
        return hill_formula(self.element_counts)

    @classmethod
    def from_smiles(cls, smiles: str) -> RepeatUnit:
        """Rebuild a unit from a canonical SMILES this module produced."""
        return _parse_unit(smiles, index=1, of=1)

    @property
    def heavy_atom_count(self) -> int:
        return sum(n for el, n in self.element_counts.items() if el != "H")


@dataclass(frozen=True)
class Polymer:
    """A homopolymer, copolymer or blend of repeat units with mole fractions."""

    units: tuple[RepeatUnit, ...]
    mole_fractions: tuple[float, ...]
    name: str | None = None

    @property
    def smiles(self) -> str:
        """Canonical SMILES: the units' canonical SMILES joined with ``.``."""
        return ".".join(u.smiles for u in self.units)

    @property
    def is_homopolymer(self) -> bool:
        return len(self.units) == 1

    @cached_property
    def element_counts(self) -> dict[str, float]:
        """Atoms per average repeat unit (mole-fraction weighted)."""
        counts: Counter[str] = Counter()
        for unit, x in zip(self.units, self.mole_fractions, strict=True):
            for el, n in unit.element_counts.items():
                counts[el] += x * n
        return dict(counts)

    @property
    def formula(self) -> str:
        """Hill formula of the repeat unit (of the average unit for a copolymer)."""
        return hill_formula(self.element_counts)

    @property
    def molar_mass_kg_mol(self) -> float:
        """Molar mass of the (average) repeat unit."""
        return sum(
            x * u.molar_mass_kg_mol for u, x in zip(self.units, self.mole_fractions, strict=True)
        )

    @cached_property
    def mass_fractions(self) -> dict[str, float]:
        """Elemental mass fractions (kg of element per kg of polymer)."""
        total = self.molar_mass_kg_mol
        return {el: n * atomic_mass_kg_mol(el) / total for el, n in self.element_counts.items()}

    @cached_property
    def unit_mass_fractions(self) -> tuple[float, ...]:
        """Mass fraction of each repeat unit in the polymer."""
        masses = [
            x * u.molar_mass_kg_mol for u, x in zip(self.units, self.mole_fractions, strict=True)
        ]
        total = sum(masses)
        return tuple(m / total for m in masses)


_PERIODIC = Chem.GetPeriodicTable()
_ELEMENT_SYMBOLS = frozenset(_PERIODIC.GetElementSymbol(z) for z in range(1, 119))
_SYMBOLS = {z: _PERIODIC.GetElementSymbol(z) for z in range(1, 119)}
_SUPPORTED_NUMBERS = frozenset(_PERIODIC.GetAtomicNumber(el) for el in SUPPORTED_ELEMENTS)


@cache
def atomic_mass_kg_mol(symbol: str) -> float:
    """Standard atomic weight (IUPAC, via RDKit's periodic table) in kg/mol; cached, as
    the estimators ask for it atom by atom."""
    return _PERIODIC.GetAtomicWeight(symbol) / 1000.0


def hill_formula(counts: Mapping[str, float]) -> str:
    """Hill-order formula (C, H, then alphabetical); fractional counts keep 2 decimals."""

    def part(el: str) -> str:
        n = counts[el]
        if abs(n - round(n)) < 1e-9:
            n_int = round(n)
            return el if n_int == 1 else f"{el}{n_int}"
        return f"{el}{n:.2f}"

    present = [el for el, n in counts.items() if n > 0]
    order = sorted(present, key=lambda el: (el != "C", el != "H" or "C" not in present, el))
    return "".join(part(el) for el in order)


def parse_polymer(
    smiles: str,
    fractions: Sequence[float] | None = None,
    *,
    basis: Literal["mole", "mass"] = "mole",
    name: str | None = None,
) -> Polymer:
    """Validate and canonicalise a repeat-unit SMILES (``.`` joins copolymer units).

    ``fractions`` weight the units (mole or mass basis, normalised to sum to one);
    without them the units of a copolymer are taken in equal moles. Identical units
    are merged. Raises `PolymerError` with one sentence on any problem.
    """
    text = _check_text(smiles)
    parts = text.split(".")
    if fractions is not None:
        fractions = _check_fractions(fractions, len(parts))
    units = [_parse_unit(part, index=i + 1, of=len(parts)) for i, part in enumerate(parts)]
    weights = list(fractions) if fractions is not None else [1.0] * len(units)
    if basis == "mass":
        weights = [w / u.molar_mass_kg_mol for w, u in zip(weights, units, strict=True)]
    elif basis != "mole":
        raise PolymerError(f"Fraction basis must be 'mole' or 'mass', not {basis!r}.")
    merged: dict[str, tuple[RepeatUnit, float]] = {}
    for unit, w in zip(units, weights, strict=True):
        prev = merged.get(unit.smiles)
        merged[unit.smiles] = (unit, w + (prev[1] if prev else 0.0))
    ordered = sorted(merged.values(), key=lambda item: item[0].smiles)
    total = sum(w for _, w in ordered)
    return Polymer(
        units=tuple(u for u, _ in ordered),
        mole_fractions=tuple(w / total for _, w in ordered),
        name=name,
    )


def _check_text(smiles: object) -> str:
    if not isinstance(smiles, str):
        raise PolymerError(
            f"A SMILES must be text, not {type(smiles).__name__}; give e.g. {_EXAMPLE}."
        )
    text = smiles.strip()
    if not text:
        raise PolymerError(f"The SMILES is empty; give a repeat unit such as {_EXAMPLE}.")
    if len(text) > MAX_SMILES_LENGTH:
        raise PolymerError(
            f"The SMILES is {len(text)} characters long; repeat units longer than "
            f"{MAX_SMILES_LENGTH} characters are not supported."
        )
    for sep, what in ((",", "a comma"), (";", "a semicolon"), ("\t", "a tab")):
        if sep in text:
            raise PolymerError(
                f"The SMILES contains {what} at position {text.index(sep) + 1}, so it looks "
                "like a line from a table; paste only the SMILES cell."
            )
    if not (text.isascii() and text.isprintable()):
        _refuse_unusual_character(text)
    if ">" in text:
        raise PolymerError(
            "This is a reaction SMILES (it contains '>'); give the polymer's repeat unit "
            f"instead, e.g. {_EXAMPLE}."
        )
    if any(ch.isspace() for ch in text):
        pos = next(i for i, ch in enumerate(text, start=1) if ch.isspace())
        raise PolymerError(
            f"The SMILES contains a space at position {pos}; a SMILES has no spaces, "
            "so remove it (and any name after it)."
        )
    if text.startswith(".") or text.endswith(".") or ".." in text:
        raise PolymerError(
            "The SMILES has an empty part between '.' separators; join copolymer repeat "
            "units as *CC*.*CC(*)C."
        )
    return text


def _refuse_unusual_character(text: str) -> None:
    """Name the first character that is not printable ASCII (the caller has seen one)."""
    for pos, ch in enumerate(text, start=1):
        if not ch.isascii() or not ch.isprintable():
            label = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise PolymerError(
                f"Character {pos} of the SMILES is {label!s}, which SMILES does not use; "
                "retype it in plain ASCII."
            )


def _check_fractions(fractions: Sequence[float], n_units: int) -> list[float]:
    try:
        values = [float(f) for f in fractions]
    except (TypeError, ValueError):
        raise PolymerError("Fractions must be numbers, e.g. 0.7 and 0.3.") from None
    if len(values) != n_units:
        raise PolymerError(
            f"{len(values)} fraction(s) were given for {n_units} repeat unit(s); "
            "give one fraction per unit."
        )
    if any(not math.isfinite(v) or v <= 0 for v in values):
        raise PolymerError("Every fraction must be a positive finite number.")
    return values


def _parse_unit(text: str, *, index: int, of: int) -> RepeatUnit:
    where = "" if of == 1 else f"Repeat unit {index} ({text}): "
    with rdBase.CaptureErrorLog() as capture:
        mol = Chem.MolFromSmiles(text, sanitize=False)
    if mol is None:
        raise PolymerError(where + _parse_failure(text, capture.messages))
    atoms = _atoms(mol)
    _check_elements(atoms, where)
    _check_attachments(mol, atoms, where)
    _sanitize(mol, text, where)
    _check_charges_and_radicals(atoms, where)
    if mol.GetNumAtoms() - 2 > MAX_HEAVY_ATOMS:
        raise PolymerError(
            f"{where}The repeat unit has {mol.GetNumAtoms() - 2} heavy atoms; the largest "
            f"supported is {MAX_HEAVY_ATOMS}."
        )
    canonical = Chem.MolToSmiles(mol)
    elements = {atom.GetAtomicNum() for atom in atoms}
    mol = Chem.MolFromSmiles(canonical)
    numbers = _atomic_numbers(mol, elements)
    counts = _element_counts(mol, numbers)
    mass = sum(n * atomic_mass_kg_mol(el) for el, n in counts.items())
    return RepeatUnit(
        smiles=canonical,
        element_counts=dict(counts),
        molar_mass_kg_mol=mass,
        mol=mol,
        atomic_numbers=numbers,
    )


def _atomic_numbers(mol: Chem.Mol, elements: set[int]) -> tuple[int, ...]:
    """Atomic numbers by atom index (0 for ``*``), by one query per element of
    ``elements`` (those of the molecule as written, a superset of the canonical one's):
    a few calls instead of an RDKit atom handle, about a microsecond, per atom."""
    numbers = [0] * mol.GetNumAtoms()
    for number in elements - {0}:
        for (i,) in mol.GetSubstructMatches(_element_query(number)):
            numbers[i] = number
    return tuple(numbers)


@cache
def _element_query(number: int) -> Chem.Mol:
    return Chem.MolFromSmarts(f"[#{number}]")


def _element_counts(mol: Chem.Mol, numbers: Sequence[int]) -> dict[str, int]:
    """Atoms by element, hydrogens included, in the order each element first appears.

    ``numbers`` are the atomic numbers of ``mol``. ``H`` follows the first heavy atom (as
    if counted atom by atom); the hydrogen total comes from RDKit in one call, since
    reading every atom's count is slow.
    """
    counts: Counter[str] = Counter()
    for number in numbers:
        if number == 0:
            continue
        counts[_SYMBOLS[number]] += 1
        counts.setdefault("H", 0)
    if "H" in counts:
        counts["H"] += mol.GetNumAtoms(onlyExplicit=False) - mol.GetNumAtoms()
    return dict(counts)


_Result = TypeVar("_Result")
_PerUnit = Callable[[RepeatUnit], _Result]


def cached_per_unit(maxsize: int) -> Callable[[_PerUnit[_Result]], _PerUnit[_Result]]:
    """Cache a function of one `RepeatUnit` by the unit's canonical SMILES, least
    recently used first out once ``maxsize`` units are held.

    Units with one canonical SMILES have the same molecule, atom for atom (the parse
    rebuilds it from that SMILES), so one result serves every unit parsed from it: an
    estimate, a prediction and a table of the same polymer share the work. The key is
    the SMILES text because a unit itself does not hash (its counts are a dict).
    """

    def decorate(fn: _PerUnit[_Result]) -> _PerUnit[_Result]:
        store: OrderedDict[str, _Result] = OrderedDict()

        @wraps(fn)
        def cached(unit: RepeatUnit) -> _Result:
            key = unit.smiles
            if key in store:
                store.move_to_end(key)
                return store[key]
            result = store[key] = fn(unit)
            if len(store) > maxsize:
                store.popitem(last=False)
            return result

        return cached

    return decorate


def _atoms(mol: Chem.Mol) -> list[Chem.Atom]:
    """The atoms in index order; much faster than iterating ``mol.GetAtoms()``."""
    return list(map(mol.GetAtomWithIdx, range(mol.GetNumAtoms())))


def _sanitize(mol: Chem.Mol, text: str, where: str) -> None:
    """Sanitise in place; only on failure diagnose a fresh copy, to name the problem.

    A molecule that sanitises has no chemistry problems to report, so the (costly)
    diagnosis runs only for the inputs that need a message.
    """
    try:
        with rdBase.CaptureErrorLog():
            Chem.SanitizeMol(mol)
    except Exception:
        with rdBase.CaptureErrorLog():
            fresh = Chem.MolFromSmiles(text, sanitize=False)
            problems = Chem.DetectChemistryProblems(fresh)
        if problems:
            raise PolymerError(where + _chemistry_problem(fresh, problems[0])) from None
        raise


def _parse_failure(text: str, log: str) -> str:
    if "unclosed ring" in log:
        return "A ring is opened but never closed; check the ring-closure digits."
    if "extra open parentheses" in log:
        return "A branch '(' is never closed; add the missing ')'."
    if "extra close parentheses" in log:
        return "There is a ')' without a matching '('; remove it or add the '('."
    if "ring closure" in log or "duplicated" in log:
        return "A ring-closure digit joins an atom to itself or twice to one atom."
    if text.count("[") != text.count("]"):
        return "A bracket atom '[' is never closed by ']'."
    match = _POSITION.search(log)
    if match:
        pos = int(match.group(1))
        bracket = re.match(r"\[([A-Za-z]+)", text[max(pos - 1, 0) :]) or _bracket_at(text, pos)
        if bracket and _unknown_element(bracket.group(1)):
            return f"The bracket atom [{bracket.group(1)}] at position {pos} is not an element."
        shown = text[pos - 1] if 0 < pos <= len(text) else "end of input"
        return f"The SMILES is unparseable at position {pos} ({shown!r}); check the syntax there."
    return "The SMILES cannot be parsed; check it in a structure editor."


def _bracket_at(text: str, pos: int) -> re.Match[str] | None:
    start = text.rfind("[", 0, pos)
    return re.match(r"\[\d*([A-Za-z]+)", text[start:]) if start >= 0 else None


def _unknown_element(symbol: str) -> bool:
    return symbol.capitalize() not in _ELEMENT_SYMBOLS


def _check_elements(atoms: list[Chem.Atom], where: str) -> None:
    for atom in atoms:
        if atom.GetAtomicNum() in _SUPPORTED_NUMBERS or atom.GetAtomicNum() == 0:
            continue
        symbol = atom.GetSymbol()
        supported = ", ".join(sorted(SUPPORTED_ELEMENTS))
        if symbol not in _NONMETALS:
            reason = f"{symbol} is a metal; Trinity models organic polymers ({supported})"
        elif symbol in _NOBLE:
            reason = f"{symbol} is a noble gas and forms no polymer"
        else:
            reason = f"element {symbol} has no group contribution data (supported: {supported})"
        raise PolymerError(f"{where}Atom {atom.GetIdx() + 1} is {symbol}: {reason}.")


def _check_attachments(mol: Chem.Mol, atoms: list[Chem.Atom], where: str) -> None:
    dummies = [a for a in atoms if a.GetAtomicNum() == 0]
    n = len(dummies)
    if n == 0:
        raise PolymerError(
            f"{where}The SMILES has no attachment points; mark the two ends of the repeat "
            "unit with *, e.g. *CC* for polyethylene."
        )
    if n != 2:
        noun = "attachment point" if n == 1 else "attachment points"
        raise PolymerError(
            f"{where}The SMILES has {n} {noun}; a linear repeat unit has exactly 2 (*)."
        )
    for atom in dummies:
        bonds = atom.GetBonds()
        if len(bonds) != 1:
            raise PolymerError(
                f"{where}Each * must be bonded to exactly one atom, but one has {len(bonds)} bonds."
            )
        other = bonds[0].GetOtherAtom(atom)
        if other.GetAtomicNum() == 0:
            raise PolymerError(
                f"{where}The two * are bonded to each other; put atoms between them."
            )
        if bonds[0].GetBondType() != Chem.BondType.SINGLE:
            raise PolymerError(
                f"{where}A * is attached by a {str(bonds[0].GetBondType()).lower()} bond; "
                "attachment points must use single bonds."
            )


def _chemistry_problem(mol: Chem.Mol, problem: object) -> str:
    kind = problem.GetType()
    if kind == "AtomValenceException":
        atom = mol.GetAtomWithIdx(problem.GetAtomIdx())
        valence = sum(b.GetValenceContrib(atom) for b in atom.GetBonds()) + atom.GetNumExplicitHs()
        return (
            f"Atom {atom.GetIdx() + 1} ({atom.GetSymbol()}) has {valence:g} bonds, more than "
            f"its valence allows; check the bonds around it."
        )
    if kind in ("AtomKekulizeException", "KekulizeException"):
        return (
            "An aromatic ring cannot be given alternating double bonds; check the lowercase "
            "aromatic atoms (a pyrrole-type nitrogen needs [nH])."
        )
    return f"The structure is chemically invalid ({problem.Message().strip()})."


def _check_charges_and_radicals(atoms: list[Chem.Atom], where: str) -> None:
    for atom in atoms:
        if atom.GetFormalCharge():
            raise PolymerError(
                f"{where}Atom {atom.GetIdx() + 1} ({atom.GetSymbol()}) carries a charge of "
                f"{atom.GetFormalCharge():+d}; Trinity models neutral polymers only."
            )
        if atom.GetNumRadicalElectrons():
            raise PolymerError(
                f"{where}Atom {atom.GetIdx() + 1} ({atom.GetSymbol()}) has an unpaired electron "
                "(a radical); add the missing hydrogens or bonds."
            )


def depict_svg(
    polymer: Polymer, *, width: int = 400, height: int = 300, highlight: Sequence[int] = ()
) -> str:
    """2-D depiction as SVG text.

    ``highlight`` lists atom indices of ``polymer.smiles`` (units one after another, as
    `engine.gc.groups.group_atoms` gives them); bonds between highlighted atoms light too.
    """
    from rdkit.Chem.Draw import rdMolDraw2D  # drawing needs X libraries; headless jobs don't
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    _draw(drawer, polymer, highlight)
    return drawer.GetDrawingText()


def depict_png(
    polymer: Polymer, *, width: int = 400, height: int = 300, highlight: Sequence[int] = ()
) -> bytes:
    """2-D depiction as PNG bytes (Cairo renderer)."""
    from rdkit.Chem.Draw import rdMolDraw2D
    drawer = rdMolDraw2D.MolDraw2DCairo(width, height)
    _draw(drawer, polymer, highlight)
    return drawer.GetDrawingText()


def _draw(drawer, polymer: Polymer, highlight: Sequence[int]) -> None:
    mol = Chem.MolFromSmiles(polymer.smiles)
    rdDepictor.SetPreferCoordGen(True)
    rdDepictor.Compute2DCoords(mol)
    options = drawer.drawOptions()
    options.addStereoAnnotation = False
    options.clearBackground = True
    from rdkit.Chem.Draw import rdMolDraw2D

    atoms = set(highlight)
    bonds = [
        b.GetIdx() for b in mol.GetBonds() if {b.GetBeginAtomIdx(), b.GetEndAtomIdx()} <= atoms
    ]
    rdMolDraw2D.PrepareAndDrawMolecule(
        drawer, mol, highlightAtoms=sorted(atoms), highlightBonds=bonds
    )
    drawer.FinishDrawing()
