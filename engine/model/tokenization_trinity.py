"""SMILES tokenizer of the MoLFormer kind: one regex token per atom, bond, branch or ring.

The regex lives in `engine.smiles_tokens` (free of torch, so the onnxruntime predictor
splits SMILES exactly as training did): a bracket atom, a two-letter organic atom, a
``%NN`` ring closure and ``*`` are one token each; anything else is a single-character
token that no vocabulary holds, so a typo is reported where it is rather than dropped.

The vocabulary is a ``vocab.json`` saved with the model. `build_vocabulary` makes one
from a corpus on top of `base_vocabulary`, which already covers the elements Trinity
supports, so a model trained on the synthetic set still reads an unseen ``[C@H]``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import ClassVar, Literal

from transformers import PreTrainedTokenizer

from engine.smiles_tokens import split_smiles

#: Special tokens in MoLFormer's order, so that ``<pad>`` is id 2 in both vocabularies.
SPECIAL_TOKENS = ("<bos>", "<eos>", "<pad>", "<mask>", "<unk>")

# Hydrogen counts a neutral bracket atom of each supported element can carry.
_BRACKET_HYDROGENS = {"C": 4, "Si": 4, "N": 3, "S": 2, "O": 2, "F": 1, "Cl": 1, "Br": 1}
_CHIRAL_ELEMENTS = ("C", "Si", "N", "S")
_AROMATIC_BRACKETS = ("[c]", "[cH]", "[n]", "[nH]", "[o]", "[s]")


class UnknownTokenError(ValueError):
    """A SMILES holds a token the vocabulary lacks (or a character that is no SMILES).

    ``token``, ``position`` (0-based character offset) and ``smiles`` say where.
    """

    def __init__(self, smiles: str, token: str, position: int, *, known_to_smiles: bool):
        self.smiles = smiles
        self.token = token
        self.position = position
        if known_to_smiles:
            problem = "a token this model's vocabulary does not hold"
            remedy = (
                "rebuild the vocabulary with build_vocabulary() over data that contains it, "
                "or use unknown_tokens='unk' to read it as <unk>"
            )
        else:
            problem = "a character that is not part of any SMILES token"
            remedy = "check the SMILES"
        super().__init__(
            f"SMILES {smiles!r} has {problem}: {token!r} at position {position}; {remedy}."
        )


def base_vocabulary() -> list[str]:
    """Special tokens and every token Trinity's elements need, in a fixed order.

    Neutral only: charges are rejected upstream by `engine.polymer`. Chirality is listed
    for the tetrahedral centres (C, Si, N, S) with at most one hydrogen.
    """
    tokens = list(SPECIAL_TOKENS)
    tokens += ["*", "C", "N", "O", "S", "F", "Cl", "Br", "c", "n", "o", "s"]
    tokens += ["(", ")", ".", "-", "=", "#", ":", "/", "\\"]
    tokens += [str(d) for d in range(1, 10)] + [f"%{n}" for n in range(10, 100)]
    tokens += ["[*]", "[H]"]
    for element, max_h in _BRACKET_HYDROGENS.items():
        tokens += [f"[{element}]"] + [
            f"[{element}H{'' if h == 1 else h}]" for h in range(1, max_h + 1)
        ]
    for element in _CHIRAL_ELEMENTS:
        for chirality in ("@", "@@"):
            tokens += [f"[{element}{chirality}]", f"[{element}{chirality}H]"]
    tokens += list(_AROMATIC_BRACKETS)
    return tokens


def build_vocabulary(corpus: Iterable[str], *, base: bool = True) -> dict[str, int]:
    """Token → id for the base vocabulary (or the special tokens alone) plus the corpus.

    New tokens are appended in sorted order, so the same corpus in any order gives the
    same ids. A corpus SMILES with a character that is no SMILES token raises
    `UnknownTokenError`: a vocabulary is no place for typos.
    """
    tokens = base_vocabulary() if base else list(SPECIAL_TOKENS)
    known = set(tokens)
    new: set[str] = set()
    for smiles in corpus:
        for token, position, is_smiles in split_smiles(smiles):
            if not is_smiles:
                raise UnknownTokenError(smiles, token, position, known_to_smiles=False)
            if token not in known:
                new.add(token)
    return {token: i for i, token in enumerate(tokens + sorted(new))}


class TrinitySmilesTokenizer(PreTrainedTokenizer):
    """Regex SMILES tokenizer; encodes ``<bos> tokens <eos>``, pads with ``<pad>``.

    With ``unknown_tokens="error"`` (the default) a token outside the vocabulary raises
    `UnknownTokenError`, because silently reading an unknown atom as ``<unk>`` gives a
    confident prediction for a molecule the model never saw. ``"unk"`` maps it to
    ``<unk>`` instead. Without ``vocab_file`` the base vocabulary is used.
    """

    vocab_files_names: ClassVar[dict[str, str]] = {"vocab_file": "vocab.json"}
    model_input_names: ClassVar[list[str]] = ["input_ids", "attention_mask"]

    def __init__(
        self,
        vocab_file: str | None = None,
        *,
        unknown_tokens: Literal["error", "unk"] = "error",
        bos_token: str = "<bos>",
        eos_token: str = "<eos>",
        pad_token: str = "<pad>",
        mask_token: str = "<mask>",
        unk_token: str = "<unk>",
        **kwargs,
    ):
        if unknown_tokens not in ("error", "unk"):
            raise ValueError(f"unknown_tokens must be 'error' or 'unk', not {unknown_tokens!r}.")
        if vocab_file is None:
            self.vocab = {token: i for i, token in enumerate(base_vocabulary())}
        else:
            with open(vocab_file, encoding="utf-8") as handle:
                self.vocab = {str(token): int(i) for token, i in json.load(handle).items()}
        specials = [str(t) for t in (bos_token, eos_token, pad_token, mask_token, unk_token)]
        missing = [token for token in specials if token not in self.vocab]
        if missing:
            raise ValueError(f"The vocabulary lacks the special tokens {', '.join(missing)}.")
        self.ids_to_tokens = {i: token for token, i in self.vocab.items()}
        self.unknown_tokens = unknown_tokens
        kwargs.setdefault("cls_token", bos_token)
        kwargs.setdefault("sep_token", eos_token)
        kwargs.setdefault("special_tokens_pattern", "bos_eos")
        super().__init__(
            bos_token=bos_token,
            eos_token=eos_token,
            pad_token=pad_token,
            mask_token=mask_token,
            unk_token=unk_token,
            unknown_tokens=unknown_tokens,
            **kwargs,
        )

    @classmethod
    def from_corpus(cls, corpus: Iterable[str], **kwargs) -> TrinitySmilesTokenizer:
        """A tokenizer whose vocabulary is `build_vocabulary` over ``corpus``."""
        tokenizer = cls(**kwargs)
        # Safe after init: the special tokens lead every vocabulary, so their ids stay.
        tokenizer.vocab = build_vocabulary(corpus)
        tokenizer.ids_to_tokens = {i: token for token, i in tokenizer.vocab.items()}
        tokenizer._update_total_vocab_size()
        return tokenizer

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def _tokenize(self, text: str, **kwargs) -> list[str]:
        tokens = []
        for token, position, is_smiles in split_smiles(text):
            if self.unknown_tokens == "error" and (not is_smiles or token not in self.vocab):
                raise UnknownTokenError(text, token, position, known_to_smiles=is_smiles)
            tokens.append(token)
        return tokens

    def _convert_token_to_id(self, token: str) -> int:
        return self.vocab.get(token, self.vocab[self.unk_token])

    def _convert_id_to_token(self, index: int) -> str:
        return self.ids_to_tokens.get(index, self.unk_token)

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        return "".join(tokens)

    def save_vocabulary(
        self, save_directory: str, filename_prefix: str | None = None
    ) -> tuple[str]:
        name = (f"{filename_prefix}-" if filename_prefix else "") + "vocab.json"
        path = os.path.join(save_directory, name)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.vocab, handle, ensure_ascii=False, indent=1)
        return (path,)
