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
import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 1
TRAINING_CONFIG = "training_config.json"
METRICS = "metrics.json"
PROVENANCE = "provenance.json"
ENSEMBLE = "ensemble.json"


class ModelDirError(ValueError):
    """A folder that is not (or not yet, or no longer) a usable Trinity model directory."""


def write_json(path: Path, data: dict) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half of it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelDirError(f"{path} is damaged (not valid JSON).") from None


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
    """training_config.json of a model directory, checked for this version's format."""
    if not folder.is_dir():
        raise ModelDirError(f"The model folder {folder} does not exist.")
    path = folder / TRAINING_CONFIG
    if not path.is_file():
        raise ModelDirError(f"{folder} is not a Trinity model directory (no {TRAINING_CONFIG}).")
    config = read_json(path)
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelDirError(
            f"{folder} was written by another version of Trinity (model format "
            f"{config.get('format_version')}, this version reads {FORMAT_VERSION}); retrain it."
        )
    return config


def is_complete(folder: Path) -> bool:
    path = folder / METRICS
    return path.is_file() and bool(read_json(path).get("complete"))


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A finished model directory, loaded: the model (eval mode), tokenizer and settings."""

    folder: Path
    model: object
    tokenizer: object
    training_config: dict


def load_model_dir(folder: str | Path, *, unknown_tokens: str = "error") -> TrainedModel:
    """Load a finished model directory on the CPU; refuses unfinished or foreign ones."""
    from engine.model import TrinityForConePrediction, TrinitySmilesTokenizer

    folder = Path(folder)
    config = read_training_config(folder)
    if not is_complete(folder):
        raise ModelDirError(
            f"{folder} holds a training run that has not finished; rerun its command to "
            "resume it."
        )
    model = TrinityForConePrediction.from_pretrained(folder, local_files_only=True).eval()
    tokenizer = TrinitySmilesTokenizer.from_pretrained(
        folder, local_files_only=True, unknown_tokens=unknown_tokens
    )
    return TrainedModel(folder, model, tokenizer, config)
