"""Repeat-unit parsing: canonical forms, composition, and one sentence for every bad input."""

import math

import pytest

from engine.polymer import PolymerError, depict_png, depict_svg, parse_polymer

# Formulas of the shipped repeat units, as checked in resources/data/cone/SOURCES.md.
KNOWN = {
    "*CC(*)(C)C(=O)OC": "C5H8O2",
    "*CC*": "C2H4",
    "*CC(*)C": "C3H6",
    "*CC(*)c1ccccc1": "C8H8",
    "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1": "C16H14O3",
    "*OCCOC(=O)c1ccc(C(*)=O)cc1": "C10H8O4",
    "*OCCCCOC(=O)c1ccc(C(*)=O)cc1": "C12H12O4",
    "*NCCCCCCNC(=O)CCCCC(*)=O": "C12H22N2O2",
    "*CC(*)Cl": "C2H3Cl",
    "*CO*": "CH2O",
    "*Oc1c(C)cc(*)cc1C": "C8H8O",
    "*Sc1ccc(*)cc1": "C6H4S",
}


@pytest.mark.parametrize(("smiles", "formula"), KNOWN.items())
def test_formula_of_shipped_repeat_units(smiles, formula):
    assert parse_polymer(smiles).formula == formula


def test_attachment_points_are_backbone_neighbours_not_hydrogens():
    pe = parse_polymer("*CC*")
    assert pe.element_counts == {"C": 2, "H": 4}
    assert math.isclose(pe.molar_mass_kg_mol, 0.028054, rel_tol=1e-4)


def test_mass_fractions_sum_to_one_and_match_pmma():
    pmma = parse_polymer("*CC(*)(C)C(=O)OC")
    assert math.isclose(sum(pmma.mass_fractions.values()), 1.0, rel_tol=1e-12)
    assert math.isclose(pmma.mass_fractions["C"], 60.05 / 100.12, rel_tol=1e-3)


@pytest.mark.parametrize(
    "variant", ["*CC(*)c1ccccc1", "*C(c1ccccc1)C*", "[*]CC([*])C1=CC=CC=C1", " *CC(*)c1ccccc1 "]
)
def test_equivalent_spellings_share_one_canonical_smiles(variant):
    assert parse_polymer(variant).smiles == "*CC(*)c1ccccc1"


def test_copolymer_fractions_mole_and_mass():
    mole = parse_polymer("*CC*.*CC(*)C", [0.5, 0.5])
    assert mole.mole_fractions == (0.5, 0.5)
    assert mole.formula == "C2.50H5"
    mass = parse_polymer("*CC(*)C.*CC*", [1.0, 1.0], basis="mass")
    # Equal masses: the lighter ethylene unit is 42.08/28.05 times more numerous.
    x = dict(zip((u.smiles for u in mass.units), mass.mole_fractions, strict=True))
    assert math.isclose(x["*CC*"] / x["*CC(*)C"], 42.081 / 28.054, rel_tol=1e-3)
    assert math.isclose(sum(mass.unit_mass_fractions), 1.0)


def test_identical_units_merge_and_copolymer_order_is_canonical():
    merged = parse_polymer("*CC*.*CC*", [0.3, 0.7])
    assert merged.is_homopolymer and merged.mole_fractions == (1.0,)
    a = parse_polymer("*CC(*)C.*CC*", [0.2, 0.8])
    b = parse_polymer("*CC*.*CC(*)C", [0.8, 0.2])
    assert a == b


def test_depictions_are_real_svg_and_png():
    ps = parse_polymer("*CC(*)c1ccccc1")
    svg = depict_svg(ps, highlight=[1])
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    png = depict_png(ps, width=200, height=150)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000


BAD_INPUTS = {
    "empty": ("", "empty"),
    "whitespace": ("   \t ", "empty"),
    "newline only": ("\n", "empty"),
    "no attachment": ("CC", "no attachment points"),
    "benzene": ("c1ccccc1", "no attachment points"),
    "one attachment": ("*CC", "1 attachment point"),
    "three attachments": ("*C(*)C*", "3 attachment points"),
    "four attachments": ("*C(*)(*)C*", "4 attachment points"),
    "unclosed ring": ("*C1CC*", "ring is opened but never closed"),
    "unclosed ring two": ("*c1ccc(*)cc", "ring is opened but never closed"),
    "ring to itself": ("*C11*", "ring-closure"),
    "open branch": ("*CC(*", "never closed"),
    "extra close": ("*CC)C*", "without a matching"),
    "open bracket": ("*C[C*", "bracket"),
    "five-valent carbon": ("*C(C)(C)(C)(C)*", "valence"),
    "hexavalent carbon": ("*C(=O)(=O)*", "valence"),
    "triple triple": ("*C#C#C*", "valence"),
    "divalent fluorine": ("*F*", "valence"),
    "trivalent chlorine": ("*Cl(C)*", "valence"),
    "bad aromatic ring": ("*c1cccc1*", "aromatic ring"),
    "pyrrole without H": ("*c1ccc(*)n1", "aromatic ring"),
    "unknown element": ("*C[Xx]C*", "is not an element"),
    "unknown element two": ("*C[Zz]C*", "is not an element"),
    "noble gas": ("*C[Xe]C*", "noble gas"),
    "selenium": ("*C[Se]C*", "no group contribution data"),
    "phosphorus": ("*CP(=O)(O)C*", "no group contribution data"),
    "iodine": ("*CC(*)I", "no group contribution data"),
    "sodium": ("*C[Na]C*", "metal"),
    "iron": ("*C[Fe]C*", "metal"),
    "tin": ("*C[Sn](C)(C)C*", "metal"),
    "cation": ("*C[N+](C)(C)C*", "charge"),
    "anion": ("*CC(*)C(=O)[O-]", "charge"),
    "radical": ("*[CH]C*", "radical"),
    "radical two": ("*C[C](C)C*", "radical"),
    "10 000 characters": ("C" * 10_000, "10000 characters"),
    "long repeat unit": ("*" + "C" * 250 + "*", "heavy atoms"),
    "non-ascii cedilla": ("*CÇ*", "plain ASCII"),
    "non-ascii greek": ("*CC(*)α", "plain ASCII"),
    "non-ascii dash": ("*C–C*", "plain ASCII"),
    "emoji": ("*C🔥C*", "plain ASCII"),
    "zero-width space": ("*C\u200bC*", "plain ASCII"),
    "reaction": ("C=C>>*CC*", "reaction SMILES"),
    "agent reaction": ("CC>O>CO", "reaction SMILES"),
    "csv line": ("PMMA,*CC(*)(C)C(=O)OC,50,6", "line from a table"),
    "csv semicolon": ("*CC*;50;6", "line from a table"),
    "tab separated": ("*CC*\t50", "line from a table"),
    "name after smiles": ("*CC* polyethylene", "space"),
    "trailing dot": ("*CC*.", "empty part"),
    "double dot": ("*CC*..*CC(*)C", "empty part"),
    "leading dot": (".*CC*", "empty part"),
    "copolymer part without attachment": ("*CC*.Cl", "Repeat unit 2"),
    "salt": ("*CC(*)C(=O)O.[Na+]", "Repeat unit 2"),
    "double-bonded attachment": ("*=CC*", "single bonds"),
    "bonded attachments": ("**", "bonded to each other"),
    "two bonds on attachment": ("*CC*C", "exactly one atom"),
    "percent syntax": ("*CC%C*", "position"),
    "double equals": ("*C==C*", "position"),
    "english words": ("polystyrene", "position"),
    "inchi": ("InChI=1S/C2H4/c1-2/h1-2H2", "position"),
    "only attachment atoms": ("*[H]*", "valence"),
    "isotope only": ("*[2H]*", "valence"),
}


@pytest.mark.parametrize(("text", "expected"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_gives_one_sentence(text, expected):
    with pytest.raises(PolymerError) as info:
        parse_polymer(text)
    message = str(info.value)
    assert expected.lower() in message.lower(), message
    assert "\n" not in message and message.endswith(".")
    assert "Traceback" not in message and "rdkit" not in message.lower()


def test_at_least_fifty_bad_inputs():
    assert len(BAD_INPUTS) >= 50


@pytest.mark.parametrize(
    ("value", "fractions", "expected"),
    [
        (None, None, "must be text"),
        (42, None, "must be text"),
        ("*CC*.*CC(*)C", [1.0], "one fraction per unit"),
        ("*CC*.*CC(*)C", [0.5, -0.5], "positive finite"),
        ("*CC*.*CC(*)C", [0.5, float("nan")], "positive finite"),
        ("*CC*.*CC(*)C", ["a", "b"], "numbers"),
    ],
)
def test_bad_argument_types_and_fractions(value, fractions, expected):
    with pytest.raises(PolymerError, match=expected):
        parse_polymer(value, fractions)


def test_bad_basis():
    with pytest.raises(PolymerError, match="basis"):
        parse_polymer("*CC*", basis="volume")


def test_highlight_lights_the_bonds_between_highlighted_atoms():
    import re

    pet = parse_polymer("*OCCOC(=O)c1ccc(C(*)=O)cc1")  # atoms 4, 5, 6: O-C(=O) of the ester
    svg = depict_svg(pet, highlight=[4, 5, 6])
    lit = set(re.findall(r"<path class='bond-(\d+) [^>]*#FF7F7F", svg))
    mol = pet.units[0].mol
    expected = {
        str(b.GetIdx())
        for b in mol.GetBonds()
        if {b.GetBeginAtomIdx(), b.GetEndAtomIdx()} <= {4, 5, 6}
    }
    assert lit == expected and len(expected) == 2
    assert "#FF7F7F" not in depict_svg(pet)
