"""How SMILES split into tokens, without torch or transformers.

Training (the Hugging Face tokenizer in `engine.model`) and fast inference (the
onnxruntime predictor, which must not import torch) split SMILES with this one regex,
so a model reads the same tokens wherever it runs.

The regex is the one MoLFormer took from Schwaller et al. (Molecular Transformer): a
bracket atom is one token (``[nH]``, ``[C@@H]``, ``[Si]``), two-letter organic atoms are
one token (``Cl``, ``Br``), and ``%NN`` ring closures are one token. ``*`` (a repeat
unit's attachment point) is a token like any atom. Anything else is a single-character
token that no vocabulary holds, so a typo is reported where it is rather than dropped.
"""

from __future__ import annotations

import re

SMILES_TOKEN = re.compile(
    r"(?P<token>\[[^\]]+\]|Br?|Cl?|[NOSPFI]|[bcnosp]|[()\.=#\-+\\/:~@?>*$]|%\d{2}|\d)"
    r"|(?P<other>.)",
    re.DOTALL,
)


def split_smiles(smiles: str) -> list[tuple[str, int, bool]]:
    """``(token, position, is_smiles_token)`` for every token; the tokens join back to it."""
    return [(m.group(), m.start(), m.lastgroup == "token") for m in SMILES_TOKEN.finditer(smiles)]
