"""LpLoss: the relative L2 loss of the paper, with masks."""

import math

import pytest
import torch

from engine.model import LpLoss


def test_relative_l2_per_sample_then_averaged():
    prediction = torch.tensor([[3.0, 4.0], [1.0, 1.0]])
    target = torch.tensor([[0.0, 5.0], [2.0, 2.0]])
    # ‖(3, −1)‖ / ‖(0, 5)‖ = √10 / 5; ‖(−1, −1)‖ / ‖(2, 2)‖ = 1/2.
    expected = (math.sqrt(10) / 5 + 0.5) / 2
    assert LpLoss()(prediction, target).item() == pytest.approx(expected)


def test_one_element_vectors_give_the_relative_error_and_curves_are_scale_free():
    loss = LpLoss()
    assert loss(torch.tensor([[110.0]]), torch.tensor([[100.0]])).item() == pytest.approx(0.1)
    curve = torch.linspace(0, 1, 50)
    small = loss((curve * 1.2)[None], curve[None])
    large = loss((curve * 1200)[None], (curve * 1000)[None])
    assert small.item() == pytest.approx(large.item()) == pytest.approx(0.2)


def test_masked_samples_add_nothing_even_when_nan():
    prediction = torch.tensor([[2.0], [5.0], [7.0]], requires_grad=True)
    target = torch.tensor([[1.0], [float("nan")], [7.0]])
    mask = torch.tensor([True, False, True])
    value = LpLoss()(prediction, target, mask)
    assert value.item() == pytest.approx((1.0 + 0.0) / 2)
    value.backward()
    assert torch.isfinite(prediction.grad).all()
    assert prediction.grad[1].item() == 0.0


def test_no_sample_left_gives_zero_that_still_backpropagates():
    prediction = torch.ones(2, 4, requires_grad=True)
    value = LpLoss()(prediction, torch.full((2, 4), float("nan")), torch.zeros(2, dtype=bool))
    assert value.item() == 0.0
    value.backward()
    assert torch.equal(prediction.grad, torch.zeros(2, 4))
