"""The SMILES tokenizer: regex round trip, vocabulary, unknown tokens, save and load."""

import json

import pandas as pd
import pytest

from engine.hypothetical import generate_polymers
from engine.model import (
    SPECIAL_TOKENS,
    TrinitySmilesTokenizer,
    UnknownTokenError,
    base_vocabulary,
    build_vocabulary,
    split_smiles,
)
from engine.resources import resource_path


@pytest.fixture(scope="module")
def polymer_smiles() -> list[str]:
    shipped = pd.read_csv(resource_path("data", "cone", "tests.csv"))["smiles"].dropna()
    generated = [p.smiles for p in generate_polymers(200, seed=1, estimate=False)]
    return sorted(set(shipped)) + generated


def test_real_polymer_smiles_split_into_smiles_tokens_that_join_back(polymer_smiles):
    tokenizer = TrinitySmilesTokenizer()
    for smiles in polymer_smiles:
        pieces = split_smiles(smiles)
        assert "".join(token for token, _, _ in pieces) == smiles
        assert all(is_smiles for _, _, is_smiles in pieces), smiles
        ids = tokenizer(smiles)["input_ids"]
        assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
        assert tokenizer.decode(ids, skip_special_tokens=True) == smiles


@pytest.mark.parametrize(
    ("smiles", "tokens"),
    [
        ("*CC(*)c1ccccc1", ["*", "C", "C", "(", "*", ")", "c", "1", "c", "c", "c", "c", "c", "1"]),
        ("*[Si](C)(C)O*", ["*", "[Si]", "(", "C", ")", "(", "C", ")", "O", "*"]),
        ("ClC(Br)=C/[C@@H]", ["Cl", "C", "(", "Br", ")", "=", "C", "/", "[C@@H]"]),
        ("c1cc[nH]c1", ["c", "1", "c", "c", "[nH]", "c", "1"]),
        ("C%12CC%12.C#N", ["C", "%12", "C", "C", "%12", ".", "C", "#", "N"]),
    ],
)
def test_regex_keeps_bracket_atoms_two_letter_atoms_and_ring_numbers_whole(smiles, tokens):
    assert [token for token, _, _ in split_smiles(smiles)] == tokens
    assert TrinitySmilesTokenizer().tokenize(smiles) == tokens


def test_base_vocabulary_starts_with_molformers_special_tokens_and_covers_the_elements():
    vocab = base_vocabulary()
    assert tuple(vocab[:5]) == SPECIAL_TOKENS
    assert len(vocab) == len(set(vocab))
    for token in [
        "C",
        "N",
        "O",
        "S",
        "F",
        "Cl",
        "Br",
        "c",
        "n",
        "o",
        "s",
        "*",
        "[Si]",
        "[SiH2]",
        "[nH]",
        "[C@@H]",
        "[C@H]",
        "[H]",
        "1",
        "9",
        "%10",
        "%99",
    ]:
        assert token in vocab
    tokenizer = TrinitySmilesTokenizer()
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id) == (0, 1, 2)
    assert (tokenizer.mask_token_id, tokenizer.unk_token_id) == (3, 4)
    assert (tokenizer.cls_token, tokenizer.sep_token) == ("<bos>", "<eos>")


def test_unknown_token_raises_naming_token_and_position():
    tokenizer = TrinitySmilesTokenizer()
    with pytest.raises(UnknownTokenError, match=r"'\[Na\]' at position 3") as caught:
        tokenizer("*CC[Na]C*")
    assert isinstance(caught.value, ValueError)
    assert (caught.value.token, caught.value.position) == ("[Na]", 3)
    with pytest.raises(UnknownTokenError, match="not part of any SMILES token: 'X' at position 2"):
        tokenizer("*CX*")


def test_unknown_tokens_map_to_unk_when_asked():
    tokenizer = TrinitySmilesTokenizer(unknown_tokens="unk")
    ids = tokenizer("*C[Na]*")["input_ids"]
    assert ids[3] == tokenizer.unk_token_id
    with pytest.raises(ValueError, match="unknown_tokens"):
        TrinitySmilesTokenizer(unknown_tokens="ignore")


def test_build_vocabulary_adds_corpus_tokens_in_an_order_free_of_the_corpus_order():
    corpus = ["*CP(*)(=O)O", "*C[Se]C*", "*CC*"]
    vocab = build_vocabulary(corpus)
    assert vocab == build_vocabulary(list(reversed(corpus)))
    base = base_vocabulary()
    assert list(vocab)[: len(base)] == base
    assert list(vocab)[len(base) :] == ["P", "[Se]"]
    assert sorted(vocab.values()) == list(range(len(vocab)))
    assert list(build_vocabulary(["*CC*"], base=False)) == [*SPECIAL_TOKENS, "*", "C"]
    with pytest.raises(UnknownTokenError, match="'!' at position 2"):
        build_vocabulary(["*C!*"])


def test_save_and_load_round_trip_keeps_vocabulary_and_settings(tmp_path):
    tokenizer = TrinitySmilesTokenizer.from_corpus(["*CP(*)=O"], unknown_tokens="unk")
    tokenizer.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "vocab.json").read_text())
    assert saved == tokenizer.get_vocab() and "P" in saved
    loaded = TrinitySmilesTokenizer.from_pretrained(tmp_path, local_files_only=True)
    assert loaded.get_vocab() == tokenizer.get_vocab()
    assert loaded.unknown_tokens == "unk"
    batch = ["*CP(*)=O", "*CC(*)c1ccccc1", "*C[Na]*"]
    assert loaded(batch, padding=True)["input_ids"] == tokenizer(batch, padding=True)["input_ids"]
    assert len(loaded) == len(tokenizer) == loaded.vocab_size


def test_padding_is_on_the_right_with_pad_id_and_zero_mask():
    tokenizer = TrinitySmilesTokenizer()
    batch = tokenizer(["*CC(*)C", "*CC*"], padding=True)
    assert batch["input_ids"][1][-3:] == [tokenizer.pad_token_id] * 3
    assert batch["attention_mask"][1] == [1] * 6 + [0] * 3
