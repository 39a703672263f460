"""Load the public MoLFormer-XL weights from a local folder into the molformer-size model.

The folder is what Hugging Face serves for ``ibm/MoLFormer-XL-both-10pct``:
``config.json`` (``model_type`` "molformer"), ``model.safetensors`` or
``pytorch_model.bin``, and the tokenizer's ``vocab.json``. Files are read directly, so
nothing is ever fetched from a hub. The parameter names are those of the Hugging Face
port's ``modeling_molformer.py`` (a ``MolformerForMaskedLM``: encoder under
``molformer.``, masked-LM head under ``lm_head.``); `_NAMES` maps them onto
`TrinityModel`'s. The masked-LM head is dropped: Trinity's heads start fresh.
"""

from __future__ import annotations

import json
import math
import pickle
import zipfile
from pathlib import Path

import torch
from safetensors.torch import load_file

from .configuration_trinity import TrinityConfig
from .modeling_trinity import TrinityForConePrediction
from .tokenization_trinity import TrinitySmilesTokenizer

_PREFIX = "molformer."
#: MoLFormer parameter name → TrinityModel's; {i} is a layer, {p} "weight" or "bias".
_NAMES = (
    ("embeddings.word_embeddings.weight", "token_embedding.weight"),
    ("encoder.layer.{i}.attention.self.query.{p}", "layers.{i}.attention.query.{p}"),
    ("encoder.layer.{i}.attention.self.key.{p}", "layers.{i}.attention.key.{p}"),
    ("encoder.layer.{i}.attention.self.value.{p}", "layers.{i}.attention.value.{p}"),
    (
        "encoder.layer.{i}.attention.self.feature_map.weight",
        "layers.{i}.attention.feature_map.weight",
    ),
    ("encoder.layer.{i}.attention.output.dense.{p}", "layers.{i}.attention.output.{p}"),
    ("encoder.layer.{i}.attention.output.LayerNorm.{p}", "layers.{i}.attention_norm.{p}"),
    ("encoder.layer.{i}.intermediate.dense.{p}", "layers.{i}.feed_forward_in.{p}"),
    ("encoder.layer.{i}.output.dense.{p}", "layers.{i}.feed_forward_out.{p}"),
    ("encoder.layer.{i}.output.LayerNorm.{p}", "layers.{i}.feed_forward_norm.{p}"),
    ("LayerNorm.{p}", "final_norm.{p}"),
)
#: Task heads of MoLFormer's models, not part of the encoder.
_HEADS = ("lm_head.", "classifier.")
#: config.json keys → TrinityConfig fields; the first five must be there.
_CONFIG_KEYS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "embedding_dropout_prob",
    "layer_norm_eps",
    "initializer_range",
    "linear_attention_eps",
    "num_random_features",
    "pad_token_id",
)
_REQUIRED_CONFIG_KEYS = _CONFIG_KEYS[:5]
#: config.json keys that are positive integers (the rest of `_CONFIG_KEYS` but the
#: activation's name and the pad id are numbers).
_INTEGER_CONFIG_KEYS = (*_REQUIRED_CONFIG_KEYS, "num_random_features")
_MOLFORMER_SPECIALS = ("<bos>", "<eos>", "<pad>", "<mask>")
_DOWNLOAD = "download it again from ibm/MoLFormer-XL-both-10pct"


class MolformerCheckpointError(ValueError):
    """A MoLFormer folder that cannot be loaded; the message names what is wrong."""


def load_molformer(
    folder: str | Path, **overrides
) -> tuple[TrinityForConePrediction, TrinitySmilesTokenizer]:
    """The cone model with MoLFormer's encoder weights, and a tokenizer over its vocabulary.

    The encoder's shape comes from the folder's config.json; ``overrides`` set the
    other `TrinityConfig` fields (heads, curve grid, normalisation). MoLFormer's
    random-feature matrices are loaded where the checkpoint holds them and drawn afresh
    otherwise (MoLFormer redraws them at every step, so no draw is privileged).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MolformerCheckpointError(f"The MoLFormer folder {folder} does not exist.")
    try:
        config = TrinityConfig.molformer(**{**_read_config(folder), **overrides})
    except MolformerCheckpointError:
        raise
    except Exception as error:  # the config's validators raise several kinds
        reason = str(error.__cause__ or error).strip().rstrip(".").splitlines()[-1].strip()
        raise MolformerCheckpointError(
            f"{folder / 'config.json'} describes an encoder Trinity cannot build ({reason})."
        ) from None
    model = TrinityForConePrediction(config)
    weights = _encoder_weights(
        _read_weights(folder), model.trinity.state_dict(), config.num_hidden_layers
    )
    model.trinity.load_state_dict(weights, strict=False)
    return model, _read_tokenizer(folder, config)


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MolformerCheckpointError(
            f"{path} is not valid JSON, so it holds no {what}; {_DOWNLOAD}."
        ) from None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_config(folder: Path) -> dict:
    path = folder / "config.json"
    if not path.is_file():
        raise MolformerCheckpointError(f"{folder} has no config.json, so it is no MoLFormer model.")
    raw = _read_json(path, "model settings")
    if not isinstance(raw, dict):
        raise MolformerCheckpointError(f"{path} is not a JSON object; {_DOWNLOAD}.")
    if raw.get("model_type", "molformer") != "molformer":
        raise MolformerCheckpointError(
            f"{path} describes a {raw['model_type']!r} model, not a MoLFormer ('molformer')."
        )
    missing = [key for key in _REQUIRED_CONFIG_KEYS if key not in raw]
    if missing:
        raise MolformerCheckpointError(f"{path} lacks {', '.join(missing)}.")
    if raw.get("feature_map_kernel", "relu") != "relu":
        raise MolformerCheckpointError(
            f"{path} uses the feature-map kernel {raw['feature_map_kernel']!r}; "
            "Trinity's linear attention implements MoLFormer's 'relu' only."
        )
    for key in _CONFIG_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if key in _INTEGER_CONFIG_KEYS:
            fits, what = _is_int(value) and value > 0, "a positive integer"
        elif key == "hidden_act":
            fits, what = isinstance(value, str), "an activation's name"
        elif key == "pad_token_id":
            fits, what = value is None or _is_int(value), "an integer"
        else:
            fits = (_is_int(value) or isinstance(value, float)) and math.isfinite(value)
            what = "a number"
        if not fits:
            raise MolformerCheckpointError(
                f"{path} gives {key} as {value!r}, not {what}; {_DOWNLOAD}."
            )
    return {key: raw[key] for key in _CONFIG_KEYS if key in raw}


def _read_weights(folder: Path) -> dict[str, torch.Tensor]:
    """The checkpoint's tensors by name: safetensors, or a torch file read with
    ``weights_only=True``, so that a file from elsewhere cannot run code."""
    safetensors, binary = folder / "model.safetensors", folder / "pytorch_model.bin"
    path = safetensors if safetensors.is_file() else binary
    if not path.is_file():
        raise MolformerCheckpointError(
            f"{folder} has no weights file (model.safetensors or pytorch_model.bin; "
            "sharded checkpoints are not read, MoLFormer-XL ships one file)."
        )
    reason = None
    if path.stat().st_size == 0:
        reason = "it is empty"
    else:
        try:
            if path == safetensors:
                weights = load_file(path)
            else:
                weights = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            reason = (
                "it holds Python objects besides tensors, which are not loaded because "
                "loading them could run code"
                if zipfile.is_zipfile(path)
                else "it is damaged or no PyTorch checkpoint"
            )
        except OSError:
            raise
        except Exception:  # safetensors and torch raise many types for a cut or foreign file
            reason = "it is damaged or incomplete"
        else:
            if not (
                isinstance(weights, dict)
                and weights
                and all(isinstance(k, str) and isinstance(v, torch.Tensor)
                        for k, v in weights.items())
            ):
                reason = "it holds no named tensors"
    if reason:
        raise MolformerCheckpointError(f"{path} cannot be read ({reason}); {_DOWNLOAD}.")
    return weights


def molformer_names(num_layers: int) -> dict[str, str]:
    """Every encoder parameter of a MoLFormer with ``num_layers`` layers → Trinity's name."""
    names = {}
    for theirs, ours in _NAMES:
        for i in range(num_layers) if "{i}" in theirs else [0]:
            for p in ("weight", "bias") if "{p}" in theirs else ["weight"]:
                names[theirs.format(i=i, p=p)] = ours.format(i=i, p=p)
    return names


def _shortened(keys: list[str], shown: int = 4) -> str:
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def _encoder_weights(
    checkpoint: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], num_layers: int
) -> dict[str, torch.Tensor]:
    """The checkpoint's encoder tensors under Trinity's names, checked against ``expected``."""
    names = molformer_names(num_layers)
    found = {
        key.removeprefix(_PREFIX): key
        for key in checkpoint
        if not key.removeprefix(_PREFIX).startswith(_HEADS)
    }
    unknown = sorted(key for name, key in found.items() if name not in names)
    if unknown:
        raise MolformerCheckpointError(
            "The checkpoint holds weights that are no part of a MoLFormer encoder of its "
            f"config.json's shape: {_shortened(unknown)}."
        )
    # The random features are optional: MoLFormer redraws them at every step anyway.
    missing = [n for n in names if n not in found and not n.endswith("feature_map.weight")]
    if missing:
        raise MolformerCheckpointError(
            f"The checkpoint lacks {len(missing)} encoder weights: {_shortened(missing)}."
        )
    weights = {}
    for name, key in found.items():
        tensor, target = checkpoint[key], names[name]
        if tensor.shape != expected[target].shape:
            raise MolformerCheckpointError(
                f"Weight {key} has shape {tuple(tensor.shape)} but config.json "
                f"implies {tuple(expected[target].shape)}."
            )
        weights[target] = tensor
    return weights


def _read_tokenizer(folder: Path, config: TrinityConfig) -> TrinitySmilesTokenizer:
    path = folder / "vocab.json"
    if not path.is_file():
        raise MolformerCheckpointError(f"{folder} has no vocab.json (MoLFormer's vocabulary).")
    vocab = _read_json(path, "vocabulary")
    if not isinstance(vocab, dict):
        raise MolformerCheckpointError(
            f"{path} is not a JSON object of token ids; {_DOWNLOAD}."
        )
    for token, index in vocab.items():
        if not (_is_int(index) and index >= 0):
            raise MolformerCheckpointError(
                f"{path} gives {token!r} the id {index!r}, not a non-negative integer; "
                f"{_DOWNLOAD}."
            )
    missing = [token for token in _MOLFORMER_SPECIALS if token not in vocab]
    if missing:
        raise MolformerCheckpointError(f"{path} lacks the special tokens {', '.join(missing)}.")
    if max(vocab.values()) >= config.vocab_size:
        raise MolformerCheckpointError(
            f"{path} has ids up to {max(vocab.values())} but the weights embed only "
            f"{config.vocab_size} tokens."
        )
    # MoLFormer's own tokenizer reads unknown tokens as <pad> when it has no <unk>.
    unk = "<unk>" if "<unk>" in vocab else "<pad>"
    return TrinitySmilesTokenizer(vocab_file=str(path), unk_token=unk)
