"""The GC models a cone prediction uses (engine.gc.cone_fit)."""

from engine.gc.cone_fit import shipped_models
from engine.gc.properties import estimate_properties
from engine.polymer import parse_polymer


def test_a_kept_estimate_is_the_estimate_of_that_polymer():
    """Estimates are kept per SMILES, fractions and name: each answer is what estimating
    that polymer afresh gives, never another's."""
    models = shipped_models()
    polymers = [parse_polymer("*CC(*)c1ccccc1"), parse_polymer("*CC(*)c1ccccc1", name="PS"),
                parse_polymer("*CC(*)C.*CC*", [0.3, 0.7]),
                parse_polymer("*CC(*)C.*CC*", [0.7, 0.3])]
    for polymer in polymers * 2:
        kept = models.properties(polymer)
        assert kept == estimate_properties(
            polymer, decomposition=models.decomposition, gasification=models.gasification,
            flame=models.flame)
        assert kept.name == polymer.name
    assert models.properties(polymers[2]) != models.properties(polymers[3])
