"""Configuration of Trinity's chemical language model: encoder size, attention, heads.

Two presets: `TrinityConfig.small` (the default; trains on a laptop CPU) and
`TrinityConfig.molformer` (the shape of MoLFormer-XL, so its public weights load). The
normalisation constants for the test conditions and the targets live here too, so a
saved model directory carries everything needed to turn its outputs into units.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Literal

import numpy as np
from huggingface_hub.dataclasses import strict
from transformers import PreTrainedConfig

#: Scalar targets, in the order of the model's scalar outputs, named with their units.
SCALAR_TARGETS = ("tig_s", "phrr_kw_m2", "thr_mj_m2")

#: Sizes the command line offers (``--size``).
SIZES = ("small", "molformer")


@strict
class TrinityConfig(PreTrainedConfig):
    """Everything that shapes a `TrinityForConePrediction`; defaults are the small size.

    Scalars are predicted as ``(ln y - target_log_mean) / target_log_std``: fire metrics
    span decades between polymers and flux levels, and the log keeps every prediction
    positive. The defaults are typical values of cone tests; training code should refit
    them on its data before training. The HRR curve is predicted in kW/m² on the grid
    ``0, curve_interval_s, …`` with `curve_points` points (181 × 5 s is the synthetic
    data set's 0–900 s grid).
    """

    model_type = "trinity-molformer"

    # Encoder.
    vocab_size: int = 256
    hidden_size: int = 128
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 512
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    embedding_dropout_prob: float = 0.1
    layer_norm_eps: float = 1e-5
    initializer_range: float = 0.02
    pad_token_id: int | None = 2
    attention_type: Literal["linear", "full"] = "linear"
    num_random_features: int = 32
    linear_attention_eps: float = 1e-6
    rotary_base: float = 10000.0

    # Conditioning: ln(value) is standardised with these constants.
    heat_flux_log_mean: float = math.log(50.0)
    heat_flux_log_std: float = 0.5
    thickness_log_mean: float = math.log(6.0)
    thickness_log_std: float = 0.7

    # Heads and targets.
    head_hidden_size: int = 256
    target_log_mean: list[float] = field(
        default_factory=lambda: [math.log(40.0), math.log(500.0), math.log(80.0)]
    )
    target_log_std: list[float] = field(default_factory=lambda: [1.0, 0.8, 0.8])
    curve_points: int = 181
    curve_interval_s: float = 5.0
    curve_scale_kw_m2: float = 500.0
    curve_loss_weight: float = 1.0

    def validate_architecture(self) -> None:
        """Reject shapes that would only fail later, deep inside a forward pass."""
        if self.attention_type not in ("linear", "full"):
            raise ValueError(
                f"attention_type must be 'linear' or 'full', not {self.attention_type!r}."
            )
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of "
                f"num_attention_heads {self.num_attention_heads}."
            )
        if (self.hidden_size // self.num_attention_heads) % 2:
            raise ValueError("Rotary embeddings need an even head size (hidden / heads).")
        for name in ("target_log_mean", "target_log_std"):
            if len(getattr(self, name)) != len(SCALAR_TARGETS):
                raise ValueError(f"{name} needs one value per target {SCALAR_TARGETS}.")

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def time_grid_s(self) -> np.ndarray:
        """Times of the predicted HRR curve's points."""
        return np.arange(self.curve_points) * self.curve_interval_s

    @classmethod
    def small(cls, **overrides) -> TrinityConfig:
        """4 layers × 128, 4 heads: about 1.1 M parameters, trainable on a 2-core CPU."""
        return cls(**overrides)

    @classmethod
    def molformer(cls, **overrides) -> TrinityConfig:
        """MoLFormer-XL's shape (12 × 768, 12 heads, feed-forward 768, its vocabulary size).

        Dropouts and layer-norm epsilon are MoLFormer's too, so its weights behave as
        they were trained.
        """
        settings = {
            "vocab_size": 2362,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 768,
            "embedding_dropout_prob": 0.2,
            "layer_norm_eps": 1e-12,
            "num_random_features": 32,
            "head_hidden_size": 768,
        }
        return cls(**{**settings, **overrides})

    @classmethod
    def preset(cls, size: str, **overrides) -> TrinityConfig:
        """The config for a ``--size`` name."""
        if size not in SIZES:
            raise ValueError(f"Unknown model size {size!r}; choose one of {', '.join(SIZES)}.")
        return getattr(cls, size)(**overrides)
