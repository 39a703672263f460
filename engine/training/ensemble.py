"""Predictions of an ensemble of seeds: the mean and the spread of its members.

The spread (population standard deviation over members) is the uncertainty band the
interface draws; it says how much models that differ only in their random start and
batch order disagree, which grows away from the training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .model_dir import ModelDirError, TrainedModel, load_model_dir
from .phases import ensemble_members


@dataclass(frozen=True, eq=False)
class EnsemblePrediction:
    """Mean and standard deviation over members, per test.

    ``scalars_*``: ``(n, 3)`` t_ig (s), pHRR (kW/m²), THR (MJ/m²) in `SCALAR_TARGETS`
    order; ``curve_*``: ``(n, points)`` HRR in kW/m² on ``time_grid_s``.
    """

    scalars_mean: np.ndarray
    scalars_std: np.ndarray
    curve_mean_kw_m2: np.ndarray
    curve_std_kw_m2: np.ndarray
    time_grid_s: np.ndarray
    members: int


@dataclass(frozen=True, eq=False)
class ConeEnsemble:
    """Loaded members that share one curve grid; one member is an ensemble too."""

    members: tuple[TrainedModel, ...]

    @property
    def time_grid_s(self) -> np.ndarray:
        return self.members[0].model.config.time_grid_s

    @torch.no_grad()
    def predict(
        self,
        smiles: Sequence[str],
        heat_flux_kw_m2: Sequence[float],
        thickness_mm: Sequence[float],
        *,
        batch_size: int = 256,
    ) -> EnsemblePrediction:
        """Every member's prediction for the tests, reduced to mean and std.

        A SMILES with a token a member's vocabulary lacks raises
        `engine.model.UnknownTokenError`: a confident number for an unseen atom is worse
        than none.
        """
        flux = torch.as_tensor(np.asarray(heat_flux_kw_m2, dtype=np.float32))
        thickness = torch.as_tensor(np.asarray(thickness_mm, dtype=np.float32))
        if not len(smiles) == len(flux) == len(thickness):
            raise ValueError("smiles, heat flux and thickness need one entry per test.")
        scalars, curves = [], []
        for member in self.members:
            s_parts, c_parts = [], []
            for start in range(0, len(smiles), batch_size):
                stop = start + batch_size
                batch = member.tokenizer(
                    list(smiles[start:stop]), padding=True, return_tensors="pt"
                )
                out = member.model(
                    batch["input_ids"], batch["attention_mask"], flux[start:stop],
                    thickness[start:stop],
                )
                s_parts.append(out.scalars.numpy())
                c_parts.append(out.curve_kw_m2.numpy())
            scalars.append(np.concatenate(s_parts))
            curves.append(np.concatenate(c_parts))
        scalars, curves = np.stack(scalars), np.stack(curves)
        return EnsemblePrediction(
            scalars_mean=scalars.mean(axis=0),
            scalars_std=scalars.std(axis=0),
            curve_mean_kw_m2=curves.mean(axis=0),
            curve_std_kw_m2=curves.std(axis=0),
            time_grid_s=self.time_grid_s,
            members=len(self.members),
        )


def load_ensemble(folder: str | Path) -> ConeEnsemble:
    """An ensemble folder (``ensemble.json`` and its members) or a single model directory."""
    members = tuple(load_model_dir(path) for path in ensemble_members(folder))
    grids = {tuple(m.model.config.time_grid_s) for m in members}
    if len(grids) != 1:
        raise ModelDirError(f"The members of {folder} predict curves on different time grids.")
    return ConeEnsemble(members)
