"""Training: phase 1 (synthetic), phase 2 (experimental), the single-phase baseline, ensembles.

``data`` turns data sets into tensors and batches, ``loop`` trains with checkpoints,
resume, early stopping and DistributedDataParallel, ``phases`` wires the three runs and
their model directories (laid out in ``model_dir``), ``ensemble`` predicts with several
seeds at once.
"""

from .data import TrainingDataError
from .ensemble import ConeEnsemble, EnsemblePrediction, load_ensemble
from .loop import (
    DEVICES,
    EpochRecord,
    FitResult,
    TrainingError,
    TrainingProgress,
    TrainSettings,
    resolve_device,
)
from .model_dir import ModelDirError, TrainedModel, load_model_dir
from .phases import (
    PHASE1_DEFAULTS,
    PHASE2_DEFAULTS,
    PHASES,
    TrainingResult,
    default_settings,
    initial_model,
    train_ensemble,
    train_phase1,
    train_phase2,
    train_single,
)

__all__ = [
    "DEVICES",
    "PHASE1_DEFAULTS",
    "PHASE2_DEFAULTS",
    "PHASES",
    "ConeEnsemble",
    "EnsemblePrediction",
    "EpochRecord",
    "FitResult",
    "ModelDirError",
    "TrainSettings",
    "TrainedModel",
    "TrainingDataError",
    "TrainingError",
    "TrainingProgress",
    "TrainingResult",
    "default_settings",
    "initial_model",
    "load_ensemble",
    "load_model_dir",
    "resolve_device",
    "train_ensemble",
    "train_phase1",
    "train_phase2",
    "train_single",
]
