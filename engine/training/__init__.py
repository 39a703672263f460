"""Training: phase 1 (synthetic), phase 2 (experimental), the single-phase baseline, ensembles.

``data`` turns data sets into tensors and batches, ``loop`` trains with checkpoints,
resume, early stopping and DistributedDataParallel, ``phases`` wires the three runs and
their model directories (laid out in ``model_dir``), ``ensemble`` predicts with several
seeds at once, ``records`` holds what they report and return.

Names load on first use: ``engine.training.records`` must import without torch (the
window unpickles a child process's reports), and a package that imported everything
up front would load torch for it.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "TrainingDataError": "data",
    "ConeEnsemble": "ensemble",
    "EnsemblePrediction": "ensemble",
    "load_ensemble": "ensemble",
    "DEVICES": "loop",
    "TrainingError": "loop",
    "TrainSettings": "loop",
    "resolve_device": "loop",
    "ModelDirError": "model_dir",
    "TrainedModel": "model_dir",
    "load_model_dir": "model_dir",
    "PHASE1_DEFAULTS": "phases",
    "PHASE2_DEFAULTS": "phases",
    "PHASES": "phases",
    "default_settings": "phases",
    "initial_model": "phases",
    "train_ensemble": "phases",
    "train_phase1": "phases",
    "train_phase2": "phases",
    "train_single": "phases",
    "EpochRecord": "records",
    "FitResult": "records",
    "TrainingProgress": "records",
    "TrainingResult": "records",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'engine.training' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)


def __dir__() -> list[str]:
    return __all__
