"""How alike two polymers are: Tanimoto similarity of Morgan fingerprints (radius 2, 2048
bits, ``*`` as a dummy atom), and the nearest of a set of named polymers.

One definition serves the chemistry flag of every prediction
(`engine.physics_informed.chemistry_flag`), a design's similarity constraint and its
candidates' novelty, so "alike" means the same number wherever Trinity reports it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from rdkit import Chem, DataStructs


@functools.cache
def _morgan():
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


def fingerprint(smiles: str):
    """The fingerprint of a repeat-unit SMILES (units joined by ``.``)."""
    return _morgan().GetFingerprint(Chem.MolFromSmiles(smiles.replace("*", "[*]")))


@functools.lru_cache(maxsize=8)
def _named_fingerprints(named: tuple[tuple[str, str], ...]) -> tuple[tuple[str, ...], list]:
    """Names and fingerprints of a set of polymers, made once per set rather than once
    per polymer compared (they were most of the cost of the chemistry flags)."""
    return tuple(name for name, _ in named), [fingerprint(smiles) for _, smiles in named]


def nearest(smiles: str, named: Mapping[str, str]) -> tuple[str, float]:
    """The polymer of ``named`` (name → SMILES) most like ``smiles``, and how alike;
    ("", NaN) when ``named`` is empty."""
    if not named:
        return "", float("nan")
    names, fingerprints = _named_fingerprints(tuple(named.items()))
    found = DataStructs.BulkTanimotoSimilarity(fingerprint(smiles), fingerprints)
    best = max(range(len(names)), key=found.__getitem__)
    return names[best], found[best]
