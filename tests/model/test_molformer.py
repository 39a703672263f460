"""Loading MoLFormer-XL checkpoints from a local folder in the Hugging Face layout.

The folder is written here: a tiny config with MoLFormer's keys and a state dict with
the parameter names of the Hugging Face port (``MolformerForMaskedLM``), random values.
"""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torch.nn import functional as F

from engine.model import MolformerCheckpointError, TrinityForConePrediction, load_molformer

HIDDEN, LAYERS, HEADS, INTERMEDIATE, FEATURES = 16, 2, 2, 24, 8
VOCAB = ["<bos>", "<eos>", "<pad>", "<mask>", "C", "c", "(", ")", "1", "*", "O", "=", "[Si]"]


def _molformer_config() -> dict:
    return {
        "architectures": ["MolformerForMaskedLM"],
        "model_type": "molformer",
        "vocab_size": len(VOCAB),
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "embedding_dropout_prob": 0.2,
        "max_position_embeddings": 202,
        "layer_norm_eps": 1e-12,
        "linear_attention_eps": 1e-6,
        "num_random_features": FEATURES,
        "feature_map_kernel": "relu",
        "deterministic_eval": False,
        "pad_token_id": 2,
    }


def _molformer_weights() -> dict[str, torch.Tensor]:
    torch.manual_seed(1)
    shapes = {
        "embeddings.word_embeddings.weight": (len(VOCAB), HIDDEN),
        "LayerNorm.weight": (HIDDEN,),
        "LayerNorm.bias": (HIDDEN,),
    }
    for i in range(LAYERS):
        layer = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            shapes[f"{layer}attention.self.{name}.weight"] = (HIDDEN, HIDDEN)
            shapes[f"{layer}attention.self.{name}.bias"] = (HIDDEN,)
        shapes[f"{layer}attention.self.feature_map.weight"] = (HIDDEN // HEADS, FEATURES)
        shapes[f"{layer}attention.output.dense.weight"] = (HIDDEN, HIDDEN)
        shapes[f"{layer}attention.output.dense.bias"] = (HIDDEN,)
        shapes[f"{layer}attention.output.LayerNorm.weight"] = (HIDDEN,)
        shapes[f"{layer}attention.output.LayerNorm.bias"] = (HIDDEN,)
        shapes[f"{layer}intermediate.dense.weight"] = (INTERMEDIATE, HIDDEN)
        shapes[f"{layer}intermediate.dense.bias"] = (INTERMEDIATE,)
        shapes[f"{layer}output.dense.weight"] = (HIDDEN, INTERMEDIATE)
        shapes[f"{layer}output.dense.bias"] = (HIDDEN,)
        shapes[f"{layer}output.LayerNorm.weight"] = (HIDDEN,)
        shapes[f"{layer}output.LayerNorm.bias"] = (HIDDEN,)
    weights = {f"molformer.{name}": torch.randn(shape) for name, shape in shapes.items()}
    weights["lm_head.transform.dense.weight"] = torch.randn(HIDDEN, HIDDEN)
    weights["lm_head.transform.LayerNorm.weight"] = torch.randn(HIDDEN)
    weights["lm_head.decoder.weight"] = torch.randn(len(VOCAB), HIDDEN)
    return weights


def _write_folder(
    folder: Path, weights: dict[str, torch.Tensor] | None = None, *, binary: bool = False
) -> dict[str, torch.Tensor]:
    folder.mkdir(exist_ok=True)
    weights = _molformer_weights() if weights is None else weights
    (folder / "config.json").write_text(json.dumps(_molformer_config()))
    (folder / "vocab.json").write_text(json.dumps({token: i for i, token in enumerate(VOCAB)}))
    if binary:
        torch.save(weights, folder / "pytorch_model.bin")
    else:
        save_file(weights, folder / "model.safetensors")
    return weights


#: MoLFormer name → Trinity name, written out independently of the loader's table.
EXPECTED_PLACES = {
    "molformer.embeddings.word_embeddings.weight": "token_embedding.weight",
    "molformer.encoder.layer.0.attention.self.query.weight": "layers.0.attention.query.weight",
    "molformer.encoder.layer.1.attention.self.key.bias": "layers.1.attention.key.bias",
    "molformer.encoder.layer.1.attention.self.value.weight": "layers.1.attention.value.weight",
    "molformer.encoder.layer.0.attention.self.feature_map.weight": (
        "layers.0.attention.feature_map.weight"
    ),
    "molformer.encoder.layer.1.attention.output.dense.weight": "layers.1.attention.output.weight",
    "molformer.encoder.layer.0.attention.output.LayerNorm.bias": "layers.0.attention_norm.bias",
    "molformer.encoder.layer.1.intermediate.dense.weight": "layers.1.feed_forward_in.weight",
    "molformer.encoder.layer.0.output.dense.bias": "layers.0.feed_forward_out.bias",
    "molformer.encoder.layer.1.output.LayerNorm.weight": "layers.1.feed_forward_norm.weight",
    "molformer.LayerNorm.weight": "final_norm.weight",
}


@pytest.mark.parametrize("binary", [False, True])
def test_weights_land_in_the_matching_parameters(tmp_path, binary):
    weights = _write_folder(tmp_path / "molformer", binary=binary)
    model, tokenizer = load_molformer(tmp_path / "molformer", curve_points=21)
    assert isinstance(model, TrinityForConePrediction)
    config = model.config
    assert (config.hidden_size, config.num_hidden_layers, config.intermediate_size) == (16, 2, 24)
    assert (config.num_random_features, config.layer_norm_eps, config.curve_points) == (
        8,
        1e-12,
        21,
    )
    state = model.trinity.state_dict()
    for source, target in EXPECTED_PLACES.items():
        assert torch.equal(state[target], weights[source]), target
    loaded = sum(1 for key in weights if key.startswith("molformer."))
    assert loaded == len(state)
    assert tokenizer.get_vocab() == {token: i for i, token in enumerate(VOCAB)}
    assert tokenizer.pad_token_id == config.pad_token_id == 2
    batch = tokenizer(["*CC(*)c1ccccc1", "*[Si](C)(C)O*"], padding=True, return_tensors="pt")
    with torch.no_grad():
        output = model.eval()(
            batch["input_ids"],
            batch["attention_mask"],
            torch.tensor([50.0, 35.0]),
            torch.tensor([3.0, 6.0]),
        )
    assert torch.isfinite(output.curve_kw_m2).all() and output.curve_kw_m2.shape == (2, 21)


def _molformer_pooled(weights: dict[str, torch.Tensor], ids, mask) -> torch.Tensor:
    """MoLFormer's forward as its Hugging Face port computes it (eval, fixed features)."""

    def get(name: str) -> torch.Tensor:
        return weights[f"molformer.{name}"]

    def dense(x, name):
        return F.linear(x, get(f"{name}.weight"), get(f"{name}.bias"))

    def norm(x, name):
        return F.layer_norm(x, (HIDDEN,), get(f"{name}.weight"), get(f"{name}.bias"), 1e-12)

    head = HIDDEN // HEADS
    frequencies = 1.0 / 10000 ** (torch.arange(0, head, 2).float() / head)
    angles = torch.outer(torch.arange(ids.shape[1]).float(), frequencies).repeat(1, 2)

    def rotate(x):
        first, second = x.chunk(2, dim=-1)
        return x * angles.cos() + torch.cat((-second, first), dim=-1) * angles.sin()

    x = F.embedding(ids, get("embeddings.word_embeddings.weight"))
    for i in range(LAYERS):
        layer = f"encoder.layer.{i}."
        q, k, v = (
            dense(x, f"{layer}attention.self.{n}").view(*ids.shape, HEADS, head).transpose(1, 2)
            for n in ("query", "key", "value")
        )
        features = get(f"{layer}attention.self.feature_map.weight")
        q = F.relu(rotate(q) @ features)
        k = F.relu(rotate(k) @ features) * mask[:, None, :, None]
        context = (q @ (k.transpose(-1, -2) @ v)) / (q @ k.sum(-2)[..., None]).clamp(min=1e-6)
        context = context.transpose(1, 2).reshape(x.shape)
        x = norm(
            x + dense(context, f"{layer}attention.output.dense"),
            f"{layer}attention.output.LayerNorm",
        )
        fed = dense(F.gelu(dense(x, f"{layer}intermediate.dense")), f"{layer}output.dense")
        x = norm(x + fed, f"{layer}output.LayerNorm")
    x = norm(x, "LayerNorm") * mask[..., None]
    return x.sum(1) / mask.sum(1, keepdim=True)


def test_loaded_encoder_computes_what_molformer_computes(tmp_path):
    weights = _write_folder(tmp_path)
    model, tokenizer = load_molformer(tmp_path)
    batch = tokenizer(
        ["*CC(*)c1ccccc1", "*C=C*", "*O[Si](C)(C)*"], padding=True, return_tensors="pt"
    )
    mask = batch["attention_mask"].float()
    with torch.no_grad():
        ours = model.eval().trinity(batch["input_ids"], batch["attention_mask"]).pooler_output
        theirs = _molformer_pooled(weights, batch["input_ids"], mask)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_checkpoint_without_feature_maps_draws_its_own(tmp_path):
    weights = {k: v for k, v in _molformer_weights().items() if "feature_map" not in k}
    _write_folder(tmp_path, weights)
    model, _ = load_molformer(tmp_path)
    assert model.trinity.layers[0].attention.feature_map.weight.shape == (8, 8)


def test_missing_folder_config_or_weights_are_named(tmp_path):
    with pytest.raises(MolformerCheckpointError, match="does not exist"):
        load_molformer(tmp_path / "nowhere")
    with pytest.raises(MolformerCheckpointError, match=r"has no config\.json"):
        load_molformer(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(_molformer_config()))
    with pytest.raises(MolformerCheckpointError, match="has no weights file"):
        load_molformer(tmp_path)


@pytest.mark.parametrize("name", ["model.safetensors", "pytorch_model.bin"])
def test_unreadable_weights_file_is_named(tmp_path, name):
    (tmp_path / "config.json").write_text(json.dumps(_molformer_config()))
    (tmp_path / name).write_bytes(b"not a checkpoint")
    with pytest.raises(MolformerCheckpointError, match=f"{name} cannot be read"):
        load_molformer(tmp_path)


def test_missing_vocabulary_is_named(tmp_path):
    _write_folder(tmp_path)
    (tmp_path / "vocab.json").unlink()
    with pytest.raises(MolformerCheckpointError, match=r"has no vocab\.json"):
        load_molformer(tmp_path)


def test_missing_keys_are_listed_shortened(tmp_path):
    weights = {k: v for k, v in _molformer_weights().items() if "layer.1." not in k}
    _write_folder(tmp_path, weights)
    with pytest.raises(MolformerCheckpointError, match=r"lacks 16 encoder weights") as caught:
        load_molformer(tmp_path)
    assert "encoder.layer.1.attention.self.query.weight" in str(caught.value)
    assert "and 12 more" in str(caught.value)


def test_shape_mismatch_names_the_key(tmp_path):
    weights = _molformer_weights()
    weights["molformer.encoder.layer.1.intermediate.dense.weight"] = torch.randn(32, HIDDEN)
    _write_folder(tmp_path, weights)
    with pytest.raises(
        MolformerCheckpointError,
        match=r"encoder\.layer\.1\.intermediate\.dense\.weight has shape \(32, 16\) "
        r"but config.json implies \(24, 16\)",
    ):
        load_molformer(tmp_path)


def test_foreign_models_and_weights_are_refused(tmp_path):
    _write_folder(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({**_molformer_config(), "model_type": "bert"}))
    with pytest.raises(MolformerCheckpointError, match="'bert' model, not a MoLFormer"):
        load_molformer(tmp_path)
    weights = _molformer_weights()
    weights["molformer.encoder.layer.2.output.dense.bias"] = torch.randn(HIDDEN)
    _write_folder(tmp_path, weights)
    with pytest.raises(MolformerCheckpointError, match=r"no part of a MoLFormer encoder.*layer\.2"):
        load_molformer(tmp_path)


class _RunsCode:
    """Unpickling this calls ``open(path, "w")``: what a booby-trapped checkpoint does."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", r"pytorch_model\.bin cannot be read \(it is empty\); download it again"),
        ("code", r"pytorch_model\.bin cannot be read \(it holds Python objects besides tensors, "
                 r"which are not loaded because loading them could run code\)"),
        ("list", r"pytorch_model\.bin cannot be read \(it holds no named tensors\)"),
    ],
)
def test_a_weights_file_that_is_empty_foreign_or_runs_code_is_refused(tmp_path, content,
                                                                     expected):
    _write_folder(tmp_path, binary=True)
    path = tmp_path / "pytorch_model.bin"
    marker = tmp_path / "code-ran"
    if content == "code":
        torch.save({"molformer.LayerNorm.weight": _RunsCode(marker)}, path)
    elif content == "list":
        torch.save([torch.zeros(2)], path)
    else:
        path.write_bytes(content)
    with pytest.raises(MolformerCheckpointError, match=expected) as caught:
        load_molformer(tmp_path)
    assert "\n" not in str(caught.value) and not marker.exists()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("config.json", "[1]", r"config\.json is not a JSON object"),
        ("config.json", json.dumps({**_molformer_config(), "hidden_size": "big"}),
         r"config\.json gives hidden_size as 'big', not a positive integer"),
        ("config.json", json.dumps({**_molformer_config(), "hidden_dropout_prob": "x"}),
         r"config\.json gives hidden_dropout_prob as 'x', not a number"),
        ("config.json", json.dumps({**_molformer_config(), "num_attention_heads": 3}),
         r"config\.json describes an encoder Trinity cannot build \(hidden_size 16 is not a "
         r"multiple of num_attention_heads 3\)"),
        ("vocab.json", "{broken", r"vocab\.json is not valid JSON"),
        ("vocab.json", "", r"vocab\.json is not valid JSON"),
        ("vocab.json", "[1]", r"vocab\.json is not a JSON object of token ids"),
        ("vocab.json", json.dumps({**{t: i for i, t in enumerate(VOCAB)}, "C": "four"}),
         r"vocab\.json gives 'C' the id 'four', not a non-negative integer"),
    ],
)
def test_damaged_config_and_vocabulary_are_named(tmp_path, name, content, expected):
    _write_folder(tmp_path)
    (tmp_path / name).write_text(content)
    with pytest.raises(MolformerCheckpointError, match=expected) as caught:
        load_molformer(tmp_path)
    assert str(tmp_path / name) in str(caught.value) and "\n" not in str(caught.value)
