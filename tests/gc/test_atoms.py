"""The per-unit fast paths read the same facts as RDKit atom by atom and as the ring.

`engine.gc.atoms` reads flags by substructure queries and sees the chain through
`AtomTable.chain_neighbours`; `engine.polymer` reads atomic numbers by queries;
`closed_chain` builds the ring from the unit itself; the melting lookup rules units out by
their proportions. Each is checked against the plain way on generated and shipped units.
"""

import pytest
from rdkit import Chem

from engine.gc.atoms import atom_table
from engine.gc.flame import _aromatic_carbons
from engine.gc.groups import atom_test, closed_chain, fragment_on_ring, fragment_unit, load_groups
from engine.gc.melting import _table, melting
from engine.hypothetical import generate_polymers
from engine.identity import polymer_key
from engine.polymer import cached_per_unit, parse_polymer

WRITTEN = (
    "*CC*",
    "*C*",
    "*CC(*)C",
    "*C(F)(F)*",
    "*CC(*)Cl",
    "*CC(*)c1ccccc1",
    "*C[C@H](C)C[C@@H](*)C",
    "*C/C=C/C*",
    "*OCCOC(=O)c1ccc(C(*)=O)cc1",
    "*c1ccc(*)cc1",
    "*Oc1ccc(Oc2ccc(C(=O)c3ccc(*)cc3)cc2)cc1",
    "*[Si](C)(C)O*",
    "*CC(*)([2H])C",  # a hydrogen kept as a graph atom
    "*C(*)S(F)(F)(F)(F)F",
    "*CC(*)O",
    "*NCCCCCCNC(=O)CCCCC(*)=O",
)


@pytest.fixture(scope="module")
def units():
    generated = [h.polymer.units[0] for h in generate_polymers(600, seed=77, estimate=False)]
    return generated + [parse_polymer(s).units[0] for s in WRITTEN]


def test_atomic_numbers_are_those_of_the_molecule(units):
    for unit in units:
        assert unit.atomic_numbers == tuple(a.GetAtomicNum() for a in unit.mol.GetAtoms())


def test_atom_table_reads_what_rdkit_reads_atom_by_atom(units):
    sp3 = Chem.HybridizationType.SP3
    for unit in units:
        table = atom_table(unit)
        atoms = list(unit.mol.GetAtoms())
        assert table.symbols == tuple(a.GetSymbol() for a in atoms)
        assert table.hydrogens == tuple(a.GetTotalNumHs() for a in atoms)
        assert table.aromatic == tuple(a.GetIsAromatic() for a in atoms)
        assert table.sp3_carbon == tuple(
            a.GetSymbol() == "C" and a.GetHybridization() == sp3 for a in atoms
        )
        assert table.neighbours == tuple(
            tuple(sorted(n.GetIdx() for n in a.GetNeighbors())) for a in atoms
        )
        assert table.rings == unit.mol.GetRingInfo().AtomRings()


def test_chain_neighbours_are_the_neighbours_in_the_closed_ring(units):
    for unit in units:
        ring, origin, copies = closed_chain(unit.mol, unit.atomic_numbers)
        chain = atom_table(unit).chain_neighbours()
        for i in range(len(origin) // copies):
            atom = ring.GetAtomWithIdx(i)
            assert sorted(origin[n.GetIdx()] for n in atom.GetNeighbors()) == sorted(
                chain[origin[i]]
            )
            facts = (atom.GetTotalNumHs(), atom.GetIsAromatic(), atom.GetDegree())
            assert facts == (
                atom_table(unit).hydrogens[origin[i]],
                atom_table(unit).aromatic[origin[i]],
                len(chain[origin[i]]),
            )


def _ring_by_insertion(mol, numbers, copies):
    """The ring as first written: every copy inserted into an empty molecule."""
    dummies = [i for i, z in enumerate(numbers) if z == 0]
    head, tail = (mol.GetAtomWithIdx(d).GetNeighbors()[0].GetIdx() for d in dummies)
    keep = [i for i, z in enumerate(numbers) if z != 0]
    core = Chem.RWMol(mol)
    for d in sorted(dummies, reverse=True):
        core.RemoveAtom(d)
    core_mol, ring = core.GetMol(), Chem.RWMol()
    for _ in range(copies):
        ring.InsertMol(core_mol)
    n = len(keep)
    for c in range(copies):
        ring.AddBond(
            c * n + keep.index(tail), (c + 1) % copies * n + keep.index(head), Chem.BondType.SINGLE
        )
    out = ring.GetMol()
    out.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(out)
    return out


def test_closed_chain_is_the_ring_of_inserted_copies(units):
    groups = load_groups()
    for unit in units:
        ring, _, copies = closed_chain(unit.mol, unit.atomic_numbers)
        reference = _ring_by_insertion(unit.mol, unit.atomic_numbers, copies)
        assert Chem.MolToSmiles(ring) == Chem.MolToSmiles(reference)
        assert ring.GetRingInfo().AtomRings() == reference.GetRingInfo().AtomRings()
        for group in groups:
            assert ring.GetSubstructMatches(group.pattern, uniquify=False) == (
                reference.GetSubstructMatches(group.pattern, uniquify=False)
            )


def test_fragment_unit_claims_as_matching_every_group_on_the_ring(units):
    for unit in units:
        fast, plain = fragment_unit(unit), fragment_on_ring(unit)
        assert list(fast.counts.items()) == list(plain.counts.items())
        assert fast.atom_groups == plain.atom_groups
        assert fast.uncovered == plain.uncovered


def test_atom_tests_pass_the_atoms_rdkit_matches(units):
    one_atom = [g for g in load_groups() if g.test is not None]
    assert len(one_atom) > 15 and atom_test("[CX3](=O)[OX2]") is None
    for unit in units[:200]:
        heavy = [a for a in unit.mol.GetAtoms() if a.GetAtomicNum() > 1]
        for group in one_atom:
            matches = unit.mol.GetSubstructMatches(group.pattern, uniquify=False)
            matched = {m[0] for m in matches}
            for atom in heavy:
                bonds = frozenset(
                    str(b.GetSmarts()) for b in atom.GetBonds() if b.GetSmarts() in ("=", "#")
                )
                facts = (
                    atom.GetAtomicNum(),
                    atom.GetIsAromatic(),
                    atom.GetTotalDegree(),
                    atom.GetTotalNumHs(),
                    bonds,
                )
                assert group.test.passes(facts) == (atom.GetIdx() in matched), (unit.smiles, group)


def test_aromatic_carbons_are_those_a_query_finds(units):
    query = Chem.MolFromSmarts("c")
    for unit in units:
        assert _aromatic_carbons(unit) == len(unit.mol.GetSubstructMatches(query))


def test_melting_lookup_agrees_with_the_key_of_every_unit(units):
    table = _table()
    written_otherwise = ["*CCCC*", "*CC(C)CC(*)C", "*OC*", "*C(=O)c1ccc(C(=O)OCCO*)cc1"]
    for polymer in [parse_polymer(u.smiles) for u in units] + [
        parse_polymer(s) for s in written_otherwise
    ]:
        assert melting(polymer) == table.get(polymer_key(polymer.units[0]))
    assert all(melting(parse_polymer(s)) is not None for s in written_otherwise)


def test_cache_per_unit_keeps_the_most_recent_units():
    calls = []

    @cached_per_unit(2)
    def size(unit):
        calls.append(unit.smiles)
        return unit.mol.GetNumAtoms()

    a, b, c = (parse_polymer(s).units[0] for s in ("*CC*", "*CC(*)C", "*CC(*)Cl"))
    assert [size(a), size(b), size(parse_polymer("*CC*").units[0])] == [4, 5, 4]
    size(c)  # b, the least recently used, leaves
    size(a)
    size(b)
    assert calls == [a.smiles, b.smiles, c.smiles, b.smiles]
