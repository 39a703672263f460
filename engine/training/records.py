"""What training reports and returns, as plain dataclasses free of torch.

They cross process boundaries (a GUI job runs training in a child process and
unpickles these in the window's process), so this module imports nothing heavy:
unpickling a progress report must not load torch where the window runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.jobs import Progress


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch: mean losses (validation None without a validation part)."""

    epoch: int
    train_loss: float
    val_loss: float | None
    learning_rate: float
    samples: int
    seconds: float


@dataclass(frozen=True)
class TrainingProgress(Progress):
    """A `Progress` (done/total in optimiser steps) with the losses a live plot needs.

    ``epoch_done`` marks the report sent after an epoch's validation.
    """

    epoch: int = 0
    step: int = 0
    train_loss: float | None = None
    val_loss: float | None = None
    epoch_done: bool = False


@dataclass(frozen=True)
class FitResult:
    """What `fit` did: the epoch history, the best epoch and where it resumed."""

    history: tuple[EpochRecord, ...]
    best_epoch: int
    best_val_loss: float | None
    stopped_early: bool
    resumed_from_epoch: int
    precision: str
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class TokenReport:
    """Tokens of the data that the vocabulary lacks (read as ``<unk>``), with counts."""

    unknown: dict[str, int] = field(default_factory=dict)
    rows_affected: int = 0

    def summary(self) -> str:
        tokens = ", ".join(f"{t!r} × {n}" for t, n in sorted(self.unknown.items()))
        return f"{self.rows_affected} test(s) hold tokens outside the vocabulary ({tokens})"


@dataclass(frozen=True)
class TrainingResult:
    """What a training call produced: where, how it went, and what the data held."""

    out_dir: Path
    phase: str
    fit: FitResult
    train_rows: int
    val_rows: int
    unknown_tokens: TokenReport
    device: str
    already_complete: bool = False
