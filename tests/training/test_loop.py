"""Pieces of the loop: device choice, precision, schedule, batches, splits."""

import itertools

import numpy as np
import pytest
import torch

from engine.training import TrainingError, TrainSettings, resolve_device
from engine.training.data import epoch_batches, grouped_split
from engine.training.loop import choose_precision, warmup_cosine


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_auto_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"


def test_a_named_device_that_is_absent_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for name in ("cuda", "mps"):
        with pytest.raises(TrainingError, match=f"no {name} device"):
            resolve_device(name)
    with pytest.raises(TrainingError, match="Unknown device"):
        TrainSettings(epochs=1, batch_size=1, learning_rate=1e-3, device="tpu")


def test_mixed_precision_on_gpu_only(monkeypatch):
    assert choose_precision(torch.device("cpu")).name == "fp32"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert choose_precision(torch.device("cuda")).name == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    precision = choose_precision(torch.device("cuda"))
    assert precision.name == "fp16" and precision.scaled


def test_learning_rate_warms_up_then_decays_to_the_final_fraction():
    factor = warmup_cosine(100, 0.1, 0.05)
    rates = [factor(step) for step in range(100)]
    assert rates[0] == pytest.approx(0.1) and rates[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in itertools.pairwise(rates[9:]))
    assert rates[-1] == pytest.approx(0.05, abs=1e-3)


def test_batches_cover_every_test_once_and_repeat_with_seed_and_epoch():
    lengths = np.random.default_rng(0).integers(5, 90, size=203)
    batches = epoch_batches(lengths, 16, seed=1, epoch=0)
    assert sorted(np.concatenate(batches)) == list(range(203))
    again = epoch_batches(lengths, 16, seed=1, epoch=0)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))
    later = epoch_batches(lengths, 16, seed=1, epoch=1)
    assert not all(np.array_equal(a, b) for a, b in zip(batches, later, strict=False))


def test_processes_get_equal_batch_counts_and_share_the_tests():
    lengths = np.random.default_rng(0).integers(5, 90, size=203)
    parts = [epoch_batches(lengths, 16, seed=0, epoch=3, rank=r, world_size=2) for r in (0, 1)]
    assert len(parts[0]) == len(parts[1])
    seen = np.concatenate([np.concatenate(p) for p in parts])
    assert set(seen) == set(range(203)) and len(seen) == 204  # one padding duplicate


def test_split_holds_out_whole_groups():
    groups = np.repeat([f"p{i}" for i in range(10)], 3)
    train, val = grouped_split(groups, 0.2, seed=0)
    assert len(set(groups[train]) & set(groups[val])) == 0
    assert len(set(groups[val])) == 2 and len(train) + len(val) == 30
    assert len(grouped_split(np.array(["only"] * 4), 0.2, seed=0)[1]) == 0
