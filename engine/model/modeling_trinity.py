"""MoLFormer-style SMILES encoder and the cone-calorimeter prediction model over it.

The encoder follows MoLFormer (Ross et al., 2022) so that MoLFormer-XL's weights load
into it unchanged: token embeddings without position embeddings, rotary position
embeddings on queries and keys, post-layer-norm blocks, a final layer norm and a
masked mean over tokens. Attention is MoLFormer's linear attention by default, where
softmax(q·k) is replaced by φ(q)·φ(k) with φ(x) = relu(x W), W a fixed set of random
orthogonal directions ("generalised random features", FAVOR+); cost grows linearly with
the SMILES length. MoLFormer redraws W at every training step; here it is drawn once
and saved with the model, so a prediction is deterministic and an exported model holds
the same W. Full softmax attention is ``attention_type="full"``.

The cone model reads the pooled SMILES embedding next to the test condition (heat flux
and thickness, log-standardised by constants in the config) and predicts t_ig, pHRR and
THR in standardised log space and the HRR curve in kW/m² (see `TrinityConfig`).

Forward passes hold no Python branch on tensor values, so batch and sequence lengths
stay dynamic under tracing and export.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutputWithPooling
from transformers.utils import ModelOutput

from .configuration_trinity import SCALAR_TARGETS, TrinityConfig
from .loss import LpLoss


def rotary_cos_sin(
    positions: torch.Tensor, head_size: int, base: float, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cosines and sines, ``(batch, 1, length, head_size)``, for integer ``positions``."""
    exponents = torch.arange(0, head_size, 2, device=positions.device, dtype=torch.float32)
    inverse_frequencies = base ** (-exponents / head_size)
    angles = positions.to(torch.float32)[..., None] * inverse_frequencies
    angles = torch.cat((angles, angles), dim=-1)[:, None]
    return angles.cos().to(dtype), angles.sin().to(dtype)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs (i, i + d/2) of ``x`` by position-dependent angles (MoLFormer's layout).

    The rotation makes ``apply_rotary(q, m) · apply_rotary(k, n)`` depend on m − n only.
    """
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-second, first), dim=-1) * sin


def orthogonal_random_features(head_size: int, num_features: int) -> torch.Tensor:
    """``(head_size, num_features)``: blocks of random orthogonal columns scaled to the
    lengths of Gaussian vectors, which lowers the variance of the kernel estimate
    against independent Gaussian directions (Choromanski et al., FAVOR+)."""
    blocks = [
        torch.linalg.qr(torch.randn(head_size, head_size))[0]
        for _ in range(math.ceil(num_features / head_size))
    ]
    directions = torch.cat(blocks, dim=1)[:, :num_features]
    return directions * torch.randn(head_size, num_features).norm(dim=0)


class RandomFeatureMap(nn.Module):
    """φ(x) = relu(x W), MoLFormer's feature map; W is a buffer, saved, never trained."""

    def __init__(self, head_size: int, num_features: int):
        super().__init__()
        self.head_size = head_size
        self.num_features = num_features
        self.register_buffer("weight", torch.empty(head_size, num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x @ self.weight)


class TrinityAttention(nn.Module):
    """Multi-head self-attention with rotary positions, linear or full (see module doc)."""

    def __init__(self, config: TrinityConfig):
        super().__init__()
        hidden = config.hidden_size
        self.num_heads = config.num_attention_heads
        self.head_size = config.head_size
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)
        self.linear = config.attention_type == "linear"
        if self.linear:
            self.feature_map = RandomFeatureMap(self.head_size, config.num_random_features)
        self.eps = config.linear_attention_eps

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(-1, (self.num_heads, self.head_size)).transpose(1, 2)

    def forward(
        self, hidden: torch.Tensor, mask: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
    ) -> torch.Tensor:
        query = apply_rotary(self._heads(self.query(hidden)), cos, sin)
        key = apply_rotary(self._heads(self.key(hidden)), cos, sin)
        value = self._heads(self.value(hidden))
        if self.linear:
            query = self.feature_map(query)
            # Padding leaves the sums over keys by having no features at all.
            key = self.feature_map(key) * mask[:, None, :, None]
            summary = key.transpose(-1, -2) @ value
            normaliser = (query @ key.sum(dim=-2).unsqueeze(-1)).clamp(min=self.eps)
            context = (query @ summary) / normaliser
        else:
            context = F.scaled_dot_product_attention(
                query, key, value, attn_mask=mask[:, None, None, :].bool()
            )
        return self.output(context.transpose(1, 2).flatten(2))


class TrinityLayer(nn.Module):
    """Attention and feed-forward, each added back and then layer-normed (MoLFormer, BERT)."""

    def __init__(self, config: TrinityConfig):
        super().__init__()
        self.attention = TrinityAttention(config)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.feed_forward_in = nn.Linear(config.hidden_size, config.intermediate_size)
        self.feed_forward_out = nn.Linear(config.intermediate_size, config.hidden_size)
        self.feed_forward_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.activation = ACT2FN[config.hidden_act]
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self, hidden: torch.Tensor, mask: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
    ) -> torch.Tensor:
        attended = self.attention(hidden, mask, cos, sin)
        hidden = self.attention_norm(hidden + self.dropout(attended))
        fed = self.feed_forward_out(self.activation(self.feed_forward_in(hidden)))
        return self.feed_forward_norm(hidden + self.dropout(fed))


class TrinityPreTrainedModel(PreTrainedModel):
    """Ties the models to `TrinityConfig` and initialises what transformers cannot guess."""

    config_class = TrinityConfig
    base_model_prefix = "trinity"
    main_input_name = "input_ids"

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, RandomFeatureMap):
            init.copy_(
                module.weight, orthogonal_random_features(module.head_size, module.num_features)
            )


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``hidden`` over the tokens where ``mask`` is 1 (MoLFormer's pooling)."""
    weights = mask.unsqueeze(-1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


class TrinityModel(TrinityPreTrainedModel):
    """The SMILES encoder: token ids and mask → token states and their masked mean."""

    def __init__(self, config: TrinityConfig):
        super().__init__(config)
        self.token_embedding = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.embedding_dropout = nn.Dropout(config.embedding_dropout_prob)
        self.layers = nn.ModuleList(TrinityLayer(config) for _ in range(config.num_hidden_layers))
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.token_embedding

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.token_embedding = value

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> BaseModelOutputWithPooling:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.embedding_dropout(self.token_embedding(input_ids))
        mask = attention_mask.to(hidden.dtype)
        # Positions count valid tokens only, so left and right padding read the same.
        positions = (attention_mask.long().cumsum(dim=-1) - 1).clamp(min=0)
        cos, sin = rotary_cos_sin(
            positions, self.config.head_size, self.config.rotary_base, hidden.dtype
        )
        for layer in self.layers:
            hidden = layer(hidden, mask, cos, sin)
        hidden = self.final_norm(hidden)
        return BaseModelOutputWithPooling(
            last_hidden_state=hidden, pooler_output=masked_mean(hidden, mask)
        )


@dataclass
class TrinityConeOutput(ModelOutput):
    """What `TrinityForConePrediction` returns; tensors are per sample (first axis).

    ``scalars`` are t_ig (s), pHRR (kW/m²) and THR (MJ/m²) in `SCALAR_TARGETS` order;
    ``scalars_normalised`` the same before undoing the log standardisation;
    ``curve_kw_m2`` the HRR on the config's time grid; ``embedding`` the pooled SMILES.
    The losses are present when labels were given.
    """

    loss: torch.Tensor | None = None
    scalar_loss: torch.Tensor | None = None
    curve_loss: torch.Tensor | None = None
    scalars: torch.Tensor | None = None
    scalars_normalised: torch.Tensor | None = None
    curve_kw_m2: torch.Tensor | None = None
    embedding: torch.Tensor | None = None


def _head(inputs: int, hidden: int, outputs: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, outputs)
    )


class TrinityForConePrediction(TrinityPreTrainedModel):
    """Encoder plus heads: SMILES and test condition → t_ig, pHRR, THR and the HRR curve.

    The condition enters the heads, not the encoder, so the encoder stays a plain
    MoLFormer (its weights load, its embedding depends on the chemistry alone). Labels
    are in units: ``scalar_labels`` ``(batch, 3)`` and ``curve_labels``
    ``(batch, curve_points)`` in kW/m². A missing value is NaN, or False in the
    matching mask (``scalar_label_mask`` per value, ``curve_label_mask`` per sample);
    missing values add nothing to the loss. The loss is `LpLoss`: the relative error
    of each present scalar (averaged over all of them) plus ``curve_loss_weight`` times
    the relative L2 distance of each present curve.
    """

    def __init__(self, config: TrinityConfig):
        super().__init__(config)
        self.trinity = TrinityModel(config)
        features = config.hidden_size + config.head_hidden_size
        self.conditioning = nn.Sequential(nn.Linear(2, config.head_hidden_size), nn.GELU())
        dropout = config.hidden_dropout_prob
        self.scalar_head = _head(features, config.head_hidden_size, len(SCALAR_TARGETS), dropout)
        self.curve_head = _head(features, config.head_hidden_size, config.curve_points, dropout)
        self.relative_loss = LpLoss(p=2)
        self.post_init()

    def normalise_conditions(
        self, heat_flux_kw_m2: torch.Tensor, thickness_mm: torch.Tensor
    ) -> torch.Tensor:
        """``(batch, 2)``: log heat flux and log thickness, standardised by the config."""
        c = self.config
        flux = (torch.log(heat_flux_kw_m2) - c.heat_flux_log_mean) / c.heat_flux_log_std
        thickness = (torch.log(thickness_mm) - c.thickness_log_mean) / c.thickness_log_std
        return torch.stack((flux, thickness), dim=-1)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        heat_flux_kw_m2: torch.Tensor,
        thickness_mm: torch.Tensor,
        scalar_labels: torch.Tensor | None = None,
        scalar_label_mask: torch.Tensor | None = None,
        curve_labels: torch.Tensor | None = None,
        curve_label_mask: torch.Tensor | None = None,
    ) -> TrinityConeOutput:
        embedding = self.trinity(input_ids, attention_mask).pooler_output
        conditions = self.normalise_conditions(
            heat_flux_kw_m2.to(embedding.dtype), thickness_mm.to(embedding.dtype)
        )
        features = torch.cat((embedding, self.conditioning(conditions)), dim=-1)
        normalised = self.scalar_head(features)
        log_mean = embedding.new_tensor(self.config.target_log_mean)
        log_std = embedding.new_tensor(self.config.target_log_std)
        scalars = torch.exp(log_mean + log_std * normalised)
        curve = F.softplus(self.curve_head(features)) * self.config.curve_scale_kw_m2

        scalar_loss = curve_loss = loss = None
        if scalar_labels is not None:
            if scalar_label_mask is None:
                scalar_label_mask = torch.isfinite(scalar_labels)
            # Each value is its own 1-element vector: its relative error.
            scalar_loss = self.relative_loss(
                scalars.reshape(-1, 1),
                scalar_labels.to(scalars.dtype).reshape(-1, 1),
                scalar_label_mask.reshape(-1),
            )
            loss = scalar_loss
        if curve_labels is not None:
            if curve_label_mask is None:
                curve_label_mask = torch.isfinite(curve_labels).all(dim=-1)
            curve_loss = self.relative_loss(curve, curve_labels.to(curve.dtype), curve_label_mask)
            weighted = self.config.curve_loss_weight * curve_loss
            loss = weighted if loss is None else loss + weighted
        return TrinityConeOutput(
            loss=loss,
            scalar_loss=scalar_loss,
            curve_loss=curve_loss,
            scalars=scalars,
            scalars_normalised=normalised,
            curve_kw_m2=curve,
            embedding=embedding,
        )
