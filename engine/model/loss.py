"""The relative Lp loss of the Trinity paper, with masks for missing targets."""

from __future__ import annotations

import torch
from torch import nn


class LpLoss(nn.Module):
    """Mean over samples of ``‖ŷ − y‖_p / ‖y‖_p``, norms over all but the batch axis.

    Relative, so a curve peaking at 1000 kW/m² and one at 100 kW/m² weigh the same, and
    a 1-element "vector" gives the relative error |ŷ − y| / |y|. ``mask`` (one bool per
    sample) drops samples without this target, whatever their target holds (NaN is
    fine); with no sample left the loss is 0, still attached to the graph so a batch
    without curves trains the other heads.
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-12):
        super().__init__()
        self.p = p
        self.eps = eps

    def forward(
        self, prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        batch = prediction.shape[0]
        prediction = prediction.reshape(batch, -1)
        target = target.reshape(batch, -1)
        if mask is not None:
            # Masked targets are replaced, not just weighted by 0: a NaN would still
            # poison the gradient through 0 · NaN.
            target = torch.where(mask.reshape(batch, 1), target, torch.ones_like(target))
        norm = torch.linalg.vector_norm
        relative = norm(prediction - target, self.p, dim=1) / norm(target, self.p, dim=1).clamp(
            min=self.eps
        )
        if mask is None:
            return relative.mean()
        weight = mask.to(relative.dtype)
        return (relative * weight).sum() / weight.sum().clamp(min=1.0)
