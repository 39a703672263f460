"""The encoder and the cone model: rotary positions, attention, padding, save/load, training."""

import math

import pytest
import torch

from engine.model import (
    SCALAR_TARGETS,
    TrinityConfig,
    TrinityForConePrediction,
    TrinitySmilesTokenizer,
)
from engine.model.modeling_trinity import apply_rotary, rotary_cos_sin

SMILES = ["*CC(*)c1ccccc1", "*CC*", "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1", "*[Si](C)(C)O*"]
FLUX = torch.tensor([50.0, 35.0, 75.0, 25.0])
THICKNESS = torch.tensor([3.0, 6.0, 4.0, 10.0])


@pytest.fixture(scope="module")
def tokenizer() -> TrinitySmilesTokenizer:
    return TrinitySmilesTokenizer()


def _model(**overrides) -> TrinityForConePrediction:
    torch.manual_seed(0)
    settings = {
        "num_hidden_layers": 2,
        "hidden_size": 64,
        "intermediate_size": 128,
        "head_hidden_size": 64,
        "curve_points": 31,
        **overrides,
    }
    return TrinityForConePrediction(TrinityConfig.small(**settings)).eval()


def test_rotary_scores_depend_on_relative_position_only():
    torch.manual_seed(0)
    head_size = 16
    query, key = torch.randn(2, head_size)

    def score(m: int, n: int) -> float:
        cos, sin = rotary_cos_sin(torch.tensor([[m, n]]), head_size, 10000.0, torch.float32)
        rotated_q = apply_rotary(query, cos[0, 0, 0], sin[0, 0, 0])
        rotated_k = apply_rotary(key, cos[0, 0, 1], sin[0, 0, 1])
        return float(rotated_q @ rotated_k)

    assert score(3, 7) == pytest.approx(score(10, 14), abs=1e-5)
    assert score(0, 5) == pytest.approx(score(40, 45), abs=1e-5)
    assert score(3, 7) != pytest.approx(score(3, 8), abs=1e-3)
    assert score(2, 2) == pytest.approx(float(query @ key), abs=1e-5)


@pytest.mark.parametrize("attention_type", ["linear", "full"])
def test_both_attention_types_run_forward_and_backward(tokenizer, attention_type):
    model = _model(attention_type=attention_type).train()
    batch = tokenizer(SMILES, padding=True, return_tensors="pt")
    output = model(
        batch["input_ids"],
        batch["attention_mask"],
        FLUX,
        THICKNESS,
        scalar_labels=torch.tensor([[30.0, 400.0, 60.0]] * 4),
    )
    assert output.scalars.shape == (4, len(SCALAR_TARGETS))
    assert output.curve_kw_m2.shape == (4, 31)
    assert (output.scalars > 0).all() and (output.curve_kw_m2 >= 0).all()
    output.loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert model.trinity.layers[0].attention.query.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("attention_type", ["linear", "full"])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_padded_batch_matches_unpadded_single_examples(tokenizer, attention_type, padding_side):
    model = _model(attention_type=attention_type)
    tokenizer.padding_side = padding_side
    try:
        batch = tokenizer(SMILES, padding=True, return_tensors="pt")
    finally:
        tokenizer.padding_side = "right"
    with torch.no_grad():
        together = model(batch["input_ids"], batch["attention_mask"], FLUX, THICKNESS)
        for i, smiles in enumerate(SMILES):
            alone = tokenizer(smiles, return_tensors="pt")
            single = model(
                alone["input_ids"], alone["attention_mask"], FLUX[i : i + 1], THICKNESS[i : i + 1]
            )
            torch.testing.assert_close(together.scalars[i], single.scalars[0])
            torch.testing.assert_close(together.curve_kw_m2[i], single.curve_kw_m2[0])
            torch.testing.assert_close(together.embedding[i], single.embedding[0])


def test_conditions_change_the_prediction_but_not_the_embedding(tokenizer):
    model = _model()
    batch = tokenizer([SMILES[0]] * 2, return_tensors="pt")
    with torch.no_grad():
        output = model(
            batch["input_ids"],
            batch["attention_mask"],
            torch.tensor([25.0, 75.0]),
            torch.tensor([6.0, 6.0]),
        )
    torch.testing.assert_close(output.embedding[0], output.embedding[1])
    assert not torch.allclose(output.scalars[0], output.scalars[1])
    normalised = model.normalise_conditions(torch.tensor([50.0]), torch.tensor([6.0]))
    torch.testing.assert_close(normalised, torch.zeros(1, 2))


def test_save_and_load_give_identical_outputs(tokenizer, tmp_path):
    model = _model(attention_type="linear")
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = TrinityForConePrediction.from_pretrained(tmp_path, local_files_only=True).eval()
    reloaded_tokenizer = TrinitySmilesTokenizer.from_pretrained(tmp_path, local_files_only=True)
    batch = reloaded_tokenizer(SMILES, padding=True, return_tensors="pt")
    with torch.no_grad():
        before = model(batch["input_ids"], batch["attention_mask"], FLUX, THICKNESS)
        after = loaded(batch["input_ids"], batch["attention_mask"], FLUX, THICKNESS)
    assert torch.equal(before.scalars, after.scalars)
    assert torch.equal(before.curve_kw_m2, after.curve_kw_m2)
    settings = {k: v for k, v in loaded.config.to_dict().items() if k != "_name_or_path"}
    assert settings == {k: v for k, v in model.config.to_dict().items() if k != "_name_or_path"}


def test_loss_skips_missing_targets_and_adds_weighted_curve_loss(tokenizer):
    model = _model(curve_loss_weight=0.5)
    batch = tokenizer(SMILES[:2], padding=True, return_tensors="pt")
    inputs = (batch["input_ids"], batch["attention_mask"], FLUX[:2], THICKNESS[:2])
    nan = float("nan")
    scalars = torch.tensor([[30.0, nan, 60.0], [nan, nan, nan]])
    curves = torch.stack([torch.linspace(0, 300, 31), torch.full((31,), nan)])
    with torch.no_grad():
        output = model(*inputs, scalar_labels=scalars, curve_labels=curves)
        plain = model(*inputs)
    predicted = plain.scalars
    expected_scalar = ((predicted[0, 0] / 30 - 1).abs() + (predicted[0, 2] / 60 - 1).abs()) / 2
    difference = torch.linalg.vector_norm(plain.curve_kw_m2[0] - curves[0])
    expected_curve = difference / torch.linalg.vector_norm(curves[0])
    torch.testing.assert_close(output.scalar_loss, expected_scalar)
    torch.testing.assert_close(output.curve_loss, expected_curve)
    torch.testing.assert_close(output.loss, expected_scalar + 0.5 * expected_curve)
    assert plain.loss is None
    curve_only = model(*inputs, curve_labels=curves)
    torch.testing.assert_close(curve_only.loss, 0.5 * expected_curve)


def test_scalars_decode_the_normalised_log_outputs(tokenizer):
    model = _model()
    batch = tokenizer(SMILES, padding=True, return_tensors="pt")
    with torch.no_grad():
        output = model(batch["input_ids"], batch["attention_mask"], FLUX, THICKNESS)
    mean = torch.tensor(model.config.target_log_mean)
    std = torch.tensor(model.config.target_log_std)
    torch.testing.assert_close(output.scalars, torch.exp(mean + std * output.scalars_normalised))


def test_a_few_hundred_steps_overfit_four_examples(tokenizer):
    model = _model(hidden_dropout_prob=0.0, embedding_dropout_prob=0.0).train()
    batch = tokenizer(SMILES, padding=True, return_tensors="pt")
    scalars = torch.tensor(
        [[30.0, 500.0, 80.0], [60.0, 1200.0, 40.0], [120.0, 250.0, 30.0], [15.0, 800.0, 20.0]]
    )
    time = torch.linspace(0, 150, 31)
    curves = torch.stack(
        [
            peak * torch.exp(-(((time - centre) / 20) ** 2))
            for peak, centre in ((500, 60), (1200, 90), (250, 130), (800, 40))
        ]
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(300):
        optimiser.zero_grad()
        loss = model(
            batch["input_ids"],
            batch["attention_mask"],
            FLUX,
            THICKNESS,
            scalar_labels=scalars,
            curve_labels=curves,
        ).loss
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert math.isfinite(losses[-1])
    assert min(losses[-10:]) < losses[0] / 10, (losses[0], losses[-10:])
