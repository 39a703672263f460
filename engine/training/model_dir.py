"""The model directory: what a training run leaves on disk, and reading it back.

::

    MODEL_DIR/
      config.json, model.safetensors     the model (save_pretrained), best epoch's weights
      vocab.json, tokenizer_config.json  the tokenizer (save_pretrained)
      training_config.json               phase, hyper-parameters, seed, device, versions
      metrics.json                       losses per epoch, best epoch, complete or not
      provenance.json                    data sets (paths, manifests, hashes, rows), git
      checkpoints/                       last.pt (resume) and the best epoch's weights

An ensemble is a folder of such directories (``seed-0``, ``seed-1``, …) with an
``ensemble.json`` that lists them. ``FORMAT_VERSION`` changes when this layout does, so
a directory from another version is refused with a clear message instead of loading
into something it does not fit.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 1
PHASES = ("phase1", "phase2", "single")
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
VOCABULARY = "vocab.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
TRAINING_CONFIG = "training_config.json"
METRICS = "metrics.json"
PROVENANCE = "provenance.json"
ENSEMBLE = "ensemble.json"
#: What to do about a damaged file of a model directory, unless a file says otherwise.
RESTORE = "restore it from a copy of the model directory, or train the model again"
#: The special tokens a tokenizer_config.json names, each of which vocab.json must hold.
_SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "pad_token", "mask_token", "unk_token")


class ModelDirError(ValueError):
    """A folder that is not (or not yet, or no longer) a usable Trinity model directory."""


def write_json(path: Path, data: dict) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half of it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def damaged(path: Path, problem: str, remedy: str = RESTORE) -> ModelDirError:
    """The one sentence for a file that is there but cannot be used."""
    return ModelDirError(f"{path} is damaged ({problem}); {remedy}.")


def read_json(path: Path, remedy: str = RESTORE) -> dict:
    """A JSON object from ``path``; anything else (empty, cut short, a list) is named as
    damaged, with ``remedy`` saying what to do."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise damaged(path, "not text", remedy) from None
    if not text.strip():
        raise damaged(path, "empty", remedy)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise damaged(path, "not valid JSON", remedy) from None
    if not isinstance(data, dict):
        raise damaged(path, "not a JSON object", remedy)
    return data


def _require(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise ModelDirError(
            f"{folder} is not a complete model directory (it has no {name}); restore {name} "
            "from a copy of the model directory, or train the model again."
        )
    return path


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _check(path: Path, data: dict, key: str, kind: str, remedy: str = RESTORE):
    """``data[key]``, which must be of ``kind``: "int", "number", "str", "bool", "dict",
    "numbers" (a list of numbers), "int|None", "str|None" or "number|None"."""
    if key not in data:
        raise damaged(path, f"it has no {key}", remedy)
    value = data[key]
    if kind.endswith("|None") and value is None:
        return value
    kind = kind.removesuffix("|None")
    fits = {
        "int": _is_int,
        "number": _is_number,
        "str": lambda v: isinstance(v, str),
        "bool": lambda v: isinstance(v, bool),
        "dict": lambda v: isinstance(v, dict),
        "list": lambda v: isinstance(v, list),
        "numbers": lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
    }[kind]
    if not fits(value):
        what = {"int": "an integer", "number": "a number", "str": "text", "bool": "true or false",
                "dict": "a JSON object", "list": "a list",
                "numbers": "a list of numbers"}[kind]
        raise damaged(path, f"{key} is {value!r}, not {what}", remedy)
    return value


def versions() -> dict:
    """Versions that shape a trained model's numbers, for training_config.json."""
    import numpy
    import torch
    import transformers

    from engine import __version__

    return {
        "trinity": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }


def git_commit() -> dict | None:
    """The checkout's commit and whether it had local changes; None outside a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def read_training_config(folder: Path) -> dict:
    """training_config.json of a model directory, checked for this version's format and
    for the entries the training and evaluation code read from it."""
    if not folder.is_dir():
        raise ModelDirError(f"The model folder {folder} does not exist.")
    path = folder / TRAINING_CONFIG
    if not path.is_file():
        raise ModelDirError(f"{folder} is not a Trinity model directory (no {TRAINING_CONFIG}).")
    config = read_json(path)
    version = _check(path, config, "format_version", "int")
    if version != FORMAT_VERSION:
        raise ModelDirError(
            f"{folder} was written by another version of Trinity (model format "
            f"{version}, this version reads {FORMAT_VERSION}); retrain it."
        )
    phase = _check(path, config, "phase", "str")
    if phase not in PHASES:
        raise damaged(path, f"phase is {phase!r}, not one of {', '.join(PHASES)}")
    _check(path, config, "fingerprint", "str")
    settings = _check(path, config, "settings", "dict")
    if not _is_int(settings.get("seed")):
        raise damaged(path, f"settings.seed is {settings.get('seed')!r}, not an integer")
    if phase == "phase2":
        _check(path, config, "init_fingerprint", "str")
    else:
        _check(path, config, "size", "str")
        _check(path, config, "init", "str|None")
        _check(path, config, "model_overrides", "dict")
    return config


def _metrics_remedy(folder: Path) -> str:
    """Deleting metrics.json is safe where the checkpoints are: rerunning the training
    command finds the run unfinished, restores the last checkpoint (no epoch left to
    train) and writes the model and its metrics again."""
    if (folder / "checkpoints" / "last.pt").is_file():
        return (
            "delete it and rerun the command that trained the model, which rebuilds it "
            "from the checkpoints"
        )
    return RESTORE


def read_metrics(folder: Path) -> dict | None:
    """metrics.json (None while there is none), checked for what a finished run records."""
    path = folder / METRICS
    if not path.is_file():
        return None
    remedy = _metrics_remedy(folder)
    metrics = read_json(path, remedy)
    if _check(path, metrics, "complete", "bool", remedy):
        kinds = {"best_epoch": "int", "best_val_loss": "number|None", "stopped_early": "bool",
                 "resumed_from_epoch": "int", "precision": "str", "epochs": "list",
                 "train_rows": "int", "val_rows": "int", "unknown_tokens": "dict"}
        for key, kind in kinds.items():
            _check(path, metrics, key, kind, remedy)
        fields = {"epoch", "train_loss", "val_loss", "learning_rate", "samples", "seconds"}
        if not all(isinstance(e, dict) and e.keys() == fields for e in metrics["epochs"]):
            raise damaged(path, "epochs holds something other than epoch records", remedy)
        tokens = metrics["unknown_tokens"]
        _check(path, {f"unknown_tokens.{k}": v for k, v in tokens.items()},
               "unknown_tokens.unknown", "dict", remedy)
        _check(path, {f"unknown_tokens.{k}": v for k, v in tokens.items()},
               "unknown_tokens.rows_affected", "int", remedy)
    return metrics


def is_complete(folder: Path) -> bool:
    metrics = read_metrics(folder)
    return metrics is not None and metrics["complete"]


def read_ensemble(folder: Path) -> dict:
    """ensemble.json of an ensemble folder: its member folders (which must exist) and seeds."""
    path = folder / ENSEMBLE
    ensemble = read_json(path)
    members = ensemble.get("members")
    if not (
        isinstance(members, list)
        and members
        and all(isinstance(m, str) and m and Path(m).name == m and m not in (".", "..")
                for m in members)
    ):
        raise damaged(path, f"members is {members!r}, not a list of member folder names")
    seeds = _check(path, ensemble, "seeds", "list")
    if len(seeds) != len(members) or not all(_is_int(seed) for seed in seeds):
        raise damaged(path, f"seeds is {seeds!r}, not one integer per member")
    for name in members:
        if not (folder / name).is_dir():
            raise ModelDirError(
                f"{path} lists the member {name}, but {folder / name} does not exist; "
                f"{RESTORE}."
            )
    return ensemble


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A finished model directory, loaded: the model (eval mode), tokenizer and settings."""

    folder: Path
    model: object
    tokenizer: object
    training_config: dict


def load_config(folder: Path):
    """The `TrinityConfig` of a model directory's config.json.

    Every field is required and type-checked: a field left out would otherwise take its
    default and give a model that loads but predicts on the wrong scale.
    """
    from engine.model import TrinityConfig

    path = _require(folder, CONFIG)
    raw = read_json(path)
    if raw.get("model_type") != TrinityConfig.model_type:
        raise damaged(
            path, f"model_type is {raw.get('model_type')!r}, not {TrinityConfig.model_type!r}"
        )
    kinds = {"int": "int", "float": "number", "str": "str", "list[float]": "numbers",
             "int | None": "int|None"}
    for name, annotation in TrinityConfig.__annotations__.items():
        # A Literal's values are checked by the config's own validator.
        _check(path, raw, name, "str" if annotation.startswith("Literal[") else kinds[annotation])
    try:
        return TrinityConfig.from_dict(raw)
    except Exception as error:  # the config's validators raise several kinds
        reason = str(error.__cause__ or error).strip().rstrip(".").splitlines()[-1].strip()
        raise damaged(path, reason) from None


def load_model(folder: Path, config=None):
    """The model of a directory: config.json's shape with model.safetensors' weights.

    The weights are read with safetensors (tensors only, never code) and checked name by
    name and shape by shape before they are loaded. Building the model draws from the
    random generator; its state is restored, so loading does not shift later draws.
    """
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from engine.model import TrinityForConePrediction

    config = config or load_config(folder)
    path = _require(folder, WEIGHTS)
    if path.stat().st_size == 0:
        raise damaged(path, "empty")
    try:
        weights = load_file(path)
    except (SafetensorError, ValueError, OSError):
        raise damaged(path, "not a complete safetensors file") from None
    with torch.random.fork_rng(devices=[]):
        model = TrinityForConePrediction(config)
    expected = model.state_dict()
    missing = [name for name in expected if name not in weights]
    unknown = [name for name in weights if name not in expected]
    problem = None
    if missing:
        problem = f"it lacks {len(missing)} of the model's weights, e.g. {missing[0]}"
    elif unknown:
        problem = f"it holds weights the model does not have, e.g. {unknown[0]}"
    else:
        for name, tensor in expected.items():
            if weights[name].shape != tensor.shape:
                problem = (
                    f"{name} has shape {tuple(weights[name].shape)}, config.json implies "
                    f"{tuple(tensor.shape)}"
                )
                break
    if problem:
        raise damaged(path, f"its weights do not fit config.json: {problem}")
    model.load_state_dict(weights)
    return model


def load_tokenizer(folder: Path, *, unknown_tokens: str, vocab_size: int | None = None):
    """The tokenizer of a directory, from vocab.json and tokenizer_config.json, checked.

    Both files are required: without vocab.json the tokenizer would fall back to the base
    vocabulary, and without tokenizer_config.json to the default ``<unk>`` token, and
    either gives token ids the model was not trained with.
    """
    from engine.model import TrinitySmilesTokenizer

    vocab_path = _require(folder, VOCABULARY)
    config_path = _require(folder, TOKENIZER_CONFIG)
    vocab = read_json(vocab_path)
    seen: dict[int, str] = {}
    for token, index in vocab.items():
        if not _is_int(index) or index < 0:
            raise damaged(vocab_path, f"the id of {token!r} is {index!r}, not an integer")
        if index in seen:
            raise damaged(vocab_path, f"{seen[index]!r} and {token!r} share the id {index}")
        seen[index] = token
    settings = read_json(config_path)
    for key in _SPECIAL_TOKEN_KEYS:
        token = settings.get(key, TrinitySmilesTokenizer.__init__.__kwdefaults__[key])
        if not isinstance(token, str):
            raise damaged(config_path, f"{key} is {token!r}, not a token")
        if token not in vocab:
            raise damaged(vocab_path, f"it lacks the special token {token!r}")
    if vocab_size is not None and vocab and max(vocab.values()) >= vocab_size:
        raise damaged(
            vocab_path,
            f"it has ids up to {max(vocab.values())} but the model embeds only {vocab_size} "
            "tokens",
        )
    try:
        return TrinitySmilesTokenizer.from_pretrained(
            folder, local_files_only=True, unknown_tokens=unknown_tokens
        )
    except (ValueError, TypeError, KeyError, AttributeError, OSError) as error:
        raise damaged(config_path, f"the tokenizer cannot be built from it: {error}") from None


def load_model_dir(folder: str | Path, *, unknown_tokens: str = "error") -> TrainedModel:
    """Load a finished model directory on the CPU; refuses unfinished, foreign or damaged
    ones, naming the file and what is wrong with it."""
    folder = Path(folder)
    config = read_training_config(folder)
    if not is_complete(folder):
        raise ModelDirError(
            f"{folder} holds a training run that has not finished; rerun its command to "
            "resume it."
        )
    model_config = load_config(folder)
    tokenizer = load_tokenizer(
        folder, unknown_tokens=unknown_tokens, vocab_size=model_config.vocab_size
    )
    model = load_model(folder, model_config).eval()
    return TrainedModel(folder, model, tokenizer, config)
