"""TrinityConfig: presets, sizes, validation, save and load."""

import pytest
import torch
from huggingface_hub.errors import StrictDataclassClassValidationError

from engine.model import TrinityConfig, TrinityForConePrediction

SMALL_PARAMETERS = 1_071_288


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_small_preset_is_the_default_and_has_about_a_million_parameters():
    config = TrinityConfig.small()
    assert config.to_dict() == TrinityConfig().to_dict()
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (4, 128, 4)
    assert config.attention_type == "linear"
    assert _count(TrinityForConePrediction(config)) == SMALL_PARAMETERS


def test_molformer_preset_has_molformer_xl_encoder_size():
    config = TrinityConfig.preset("molformer")
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (
        12,
        768,
        12,
    )
    assert (config.intermediate_size, config.vocab_size) == (768, 2362)
    with torch.device("meta"):
        model = TrinityForConePrediction(config)
    h, i, v, n = 768, 768, 2362, 12
    per_layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 2 * 2 * h
    assert _count(model.trinity) == v * h + n * per_layer + 2 * h == 44_375_040


def test_overrides_and_unknown_size():
    assert TrinityConfig.molformer(attention_type="full").attention_type == "full"
    assert TrinityConfig.preset("small", hidden_size=64).hidden_size == 64
    with pytest.raises(ValueError, match="Unknown model size 'huge'"):
        TrinityConfig.preset("huge")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"attention_type": "sparse"}, "attention_type"),
        ({"hidden_size": 130}, "not a multiple"),
        ({"hidden_size": 12, "num_attention_heads": 4}, "even head size"),
        ({"target_log_std": [1.0]}, "one value per target"),
    ],
)
def test_invalid_shapes_are_rejected_at_construction(overrides, message):
    with pytest.raises(StrictDataclassClassValidationError, match=message):
        TrinityConfig(**overrides)


def test_config_round_trip_and_time_grid(tmp_path):
    config = TrinityConfig.small(attention_type="full", curve_points=11, curve_interval_s=2.0)
    config.save_pretrained(tmp_path)
    loaded = TrinityConfig.from_pretrained(tmp_path, local_files_only=True)
    assert loaded.to_dict() == config.to_dict()
    assert loaded.model_type == "trinity-molformer"
    assert loaded.time_grid_s.tolist() == [2.0 * k for k in range(11)]
    assert TrinityConfig().time_grid_s[-1] == 900.0
