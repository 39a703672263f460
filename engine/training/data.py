"""Training data: synthetic and experimental tests as tensors, splits, batches, normalisation.

Both sources become one `ConeExamples`: token ids per test, the test condition, the three
scalar targets (NaN where not measured) and the HRR curve on the model's time grid (NaN
rows where no curve exists). Missing targets are masked in the loss, never imputed.

Batches are drawn by a `DistributedSampler` (one process or many under torchrun, same
code) and then grouped by SMILES length inside shuffled pools, because padding is most
of the cost of a transformer step on a CPU: the synthetic SMILES run from 10 to 100
tokens, and a batch padded to its longest member wastes half its work.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DistributedSampler

from engine.model import SCALAR_TARGETS, TrinityConfig, TrinitySmilesTokenizer, split_smiles
from engine.trained_range import conditions_of

from .records import TokenReport

#: Tests per length-sorted pool, in batches: big enough to sort well, small enough to mix.
POOL_BATCHES = 50
#: Below this spread of log flux or log thickness, the data set has (nearly) one value and
#: the config's default spread is kept: dividing by a tiny spread would blow up any
#: other condition seen later.
MIN_CONDITION_LOG_STD = 0.1
#: A curve whose peak stays below this (a test that had not ignited within the grid) is
#: left out of the curve loss: the relative L2 distance to an all-zero curve is a
#: division by zero, and one such test would outweigh every other in its batch.
MIN_CURVE_PEAK_KW_M2 = 1.0


class TrainingDataError(ValueError):
    """Data that cannot be trained on, with the reason and what to do."""


@dataclass(frozen=True, eq=False)
class ConeExamples:
    """Tests ready for the model; arrays share their first axis (one entry per test).

    ``groups`` names the polymer of each test, so splits keep a polymer's tests together.
    """

    token_ids: tuple[np.ndarray, ...]
    heat_flux_kw_m2: np.ndarray
    thickness_mm: np.ndarray
    scalars: np.ndarray
    curves: np.ndarray
    groups: np.ndarray

    def __len__(self) -> int:
        return len(self.token_ids)

    @property
    def lengths(self) -> np.ndarray:
        return np.fromiter((len(t) for t in self.token_ids), dtype=np.int64, count=len(self))

    def subset(self, indices: np.ndarray) -> ConeExamples:
        indices = np.asarray(indices, dtype=np.int64)
        return ConeExamples(
            token_ids=tuple(self.token_ids[i] for i in indices),
            heat_flux_kw_m2=self.heat_flux_kw_m2[indices],
            thickness_mm=self.thickness_mm[indices],
            scalars=self.scalars[indices],
            curves=self.curves[indices],
            groups=self.groups[indices],
        )


def model_inputs(smiles: list[str]) -> list[str]:
    """What the model reads for each SMILES (`engine.identity.model_smiles`: smallest
    repeat unit, no stereo), each distinct SMILES reduced once; in training as in
    prediction, so ``*CC*`` and ``*CCCC*`` are one polymer to the model."""
    from engine.identity import model_smiles
    from engine.polymer import PolymerError, parse_polymer

    reduced: dict[str, str] = {}
    for s in smiles:
        if s not in reduced:
            try:
                reduced[s] = model_smiles(parse_polymer(s))
            except PolymerError:
                reduced[s] = s  # the tokenizer reports what it cannot read
    return [reduced[s] for s in smiles]


def tokenize(
    smiles: list[str], tokenizer: TrinitySmilesTokenizer
) -> tuple[tuple[np.ndarray, ...], TokenReport]:
    """Token ids per SMILES (each distinct SMILES encoded once) and the unknown tokens.

    The tokenizer should read unknown tokens as ``<unk>``; they are counted here so that
    a caller can warn instead of crashing on, say, an experimental polymer with an atom
    the synthetic set never had.
    """
    vocab = tokenizer.get_vocab()
    cache: dict[str, np.ndarray] = {}
    unknown: dict[str, int] = {}
    rows = 0
    ids = []
    for s in smiles:
        if s not in cache:
            cache[s] = np.asarray(tokenizer(s)["input_ids"], dtype=np.int64)
        missing = [t for t, _, ok in split_smiles(s) if not ok or t not in vocab]
        for t in missing:
            unknown[t] = unknown.get(t, 0) + 1
        rows += bool(missing)
        ids.append(cache[s])
    return tuple(ids), TokenReport(unknown, rows)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class TestTable:
    """Tests as read from a source, before tokenisation, with where they came from.

    ``provenance`` is what goes into the model directory's provenance.json.
    """

    frame: pd.DataFrame
    curves: np.ndarray
    time_grid_s: np.ndarray
    provenance: dict

    def examples(
        self, tokenizer: TrinitySmilesTokenizer
    ) -> tuple[ConeExamples, TokenReport]:
        token_ids, report = tokenize(model_inputs(list(self.frame["smiles"])), tokenizer)
        examples = ConeExamples(
            token_ids=token_ids,
            heat_flux_kw_m2=self.frame["heat_flux_kw_m2"].to_numpy(np.float32),
            thickness_mm=self.frame["thickness_mm"].to_numpy(np.float32),
            scalars=self.frame[list(SCALAR_TARGETS)].to_numpy(np.float32),
            curves=self.curves.astype(np.float32),
            groups=self.frame["group"].astype(str).to_numpy(),
        )
        return examples, report


def synthetic_tests(folder: str | Path) -> TestTable:
    """The ``ok`` rows of a synthetic data set, grouped by polymer id."""
    from engine.synthetic import load_synthetic, read_manifest

    folder = Path(folder)
    if not folder.is_dir():
        raise TrainingDataError(f"The data folder {folder} does not exist.")
    frame, grid = load_synthetic(folder)
    frame = frame[frame["status"] == "ok"].reset_index(drop=True)
    if frame.empty:
        raise TrainingDataError(f"{folder} holds no successful simulations to train on.")
    curves = np.stack(frame["hrr_curve_kw_m2"].to_numpy()).astype(np.float32)
    frame = frame.assign(group="polymer-" + frame["polymer_id"].astype(str))
    parts = sorted(folder.glob("part-*.parquet"))
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.name.encode())
        digest.update(file_sha256(part).encode())
    provenance = {
        "kind": "synthetic",
        "path": str(folder.resolve()),
        "manifest": read_manifest(folder),
        "parts": len(parts),
        "sha256": digest.hexdigest(),
        "rows_ok": len(frame),
        "polymers": int(frame["polymer_id"].nunique()),
        "conditions": conditions_of(frame["heat_flux_kw_m2"], frame["thickness_mm"]),
    }
    return TestTable(frame, curves, np.asarray(grid, dtype=float), provenance)


def experimental_tests(source: str | Path, time_grid_s: np.ndarray) -> TestTable:
    """Tests of an experimental CSV, or of the shipped data (``source="shipped"``).

    Curves are resampled onto ``time_grid_s`` (linear; zero after a test ends, since the
    specimen has burnt out); a row without a curve file has a NaN curve. Tests are
    grouped by canonical SMILES, so replicates and names of one polymer stay together.
    """
    from engine.cone.measured import read_cone_curve
    from engine.datasets import import_experimental_csv, shipped_tests
    from engine.resources import resource_path

    shipped = str(source) == "shipped"
    path = resource_path("data", "cone", "tests.csv") if shipped else Path(source)
    report = import_experimental_csv(path)
    accepted = report.accepted
    if shipped:
        # The importer numbers rows from line 2; keep those the shipped table includes.
        included = shipped_tests(included_only=False)["include"].eq("yes").to_numpy()
        accepted = accepted[included[accepted["line"].to_numpy() - 2]]
    accepted = accepted.reset_index(drop=True)
    if accepted.empty:
        first = report.rejected[0] if report.rejected else None
        why = f" (line {first.line}: {first.reason})" if first else ""
        raise TrainingDataError(f"{path.name} has no test that can be trained on{why}.")
    curves = np.full((len(accepted), len(time_grid_s)), np.nan, dtype=np.float32)
    for i, curve_file in enumerate(accepted["curve_file"]):
        if isinstance(curve_file, str) and curve_file:
            measured = read_cone_curve(curve_file)
            curves[i] = np.interp(time_grid_s, measured.time_s, measured.hrr_kw_m2, right=0.0)
    frame = accepted.assign(group=accepted["smiles"])
    provenance = {
        "kind": "shipped" if shipped else "experimental",
        "path": str(Path(path).resolve()),
        "sha256": file_sha256(Path(path)),
        "rows_accepted": len(frame),
        "rows_rejected": len(report.rejected),
        "rows_with_curve": int(np.isfinite(curves).all(axis=1).sum()),
        "polymers": int(frame["group"].nunique()),
        "conditions": conditions_of(frame["heat_flux_kw_m2"], frame["thickness_mm"]),
    }
    return TestTable(frame, curves, np.asarray(time_grid_s, dtype=float), provenance)


def grouped_split(
    groups: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices; whole groups go to validation, at least one if any.

    With a single group there is nothing to hold out (every test is that polymer), so
    the validation part is empty and training runs its full length.
    """
    names = np.unique(groups)
    count = min(math.ceil(fraction * len(names)), len(names) - 1) if fraction > 0 else 0
    held = set(np.random.default_rng(seed).permutation(names)[:count])
    in_val = np.fromiter((g in held for g in groups), dtype=bool, count=len(groups))
    return np.flatnonzero(~in_val), np.flatnonzero(in_val)


def apply_normalisation(config: TrinityConfig, examples: ConeExamples) -> None:
    """Fit the config's normalisation constants on ``examples`` (the training part).

    Targets: mean and spread of log values per target; curves: the median peak, so the
    curve head's output starts near 1. A target or condition the data cannot fit (no
    values, or one value) keeps the config's default.
    """
    means, stds = list(config.target_log_mean), list(config.target_log_std)
    for k in range(len(SCALAR_TARGETS)):
        values = examples.scalars[:, k]
        values = np.log(values[np.isfinite(values) & (values > 0)])
        if len(values) >= 2 and values.std() > 1e-3:
            means[k], stds[k] = float(values.mean()), float(values.std())
    config.target_log_mean, config.target_log_std = means, stds
    for name, values in (
        ("heat_flux", examples.heat_flux_kw_m2),
        ("thickness", examples.thickness_mm),
    ):
        logs = np.log(values.astype(np.float64))
        setattr(config, f"{name}_log_mean", float(logs.mean()))
        if logs.std() >= MIN_CONDITION_LOG_STD:
            setattr(config, f"{name}_log_std", float(logs.std()))
    present = np.isfinite(examples.curves).all(axis=1)
    if present.any():
        peak = float(np.median(examples.curves[present].max(axis=1)))
        if peak > 0:
            config.curve_scale_kw_m2 = peak


def epoch_batches(
    lengths: np.ndarray,
    batch_size: int,
    *,
    seed: int,
    epoch: int,
    rank: int = 0,
    world_size: int = 1,
) -> list[np.ndarray]:
    """This process's batches for one epoch, the same for the same seed and epoch.

    Every process gets the same number of batches (the sampler pads), which
    DistributedDataParallel needs: a process with a batch fewer would wait forever.
    """
    sampler = DistributedSampler(
        range(len(lengths)), num_replicas=world_size, rank=rank, shuffle=True, seed=seed
    )
    sampler.set_epoch(epoch)
    indices = np.fromiter(sampler, dtype=np.int64)
    pool = batch_size * POOL_BATCHES
    batches = []
    for start in range(0, len(indices), pool):
        chunk = indices[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    order = np.random.default_rng([seed, epoch]).permutation(len(batches))
    return [batches[i] for i in order]


def evaluation_batches(
    lengths: np.ndarray, batch_size: int, *, rank: int = 0, world_size: int = 1
) -> list[np.ndarray]:
    """Each test once across processes (no padding duplicates), sorted by length."""
    mine = np.argsort(lengths, kind="stable")[rank::world_size]
    return [mine[i : i + batch_size] for i in range(0, len(mine), batch_size)]


def collate(
    examples: ConeExamples, indices: np.ndarray, pad_id: int, device: torch.device
) -> dict[str, torch.Tensor]:
    """Keyword arguments of the model's forward for the tests at ``indices``."""
    ids = [examples.token_ids[i] for i in indices]
    width = max(len(t) for t in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, tokens in enumerate(ids):
        input_ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
    scalars = examples.scalars[indices]
    curves = examples.curves[indices]
    batch = {
        "input_ids": input_ids,
        "attention_mask": mask,
        "heat_flux_kw_m2": examples.heat_flux_kw_m2[indices],
        "thickness_mm": examples.thickness_mm[indices],
        "scalar_labels": scalars,
        "scalar_label_mask": np.isfinite(scalars) & (np.nan_to_num(scalars) > 0),
        "curve_labels": curves,
        "curve_label_mask": np.isfinite(curves).all(axis=1)
        & (np.nan_to_num(curves).max(axis=1) >= MIN_CURVE_PEAK_KW_M2),
    }
    return {k: torch.from_numpy(np.ascontiguousarray(v)).to(device) for k, v in batch.items()}


def with_grid(config: TrinityConfig, time_grid_s: np.ndarray) -> TrinityConfig:
    """Check that a data set's curve grid is uniform from 0 and set the config's to it."""
    grid = np.asarray(time_grid_s, dtype=float)
    steps = np.diff(grid)
    if len(grid) < 2 or grid[0] != 0 or not np.allclose(steps, steps[0]):
        raise TrainingDataError("The curves' time grid must be uniform and start at 0 s.")
    config.curve_points, config.curve_interval_s = len(grid), float(steps[0])
    return config

